// Local (legal) time of a site: IANA time zones from the system's tz database.
//
// Rules that depend on the time of day (night-time curfews, time-restricted zones) judge an
// instant by the wall clock of the site's legal time zone. Timestamps stay UTC everywhere
// else; a local time exists only while a rule decides and in the decision it records.
//
// Backed by Howard Hinnant's date/tz library (Debian libhowardhinnant-date-dev, built with
// USE_OS_TZDB=1), which reads the TZif files of Debian's tzdata under /usr/share/zoneinfo.
// No process-wide TZ variable is touched, so any zone may be used from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace date {
class time_zone;
}  // namespace date

namespace roadwarden::rules {

/// A day of the week, numbered as in ISO 8601 (Monday = 1 … Sunday = 7).
enum class Weekday : int {
  Monday = 1,
  Tuesday = 2,
  Wednesday = 3,
  Thursday = 4,
  Friday = 5,
  Saturday = 6,
  Sunday = 7,
};

/// English three-letter name of `day` ("Mon" … "Sun").
[[nodiscard]] std::string_view weekday_name(Weekday day);

/// A calendar date of the proleptic Gregorian calendar.
struct LocalDate {
  int year = 1970;
  int month = 1;  ///< 1 … 12
  int day = 1;    ///< 1 … 31
  friend auto operator<=>(const LocalDate&, const LocalDate&) = default;
};

/// "YYYY-MM-DD".
[[nodiscard]] std::string to_string(LocalDate date);

/// `date` moved by `days` calendar days (negative: earlier). Throws InvalidInput for a date
/// that does not exist (e.g. 2026-02-30).
[[nodiscard]] LocalDate add_days(LocalDate date, int days);

/// One instant as read on the wall clock of a time zone.
struct LocalDateTime {
  LocalDate date;
  Weekday weekday = Weekday::Thursday;
  /// Milliseconds since local midnight of `date`, 0 … 86'399'999.
  std::int64_t ms_of_day = 0;
  /// The zone's offset from UTC at this instant, ms (local = UTC + offset; DST included).
  std::int64_t utc_offset_ms = 0;
  /// The zone's abbreviation at this instant, e.g. "CEST", "+05".
  std::string abbreviation;
};

/// ISO 8601 with milliseconds and the UTC offset, e.g. "2026-03-29T03:00:00.000+02:00".
[[nodiscard]] std::string to_iso8601(const LocalDateTime& local);

/// An IANA time zone ("Asia/Tashkent", "Europe/Berlin"). Cheap to copy (it refers to the
/// process-wide, immutable tz database). All methods are const and thread-safe.
class TimeZone {
 public:
  /// The zone named `iana_name`. Throws InvalidInput naming the zone when the system tz
  /// database (Debian's tzdata) does not know it.
  explicit TimeZone(std::string_view iana_name);

  /// The IANA name, e.g. "Asia/Tashkent".
  [[nodiscard]] const std::string& name() const { return name_; }

  /// Offset from UTC at instant `t`, ms (local wall clock = UTC + offset).
  [[nodiscard]] std::int64_t utc_offset_ms(UtcTime t) const;

  /// The wall-clock reading of this zone at instant `t`. Every instant has exactly one
  /// reading; during an autumn fall-back hour two different instants read the same, and
  /// readings inside a spring-forward gap belong to no instant.
  [[nodiscard]] LocalDateTime to_local(UtcTime t) const;

  /// Version of the tz database the zones come from (e.g. "2025b"), recorded in decisions
  /// so a judgement can be reproduced with the same rules.
  [[nodiscard]] static std::string database_version();

 private:
  std::string name_;
  const date::time_zone* zone_ = nullptr;  // owned by the tz database, lives until exit
};

}  // namespace roadwarden::rules
