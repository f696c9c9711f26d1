#include "video/backoff.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace roadwarden::video {
namespace {

TEST(Backoff, NominalDelaysDoubleUpToTheCap) {
  const BackoffPolicy policy{500, 30000, 0.2};
  const std::vector<std::int64_t> expected = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (int attempt = 1; attempt <= 8; ++attempt) {
    EXPECT_EQ(nominal_backoff_ms(policy, attempt), expected[attempt - 1]) << attempt;
  }
  EXPECT_EQ(nominal_backoff_ms(policy, 1000), 30000);  // no overflow for long outages
}

TEST(Backoff, WithoutJitterDelaysAreExact) {
  Backoff backoff(BackoffPolicy{100, 1000, 0.0}, 7);
  EXPECT_EQ(backoff.delay_ms(1), 100);
  EXPECT_EQ(backoff.delay_ms(2), 200);
  EXPECT_EQ(backoff.delay_ms(4), 800);
  EXPECT_EQ(backoff.delay_ms(5), 1000);
}

TEST(Backoff, JitteredDelaysStayWithinBoundsAndCap) {
  const BackoffPolicy policy{500, 30000, 0.2};
  Backoff backoff(policy, 42);
  bool any_off_nominal = false;
  for (int round = 0; round < 50; ++round) {
    for (int attempt = 1; attempt <= 10; ++attempt) {
      const auto nominal = static_cast<double>(nominal_backoff_ms(policy, attempt));
      const std::int64_t d = backoff.delay_ms(attempt);
      EXPECT_GE(d, std::floor(nominal * 0.8)) << attempt;
      EXPECT_LE(d, std::min(std::ceil(nominal * 1.2), 30000.0)) << attempt;
      any_off_nominal = any_off_nominal || std::abs(static_cast<double>(d) - nominal) > 1;
    }
  }
  EXPECT_TRUE(any_off_nominal) << "jitter was never applied";
}

TEST(Backoff, SameSeedGivesSameDelaysDifferentSeedDiffers) {
  const BackoffPolicy policy{500, 30000, 0.2};
  Backoff a(policy, 1234), b(policy, 1234), c(policy, 99);
  std::vector<std::int64_t> da, db, dc;
  for (int attempt = 1; attempt <= 8; ++attempt) {
    da.push_back(a.delay_ms(attempt));
    db.push_back(b.delay_ms(attempt));
    dc.push_back(c.delay_ms(attempt));
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(Backoff, RejectsOutOfRangePolicies) {
  EXPECT_THROW(Backoff(BackoffPolicy{0, 1000, 0.2}, 1), InvalidInput);
  EXPECT_THROW(Backoff(BackoffPolicy{500, 100, 0.2}, 1), InvalidInput);
  EXPECT_THROW(Backoff(BackoffPolicy{500, 1000, 1.0}, 1), InvalidInput);
  EXPECT_THROW(Backoff(BackoffPolicy{500, 1000, -0.1}, 1), InvalidInput);
  EXPECT_THROW((void)nominal_backoff_ms(BackoffPolicy{}, 0), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::video
