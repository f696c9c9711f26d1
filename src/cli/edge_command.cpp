#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/malloc_tuning.hpp"
#include "core/time.hpp"
#include "edge/agent.hpp"
#include "edge/site_config.hpp"

namespace roadwarden::cli {

void EdgeCommand::add_options(CLI::App& app) {
  app.add_option("--config", config, "Site configuration (TOML; see examples/site.toml)")
      ->required()
      ->check(CLI::ExistingFile);
}

int EdgeCommand::run() const {
  // Before any thread starts: one malloc arena, so freed frame buffers are reused by every
  // camera thread instead of parked per thread (core/malloc_tuning.hpp).
  (void)tune_malloc_for_frames(kAgentMallocArenas);
  // Logs go to stderr; stdout carries only the JSON summary.
  spdlog::set_default_logger(spdlog::stderr_color_mt("edge"));
  edge::SiteConfig site = edge::load_site_config(config);
  ReaderOptions reader;
  reader.engine = site.engine;
  reader.models_dir = site.models_dir.string();
  reader.alpr = site.alpr;
  reader.threads = site.threads;
  std::unique_ptr<alpr::Alpr> alpr;
  try {
    alpr = build_reader(reader);
  } catch (const IoError& e) {
    throw IoError(
        fmt::format("{}: [reader] cannot load the plate reader (set reader.models to "
                    "the models folder, or reader.engine = \"classic\"): {}",
                    config, e.what()));
  }

  // SIGINT / SIGTERM / SIGHUP (a closed terminal or SSH session) stop the agent cleanly
  // (queued frames and live tracks are spooled).
  // They are blocked here, before any thread starts, so only the waiter below receives them.
  // A server closing an HTTPS connection mid-write must not kill the agent (the uploader
  // sees the error and retries).
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // The waiter starts before the agent is built: opening the cameras can block (a FIFO, a hung
  // mount), and a signal must still end the process then. Before the agent exists there is
  // nothing to finish, so the first signal exits at once.
  std::atomic<edge::EdgeAgent*> running{nullptr};
  std::jthread waiter([&running, signals](std::stop_token stop) {
    const timespec poll{0, 200'000'000};
    bool stopping = false;
    while (!stop.stop_requested()) {
      if (sigtimedwait(&signals, nullptr, &poll) <= 0) continue;
      edge::EdgeAgent* agent = running.load();
      if (agent == nullptr || stopping) {
        // Still starting, or a second signal: leave now. The spool is crash-safe: every record
        // is whole or absent.
        static const char kMessage[] = "roadwarden edge: signal received, exiting at once\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        std::_Exit(130);
      }
      stopping = true;
      spdlog::info(
          "signal received: stopping (finishing queued frames and tracks; a second "
          "signal exits at once)");
      agent->stop();
    }
  });
  SystemClock clock;
  edge::EdgeAgent agent(std::move(site), std::move(alpr), clock);
  running = &agent;
  const edge::AgentSummary summary = agent.run();
  waiter.request_stop();
  waiter.join();

  nlohmann::json out = {{"spooled", summary.spooled}, {"purged", summary.purged}};
  int errors = 0;
  for (const auto& c : summary.cameras) {
    out["cameras"].push_back({{"id", c.id},
                              {"frames_in", c.frames_in},
                              {"frames_dropped", c.frames_dropped},
                              {"frames_read", c.frames_read},
                              {"passes", c.passes},
                              {"errors", c.errors},
                              {"violations", c.violations},
                              {"undecidable", c.undecidable},
                              {"decode_errors", c.decode_errors}});
    errors += c.errors > 0 || c.decode_errors > 0;
  }
  if (summary.rules) {
    out["rules"] = {{"curfew_violations", summary.rules->curfew_violations},
                    {"section_violations", summary.rules->section_violations},
                    {"section_entries_expired", summary.rules->section_entries_expired},
                    {"section_exits_without_entry", summary.rules->section_exits_without_entry},
                    {"section_pending", summary.rules->section_pending},
                    {"seatbelt", summary.rules->seatbelt}};
  }
  std::cout << out.dump() << std::endl;
  if (!std::cout) {  // closed or full stdout: the caller would never see the summary
    spdlog::error("the run summary could not be written to stdout");
    return 1;
  }
  return errors ? 1 : 0;
}

}  // namespace roadwarden::cli
