// site.toml's red-light keys: [[camera.red_light]] approaches with their lanes, the camera's
// [camera.evidence_ring] and the site's [signal] feed; every error names the key.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "edge/site_config.hpp"
#include "support/paths.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kBase = R"(
[site]
id = "s1"
[spool]
dir = "spool"
[[camera]]
id = "cam-1"
file = "clip.mp4"
)";

/// One approach "north" with lane l1; `keys` go into the approach table (before the lanes),
/// `lane_keys` into lane l1.
std::string approach(const std::string& keys = "", const std::string& lane_keys = "",
                     const std::string& stop_line = "[[0, 400], [1280, 400]]") {
  return "\n[[camera.red_light]]\napproach = \"north\"\nstop_line = " + stop_line + "\n" + keys +
         "\n  [[camera.red_light.lane]]\n  id = \"l1\"\n"
         "  polygon = [[300, 200], [800, 200], [800, 400], [300, 400]]\n" +
         lane_keys + "\n";
}

constexpr const char* kSignal = R"(
[signal]
replay = "phases.txt"
)";

class RedLightConfigTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    const fs::path p = dir_ / "site.toml";
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& text) {
    try {
      (void)load_site_config(write(text));
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "(no error)";
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(RedLightConfigTest, ApproachGetsTheRulesDefaults) {
  const SiteConfig c = load_site_config(write(std::string(kBase) + approach() + kSignal));
  ASSERT_EQ(c.cameras[0].red_light.size(), 1u);
  const rules::RedLightOptions& o = c.cameras[0].red_light[0].options;
  const rules::RedLightOptions defaults;
  EXPECT_EQ(o.approach_id, "north");
  ASSERT_EQ(o.stop_line.size(), 2u);
  EXPECT_EQ(o.stop_line[1], (Point{1280, 400}));
  ASSERT_EQ(o.lanes.size(), 1u);
  EXPECT_EQ(o.lanes[0].id, "l1");
  EXPECT_EQ(o.lanes[0].polygon.size(), 4u);
  EXPECT_FALSE(o.lanes[0].right_turn_exempt);
  EXPECT_EQ(o.amber_ms, defaults.amber_ms);
  EXPECT_EQ(o.grace_ms, defaults.grace_ms);
  EXPECT_EQ(o.all_red_ms, defaults.all_red_ms);
  EXPECT_EQ(o.clip_margin_ms, defaults.clip_margin_ms);
  EXPECT_EQ(o.feed_max_silence_ms, defaults.feed_max_silence_ms);
  EXPECT_FALSE(o.video_cross_check);
  EXPECT_FALSE(c.cameras[0].red_light[0].signal_region.has_value());
  const FrameRingOptions ring;
  EXPECT_EQ(c.cameras[0].evidence_ring.long_side, ring.long_side);
  EXPECT_EQ(c.cameras[0].evidence_ring.span_ms, 15000);
  ASSERT_TRUE(c.signal.has_value());
  EXPECT_EQ(c.signal->replay, fs::absolute(dir_) / "phases.txt");
  EXPECT_TRUE(c.signal->feed.empty());
}

TEST_F(RedLightConfigTest, EveryOptionIsRead) {
  const SiteConfig c = load_site_config(write(std::string(kBase) + approach(R"(
amber_ms = 4000
amber_tolerance_ms = 50
all_red_ms = 2000
grace_ms = 500
min_time_into_red_ms = 1000
min_speed_kmh = 5
metres_per_px = 0.05
speed_window_ms = 400
feed_max_silence_ms = 5000
intersection_depth_px = 30
clip_margin_ms = 4000
video_max_offset_ms = 100
signal_region = [10, 20, 30, 60]
)") + R"(
  [[camera.red_light.lane]]
  id = "r1"
  polygon = [[800, 200], [1000, 200], [1000, 400], [800, 400]]
  right_turn_exempt = true
[camera.evidence_ring]
long_side = 1280
jpeg_quality = 80
seconds = 12.5
max_mb = 200
[signal]
feed = "10.0.0.5:7000"
connect_timeout_ms = 2000
backoff_initial_ms = 250
backoff_max_ms = 10000
)"));
  const RedLightApproachConfig& a = c.cameras[0].red_light[0];
  EXPECT_EQ(a.options.amber_ms, 4000);
  EXPECT_EQ(a.options.amber_tolerance_ms, 50);
  EXPECT_EQ(a.options.all_red_ms, 2000);
  EXPECT_EQ(a.options.grace_ms, 500);
  EXPECT_EQ(a.options.min_time_into_red_ms, 1000);
  EXPECT_DOUBLE_EQ(a.options.min_speed_kmh, 5);
  EXPECT_DOUBLE_EQ(a.options.metres_per_px, 0.05);
  EXPECT_EQ(a.options.speed_window_ms, 400);
  EXPECT_EQ(a.options.feed_max_silence_ms, 5000);
  EXPECT_DOUBLE_EQ(a.options.intersection_depth_px, 30);
  EXPECT_EQ(a.options.clip_margin_ms, 4000);
  EXPECT_EQ(a.options.video_max_offset_ms, 100);
  ASSERT_TRUE(a.signal_region.has_value());
  EXPECT_EQ(*a.signal_region, cv::Rect(10, 20, 30, 60));
  EXPECT_TRUE(a.options.video_cross_check);
  ASSERT_EQ(a.options.lanes.size(), 2u);
  EXPECT_TRUE(a.options.lanes[1].right_turn_exempt);
  EXPECT_EQ(c.cameras[0].evidence_ring.long_side, 1280);
  EXPECT_EQ(c.cameras[0].evidence_ring.jpeg_quality, 80);
  EXPECT_EQ(c.cameras[0].evidence_ring.span_ms, 12500);
  EXPECT_EQ(c.cameras[0].evidence_ring.max_bytes, 200ull << 20);
  EXPECT_EQ(c.signal->feed, "10.0.0.5:7000");
  EXPECT_EQ(c.signal->connect_timeout_ms, 2000);
  EXPECT_EQ(c.signal->backoff.initial_ms, 250);
  EXPECT_EQ(c.signal->backoff.max_ms, 10000);
}

TEST_F(RedLightConfigTest, BadKeysAreNamed) {
  EXPECT_THAT(error_of(std::string(kBase) + approach("grace_ms = 9000") + kSignal),
              HasSubstr("camera[0].red_light[0].grace_ms: must be in 0..5000, got 9000"));
  EXPECT_THAT(error_of(std::string(kBase) + approach("grace = 100") + kSignal),
              HasSubstr("camera[0].red_light[0].grace: unknown key"));
  EXPECT_THAT(error_of(std::string(kBase) + approach("", "colour = \"red\"") + kSignal),
              HasSubstr("camera[0].red_light[0].lane[0].colour: unknown key"));
  EXPECT_THAT(error_of(std::string(kBase) + approach("", "", "[[0, 400]]") + kSignal),
              HasSubstr("site.toml: camera[0].red_light[0].stop_line"));
  EXPECT_THAT(error_of(std::string(kBase) + approach()), HasSubstr("signal: is required"));
  EXPECT_THAT(error_of(std::string(kBase) + kSignal),
              HasSubstr("signal.replay: a [signal] feed is only used"));
  EXPECT_THAT(
      error_of(std::string(kBase) + approach() + "[signal]\nfeed = \"a:1\"\nreplay = \"x\"\n"),
      HasSubstr("signal.replay: exactly one of"));
  EXPECT_THAT(error_of(std::string(kBase) + approach("video_cross_check = true") + kSignal),
              HasSubstr("camera[0].red_light[0].video_cross_check: needs signal_region"));
  EXPECT_THAT(error_of(std::string(kBase) + "[camera.evidence_ring]\nseconds = 10\n"),
              HasSubstr("camera[0].evidence_ring: applies to cameras with"));
  EXPECT_THAT(error_of(std::string(kBase) + approach() + "[camera.evidence_ring]\nseconds = 500\n" +
                       kSignal),
              HasSubstr("camera[0].evidence_ring.seconds: must be in [1, 120]"));
  // The rule's own validation, prefixed with the table: a lane on the far side of the line.
  EXPECT_THAT(error_of(std::string(kBase) + approach() + R"(
  [[camera.red_light.lane]]
  id = "l2"
  polygon = [[300, 500], [800, 500], [800, 700], [300, 700]]
)" + kSignal),
              HasSubstr("camera[0].red_light[0]: "));
}

TEST_F(RedLightConfigTest, RedLightExampleParses) {
  const SiteConfig c =
      load_site_config(roadwarden::testing::source_dir() / "examples" / "red-light" / "site.toml");
  ASSERT_EQ(c.cameras.size(), 1u);
  ASSERT_EQ(c.cameras[0].red_light.size(), 1u);
  ASSERT_TRUE(c.signal.has_value());
  EXPECT_FALSE(c.signal->replay.empty());
  EXPECT_NO_THROW((void)SignalFeed(*c.signal));
}

}  // namespace
}  // namespace roadwarden::edge
