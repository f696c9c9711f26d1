// Runs the roadwarden binary as a separate process, as a user would, capturing its output.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

/// Runs any program found on PATH with `args` and waits for it.
[[nodiscard]] CliResult run_program(const std::string& program,
                                    const std::vector<std::string>& args);

}  // namespace roadwarden::testing
