#include "core/time.hpp"

#include <gtest/gtest.h>

namespace roadwarden {
namespace {

TEST(Time, FormatsEpochAsIso8601Utc) {
  EXPECT_EQ(to_iso8601(UtcTime{0}), "1970-01-01T00:00:00.000Z");
}

TEST(Time, FormatsMillisecondsAndDate) {
  // 2026-11-29T20:55:42.123Z
  EXPECT_EQ(to_iso8601(UtcTime{1795985742123}), "2026-11-29T20:55:42.123Z");
}

TEST(Time, FormatsTimesBeforeEpoch) {
  EXPECT_EQ(to_iso8601(UtcTime{-1}), "1969-12-31T23:59:59.999Z");
}

TEST(Time, SystemClockIsAfter2020AndNamesItsSource) {
  const SystemClock clock;
  EXPECT_GT(clock.now().unix_ms, 1577836800000);  // 2020-01-01
  EXPECT_EQ(clock.source(), "system");
}

}  // namespace
}  // namespace roadwarden

namespace roadwarden {
namespace {

TEST(ParseRfc3339, EachFormAcceptsWhatItSaysAndNothingElse) {
  const UtcTime t{1'795'985'742'123};  // 2026-11-29T20:55:42.123Z
  EXPECT_EQ(parse_rfc3339(to_iso8601(t), Rfc3339Form::utc_milliseconds), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29T20:55:42.123Z", Rfc3339Form::utc), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29T22:55:42.123+02:00", Rfc3339Form::any_zone), t);
  EXPECT_EQ(parse_rfc3339("2026-11-29t20:55:42.123456789z", Rfc3339Form::any_zone), t);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z", Rfc3339Form::utc), UtcTime{0});
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00.5Z", Rfc3339Form::utc),
            UtcTime{1'709'164'800'500});
  // Offsets and lower case only in any_zone; exactly three digits in utc_milliseconds.
  EXPECT_EQ(parse_rfc3339("2026-11-29T22:55:42+02:00", Rfc3339Form::utc), std::nullopt);
  EXPECT_EQ(parse_rfc3339("2026-11-29t20:55:42Z", Rfc3339Form::utc), std::nullopt);
  EXPECT_EQ(parse_rfc3339("2026-11-29T20:55:42Z", Rfc3339Form::utc_milliseconds), std::nullopt);
  EXPECT_EQ(parse_rfc3339("2026-11-29T20:55:42.12Z", Rfc3339Form::utc_milliseconds),
            std::nullopt);
  for (const char* bad :
       {"", "2026-11-29", "2026-11-29 20:55:42Z", "2026-11-29T20:55:42", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T23:60:00Z", "2026-11-29T23:59:60Z", "1969-12-31T23:59:59Z",
        "2026-11-29T20:55:42.Z", "2026-11-29T20:55:42.1234567890Z", "2026-11-29T20:55:42Zx",
        "2026-3-01T12:30:15Z", "1970-01-01T00:00:00+00:01"}) {
    EXPECT_EQ(parse_rfc3339(bad, Rfc3339Form::any_zone), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace roadwarden
