// Average speed over a section (src/rules/section_speed.hpp). Distances and limits are
// chosen so the threshold speed gives a whole number of milliseconds: 1000 m at 60 km/h is
// 60 000 ms, 2100 m at 63 km/h and 3500 m at 105 km/h are 120 000 ms, 2750 m at 110 km/h
// is 90 000 ms.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "rules/section_speed.hpp"

namespace roadwarden::rules {
namespace {

constexpr char kPlate[] = "01A123BC";
const UtcTime kT0{1'784'000'000'000};  // 2026-07-14, an arbitrary reference instant

crypto::HmacKey test_key(std::uint8_t fill = 0x42) {
  return crypto::HmacKey{std::vector<std::uint8_t>(crypto::kHmacKeyBytes, fill)};
}

SectionSpeedOptions options(double distance_m = 1000, double limit_kmh = 60) {
  SectionSpeedOptions o;
  o.section_id = "m39-km12";
  o.entry_camera = "cam-a";
  o.exit_camera = "cam-b";
  o.distance_m = distance_m;
  o.limit_kmh = limit_kmh;
  o.lane_groups = {SectionLaneGroup{"eastbound", {1, 2}, {1, 2}},
                   SectionLaneGroup{"westbound", {3, 4}, {3, 4}}};
  o.max_transit_ms = 10 * 60'000;
  o.plate_key = test_key();
  return o;
}

SectionRead entry_read(UtcTime t, std::string plate = kPlate, int lane = 1) {
  return SectionRead{"cam-a", std::move(plate), t, 0, 0, lane, "ev-entry"};
}

SectionRead exit_read(UtcTime t, std::string plate = kPlate, int lane = 1) {
  return SectionRead{"cam-b", std::move(plate), t, 0, 0, lane, "ev-exit"};
}

UtcTime at(std::int64_t ms_after_t0) {
  return UtcTime{kT0.unix_ms + ms_after_t0};
}

/// Verdict of one clean pass taking `transit_ms` through a fresh rule.
std::optional<SectionSpeedDecision> pass(const SectionSpeedOptions& o, std::int64_t transit_ms) {
  SectionSpeedRule rule(o);
  EXPECT_TRUE(rule.on_entry(entry_read(kT0)));
  return rule.on_exit(exit_read(at(transit_ms)));
}

// ---- threshold -------------------------------------------------------------------------------

TEST(SectionSpeed, ExactlyAtLimitIsNoViolationOneMillisecondFasterIs) {
  const auto at_limit = pass(options(), 60'000);
  ASSERT_TRUE(at_limit.has_value());
  EXPECT_DOUBLE_EQ(at_limit->speed_kmh, 60.0);
  EXPECT_FALSE(at_limit->violation);
  EXPECT_EQ(at_limit->plate, "");  // a pass within the limit keeps no plate text
  const auto faster = pass(options(), 59'999);
  ASSERT_TRUE(faster.has_value());
  EXPECT_TRUE(faster->violation);
  EXPECT_EQ(faster->plate, kPlate);
  EXPECT_NEAR(faster->speed_kmh, 60.001, 0.0001);
}

TEST(SectionSpeed, AbsoluteToleranceMovesTheThreshold) {
  SectionSpeedOptions o = options(2100, 60);
  o.tolerance_kmh = 3;
  EXPECT_FALSE(pass(o, 120'000)->violation);  // exactly 63 km/h
  EXPECT_TRUE(pass(o, 119'999)->violation);
  EXPECT_FALSE(pass(o, 125'000)->violation);  // 60.48 km/h: over the limit, within tolerance
  EXPECT_DOUBLE_EQ(pass(o, 120'000)->threshold_kmh, 63.0);
  EXPECT_DOUBLE_EQ(pass(o, 120'000)->limit_kmh, 60.0);
}

TEST(SectionSpeed, PercentToleranceIsOfTheLimitAndTheLargerToleranceApplies) {
  SectionSpeedOptions o = options(3500, 100);
  o.tolerance_kmh = 3;
  o.tolerance_percent = 5;                    // 5 km/h > 3 km/h
  EXPECT_FALSE(pass(o, 120'000)->violation);  // exactly 105 km/h
  EXPECT_TRUE(pass(o, 119'999)->violation);
  SectionSpeedOptions larger_absolute = options(2750, 100);
  larger_absolute.tolerance_kmh = 10;
  larger_absolute.tolerance_percent = 5;
  EXPECT_FALSE(pass(larger_absolute, 90'000)->violation);  // exactly 110 km/h
  EXPECT_TRUE(pass(larger_absolute, 89'999)->violation);
}

TEST(SectionSpeed, FractionalPercentThresholdIsRoundedUpToOneThousandthKmh) {
  SectionSpeedOptions o = options(1000, 100);
  o.tolerance_percent = 3.3;  // 3.3 km/h, not 3.301 from binary rounding
  EXPECT_DOUBLE_EQ(pass(o, 40'000)->threshold_kmh, 103.3);
}

// ---- clocks ----------------------------------------------------------------------------------

TEST(SectionSpeed, ClockOffsetOfExitCameraChangesTheVerdict) {
  // By the cameras' own clocks the car took 59 s for 1000 m (61.0 km/h > 60).
  const auto uncorrected = pass(options(), 59'000);
  ASSERT_TRUE(uncorrected.has_value());
  EXPECT_TRUE(uncorrected->violation);
  // The exit camera's clock is 2 s behind the reference: the real transit took 61 s.
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  SectionRead exit = exit_read(at(59'000));
  exit.clock_offset_ms = -2'000;
  exit.clock_uncertainty_ms = 15;
  const auto d = rule.on_exit(exit);
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->violation);
  EXPECT_EQ(d->transit_ms, 61'000);
  EXPECT_NEAR(d->speed_kmh, 59.016, 0.001);
  // The offsets are part of the evidence.
  EXPECT_EQ(d->exit.captured, at(59'000));
  EXPECT_EQ(d->exit.clock_offset_ms, -2'000);
  EXPECT_EQ(d->exit.clock_uncertainty_ms, 15);
  EXPECT_EQ(d->exit.reference_time, at(61'000));
  EXPECT_EQ(d->entry.clock_offset_ms, 0);
  EXPECT_EQ(d->entry.reference_time, kT0);
}

TEST(SectionSpeed, EntryCameraBehindHidesAViolationUntilCorrected) {
  // The entry camera's clock is 1.5 s behind: its capture stamped T0-1.5 s was at T0. By the
  // cameras' clocks the pass took 61 s (59.0 km/h); on the reference clock 59.5 s (60.5 km/h).
  SectionSpeedRule rule(options());
  SectionRead entry = entry_read(at(-1'500));
  entry.clock_offset_ms = -1'500;
  ASSERT_TRUE(rule.on_entry(entry));
  const auto d = rule.on_exit(exit_read(at(59'500)));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->entry.reference_time, kT0);
  EXPECT_EQ(d->transit_ms, 59'500);
  EXPECT_TRUE(d->violation);
}

TEST(SectionSpeed, ClockUncertaintyIsCountedInTheDriversFavour) {
  SectionSpeedRule rule(options());
  SectionRead entry = entry_read(kT0);
  entry.clock_uncertainty_ms = 1;
  ASSERT_TRUE(rule.on_entry(entry));
  SectionRead exit = exit_read(at(59'999));
  exit.clock_uncertainty_ms = 1;
  const auto d = rule.on_exit(exit);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->transit_ms, 59'999);
  EXPECT_EQ(d->judged_transit_ms, 60'001);
  EXPECT_GT(d->speed_kmh, 60.0);
  EXPECT_LT(d->judged_speed_kmh, 60.0);
  EXPECT_FALSE(d->violation);
}

// ---- matching --------------------------------------------------------------------------------

TEST(SectionSpeed, ExitWithoutEntryDecidesNothing) {
  SectionSpeedRule rule(options());
  EXPECT_FALSE(rule.on_exit(exit_read(at(30'000))).has_value());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0, "01B456CD")));
  EXPECT_FALSE(rule.on_exit(exit_read(at(30'000))).has_value());
  EXPECT_EQ(rule.pending().size(), 1u);  // the other vehicle's entry is untouched
}

TEST(SectionSpeed, MatchesNormalisedPlateAndConsumesTheEntry) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0, "01 a 123-bc")));
  const auto d = rule.on_exit(exit_read(at(50'000), kPlate, 2));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->lane_group, "eastbound");
  EXPECT_EQ(d->entry.lane, 1);
  EXPECT_EQ(d->exit.lane, 2);
  EXPECT_EQ(d->entry.evidence_id, "ev-entry");
  EXPECT_EQ(d->exit.evidence_id, "ev-exit");
  EXPECT_EQ(d->entry.camera, "cam-a");
  EXPECT_EQ(d->exit.camera, "cam-b");
  EXPECT_EQ(d->section_id, "m39-km12");
  EXPECT_DOUBLE_EQ(d->distance_m, 1000.0);
  EXPECT_EQ(d->plate_hmac, crypto::hmac_sha256_hex(test_key(), kPlate));
  EXPECT_TRUE(rule.pending().empty());
  EXPECT_FALSE(rule.on_exit(exit_read(at(51'000))).has_value());  // consumed
}

TEST(SectionSpeed, DifferentLaneGroupDoesNotMatch) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0, kPlate, 1)));        // eastbound
  EXPECT_FALSE(rule.on_exit(exit_read(at(50'000), kPlate, 3)));  // westbound
  EXPECT_EQ(rule.pending().size(), 1u);
  EXPECT_TRUE(rule.on_exit(exit_read(at(50'000), kPlate, 1)).has_value());
}

TEST(SectionSpeed, ReadsFromOtherCamerasOrLanesOrWithoutTextAreIgnored) {
  SectionSpeedRule rule(options());
  EXPECT_FALSE(rule.on_entry(exit_read(kT0)));              // exit camera as entry
  EXPECT_FALSE(rule.on_entry(entry_read(kT0, kPlate, 9)));  // lane in no group
  EXPECT_FALSE(rule.on_entry(entry_read(kT0, " - ")));      // no plate text
  EXPECT_TRUE(rule.pending().empty());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  EXPECT_FALSE(rule.on_exit(entry_read(at(50'000))).has_value());  // entry camera as exit
  EXPECT_EQ(rule.pending().size(), 1u);
}

TEST(SectionSpeed, ReEntryReplacesTheOlderEntry) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  ASSERT_TRUE(rule.on_entry(entry_read(at(120'000))));
  EXPECT_EQ(rule.pending().size(), 1u);
  const auto d = rule.on_exit(exit_read(at(180'000)));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->transit_ms, 60'000);
}

TEST(SectionSpeed, ExitNotAfterEntryDecidesNothingAndKeepsTheEntry) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(at(10'000))));
  EXPECT_FALSE(rule.on_exit(exit_read(at(10'000))).has_value());
  EXPECT_FALSE(rule.on_exit(exit_read(at(5'000))).has_value());
  EXPECT_EQ(rule.pending().size(), 1u);
}

// ---- expiry ----------------------------------------------------------------------------------

TEST(SectionSpeed, EntryExpiresOnceMaximumTransitTimeHasPassed) {
  SectionSpeedRule rule(options());  // max transit 10 min
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  ASSERT_TRUE(rule.on_entry(entry_read(at(60'000), "01B456CD")));
  EXPECT_EQ(rule.expire(at(600'000)), 0u);  // exactly the maximum: still plausible
  EXPECT_EQ(rule.expire(at(600'001)), 1u);
  ASSERT_EQ(rule.pending().size(), 1u);
  EXPECT_FALSE(rule.on_exit(exit_read(at(600'001))).has_value());
  EXPECT_TRUE(rule.on_exit(exit_read(at(600'001), "01B456CD")).has_value());
}

TEST(SectionSpeed, ExitLaterThanMaximumTransitDropsTheStaleEntryWithoutExpire) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  EXPECT_FALSE(rule.on_exit(exit_read(at(600'001))).has_value());
  EXPECT_TRUE(rule.pending().empty());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0)));
  EXPECT_TRUE(rule.on_exit(exit_read(at(600'000))).has_value());  // exactly the maximum
}

// ---- privacy ---------------------------------------------------------------------------------

TEST(SectionSpeed, PendingTableHoldsOnlyKeyedPseudonymsNeverPlateText) {
  SectionSpeedRule rule(options());
  ASSERT_TRUE(rule.on_entry(entry_read(kT0, "01 A 123 BC")));
  const std::vector<SectionPendingEntry> rows = rule.pending();
  ASSERT_EQ(rows.size(), 1u);
  const SectionPendingEntry& row = rows[0];
  const std::string everything =
      row.plate_hmac + "|" + row.lane_group + "|" + row.entry.camera + "|" + row.entry.evidence_id;
  EXPECT_EQ(everything.find(kPlate), std::string::npos);
  EXPECT_EQ(everything.find("01A"), std::string::npos);
  EXPECT_EQ(row.plate_hmac, crypto::hmac_sha256_hex(test_key(), kPlate));
  EXPECT_EQ(row.plate_hmac.size(), 64u);
  // Keyed: an unkeyed hash of the plate (guessable by hashing every plate) is not used,
  // and another key gives another pseudonym.
  EXPECT_NE(row.plate_hmac, crypto::sha256_hex(std::string_view(kPlate)));
  EXPECT_NE(row.plate_hmac, crypto::hmac_sha256_hex(test_key(0x43), kPlate));
}

TEST(SectionSpeed, OptionErrorsNameTheOptionAndNeverShowTheKey) {
  const auto expect_invalid = [](SectionSpeedOptions o, const std::string& key) {
    try {
      const SectionSpeedRule rule(std::move(o));
      ADD_FAILURE() << "accepted; expected an error naming " << key;
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find(crypto::to_hex(test_key().bytes)), std::string::npos);
    }
  };
  SectionSpeedOptions o = options();
  o.section_id.clear();
  expect_invalid(o, "section_id");
  o = options();
  o.exit_camera = o.entry_camera;
  expect_invalid(o, "exit_camera");
  o = options();
  o.distance_m = 0;
  expect_invalid(o, "distance_m");
  o = options();
  o.distance_m = std::numeric_limits<double>::quiet_NaN();
  expect_invalid(o, "distance_m");
  o = options();
  o.limit_kmh = -50;
  expect_invalid(o, "limit_kmh");
  o = options();
  o.tolerance_kmh = 60;
  expect_invalid(o, "tolerance_kmh");
  o = options();
  o.tolerance_percent = -1;
  expect_invalid(o, "tolerance_percent");
  o = options();
  o.lane_groups.clear();
  expect_invalid(o, "lane_groups");
  o = options();
  o.lane_groups[1].entry_lanes = {2};
  expect_invalid(o, "lane_groups[1].entry_lanes");
  o = options();
  o.lane_groups[1].name = "eastbound";
  expect_invalid(o, "lane_groups[1].name");
  o = options();
  o.max_transit_ms = 0;
  expect_invalid(o, "max_transit_ms");
  o = options();
  o.plate_key.bytes.pop_back();
  expect_invalid(o, "plate_key");
}

TEST(SectionSpeed, NegativeClockUncertaintyIsInvalidInput) {
  SectionSpeedRule rule(options());
  SectionRead entry = entry_read(kT0);
  entry.clock_uncertainty_ms = -1;
  EXPECT_THROW((void)rule.on_entry(entry), InvalidInput);
  EXPECT_TRUE(rule.pending().empty());
}

}  // namespace
}  // namespace roadwarden::rules
