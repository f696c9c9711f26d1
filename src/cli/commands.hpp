// The `roadwarden` subcommands. Each registers itself on a CLI11 app and returns the
// process exit status from its run function; roadwarden::Error is reported at main().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "alpr/alpr.hpp"

namespace roadwarden::cli {

/// Options shared by the commands that run the plate reader.
struct ReaderOptions {
  std::string engine = "learned";
  /// Folder of the learned models; empty = alpr::find_models_dir().
  std::string models_dir;
  alpr::AlprOptions alpr;
  /// Threads OpenCV and Tesseract may use, >= 1; 0 leaves their defaults.
  int threads = 0;
};

/// Adds --engine, --models, --country, --top-n, --min-confidence and --threads to `cmd`.
void add_reader_options(CLI::App& cmd, ReaderOptions& options);

/// Applies the thread limit and builds the engine (throws roadwarden::Error).
[[nodiscard]] std::unique_ptr<alpr::Alpr> build_reader(const ReaderOptions& options);

/// `roadwarden read`: reads plates in images, folders and videos. Returns the exit status.
struct ReadCommand {
  ReaderOptions reader;
  std::string format = "jsonl";
  std::string store_path;
  int every = 1;
  std::vector<std::string> paths;

  void add_to(CLI::App& app, int& status);
  [[nodiscard]] int run() const;
};

/// `roadwarden bench`: runs the reader over a benchmark manifest and scores it.
struct BenchCommand {
  ReaderOptions reader;
  std::string manifest;
  std::string out;
  std::string scorer;

  void add_to(CLI::App& app, int& status);
  [[nodiscard]] int run() const;
};

/// `roadwarden edge`: the camera agent of one site (src/edge/agent.hpp). Prints a JSON summary
/// on stdout when it ends (all file sources done, or SIGINT / SIGTERM); exit 1 when a camera
/// had errors.
///
/// It runs as its own executable, `roadwarden-edge` (edge_main.cpp), which links only what the
/// agent needs: no OpenCV imgcodecs/videoio (and the GDAL, DICOM, PDF … decoders behind them),
/// no server, no PostgreSQL client. `roadwarden edge ARGS` execs it (EdgeLauncher).
struct EdgeCommand {
  std::string config;

  /// Adds --config to `app` (the roadwarden-edge command line).
  void add_options(CLI::App& app);
  [[nodiscard]] int run() const;
};

/// `roadwarden edge ARGS…`: replaces this process with `roadwarden-edge ARGS…` from the folder
/// of the running executable (/proc/self/exe), so the agent keeps this process's id and signals
/// but not its libraries. Throws IoError when roadwarden-edge is missing or cannot be executed.
struct EdgeLauncher {
  void add_to(CLI::App& app, int& status);
  [[noreturn]] static void exec(const std::vector<std::string>& args);
};

/// `roadwarden admin init | enrol-device | revoke-device | verify-audit`: administration of
/// a server data directory (server/admin_init.hpp). init prints the first admin's password
/// and TOTP enrolment once on stdout; nothing secret is logged.
struct AdminCommand {
  std::string data_dir;
  std::vector<std::string> hosts;
  std::string admin_name = "admin";
  std::string database;  ///< init --database: "" = SQLite, else a PostgreSQL URI
  std::string camera;
  std::string out_dir;
  std::string serial;
  std::vector<std::string> anchors;  ///< verify-audit --anchor SEQ:HASH

  void add_to(CLI::App& app, int& status);
  [[nodiscard]] int run_init() const;
  [[nodiscard]] int run_enrol() const;
  [[nodiscard]] int run_revoke() const;
  /// Exit 0 when the audit chain is intact, 1 with each problem printed.
  [[nodiscard]] int run_verify() const;
};

/// `roadwarden server --data DATA_DIR`: serves until SIGINT / SIGTERM.
struct ServerCommand {
  std::string data_dir;

  void add_to(CLI::App& app, int& status);
  [[nodiscard]] int run() const;
};

}  // namespace roadwarden::cli
