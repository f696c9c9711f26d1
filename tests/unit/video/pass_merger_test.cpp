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

TEST(PassMerger, ZeroWindowPassesStraightThroughAndNegativeIsRejected) {
  PassMerger merger(0);
  EXPECT_EQ(merger.add(one(pass("01A123BC", 0, 1000, 8)), UtcTime{1000}).size(), 1u);
  EXPECT_THROW(PassMerger(-1), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::video
