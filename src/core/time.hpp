// Time in roadwarden: every stored timestamp is UTC, with the clock it came from.
#pragma once

#include <cstdint>
#include <string>

namespace roadwarden {

/// A point in time: milliseconds since the Unix epoch, UTC (no leap seconds).
struct UtcTime {
  std::int64_t unix_ms = 0;
  friend auto operator<=>(const UtcTime&, const UtcTime&) = default;
};

/// Formats as ISO 8601 / RFC 3339 in UTC with milliseconds, e.g. "2026-11-29T20:55:42.123Z".
[[nodiscard]] std::string to_iso8601(UtcTime t);

/// Source of the current time. Components that need "now" take a Clock so tests can
/// control time. Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time in UTC.
  [[nodiscard]] virtual UtcTime now() const = 0;
  /// A short name of the clock source recorded beside timestamps, e.g. "system".
  [[nodiscard]] virtual std::string source() const = 0;
};

/// The host's real-time clock (std::chrono::system_clock).
class SystemClock final : public Clock {
 public:
  [[nodiscard]] UtcTime now() const override;
  [[nodiscard]] std::string source() const override { return "system"; }
};

}  // namespace roadwarden
