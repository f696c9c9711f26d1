// `roadwarden edge` with a red-light camera, end to end: a synthetic clip of a car whose
// plate crosses the configured stop line, a replay of the controller feed, the real binary;
// then the spool is checked for the violation record and its evidence.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/time.hpp"
#include "edge/digest.hpp"
#include "edge/spool.hpp"
#include "support/cli_runner.hpp"
#include "support/paths.hpp"
#include "support/traffic_video.hpp"
#include "unit/edge/fake_clock.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::int64_t kStart = 1'795'953'600'000;  // 2026-11-29T12:00:00Z, the clip's start

/// One car approaching in the middle lane for 60 frames (2.4 s at 25 fps); its plate crosses
/// y = 420 at about 0.9 s.
roadwarden::testing::TrafficClipSpec clip() {
  return roadwarden::testing::one_car_approaching_clip();
}

class RedLightEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    (void)roadwarden::testing::write_traffic_clip(clip(), dir_ / "clip.mp4");
  }
  /// The replay: `state` for approach "north" from 10 s before the clip (after 3 s of amber
  /// when red), repeated every second until 10 s after its start.
  void write_replay(const std::string& state) {
    std::ofstream out(dir_ / "phases.txt");
    out << "# controller recording, approach north\n";
    for (std::int64_t at = kStart - 20'000; at <= kStart + 10'000; at += 1000) {
      std::string s = state;
      if (state == "red")
        s = at < kStart - 13'000 ? "green" : at < kStart - 10'000 ? "amber" : "red";
      out << to_iso8601(UtcTime{at}) << " north " << s << "\n";
    }
  }
  void write_site() {
    std::ofstream(dir_ / "site.toml") << R"(
[site]
id = "test-site"
timezone = "Asia/Tashkent"
[spool]
dir = "spool"
[signal]
replay = "phases.txt"
[[camera]]
id = "cam-1"
file = "clip.mp4"
start_time = 2026-11-29T12:00:00Z
[[camera.red_light]]
approach = "north"
stop_line = [[0, 420], [1280, 420]]
clip_margin_ms = 500
  [[camera.red_light.lane]]
  id = "middle"
  polygon = [[200, 150], [1000, 150], [1000, 420], [200, 420]]
)";
  }
  std::vector<SpoolEntry> spooled(Spool& spool) {
    return spool.due(testing::FakeClock(4'000'000'000'000).now(), 1000);
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(RedLightEdgeTest, CrossingLongAfterRedOnsetGivesOneViolationWithEvidence) {
  write_replay("red");
  write_site();
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["cameras"][0]["violations"], 1);

  testing::FakeClock clock(4'000'000'000'000);
  SpoolOptions o;
  o.dir = dir_ / "spool";
  Spool spool(o, clock);
  std::vector<SpoolEntry> violations, reads;
  for (const SpoolEntry& e : spooled(spool)) {
    if (e.kind == "red_light") violations.push_back(e);
    if (e.kind == "plate_read") reads.push_back(e);
  }
  ASSERT_EQ(violations.size(), 1u) << r.err;
  EXPECT_EQ(reads.size(), 1u);  // the plate read of the pass is spooled as usual
  const SpoolEntry& v = violations[0];
  EXPECT_TRUE(v.violation);
  const json& m = v.metadata;
  EXPECT_EQ(m["type"], "violation");
  EXPECT_EQ(m["site"], "test-site");
  EXPECT_EQ(m["read"]["text"], "01A123BC");
  EXPECT_EQ(m["violation"]["kind"], "red_light");
  EXPECT_EQ(m["violation"]["approach"], "north");
  EXPECT_EQ(m["violation"]["lane"], "middle");
  EXPECT_EQ(m["violation"]["phase"], "red");
  EXPECT_EQ(m["violation"]["red_onset"], to_iso8601(UtcTime{kStart - 10'000}));
  const double into = m["violation"]["time_into_red_ms"];
  EXPECT_GT(into, 10'300);
  EXPECT_LT(into, 11'600);

  // Every file is present, its hash in the metadata matches its content and the spool's.
  const json& hashes = m["violation"]["files"];
  std::set<std::string> names;
  for (const SpooledFile& f : v.files) {
    names.insert(f.name);
    const std::vector<std::uint8_t> bytes = spool.read_file(v.key, f.name);
    EXPECT_EQ(hashes.at(f.name), sha256_hex(bytes)) << f.name;
    EXPECT_EQ(hashes.at(f.name), f.sha256) << f.name;
  }
  const std::string clip_file = m["violation"]["clip"]["file"];
  EXPECT_EQ(names, (std::set<std::string>{"before.jpg", "at_line.jpg", "intersection.jpg",
                                          "plate.jpg", clip_file}));
  EXPECT_EQ(hashes.size(), names.size());
  EXPECT_GE(m["violation"]["clip"]["frames"].get<int>(), 20);
  // The stills are the camera's frames with the data bar under them.
  const cv::Mat at_line = cv::imdecode(spool.read_file(v.key, "at_line.jpg"), cv::IMREAD_COLOR);
  EXPECT_EQ(at_line.cols, 1280);
  EXPECT_GT(at_line.rows, 720);
}

TEST_F(RedLightEdgeTest, CrossingOnGreenGivesNoViolation) {
  write_replay("green");
  write_site();
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["cameras"][0]["violations"], 0);
  EXPECT_EQ(summary["cameras"][0]["undecidable"], 0);
  testing::FakeClock clock(4'000'000'000'000);
  SpoolOptions o;
  o.dir = dir_ / "spool";
  Spool spool(o, clock);
  int reads = 0;
  for (const SpoolEntry& e : spooled(spool)) {
    EXPECT_NE(e.kind, "red_light");
    EXPECT_FALSE(e.violation);
    reads += e.kind == "plate_read";
  }
  EXPECT_EQ(reads, 1);
}

}  // namespace
}  // namespace roadwarden::edge
