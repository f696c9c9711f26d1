#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"

namespace roadwarden::cli {

void EdgeLauncher::add_to(CLI::App& app, int& /*status*/) {
  CLI::App* cmd = app.add_subcommand(
      "edge",
      "Run the camera agent of one site: read plates from its cameras, track vehicles, spool "
      "one plate read per vehicle pass with its evidence, upload to the server if configured "
      "(--config SITE.toml; `roadwarden edge --help` for its options)");
  // Everything after `edge`, --help included, belongs to roadwarden-edge.
  cmd->set_help_flag();
  cmd->allow_extras();
  cmd->prefix_command();
  cmd->callback([cmd] { exec(cmd->remaining()); });
}

void EdgeLauncher::exec(const std::vector<std::string>& args) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw IoError(fmt::format("cannot find the running executable: {}", ec.message()));
  const std::filesystem::path agent = self.parent_path() / "roadwarden-edge";
  std::vector<std::string> storage;
  storage.reserve(args.size() + 1);
  storage.push_back(agent.string());
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(agent.c_str(), argv.data());
  throw IoError(
      fmt::format("cannot run the camera agent {}: {}", agent.string(), std::strerror(errno)));
}

}  // namespace roadwarden::cli
