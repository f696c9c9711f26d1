// `roadwarden`: the command-line entry point. Errors of every kind are turned into a message
// on stderr and an exit status here, and nowhere else.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/malloc_tuning.hpp"

int main(int argc, char** argv) {
  // Frame-sized buffers reused from the heap (core/malloc_tuning.hpp); `edge` also limits the
  // arenas before its threads start.
  (void)roadwarden::tune_malloc_for_frames();
  CLI::App app{"roadwarden: licence plate reading and traffic enforcement"};
  app.require_subcommand(1);
  int status = 0;
  roadwarden::cli::ReadCommand read;
  roadwarden::cli::BenchCommand bench;
  roadwarden::cli::EdgeLauncher edge;
  roadwarden::cli::AdminCommand admin;
  roadwarden::cli::ServerCommand server;
  read.add_to(app, status);
  bench.add_to(app, status);
  edge.add_to(app, status);
  admin.add_to(app, status);
  server.add_to(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const roadwarden::Error& e) {
    std::cerr << "roadwarden: " << e.what() << '\n';
    return 2;
  }
  return status;
}
