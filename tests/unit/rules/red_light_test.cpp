// Red-light running on synthetic tracks and controller feeds: the acceptance edge cases of
// the issue (grace ± 1 ms, exactly at onset, amber, stopping before the line, right-turn
// exemption, unknown phase, stale feed, controller/video disagreement), the evidence frames,
// option validation and the configuration hash.
#include "rules/red_light.hpp"

#include <cmath>
#include <functional>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2026-11-29T20:55:42.123Z.
constexpr std::int64_t kT0 = 1795985742123;

// Scene: the stop line is horizontal at y = 500 px across the image; vehicles come from the
// bottom (y > 500, where the lanes are) and drive up into the intersection (y < 500).
RedLightOptions scene() {
  RedLightOptions o;
  o.approach_id = "north";
  o.stop_line = {{0, 500}, {1000, 500}};
  o.lanes = {{"through", {{100, 500}, {300, 500}, {300, 900}, {100, 900}}, false},
             {"right", {{300, 500}, {500, 500}, {500, 900}, {300, 900}}, false}};
  return o;
}

/// A vehicle at x = `x` moving up 20 px per 40 ms frame, crossing y = 500 exactly at
/// `crossing_ms` (half-way between two frames, so the crossing time is interpolated): frame k
/// (k = -10 … `last_k`) at crossing_ms + 20 + 40k with y = 490 − 20k. Index = k + 10, so the
/// frame before the line is 9 and the first frame >= 40 px past it is 12 (y = 450).
TrackObservations vehicle(std::int64_t crossing_ms, double x = 200, int last_k = 15) {
  TrackObservations t;
  for (int k = -10; k <= last_k; ++k) {
    t.observations.push_back({UtcTime{crossing_ms + 20 + 40 * k}, Point{x, 490.0 - 20.0 * k}, {}});
  }
  return t;
}

/// A controller cycle for "north": green heartbeats from red_onset − 13 s, amber from
/// red_onset − amber_ms, red from red_onset, heartbeats every second until red_onset + 10 s.
PhaseTimeline cycle(std::int64_t red_onset, std::int64_t amber_ms = 3000) {
  PhaseTimeline t("north");
  const std::int64_t amber_start = red_onset - amber_ms;
  for (std::int64_t at = red_onset - 13'000; at < amber_start; at += 1000) {
    t.add({UtcTime{at}, "north", ControllerState::green, 0});
  }
  for (std::int64_t at = amber_start; at < red_onset; at += 1000) {
    t.add({UtcTime{at}, "north", ControllerState::amber, 0});
  }
  for (std::int64_t at = red_onset; at <= red_onset + 10'000; at += 1000) {
    t.add({UtcTime{at}, "north", ControllerState::red, 0});
  }
  return t;
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "<no InvalidInput thrown>";
}

const std::int64_t kCross = kT0 + 20'000;  // crossing time of the default vehicle

// ---- grace, onset, amber -----------------------------------------------------------------

TEST(RedLight, CrossingAtRedOnsetPlusGraceMinusOneMsIsNoViolation) {
  const RedLightRule rule(scene());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 299));
  EXPECT_EQ(d.outcome, RedLightOutcome::within_grace);
  EXPECT_FALSE(d.violation());
  EXPECT_EQ(d.phase, SignalPhase::red);
  ASSERT_TRUE(d.time_into_red_ms.has_value());
  EXPECT_DOUBLE_EQ(*d.time_into_red_ms, 299.0);
  EXPECT_EQ(d.reason, "crossed 0.299 s into red, within the 0.300 s grace");
}

TEST(RedLight, CrossingAtRedOnsetPlusGracePlusOneMsIsAViolation) {
  const RedLightRule rule(scene());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 301));
  EXPECT_EQ(d.outcome, RedLightOutcome::violation);
  EXPECT_TRUE(d.violation());
  EXPECT_EQ(d.reason, "crossed 0.301 s into red");
  EXPECT_DOUBLE_EQ(*d.time_into_red_ms, 301.0);
  EXPECT_EQ(d.red_onset, UtcTime{kCross - 301});
  EXPECT_EQ(d.crossing_time, UtcTime{kCross});
  EXPECT_DOUBLE_EQ(*d.crossing_unix_ms, static_cast<double>(kCross));
  EXPECT_EQ(d.lane, "through");
  EXPECT_EQ(d.config_hash, rule.config_hash());
}

TEST(RedLight, CrossingExactlyAtTheEndOfTheGraceIsNoViolation) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross - 300));
  EXPECT_EQ(d.outcome, RedLightOutcome::within_grace);
  EXPECT_DOUBLE_EQ(*d.time_into_red_ms, 300.0);
}

TEST(RedLight, CrossingExactlyAtRedOnsetIsWithinGrace) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross));
  EXPECT_EQ(d.outcome, RedLightOutcome::within_grace);
  EXPECT_EQ(d.phase, SignalPhase::red);
  EXPECT_DOUBLE_EQ(*d.time_into_red_ms, 0.0);
}

TEST(RedLight, ZeroGraceMakesAnyTimeIntoRedAViolation) {
  auto o = scene();
  o.grace_ms = 0;
  const RedLightRule rule(o);
  EXPECT_EQ(rule.judge(vehicle(kCross), cycle(kCross)).outcome, RedLightOutcome::within_grace);
  EXPECT_EQ(rule.judge(vehicle(kCross), cycle(kCross - 1)).outcome, RedLightOutcome::violation);
}

TEST(RedLight, CrossingOneMsBeforeRedOnsetIsOnAmber) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross + 1));
  EXPECT_EQ(d.outcome, RedLightOutcome::not_red);
  EXPECT_EQ(d.phase, SignalPhase::amber);
  EXPECT_EQ(d.reason, "crossed on amber");
  EXPECT_EQ(d.time_into_red_ms, std::nullopt);
}

TEST(RedLight, CrossingOnGreenIsNoViolation) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross + 5000));
  EXPECT_EQ(d.outcome, RedLightOutcome::not_red);
  EXPECT_EQ(d.phase, SignalPhase::green);
}

TEST(RedLight, BelowTheMinimumTimeIntoRedIsNoViolation) {
  auto o = scene();
  o.min_time_into_red_ms = 1000;
  const RedLightRule rule(o);
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 999));
  EXPECT_EQ(d.outcome, RedLightOutcome::within_grace);
  EXPECT_EQ(d.reason, "crossed 0.999 s into red, below the minimum 1.000 s");
  EXPECT_EQ(rule.judge(vehicle(kCross), cycle(kCross - 1000)).outcome, RedLightOutcome::violation);
}

TEST(RedLight, InterpolatesTheCrossingTimeBetweenFrames) {
  // 10 px per 40 ms from y = 530: frame 3 lies exactly on the line (y = 500), so the
  // crossing is when the point leaves the line, at that frame's time.
  TrackObservations t;
  for (int k = 0; k < 30; ++k) {
    t.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, 530.0 - 10.0 * k}, {}});
  }
  const auto d = RedLightRule(scene()).judge(t, cycle(kCross - 1000));
  EXPECT_DOUBLE_EQ(*d.crossing_unix_ms, static_cast<double>(kCross + 120));
  EXPECT_EQ(d.evidence->before, 3u);
  // A path not on the frame grid: y from 517 by 12 px per frame → crosses at 17/12 frames.
  TrackObservations u;
  for (int k = 0; k < 30; ++k) {
    u.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, 517.0 - 12.0 * k}, {}});
  }
  const auto e = RedLightRule(scene()).judge(u, cycle(kCross - 1000));
  EXPECT_NEAR(*e.crossing_unix_ms, static_cast<double>(kCross) + 40.0 * 17.0 / 12.0, 1e-6);
  EXPECT_EQ(e.crossing_time, UtcTime{kCross + 57});  // 56.67 ms rounded
  EXPECT_EQ(e.evidence->before, 1u);
  EXPECT_EQ(e.evidence->at_line, 1u);  // 16.67 ms after frame 1, 23.33 ms before frame 2
}

// ---- evidence ------------------------------------------------------------------------------

TEST(RedLight, EvidenceFramesAreBeforeAtAndPastTheLineAndTheClipIsPlusMinusFiveSeconds) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross - 2000));
  ASSERT_TRUE(d.violation());
  ASSERT_TRUE(d.evidence.has_value());
  EXPECT_EQ(d.evidence->before, 9u);            // y = 510, last frame before the line
  EXPECT_EQ(d.evidence->at_line, 9u);           // crossing half-way: the earlier frame on a tie
  EXPECT_EQ(d.evidence->in_intersection, 12u);  // y = 450: first >= 40 px past the line
  EXPECT_EQ(d.clip_start, UtcTime{kCross - 5000});
  EXPECT_EQ(d.clip_end, UtcTime{kCross + 5000});
}

TEST(RedLight, TrackEndingBeforeTheIntersectionIsUndecidable) {
  // Last frame k = 1 (y = 470, 30 px past the line): entry into the intersection not shown.
  const auto d = RedLightRule(scene()).judge(vehicle(kCross, 200, 1), cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("not seen 40 px past the line"));
  EXPECT_EQ(d.evidence->in_intersection, std::nullopt);
}

// ---- where the vehicle went ----------------------------------------------------------------

TEST(RedLight, StoppingBeforeTheLineIsNoViolation) {
  TrackObservations t;
  // Approaches from y = 700, slows down and stops at y = 503 (3 px before the line).
  double y = 700;
  for (int k = 0; k < 60; ++k) {
    t.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, y}, {}});
    y = std::max(503.0, y - 10.0);
  }
  const auto d = RedLightRule(scene()).judge(t, cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::no_crossing);
  EXPECT_EQ(d.reason, "stopped before the line");
  EXPECT_EQ(d.crossing_time, std::nullopt);
  EXPECT_EQ(d.evidence, std::nullopt);
}

TEST(RedLight, StoppingWithTheReferencePointOnTheLineIsNotACrossing) {
  TrackObservations t;
  for (int k = 0; k <= 5; ++k) {
    t.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, 550.0 - 10.0 * k}, {}});
  }
  t.observations.push_back({UtcTime{kCross + 240}, Point{200, 500}, {}});  // stays on the line
  EXPECT_EQ(RedLightRule(scene()).judge(t, cycle(kCross - 2000)).outcome,
            RedLightOutcome::no_crossing);
}

TEST(RedLight, DrivingTowardsTheCameraOverTheLineIsNotACrossing) {
  TrackObservations t;
  for (int k = 0; k < 20; ++k) {
    t.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, 300.0 + 20.0 * k}, {}});
  }
  const auto d = RedLightRule(scene()).judge(t, cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::no_crossing);
  EXPECT_EQ(d.reason, "did not cross the stop line from the approach side");
}

TEST(RedLight, JitterAroundTheLineCountsTheFirstForwardCrossing) {
  TrackObservations t;
  const double ys[] = {560, 530, 505, 495, 502, 480, 450, 420, 380};
  for (int k = 0; k < 9; ++k) {
    t.observations.push_back({UtcTime{kCross + 40 * k}, Point{200, ys[k]}, {}});
  }
  const auto d = RedLightRule(scene()).judge(t, cycle(kCross - 2000));
  EXPECT_EQ(d.evidence->before, 2u);
  EXPECT_DOUBLE_EQ(*d.crossing_unix_ms, static_cast<double>(kCross + 80 + 20));
  EXPECT_EQ(d.outcome, RedLightOutcome::violation);
}

TEST(RedLight, CrossingOutsideTheLanesIsNoViolation) {
  const auto d = RedLightRule(scene()).judge(vehicle(kCross, 700), cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::outside_lanes);
  EXPECT_EQ(d.lane, std::nullopt);
}

TEST(RedLight, RightTurnLaneIsExemptOnlyWhenConfigured) {
  auto o = scene();
  const auto plain = RedLightRule(o).judge(vehicle(kCross, 400), cycle(kCross - 2000));
  EXPECT_EQ(plain.outcome, RedLightOutcome::violation);
  EXPECT_EQ(plain.lane, "right");
  o.lanes[1].right_turn_exempt = true;
  const RedLightRule exempting(o);
  const auto d = exempting.judge(vehicle(kCross, 400), cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::exempt);
  EXPECT_EQ(d.reason, "right turn exempt (lane 'right')");
  // The through lane next to it is still enforced.
  EXPECT_EQ(exempting.judge(vehicle(kCross, 200), cycle(kCross - 2000)).outcome,
            RedLightOutcome::violation);
}

TEST(RedLight, CrossesAPolylineStopLineOnItsSecondSegment) {
  auto o = scene();
  // The line bends: (0,500)–(300,500)–(600,440); the right lane's top edge follows it.
  o.stop_line = {{0, 500}, {300, 500}, {600, 440}};
  o.lanes[1].polygon = {{300, 500}, {500, 460}, {500, 900}, {300, 900}};
  const RedLightRule rule(o);
  // At x = 400 the second segment is at y = 480; vehicle(…) crosses y = 480 at k = 0.5.
  TrackObservations t;
  for (int k = -10; k <= 15; ++k) {
    t.observations.push_back({UtcTime{kCross + 20 + 40 * k}, Point{400, 470.0 - 20.0 * k}, {}});
  }
  const auto d = rule.judge(t, cycle(kCross - 2000));
  EXPECT_DOUBLE_EQ(*d.crossing_unix_ms, static_cast<double>(kCross));
  EXPECT_EQ(d.lane, "right");  // the frame before the line (y = 490) lies in the right lane
  EXPECT_EQ(d.outcome, RedLightOutcome::violation);
}

// ---- phase unknown, stale feed, short amber -------------------------------------------------

TEST(RedLight, UnknownPhaseIsNoViolationWithTheReason) {
  PhaseTimeline empty("north");
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), empty);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.phase, SignalPhase::unknown);
  EXPECT_THAT(d.reason, StartsWith("phase unknown at crossing: no phase reported"));
  EXPECT_TRUE(d.crossing_time.has_value());
}

TEST(RedLight, FlashingSignalIsNoViolation) {
  PhaseTimeline flash("north");
  flash.add({UtcTime{kCross - 5000}, "north", ControllerState::red, 0});
  flash.add({UtcTime{kCross - 100}, "north", ControllerState::flash, 0});
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), flash);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("controller reports flash"));
}

TEST(RedLight, StaleFeedIsNoViolation) {
  PhaseTimeline t("north");
  t.add({UtcTime{kCross - 9000}, "north", ControllerState::green, 0});
  t.add({UtcTime{kCross - 8000}, "north", ControllerState::amber, 0});
  t.add({UtcTime{kCross - 5000}, "north", ControllerState::red, 0});
  t.add({UtcTime{kCross - 3001}, "north", ControllerState::red, 0});  // then silence
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), t);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("feed silent for 3.001 s (limit 3.000 s)"));
  // One millisecond less of silence and the same feed gives the violation.
  t.add({UtcTime{kCross - 3000}, "north", ControllerState::red, 0});
  EXPECT_EQ(RedLightRule(scene()).judge(vehicle(kCross), t).outcome, RedLightOutcome::violation);
}

TEST(RedLight, RedOnsetUnknownWhenTheFeedStartedDuringRed) {
  PhaseTimeline t("north");
  for (std::int64_t at = kCross - 2500; at <= kCross + 2000; at += 1000) {
    t.add({UtcTime{at}, "north", ControllerState::red, 0});
  }
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), t);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("red onset unknown"));
}

TEST(RedLight, ShortAmberIsNeverEnforced) {
  const RedLightRule rule(scene());  // amber 3000 ms, tolerance 100 ms
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 2000, 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.reason, "amber lasted 2.000 s, shorter than the configured 3.000 s");
  EXPECT_EQ(rule.judge(vehicle(kCross), cycle(kCross - 2000, 2899)).outcome,
            RedLightOutcome::undecidable);
  EXPECT_EQ(rule.judge(vehicle(kCross), cycle(kCross - 2000, 2900)).outcome,
            RedLightOutcome::violation);
}

TEST(RedLight, RedStraightAfterGreenIsUndecidable) {
  PhaseTimeline t("north");
  t.add({UtcTime{kCross - 3000}, "north", ControllerState::green, 0});
  t.add({UtcTime{kCross - 2000}, "north", ControllerState::red, 0});
  t.add({UtcTime{kCross - 1000}, "north", ControllerState::red, 0});
  const auto d = RedLightRule(scene()).judge(vehicle(kCross), t);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.reason, "red not preceded by a known amber (before it: green)");
}

// ---- video cross-check ------------------------------------------------------------------------

RedLightOptions with_video() {
  auto o = scene();
  o.video_cross_check = true;
  return o;
}

VideoSignalObservations video(SignalColour colour, std::int64_t from, std::int64_t to) {
  VideoSignalObservations v;
  for (std::int64_t at = from; at <= to; at += 40) v.push_back({UtcTime{at}, colour});
  return v;
}

TEST(RedLight, ControllerVideoDisagreementIsNoViolation) {
  const RedLightRule rule(with_video());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 2000),
                            video(SignalColour::green, kCross - 1000, kCross + 1000));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.reason, "controller says red, video says green");
  EXPECT_EQ(d.video_colour, SignalColour::green);
}

TEST(RedLight, VideoConfirmingRedKeepsTheViolation) {
  const RedLightRule rule(with_video());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 2000),
                            video(SignalColour::red, kCross - 1000, kCross + 1000));
  EXPECT_EQ(d.outcome, RedLightOutcome::violation);
  EXPECT_EQ(d.video_colour, SignalColour::red);
}

TEST(RedLight, VideoIsReadAtTheNearestFrameToTheCrossing) {
  const RedLightRule rule(with_video());
  // Video red until 30 ms before the crossing, dark from then: the nearest frame is dark.
  auto v = video(SignalColour::red, kCross - 1030, kCross - 30);
  v.push_back({UtcTime{kCross + 10}, SignalColour::dark});
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 2000), v);
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.reason, "controller says red, video says dark");
}

TEST(RedLight, VideoTooFarFromTheCrossingIsUndecidable) {
  const RedLightRule rule(with_video());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross - 2000),
                            video(SignalColour::red, kCross - 2000, kCross - 201));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("no video observation of the signal head within 0.200 s"));
  const auto none = rule.judge(vehicle(kCross), cycle(kCross - 2000));
  EXPECT_EQ(none.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(none.reason, HasSubstr("no video observations given"));
}

TEST(RedLight, AmberCrossingWithDisagreeingVideoIsStillReported) {
  const RedLightRule rule(with_video());
  const auto d = rule.judge(vehicle(kCross), cycle(kCross + 1000),
                            video(SignalColour::red, kCross - 500, kCross + 500));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_EQ(d.reason, "controller says amber, video says red");
}

TEST(RedLight, VideoGivenWithoutTheCrossCheckConfiguredIsAnError) {
  EXPECT_THAT(message_of([] {
                (void)RedLightRule(scene()).judge(vehicle(kCross), cycle(kCross - 2000),
                                                  video(SignalColour::red, kCross, kCross));
              }),
              HasSubstr("video_cross_check is off"));
}

// ---- minimum speed ------------------------------------------------------------------------------

TEST(RedLight, MinimumSpeedFromPositionsAndScale) {
  auto o = scene();
  o.metres_per_px = 0.02;  // 20 px / 40 ms = 500 px/s = 10 m/s = 36 km/h
  o.min_speed_kmh = 40;
  const auto slow = RedLightRule(o).judge(vehicle(kCross), cycle(kCross - 2000));
  EXPECT_EQ(slow.outcome, RedLightOutcome::below_min_speed);
  EXPECT_NEAR(*slow.speed_kmh, 36.0, 1e-9);
  EXPECT_EQ(slow.reason, "crossed 2.000 s into red at 36.0 km/h, below the minimum 40.0 km/h");
  o.min_speed_kmh = 30;
  const auto fast = RedLightRule(o).judge(vehicle(kCross), cycle(kCross - 2000));
  EXPECT_EQ(fast.outcome, RedLightOutcome::violation);
  EXPECT_NEAR(*fast.speed_kmh, 36.0, 1e-9);
}

TEST(RedLight, MinimumSpeedPrefersTheTracksOwnSpeed) {
  auto o = scene();
  o.metres_per_px = 0.02;
  o.min_speed_kmh = 10;
  auto t = vehicle(kCross);
  t.observations[9].speed_kmh = 4.0;
  t.observations[10].speed_kmh = 6.0;
  const auto d = RedLightRule(o).judge(t, cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::below_min_speed);
  EXPECT_DOUBLE_EQ(*d.speed_kmh, 5.0);  // interpolated half-way
}

TEST(RedLight, MinimumSpeedWithoutAnySpeedSourceIsUndecidable) {
  auto o = scene();
  o.min_speed_kmh = 10;
  const auto d = RedLightRule(o).judge(vehicle(kCross), cycle(kCross - 2000));
  EXPECT_EQ(d.outcome, RedLightOutcome::undecidable);
  EXPECT_THAT(d.reason, HasSubstr("speed at the crossing unknown"));
}

// ---- inputs -------------------------------------------------------------------------------------

TEST(RedLight, RejectsEmptyOrUnorderedTracksAndAnotherApproachsTimeline) {
  const RedLightRule rule(scene());
  EXPECT_THAT(message_of([&] { (void)rule.judge(TrackObservations{}, cycle(kCross)); }),
              HasSubstr("no observations"));
  auto t = vehicle(kCross);
  t.observations[5].at = t.observations[4].at;
  EXPECT_THAT(message_of([&] { (void)rule.judge(t, cycle(kCross)); }), HasSubstr("observation 5"));
  PhaseTimeline south("south");
  EXPECT_THAT(message_of([&] { (void)rule.judge(vehicle(kCross), south); }),
              HasSubstr("approach 'south'"));
}

TEST(RedLight, ASingleObservationCannotCross) {
  TrackObservations t;
  t.observations.push_back({UtcTime{kCross}, Point{200, 450}, {}});
  EXPECT_EQ(RedLightRule(scene()).judge(t, cycle(kCross - 2000)).outcome,
            RedLightOutcome::no_crossing);
}

// ---- options ------------------------------------------------------------------------------------

TEST(RedLightOptions, EachInvalidOptionIsRejectedByName) {
  const std::vector<std::pair<std::function<void(RedLightOptions&)>, std::string>> cases = {
      {[](auto& o) { o.approach_id = "north east"; }, "red_light.approach_id"},
      {[](auto& o) {
         o.stop_line = {{0, 500}};
       },
       "red_light.stop_line: needs at least 2"},
      {[](auto& o) {
         o.stop_line = {{0, 500}, {0, 500}};
       },
       "red_light.stop_line: points 0 and 1"},
      {[](auto& o) { o.lanes.clear(); }, "red_light.lanes: at least one"},
      {[](auto& o) { o.lanes[1].id = "through"; }, "red_light.lanes[1].id"},
      {[](auto& o) { o.lanes[0].id = ""; }, "red_light.lanes[0].id"},
      {[](auto& o) { o.lanes[0].polygon.resize(2); },
       "red_light.lanes[0].polygon: needs at least 3"},
      {[](auto& o) {
         o.lanes[0].polygon = {{0, 600}, {10, 600}, {20, 600}};
       },
       "red_light.lanes[0].polygon: has zero area"},
      {[](auto& o) {
         o.lanes[1].polygon = {{300, 100}, {500, 100}, {500, 400}, {300, 400}};
       },
       "red_light.lanes[1].polygon: lies on the other side"},
      {[](auto& o) { o.amber_ms = 999; }, "red_light.amber_ms"},
      {[](auto& o) { o.amber_tolerance_ms = -1; }, "red_light.amber_tolerance_ms"},
      {[](auto& o) { o.all_red_ms = 10001; }, "red_light.all_red_ms"},
      {[](auto& o) { o.grace_ms = -1; }, "red_light.grace_ms"},
      {[](auto& o) { o.min_time_into_red_ms = 60001; }, "red_light.min_time_into_red_ms"},
      {[](auto& o) { o.min_speed_kmh = std::nan(""); }, "red_light.min_speed_kmh"},
      {[](auto& o) { o.metres_per_px = -0.1; }, "red_light.metres_per_px"},
      {[](auto& o) { o.speed_window_ms = 39; }, "red_light.speed_window_ms"},
      {[](auto& o) { o.feed_max_silence_ms = 99; }, "red_light.feed_max_silence_ms"},
      {[](auto& o) { o.intersection_depth_px = 0; }, "red_light.intersection_depth_px"},
      {[](auto& o) { o.clip_margin_ms = -5; }, "red_light.clip_margin_ms"},
      {[](auto& o) { o.video_max_offset_ms = 0; }, "red_light.video_max_offset_ms"},
  };
  for (const auto& [mutate, expected] : cases) {
    auto o = scene();
    mutate(o);
    EXPECT_THAT(message_of([&] { RedLightRule rule(o); }), HasSubstr(expected)) << expected;
  }
}

TEST(RedLightOptions, TheDefaultsAreValid) {
  EXPECT_NO_THROW(RedLightRule rule(scene()));
  const RedLightOptions defaults;
  EXPECT_EQ(defaults.grace_ms, 300);
  EXPECT_EQ(defaults.clip_margin_ms, 5000);
}

// ---- configuration hash -------------------------------------------------------------------------

TEST(RedLightConfigHash, IsTheSha256OfASortedCanonicalSerialisation) {
  const RedLightRule rule(scene());
  EXPECT_THAT(rule.canonical_config(), StartsWith("{\"all_red_ms\":1000,\"amber_ms\":3000,"));
  EXPECT_THAT(rule.canonical_config(),
              HasSubstr("\"lanes\":[{\"id\":\"through\",\"polygon\":[[100.0,500.0],"));
  EXPECT_EQ(rule.config_hash().size(), 64u);
  EXPECT_EQ(rule.config_hash(), RedLightRule(scene()).config_hash());
}

TEST(RedLightConfigHash, ChangesWhenAnyOptionChanges) {
  const std::string base = RedLightRule(scene()).config_hash();
  const std::vector<std::pair<std::function<void(RedLightOptions&)>, const char*>> changes = {
      {[](auto& o) { o.approach_id = "south"; }, "approach_id"},
      {[](auto& o) { o.stop_line[1].y = 501; }, "stop_line"},
      {[](auto& o) { o.lanes[0].id.append("-2"); }, "lane id"},
      {[](auto& o) { o.lanes[0].polygon[2].x = 301; }, "lane polygon"},
      {[](auto& o) { o.lanes[1].right_turn_exempt = true; }, "right_turn_exempt"},
      {[](auto& o) { o.amber_ms = 4000; }, "amber_ms"},
      {[](auto& o) { o.amber_tolerance_ms = 0; }, "amber_tolerance_ms"},
      {[](auto& o) { o.all_red_ms = 2000; }, "all_red_ms"},
      {[](auto& o) { o.grace_ms = 301; }, "grace_ms"},
      {[](auto& o) { o.min_time_into_red_ms = 1; }, "min_time_into_red_ms"},
      {[](auto& o) { o.min_speed_kmh = 5; }, "min_speed_kmh"},
      {[](auto& o) { o.metres_per_px = 0.01; }, "metres_per_px"},
      {[](auto& o) { o.speed_window_ms = 400; }, "speed_window_ms"},
      {[](auto& o) { o.feed_max_silence_ms = 2000; }, "feed_max_silence_ms"},
      {[](auto& o) { o.intersection_depth_px = 41; }, "intersection_depth_px"},
      {[](auto& o) { o.clip_margin_ms = 4000; }, "clip_margin_ms"},
      {[](auto& o) { o.video_cross_check = true; }, "video_cross_check"},
      {[](auto& o) { o.video_max_offset_ms = 100; }, "video_max_offset_ms"},
  };
  std::set<std::string> seen{base};
  for (const auto& [mutate, name] : changes) {
    auto o = scene();
    mutate(o);
    const std::string hash = RedLightRule(o).config_hash();
    EXPECT_NE(hash, base) << name;
    EXPECT_TRUE(seen.insert(hash).second) << name << " collides with another change";
  }
}

}  // namespace
}  // namespace roadwarden::rules
