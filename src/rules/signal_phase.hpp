// Signal phases from the traffic controller: the line format of the phase feed (live and
// replay files share it; specified in docs/signal-feed.md), its strict parser, and the
// per-approach PhaseTimeline the red-light rule asks "what was the phase at time t, and since
// when?".
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace roadwarden::rules {

/// The signal phase shown to one approach, as far as roadwarden knows it.
enum class SignalPhase { green, amber, red, unknown };

/// "green", "amber", "red" or "unknown".
[[nodiscard]] std::string_view to_string(SignalPhase phase);

/// What one feed line reports for an approach. `off` (signal dark) and `flash` (flashing
/// amber or red: the controller is not cycling) both mean the phase is unknown to the rules.
enum class ControllerState { green, amber, red, off, flash };

/// "green", "amber", "red", "off" or "flash" (the words of the feed format).
[[nodiscard]] std::string_view to_string(ControllerState state);

/// The signal phase a controller state stands for: off and flash give unknown.
[[nodiscard]] SignalPhase phase_of(ControllerState state);

/// One line of the phase feed: from `at` (UTC, ms) the controller shows `state` to
/// `approach`. A line that repeats the approach's current state is a heartbeat: it starts no
/// new interval, it only shows the feed is alive.
struct PhaseChange {
  UtcTime at;
  /// Approach id: 1–64 characters of A–Z, a–z, 0–9, '_', '-', '.'.
  std::string approach;
  ControllerState state = ControllerState::off;
  /// 1-based line number in the feed or replay file it came from; 0 when built in code.
  std::size_t line = 0;
  friend bool operator==(const PhaseChange&, const PhaseChange&) = default;
};

/// True when `id` is a valid approach id (1–64 characters of A–Z, a–z, 0–9, '_', '-', '.').
[[nodiscard]] bool valid_approach_id(std::string_view id);

/// Parses "YYYY-MM-DDTHH:MM:SS.mmmZ" (RFC 3339, UTC, exactly three fractional digits, no
/// leap second) into Unix ms. std::nullopt when the text is anything else (including an
/// impossible date such as 2026-02-30).
[[nodiscard]] std::optional<UtcTime> parse_feed_time(std::string_view text);

/// Parses one feed line (docs/signal-feed.md): `<time> <approach> <state>` separated by
/// spaces or tabs, optional trailing whitespace and '\r'. Returns std::nullopt for a blank
/// line or a comment (first non-blank character '#'). Throws InvalidInput
/// "signal feed line N: …" naming `line_number` and what is wrong (field count, time,
/// approach id, state word). Thread-safe (pure function); usable line by line on a live feed.
[[nodiscard]] std::optional<PhaseChange> parse_phase_line(std::string_view line,
                                                          std::size_t line_number);

/// Parses a whole feed text ('\n'-separated lines, numbered from 1) into its phase changes
/// in file order. Besides every line check of parse_phase_line, times must not decrease
/// within one approach (InvalidInput naming the line and the earlier line it contradicts);
/// approaches may interleave. An empty text gives an empty vector.
[[nodiscard]] std::vector<PhaseChange> parse_phase_feed(std::string_view text);

/// Reads a replay file (the feed format, docs/signal-feed.md) and parses it as
/// parse_phase_feed does. IoError when the file cannot be read; InvalidInput
/// "<path>: signal feed line N: …" when its content is malformed.
[[nodiscard]] std::vector<PhaseChange> load_phase_replay(const std::filesystem::path& path);

/// The phase of one approach at one instant, with the intervals around it.
struct PhaseAt {
  SignalPhase phase = SignalPhase::unknown;
  /// When phase is unknown: why ("no phase reported before …", "feed silent for 4.200 s
  /// (limit 3.000 s)", "controller reports flash", "controller reports off").
  std::string unknown_reason;
  /// Start of the current interval of `phase` (for red: the red onset), UTC. std::nullopt
  /// when the interval began at the start of the feed or right after a silent gap, so its
  /// true start is not known. Always std::nullopt when phase is unknown.
  std::optional<UtcTime> since;
  /// The phase of the interval just before (unknown when it was off/flash, or when no line
  /// or only a silent gap precedes `since`).
  SignalPhase previous = SignalPhase::unknown;
  /// Start of that previous interval; std::nullopt when not known (as for `since`).
  std::optional<UtcTime> previous_since;
};

/// The phase history of one approach, built from feed lines in time order.
///
/// Semantics (docs/signal-feed.md): a line's state holds from its time (inclusive) until the
/// next line of the approach; of several lines at the same millisecond the last one wins.
/// The phase at t is unknown before the first line, when the last line at or before t is
/// more than `max_silence_ms` older than t (the feed went silent: a controller must repeat
/// its state as a heartbeat at least that often), and while the controller reports off or
/// flash. A gap longer than `max_silence_ms` between two lines also cuts an interval: what
/// follows the gap has no known start.
///
/// Memory grows with the lines added; a live agent calls drop_before() as time passes.
/// Threading: not thread-safe; one timeline per approach, owned by the thread that feeds it
/// (queries are const and may run concurrently with each other, not with add()).
class PhaseTimeline {
 public:
  /// An empty timeline of `approach` (InvalidInput when not a valid approach id).
  explicit PhaseTimeline(std::string approach);
  /// A timeline of `approach` from the lines of a parsed feed or replay file; lines of other
  /// approaches are skipped. InvalidInput as for add().
  [[nodiscard]] static PhaseTimeline from_changes(std::string approach,
                                                  const std::vector<PhaseChange>& changes);

  /// Appends one line. Returns false (and keeps nothing) when it belongs to another
  /// approach. InvalidInput when its time is earlier than the last line added (naming both
  /// line numbers).
  bool add(const PhaseChange& change);
  /// Forgets lines older than `t`, except the last line at or before `t` and the lines of
  /// the two intervals that end with it (so queries at or after t still see the onset and
  /// the amber before a red).
  void drop_before(UtcTime t);

  /// The phase at `t` (UTC) with `max_silence_ms` (> 0; InvalidInput otherwise) as the
  /// longest accepted gap between lines. O(log n + length of the two intervals in lines).
  [[nodiscard]] PhaseAt at(UtcTime t, std::int64_t max_silence_ms) const;

  [[nodiscard]] const std::string& approach() const { return approach_; }
  /// Number of lines held.
  [[nodiscard]] std::size_t size() const { return changes_.size(); }

 private:
  struct Entry {
    std::int64_t at_ms;
    ControllerState state;
    std::size_t line;
  };
  /// Index of the first line of the run of equal states ending at `last`, walking back
  /// while gaps stay within max_silence_ms.
  [[nodiscard]] std::size_t run_start(std::size_t last, std::int64_t max_silence_ms) const;

  std::string approach_;
  std::vector<Entry> changes_;  // times non-decreasing
};

}  // namespace roadwarden::rules
