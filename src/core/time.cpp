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
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

UtcTime SystemClock::now() const {
  const auto d = std::chrono::system_clock::now().time_since_epoch();
  return UtcTime{std::chrono::duration_cast<std::chrono::milliseconds>(d).count()};
}

}  // namespace roadwarden
