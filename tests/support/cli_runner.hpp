// Runs the roadwarden binary as a separate process, as a user would, capturing its output.
#pragma once

#include <csignal>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/paths.hpp"

namespace roadwarden::testing {

/// What a finished process left behind.
struct CliResult {
  int status = -1;  ///< exit status, or -1 when killed by a signal
  std::string out;  ///< everything written to stdout
  std::string err;  ///< everything written to stderr
  /// stdout parsed as JSON Lines (throws nlohmann::json::parse_error on an invalid line).
  [[nodiscard]] std::vector<nlohmann::json> json_lines() const;
};

/// Runs `roadwarden ARGS...` (the binary built with the tests) and waits for it.
[[nodiscard]] CliResult run_cli(const std::vector<std::string>& args);

/// `roadwarden ARGS...` running in the background (a server), its output going to files.
/// The destructor stops it (SIGTERM, then SIGKILL after 10 s) if stop() was not called.
class BackgroundCli {
 public:
  explicit BackgroundCli(const std::vector<std::string>& args);
  ~BackgroundCli();
  BackgroundCli(const BackgroundCli&) = delete;
  BackgroundCli& operator=(const BackgroundCli&) = delete;
  /// Everything the process has written to stderr so far.
  [[nodiscard]] std::string err_so_far() const;
  /// True while the process has not exited.
  [[nodiscard]] bool running();
  /// Sends `signal` (SIGTERM by default), waits (SIGKILL after 10 s) and returns what it left
  /// behind.
  CliResult stop(int signal = SIGTERM);

 private:
  TempDir dir_;
  int pid_ = -1;
  CliResult result_;
};

/// Runs any program found on PATH with `args` and waits for it.
[[nodiscard]] CliResult run_program(const std::string& program,
                                    const std::vector<std::string>& args);

}  // namespace roadwarden::testing
