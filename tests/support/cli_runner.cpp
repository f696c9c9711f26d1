#include "support/cli_runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/paths.hpp"

extern char** environ;

namespace roadwarden::testing {
namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Starts `program` (a path, or a name found on PATH) with `args`, stdin from /dev/null,
/// stdout and stderr into `dir`/stdout and `dir`/stderr; returns its pid.
pid_t spawn_with_output_files(const std::string& program, const std::vector<std::string>& args,
                              const std::filesystem::path& dir) {
  const auto out = dir / "stdout", err = dir / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> all = {program};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program);
  return pid;
}

}  // namespace

std::vector<nlohmann::json> CliResult::json_lines() const {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

CliResult run_program(const std::string& program, const std::vector<std::string>& args) {
  TempDir dir;
  const pid_t pid = spawn_with_output_files(program, args, dir.path());
  int status = 0;
  waitpid(pid, &status, 0);
  return CliResult{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir.path() / "stdout"),
                   slurp(dir.path() / "stderr")};
}

CliResult run_cli(const std::vector<std::string>& args) {
  return run_program(ROADWARDEN_CLI, args);
}

BackgroundCli::BackgroundCli(const std::vector<std::string>& args)
    : pid_(spawn_with_output_files(ROADWARDEN_CLI, args, dir_.path())) {}

BackgroundCli::~BackgroundCli() {
  if (pid_ > 0) (void)stop();
}

std::string BackgroundCli::err_so_far() const {
  return slurp(dir_.path() / "stderr");
}

bool BackgroundCli::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
    return false;
  }
  return true;
}

CliResult BackgroundCli::stop(int signal) {
  if (pid_ > 0) {
    ::kill(pid_, signal);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    result_.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
  }
  result_.out = slurp(dir_.path() / "stdout");
  result_.err = slurp(dir_.path() / "stderr");
  return result_;
}

}  // namespace roadwarden::testing
