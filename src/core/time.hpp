// Time in roadwarden: every stored timestamp is UTC, with the clock it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace roadwarden {

/// A point in time: milliseconds since the Unix epoch, UTC (no leap seconds).
struct UtcTime {
  std::int64_t unix_ms = 0;
  friend auto operator<=>(const UtcTime&, const UtcTime&) = default;
};

/// Formats as ISO 8601 / RFC 3339 in UTC with milliseconds, e.g. "2026-11-29T20:55:42.123Z".
[[nodiscard]] std::string to_iso8601(UtcTime t);

/// Which RFC 3339 date-times parse_rfc3339 accepts. Every form: YYYY-MM-DD, 'T', HH:MM:SS,
/// a real calendar date from 1970 on, hour <= 23, minute and second <= 59 (no leap second).
enum class Rfc3339Form {
  any_zone,          ///< 'T'/'t'; optional fraction of 1–9 digits; 'Z'/'z' or ±HH:MM
  utc,               ///< 'T'; optional fraction of 1–9 digits; 'Z' only
  utc_milliseconds,  ///< 'T'; exactly 3 fraction digits; 'Z' only (what to_iso8601 writes)
};

/// Parses an RFC 3339 date-time (https://www.rfc-editor.org/rfc/rfc3339#section-5.6) of
/// `form` into UTC milliseconds (digits past the third are truncated); std::nullopt when
/// `text` is anything else.
[[nodiscard]] std::optional<UtcTime> parse_rfc3339(std::string_view text, Rfc3339Form form);

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
