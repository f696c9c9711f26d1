#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/read_runner.hpp"
#include "core/errors.hpp"
#include "eval/manifest.hpp"

extern char** environ;

namespace roadwarden::cli {
namespace {

namespace fs = std::filesystem;

// Draws "[#####.....]  45/81" on stderr, in place when stderr is a terminal.
void progress(std::size_t done, std::size_t total) {
  constexpr std::size_t kWidth = 30;
  const std::size_t filled = total ? done * kWidth / total : kWidth;
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (!tty && done != total && done % 25 != 0) return;
  std::cerr << (tty ? "\r" : "") << '[' << std::string(filled, '#')
            << std::string(kWidth - filled, '.') << "] " << done << '/' << total
            << (tty && done != total ? "" : "\n") << std::flush;
}

// Runs `python3 scorer manifest predictions`, its output going to ours. Returns its status.
int run_scorer(const std::string& scorer, const std::string& manifest, const std::string& pred) {
  std::vector<std::string> args = {"python3", scorer, manifest, pred};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, "python3", nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Creates an empty, new file for the predictions in the temp folder (O_EXCL, mode 0600, so
// nothing another user planted there is followed or overwritten) and returns its path.
std::string unique_temp_file(const std::string& set) {
  std::error_code ec;
  fs::path dir = fs::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string path = (dir / fmt::format("roadwarden-bench-{}-XXXXXX.jsonl", set)).string();
  const int fd = ::mkstemps(path.data(), 6);
  if (fd < 0) throw IoError(fmt::format("cannot create a predictions file in {}", dir.string()));
  ::close(fd);
  return path;
}

// The reference scorer of the shared benchmarks, used only where the manifest sits in the
// shared layout (<shared>/data/benchmarks/<set>/manifest.csv) and the scorer is a regular
// file owned by root or by us and not writable by others: roadwarden never runs a script
// someone else could have planted. Returns an empty path when there is none.
fs::path shared_scorer(const fs::path& manifest_dir) {
  const fs::path dir = fs::absolute(manifest_dir).lexically_normal();
  if (dir.parent_path().filename() != "benchmarks" ||
      dir.parent_path().parent_path().filename() != "data") {
    return {};
  }
  const fs::path p = dir.parent_path().parent_path().parent_path() / "tools" / "score_alpr.py";
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
  if ((st.st_uid != 0 && st.st_uid != ::geteuid()) || (st.st_mode & (S_IWGRP | S_IWOTH))) return {};
  return p;
}

}  // namespace

void BenchCommand::add_to(CLI::App& app, int& status) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Run the reader over a benchmark manifest and print read %, detected %, median ms");
  add_reader_options(*cmd, reader);
  cmd->add_option("manifest", manifest, "manifest.csv (image,source,country,x1..y4,text)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", out, "Write predictions (JSON Lines) here [default: a temp file]");
  cmd->add_option("--scorer", scorer,
                  "score_alpr.py to score with [default: the shared benchmarks' "
                  "tools/score_alpr.py when the manifest is in data/benchmarks/<set>/]")
      ->check(CLI::ExistingFile);
  cmd->callback([this, &status] { status = run(); });
}

int BenchCommand::run() const {
  const eval::Manifest m = eval::load_manifest(manifest);
  const std::unique_ptr<alpr::Alpr> alpr = build_reader(reader);
  const std::string out_path = out.empty() ? unique_temp_file(m.root.filename().string()) : out;
  std::ofstream pred(out_path, std::ios::trunc);
  if (!pred) throw IoError(fmt::format("{}: cannot write predictions", out_path));

  const std::vector<std::string> images = m.images();
  std::vector<alpr::ReadResult> results;
  int failures = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Input input{m.root / images[i], InputKind::Image, ""};
    failures += !read_input(*alpr, input, RunOptions{}, [&](alpr::ReadResult&& r) {
      if (r.error) std::cerr << "roadwarden: " << alpr::to_text_line(r) << '\n';
      pred << alpr::to_json_line(r) << '\n';
      results.push_back(std::move(r));
    });
    progress(i + 1, images.size());
  }
  pred.close();
  if (!pred) throw IoError(fmt::format("{}: write failed", out_path));
  std::cout << "predictions: " << out_path << '\n';

  const fs::path scorer_path = scorer.empty() ? shared_scorer(m.root) : fs::path(scorer);
  if (!scorer_path.empty()) {
    std::cout << "scored by " << scorer_path.lexically_normal().string() << ":\n" << std::flush;
    const int rc = run_scorer(scorer_path.string(), manifest, out_path);
    if (rc != 0) {
      std::cerr << "roadwarden: scorer failed (status " << rc << ")\n";
      return 1;
    }
  } else {
    const eval::Score s = eval::score(m, results);
    std::cout << fmt::format("read={:.2f}% detected={:.2f}% plates={} ms_median={:.2f}\n",
                             s.read_pct(), s.detected_pct(), s.plates, s.ms_median.value_or(0));
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace roadwarden::cli
