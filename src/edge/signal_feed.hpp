// The signal-phase feed of a site, as the camera agent sees it: either a replay file recorded
// from the controller, or a live line-based TCP connection to it (both in the format of
// docs/signal-feed.md). It keeps one rules::PhaseTimeline per approach and judges tracks
// against them (rules::RedLightRule).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "rules/red_light.hpp"
#include "rules/signal_phase.hpp"
#include "video/backoff.hpp"

namespace roadwarden::edge {

/// Where the phases come from (the [signal] table of site.toml).
struct SignalFeedOptions {
  /// Replay file (docs/signal-feed.md; times as recorded, UTC) ...
  std::filesystem::path replay;
  /// ... or the live feed "host:port" (TCP; host a name or an IPv4 address, port 1..65535).
  /// Exactly one of the two.
  std::string feed;
  /// Live feed reconnect delays (video::Backoff), ms; defaults 500 and 30000.
  video::BackoffPolicy backoff{500, 30000, 0.2};
  /// Live feed: connect timeout, ms, [100, 60000]; default 5000.
  int connect_timeout_ms = 5000;
  /// Live feed: lines older than this (relative to the newest line of their approach) are
  /// forgotten (PhaseTimeline::drop_before), ms, [60000, 86400000]; default 600000 (10 min:
  /// far longer than any track plus the tracker's and merger's delays).
  std::int64_t keep_ms = 600000;
};

/// Counters of a live feed (read from any thread).
struct SignalFeedStats {
  std::uint64_t lines = 0;        ///< phase lines added
  std::uint64_t bad_lines = 0;    ///< malformed or over-long lines (each closes the
                                  ///< connection; logged)
  std::uint64_t connects = 0;     ///< successful connections
  std::uint64_t disconnects = 0;  ///< connection failures and losses
  /// Lines earlier than their approach's previous line (the controller's clock stepped back,
  /// or an earlier line was in the future): the approach's history restarts there (logged).
  std::uint64_t restarts = 0;
};

/// The phase timelines of a site, fed from a replay file or a live controller connection.
///
/// Live feed: a thread connects to `host:port`, reads '\n'-terminated lines (at most 4096
/// bytes), parses each with rules::parse_phase_line and adds it to its approach's timeline.
/// A malformed line, an over-long one or one earlier than its approach's last closes the
/// connection (logged with the reason and the line number of the connection): the feed is
/// not trusted past a line it could not use (docs/signal-feed.md). When the connection fails,
/// drops or is closed so, it reconnects after video::Backoff delays; meanwhile no lines
/// arrive, so the phase becomes unknown after each rule's feed_max_silence_ms (a dropped feed
/// is never taken for a phase). Lines of approaches no rule uses are kept too (cheap).
///
/// Threading: judge(), add() and stats() are thread-safe (one mutex guards the timelines;
/// judge() holds it while the rule runs, a few microseconds). start()/stop() from the
/// agent's thread.
class SignalFeed {
 public:
  /// Validates the options (InvalidInput naming "signal.replay" / "signal.feed"); a replay
  /// file is read and parsed here (IoError, InvalidInput "<file>: signal feed line N: …").
  /// A live feed does not connect until start().
  explicit SignalFeed(SignalFeedOptions options);
  ~SignalFeed();
  SignalFeed(const SignalFeed&) = delete;
  SignalFeed& operator=(const SignalFeed&) = delete;

  /// Live feed: starts the connection thread. No effect for a replay.
  void start();
  /// Live feed: closes the connection and joins the thread (within about 200 ms).
  void stop();

  /// Adds one phase line (from the live connection, or from a test). Throws InvalidInput when
  /// its time is earlier than the last line of its approach.
  void add(const rules::PhaseChange& change);

  /// rule.judge(track, timeline of rule's approach, video) under the mutex; an approach
  /// without any line is judged against an empty timeline (phase unknown: undecidable).
  [[nodiscard]] rules::RedLightDecision judge(
      const rules::RedLightRule& rule, const rules::TrackObservations& track,
      const std::optional<rules::VideoSignalObservations>& video = std::nullopt) const;

  [[nodiscard]] SignalFeedStats stats() const;
  /// "replay <path>" or "feed host:port".
  [[nodiscard]] std::string describe() const;

 private:
  void run(std::stop_token stop);

  SignalFeedOptions options_;
  std::string host_;
  std::string port_;
  mutable std::mutex mutex_;
  std::map<std::string, rules::PhaseTimeline> timelines_;  // guarded by mutex_
  std::atomic<std::uint64_t> lines_{0};
  std::atomic<std::uint64_t> bad_lines_{0};
  std::atomic<std::uint64_t> restarts_{0};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> disconnects_{0};
  std::jthread thread_;
};

}  // namespace roadwarden::edge
