#include <algorithm>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "video/pass_merger.hpp"

namespace roadwarden::video {
namespace {

Pass pass(const std::string& text, std::int64_t first_ms, std::int64_t last_ms, int votes) {
  Pass p;
  p.read.text = text;
  p.read.first_seen = UtcTime{first_ms};
  p.read.last_seen = UtcTime{last_ms};
  p.read.best_time = UtcTime{(first_ms + last_ms) / 2};
  p.read.votes = votes;
  p.read.frames_read = votes + 1;
  p.read.direction = votes > 5 ? "approaching" : "unknown";
  return p;
}

std::vector<Pass> one(Pass p) {
  std::vector<Pass> v;
  v.push_back(std::move(p));
  return v;
}

TEST(PassMerger, SameTextAfterAShortOcclusionIsOneVehicle) {
  PassMerger merger(3000);
  EXPECT_TRUE(merger.add(one(pass("01A123BC", 0, 1000, 8)), UtcTime{1000}).empty());
  EXPECT_TRUE(merger.add(one(pass("01A123BC", 2500, 4000, 3)), UtcTime{4000}).empty());
  EXPECT_TRUE(merger.add({}, UtcTime{6999}).empty());  // window still open (4000 + 3000)
  const std::vector<Pass> out = merger.add({}, UtcTime{7001});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.votes, 11);
  EXPECT_EQ(out[0].read.frames_read, 13);
  EXPECT_EQ(out[0].read.first_seen.unix_ms, 0);
  EXPECT_EQ(out[0].read.last_seen.unix_ms, 4000);
  // Evidence from the part with more votes.
  EXPECT_EQ(out[0].read.best_time.unix_ms, 500);
  EXPECT_EQ(out[0].read.direction, "approaching");
}

TEST(PassMerger, MergedPassJoinsBothPathsInSequenceOrder) {
  PassMerger merger(3000);
  Pass a = pass("01A123BC", 0, 1000, 8);
  a.path = {{UtcTime{0}, 0, {}, {}}, {UtcTime{1000}, 25, {}, {}}};
  Pass b = pass("01A123BC", 2500, 4000, 3);
  b.path = {{UtcTime{2500}, 62, {}, {}}, {UtcTime{4000}, 100, {}, {}}};
  (void)merger.add(one(std::move(a)), UtcTime{1000});
  (void)merger.add(one(std::move(b)), UtcTime{4000});
  const std::vector<Pass> out = merger.finish();
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].path.size(), 4u);
  EXPECT_EQ(out[0].path[0].sequence, 0);
  EXPECT_EQ(out[0].path[1].sequence, 25);
  EXPECT_EQ(out[0].path[2].sequence, 62);
  EXPECT_EQ(out[0].path[3].sequence, 100);
}

TEST(PassMerger, APassIsHeldWhileATrackThatBeganWithinItsWindowIsLive) {
  // The plate was lost for 560 ms; the second track then lasts 2.5 s: the first part must
  // still be there to merge when the second finishes.
  PassMerger merger(3000);
  EXPECT_TRUE(merger.add(one(pass("ZD343PD", 240, 600, 4)), UtcTime{600}).empty());
  // Without live_since the window would close at 3600 ms.
  EXPECT_TRUE(merger.add({}, UtcTime{3700}, UtcTime{1160}).empty());
  EXPECT_TRUE(merger.add(one(pass("ZD343PD", 1160, 3680, 61)), UtcTime{3700}).empty());
  const std::vector<Pass> out = merger.add({}, UtcTime{6700});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.votes, 65);
  // A live track that began after the window released the pass as before.
  PassMerger other(3000);
  (void)other.add(one(pass("01A123BC", 0, 1000, 8)), UtcTime{1000});
  EXPECT_EQ(other.add({}, UtcTime{4001}, UtcTime{4001}).size(), 1u);
}

TEST(PassMerger, SameTextLongAfterIsASecondPass) {
  PassMerger merger(3000);
  (void)merger.add(one(pass("01A123BC", 0, 1000, 8)), UtcTime{1000});
  std::vector<Pass> out = merger.add(one(pass("01A123BC", 9000, 10000, 8)), UtcTime{10000});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.last_seen.unix_ms, 1000);
  out = merger.finish();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.first_seen.unix_ms, 9000);
}

TEST(PassMerger, DifferentTextsStaySeparateAndComeOutInOrder) {
  PassMerger merger(3000);
  std::vector<Pass> both;
  both.push_back(pass("40B777XY", 500, 1500, 4));
  both.push_back(pass("01A123BC", 0, 1000, 8));
  EXPECT_TRUE(merger.add(std::move(both), UtcTime{1500}).empty());
  const std::vector<Pass> out = merger.finish();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].read.text, "01A123BC");
  EXPECT_EQ(out[1].read.text, "40B777XY");
}

// A pass whose path is one point per end: `from` at first_seen, `to` at last_seen.
Pass pass_along(const std::string& text, std::int64_t first_ms, std::int64_t last_ms, int votes,
                Box from, Box to) {
  Pass p = pass(text, first_ms, last_ms, votes);
  p.path = {{UtcTime{first_ms}, first_ms / 40, {}, from}, {UtcTime{last_ms}, last_ms / 40, {}, to}};
  return p;
}

// Adds `a`, then `b`, each when it finished (its last_seen), and returns what the merger
// gives out at the end.
std::vector<Pass> merge_two(Pass a, Pass b) {
  PassMerger merger(3000);
  const UtcTime a_end = a.read.last_seen, b_end = b.read.last_seen;
  std::vector<Pass> out = merger.add(one(std::move(a)), a_end);
  for (Pass& p : merger.add(one(std::move(b)), b_end)) out.push_back(std::move(p));
  for (Pass& p : merger.finish()) out.push_back(std::move(p));
  return out;
}

TEST(PassMerger, AContinuationOnTheSpotWithAPartialReadIsOneVehicle) {
  // The track broke while the plate was small: "M99X" ends at 2920 ms where "VM299XP"
  // starts 40 ms later.
  const std::vector<Pass> out =
      merge_two(pass_along("M99X", 2280, 2920, 1, {950, 420, 30, 8}, {948, 470, 40, 10}),
                pass_along("VM299XP", 2960, 4680, 36, {947, 476, 42, 11}, {940, 900, 200, 50}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.text, "VM299XP");
  EXPECT_EQ(out[0].read.votes, 37);
  EXPECT_EQ(out[0].read.first_seen.unix_ms, 2280);
  EXPECT_EQ(out[0].path.size(), 4u);
}

TEST(PassMerger, AnUnreadableFragmentContinuedByAReadIsOneVehicle) {
  const std::vector<Pass> out =
      merge_two(pass_along("", 0, 400, 0, {100, 100, 30, 8}, {100, 120, 34, 9}),
                pass_along("01A123BC", 480, 2000, 12, {101, 124, 35, 9}, {90, 600, 120, 30}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.text, "01A123BC");
}

TEST(PassMerger, ACarFollowingCloseBehindIsASecondPass) {
  // The first car leaves at the bottom; 40 ms later the next one, with a similar plate,
  // appears far up the same lane: not a continuation.
  EXPECT_EQ(merge_two(pass_along("VM299XP", 0, 2000, 20, {940, 420, 40, 10}, {930, 1000, 200, 50}),
                      pass_along("VM299XB", 2040, 4000, 20, {945, 430, 40, 10}, {930, 1000, 200, 50}))
                .size(),
            2u);
}

TEST(PassMerger, OverlappingOrDissimilarNeighboursStaySeparate) {
  struct Case {
    const char* why;
    const char* first_text;
    int first_votes;
    const char* second_text;
    std::int64_t second_from, second_to;
  };
  // The first pass runs 0-2000 ms, ending where the second starts.
  for (const Case& c : {
           Case{"side by side over the same time (two lanes, similar plates)", "01A123BC", 9,
                "01A123BD", 1000, 3000},
           Case{"adjacent in time and place, texts far apart (5 of 8 differ)", "01A123BC", 9,
                "40B777XC", 2040, 3000},
           Case{"adjacent in place and text but 1.5 s apart (beyond the continuation gap)",
                "M99X", 1, "VM299XP", 3500, 5000},
       }) {
    SCOPED_TRACE(c.why);
    EXPECT_EQ(merge_two(pass_along(c.first_text, 0, 2000, c.first_votes, {100, 100, 40, 10},
                                   {100, 500, 120, 30}),
                        pass_along(c.second_text, c.second_from, c.second_to, 9,
                                   {100, 520, 120, 30}, {100, 900, 160, 40}))
                  .size(),
              2u);
  }
}

TEST(PassMerger, ASecondTrackOnTheSamePlateAtTheSameTimeIsOneVehicle) {
  // A part of the plate detected on its own for three frames, inside the main track.
  Pass main = pass("20136HMN", 7000, 9960, 46);
  for (int f = 175; f <= 249; ++f)
    main.path.push_back({UtcTime{f * 40}, f, {}, {900.0, 400.0 + 4 * (f - 175), 160, 40}});
  // The left three quarters of the plate, on frames where the main track missed it.
  Pass ghost = pass("ZO13HMN", 7320, 7400, 2);
  for (int f = 183; f <= 185; ++f) {
    ghost.path.push_back({UtcTime{f * 40}, f, {}, {900.0, 400.0 + 4 * (f - 175), 120, 40}});
    main.path.erase(std::find_if(main.path.begin(), main.path.end(),
                                 [&](const PathPoint& p) { return p.sequence == f; }));
  }
  const std::vector<Pass> out = merge_two(std::move(ghost), std::move(main));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.text, "20136HMN");
  EXPECT_EQ(out[0].path.size(), 75u);
}

TEST(PassMerger, TwoPlatesSideBySideOnTheSameFramesStayTwoVehicles) {
  Pass left = pass("01A123BC", 0, 2000, 1), right = pass("40B777XY", 0, 2000, 1);
  for (int f = 0; f <= 50; ++f) {
    left.path.push_back({UtcTime{f * 40}, f, {}, {500.0, 400.0 + 8 * f, 120, 30}});
    right.path.push_back({UtcTime{f * 40}, f, {}, {640.0, 400.0 + 8 * f, 120, 30}});
  }
  EXPECT_EQ(merge_two(std::move(left), std::move(right)).size(), 2u);
}

TEST(PassMerger, TwoPlatesCrossingTheSameSpotStayTwoVehicles) {
  // One vehicle approaching, one crossing in front of it: their boxes meet at frame 40.
  Pass approaching = pass("01315ZHS", 0, 4000, 60), crossing = pass("70774JKR", 1200, 2400, 30);
  for (int f = 0; f <= 100; ++f)
    approaching.path.push_back({UtcTime{f * 40}, f, {}, {900.0, 300.0 + 5 * f, 120, 30}});
  for (int f = 30; f <= 60; ++f)
    crossing.path.push_back({UtcTime{f * 40}, f, {}, {900.0 + 40 * (f - 40), 500.0, 120, 30}});
  EXPECT_EQ(merge_two(std::move(crossing), std::move(approaching)).size(), 2u);
}

TEST(PassMerger, AShortBarelyReadReturnAfterOcclusionIsAFragmentOfThePass) {
  const std::vector<Pass> out =
      merge_two(pass_along("90384TTX", 5800, 6200, 11, {700, 500, 150, 38}, {690, 620, 180, 45}),
                pass_along("O384TTX", 7480, 7960, 1, {400, 300, 60, 15}, {380, 280, 50, 12}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].read.text, "90384TTX");
}

TEST(PassMerger, TwoWellReadFleetPlatesOneCharacterApartStayTwoVehicles) {
  EXPECT_EQ(merge_two(pass_along("01A123BC", 0, 2000, 20, {100, 100, 40, 10}, {100, 900, 160, 40}),
                      pass_along("01A124BC", 2500, 4500, 20, {100, 100, 40, 10}, {100, 900, 160, 40}))
                .size(),
            2u);
}

TEST(PassMerger, ZeroWindowPassesStraightThroughAndNegativeIsRejected) {
  PassMerger merger(0);
  EXPECT_EQ(merger.add(one(pass("01A123BC", 0, 1000, 8)), UtcTime{1000}).size(), 1u);
  EXPECT_THROW(PassMerger(-1), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::video
