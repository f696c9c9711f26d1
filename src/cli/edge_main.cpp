// `roadwarden-edge`: the camera agent's own executable (see EdgeCommand in cli/commands.hpp).
// Errors of every kind become a message on stderr and an exit status here, as in main.cpp.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "roadwarden edge: run the camera agent of one site: read plates from its cameras, track "
      "vehicles, spool one plate read per vehicle pass with its evidence, upload to the server "
      "if configured",
      "roadwarden edge"};
  roadwarden::cli::EdgeCommand edge;
  edge.add_options(app);
  try {
    app.parse(argc, argv);
    return edge.run();
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const roadwarden::Error& e) {
    std::cerr << "roadwarden edge: " << e.what() << '\n';
    return 2;
  }
}
