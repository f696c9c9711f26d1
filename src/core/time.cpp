#include "core/time.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

namespace roadwarden {

std::string to_iso8601(UtcTime t) {
  std::int64_t secs = t.unix_ms / 1000;
  std::int64_t ms = t.unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

namespace {

/// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<UtcTime> parse_rfc3339(std::string_view text, Rfc3339Form form) {
  const bool utc_only = form != Rfc3339Form::any_zone;
  std::size_t i = 0;
  bool ok = true;
  const auto digits = [&](std::size_t n) {
    int v = 0;
    for (std::size_t k = 0; k < n; ++k, ++i) {
      if (i >= text.size() || text[i] < '0' || text[i] > '9') {
        ok = false;
        return 0;
      }
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const auto expect = [&](std::string_view any_of) {
    if (i >= text.size() || any_of.find(text[i]) == std::string_view::npos) ok = false;
    ++i;
  };
  const int year = digits(4);
  expect("-");
  const int month = digits(2);
  expect("-");
  const int day = digits(2);
  expect(utc_only ? "T" : "Tt");
  const int hour = digits(2);
  expect(":");
  const int minute = digits(2);
  expect(":");
  const int second = digits(2);
  if (!ok) return std::nullopt;
  std::int64_t millis = 0;
  std::size_t fraction = 0;
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, ++fraction)
      if (fraction < 3) millis = millis * 10 + (text[i] - '0');
    if (fraction == 0 || fraction > 9) return std::nullopt;
    for (std::size_t k = fraction; k < 3; ++k) millis *= 10;
  }
  if (form == Rfc3339Form::utc_milliseconds && fraction != 3) return std::nullopt;
  std::int64_t offset_minutes = 0;
  if (i < text.size() && (text[i] == 'Z' || (!utc_only && text[i] == 'z'))) {
    ++i;
  } else if (!utc_only && i < text.size() && (text[i] == '+' || text[i] == '-')) {
    const int sign = text[i] == '-' ? -1 : 1;
    ++i;
    const int oh = digits(2);
    expect(":");
    const int om = digits(2);
    if (!ok || oh > 23 || om > 59) return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] ||
      (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  const std::int64_t seconds =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_minutes * 60;
  if (seconds < 0) return std::nullopt;
  return UtcTime{seconds * 1000 + millis};
}

UtcTime SystemClock::now() const {
  const auto d = std::chrono::system_clock::now().time_since_epoch();
  return UtcTime{std::chrono::duration_cast<std::chrono::milliseconds>(d).count()};
}

}  // namespace roadwarden
