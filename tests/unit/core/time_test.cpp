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
