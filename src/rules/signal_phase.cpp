#include "rules/signal_phase.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::rules {

namespace {

bool blank(char c) {
  return c == ' ' || c == '\t';
}

/// Splits on runs of spaces/tabs.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<ControllerState> parse_state(std::string_view word) {
  if (word == "green") return ControllerState::green;
  if (word == "amber") return ControllerState::amber;
  if (word == "red") return ControllerState::red;
  if (word == "off") return ControllerState::off;
  if (word == "flash") return ControllerState::flash;
  return std::nullopt;
}

std::string seconds(std::int64_t ms) {
  return fmt::format("{:.3f} s", static_cast<double>(ms) / 1000.0);
}

}  // namespace

std::string_view to_string(SignalPhase phase) {
  switch (phase) {
    case SignalPhase::green:
      return "green";
    case SignalPhase::amber:
      return "amber";
    case SignalPhase::red:
      return "red";
    case SignalPhase::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string_view to_string(ControllerState state) {
  switch (state) {
    case ControllerState::green:
      return "green";
    case ControllerState::amber:
      return "amber";
    case ControllerState::red:
      return "red";
    case ControllerState::off:
      return "off";
    case ControllerState::flash:
      return "flash";
  }
  return "off";
}

SignalPhase phase_of(ControllerState state) {
  switch (state) {
    case ControllerState::green:
      return SignalPhase::green;
    case ControllerState::amber:
      return SignalPhase::amber;
    case ControllerState::red:
      return SignalPhase::red;
    case ControllerState::off:
    case ControllerState::flash:
      return SignalPhase::unknown;
  }
  return SignalPhase::unknown;
}

bool valid_approach_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

std::optional<UtcTime> parse_feed_time(std::string_view text) {
  return parse_rfc3339(text, Rfc3339Form::utc_milliseconds);
}

std::optional<PhaseChange> parse_phase_line(std::string_view line, std::size_t line_number) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto bad = [&](const std::string& what) {
    return InvalidInput(fmt::format("signal feed line {}: {}.", line_number, what));
  };
  const auto parts = fields(line);
  if (parts.empty() || parts.front().front() == '#') return std::nullopt;
  if (parts.size() != 3) {
    throw bad(fmt::format("expected '<time> <approach> <state>', found {} field{}", parts.size(),
                          parts.size() == 1 ? "" : "s"));
  }
  const auto at = parse_feed_time(parts[0]);
  if (!at) {
    throw bad(
        fmt::format("time '{}' is not RFC 3339 UTC with milliseconds, e.g. "
                    "2026-11-29T20:55:42.123Z",
                    parts[0]));
  }
  if (!valid_approach_id(parts[1])) {
    throw bad(
        fmt::format("approach id '{}' is not 1-64 characters of A-Z a-z 0-9 _ - .", parts[1]));
  }
  const auto state = parse_state(parts[2]);
  if (!state) {
    throw bad(fmt::format("state '{}' is not one of green, amber, red, off, flash", parts[2]));
  }
  return PhaseChange{*at, std::string(parts[1]), *state, line_number};
}

std::vector<PhaseChange> parse_phase_feed(std::string_view text) {
  std::vector<PhaseChange> out;
  std::map<std::string, std::size_t, std::less<>> last_index;  // approach -> index in out
  std::size_t line_number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    ++line_number;
    if (auto change = parse_phase_line(text.substr(pos, end - pos), line_number)) {
      const auto it = last_index.find(change->approach);
      if (it != last_index.end() && change->at < out[it->second].at) {
        const PhaseChange& earlier = out[it->second];
        throw InvalidInput(fmt::format(
            "signal feed line {}: time {} of approach '{}' is earlier than {} on line {}; "
            "lines of one approach must be in time order.",
            line_number, to_iso8601(change->at), change->approach, to_iso8601(earlier.at),
            earlier.line));
      }
      last_index[change->approach] = out.size();
      out.push_back(std::move(*change));
    }
    pos = end + 1;
  }
  return out;
}

std::vector<PhaseChange> load_phase_replay(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot open signal replay file {}.", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("cannot read signal replay file {}.", path.string()));
  try {
    return parse_phase_feed(text.str());
  } catch (const InvalidInput& e) {
    throw InvalidInput(fmt::format("{}: {}", path.string(), e.what()));
  }
}

// ---- PhaseTimeline ---------------------------------------------------------------------

PhaseTimeline::PhaseTimeline(std::string approach) : approach_(std::move(approach)) {
  if (!valid_approach_id(approach_)) {
    throw InvalidInput(
        fmt::format("approach id '{}' is not 1-64 characters of A-Z a-z 0-9 _ - .", approach_));
  }
}

PhaseTimeline PhaseTimeline::from_changes(std::string approach,
                                          const std::vector<PhaseChange>& changes) {
  PhaseTimeline timeline(std::move(approach));
  for (const auto& change : changes) timeline.add(change);
  return timeline;
}

bool PhaseTimeline::add(const PhaseChange& change) {
  if (change.approach != approach_) return false;
  if (!changes_.empty() && change.at.unix_ms < changes_.back().at_ms) {
    throw InvalidInput(fmt::format(
        "signal feed line {}: time {} of approach '{}' is earlier than {} on line {}; lines "
        "of one approach must be in time order.",
        change.line, to_iso8601(change.at), approach_, to_iso8601(UtcTime{changes_.back().at_ms}),
        changes_.back().line));
  }
  changes_.push_back(Entry{change.at.unix_ms, change.state, change.line});
  return true;
}

void PhaseTimeline::drop_before(UtcTime t) {
  const auto it = std::upper_bound(changes_.begin(), changes_.end(), t.unix_ms,
                                   [](std::int64_t v, const Entry& e) { return v < e.at_ms; });
  if (it == changes_.begin()) return;
  std::size_t keep = static_cast<std::size_t>(std::distance(changes_.begin(), it)) - 1;
  // Back over the current run, the previous run, and one line before it (ignoring gaps: a
  // superset of what any max_silence needs).
  for (int run = 0; run < 2 && keep > 0; ++run) {
    const ControllerState state = changes_[keep].state;
    while (keep > 0 && changes_[keep - 1].state == state) --keep;
    if (keep > 0) --keep;
  }
  changes_.erase(changes_.begin(), changes_.begin() + static_cast<std::ptrdiff_t>(keep));
}

std::size_t PhaseTimeline::run_start(std::size_t last, std::int64_t max_silence_ms) const {
  std::size_t j = last;
  while (j > 0 && changes_[j - 1].state == changes_[last].state &&
         changes_[j].at_ms - changes_[j - 1].at_ms <= max_silence_ms) {
    --j;
  }
  return j;
}

PhaseAt PhaseTimeline::at(UtcTime t, std::int64_t max_silence_ms) const {
  if (max_silence_ms <= 0) {
    throw InvalidInput(fmt::format("max_silence_ms must be > 0, got {}.", max_silence_ms));
  }
  PhaseAt out;
  const auto it = std::upper_bound(changes_.begin(), changes_.end(), t.unix_ms,
                                   [](std::int64_t v, const Entry& e) { return v < e.at_ms; });
  if (it == changes_.begin()) {
    out.unknown_reason = fmt::format("no phase reported for approach '{}' at or before {}",
                                     approach_, to_iso8601(t));
    return out;
  }
  const auto last = static_cast<std::size_t>(std::distance(changes_.begin(), it)) - 1;
  const Entry& e = changes_[last];
  if (t.unix_ms - e.at_ms > max_silence_ms) {
    out.unknown_reason = fmt::format("feed silent for {} (limit {}) since line {}",
                                     seconds(t.unix_ms - e.at_ms), seconds(max_silence_ms), e.line);
    return out;
  }
  out.phase = phase_of(e.state);
  if (out.phase == SignalPhase::unknown) {
    out.unknown_reason = fmt::format("controller reports {} (line {})", to_string(e.state), e.line);
    return out;
  }
  // The interval's start is known when a line of another state precedes it within the limit.
  const std::size_t start = run_start(last, max_silence_ms);
  if (start == 0 || changes_[start].at_ms - changes_[start - 1].at_ms > max_silence_ms) {
    return out;
  }
  out.since = UtcTime{changes_[start].at_ms};
  const std::size_t prev_last = start - 1;
  out.previous = phase_of(changes_[prev_last].state);
  if (out.previous == SignalPhase::unknown) return out;
  const std::size_t prev_start = run_start(prev_last, max_silence_ms);
  if (prev_start > 0 &&
      changes_[prev_start].at_ms - changes_[prev_start - 1].at_ms <= max_silence_ms) {
    out.previous_since = UtcTime{changes_[prev_start].at_ms};
  }
  return out;
}

}  // namespace roadwarden::rules
