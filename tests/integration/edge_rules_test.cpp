// `roadwarden edge` with the per-pass rules of site.toml (edge/pass_rules.hpp): a night-time
// restriction zone and an average-speed section over two cameras, each run on synthetic
// clips with the real binary; the spool is then checked for the violation records.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "crypto/crypto.hpp"
#include "edge/spool.hpp"
#include "support/cli_runner.hpp"
#include "support/paths.hpp"
#include "support/traffic_video.hpp"
#include "unit/edge/fake_clock.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// `frames` frames at 25 fps; the car with plate 01A123BC is in view from `first_frame` for
/// 60 frames (2.4 s), approaching the camera.
roadwarden::testing::TrafficClipSpec clip(int frames, int first_frame) {
  return roadwarden::testing::one_car_approaching_clip(frames, first_frame);
}

class EdgeRulesTest : public ::testing::Test {
 protected:
  /// Runs the agent on site.toml (written from `toml`); returns its JSON summary.
  json run_agent(const std::string& toml) {
    std::ofstream(dir_ / "site.toml") << toml;
    const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
    EXPECT_EQ(r.status, 0) << r.err;
    log_ = r.err;
    return r.status == 0 ? json::parse(r.out) : json();
  }
  /// Every record left in the spool.
  std::vector<SpoolEntry> spooled() {
    testing::FakeClock clock(4'000'000'000'000);
    SpoolOptions o;
    o.dir = dir_ / "spool";
    Spool spool(o, clock);
    return spool.due(clock.now(), 1000);
  }
  std::vector<std::uint8_t> file(const std::string& key, const std::string& name) {
    testing::FakeClock clock(4'000'000'000'000);
    SpoolOptions o;
    o.dir = dir_ / "spool";
    Spool spool(o, clock);
    return spool.read_file(key, name);
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
  std::string log_;
};

/// A night-time zone 23:00-06:00 Asia/Tashkent (UTC+5) for listed vehicles.
std::string curfew_site(const std::string& start_time) {
  return R"([site]
id = "night-site"
timezone = "Asia/Tashkent"
[spool]
dir = "spool"
[[camera]]
id = "cam-1"
file = "clip.mp4"
start_time = )" + start_time +
         R"(
[[curfew]]
id = "centre-night"
cameras = ["cam-1"]
select = "list"
[[curfew.window]]
time = "23:00-06:00"
[curfew.vehicles]
id = "night-banned"
version = "3"
plates = ["01 A 123 BC"]
)";
}

TEST_F(EdgeRulesTest, ListedVehicleAtNightInTashkentIsACurfewViolation) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, 0), dir_ / "clip.mp4");
  // 18:30 UTC = 23:30 in Tashkent: inside the window.
  const json summary = run_agent(curfew_site("2026-11-29T18:30:00Z"));
  ASSERT_TRUE(summary.contains("rules")) << summary.dump();
  EXPECT_EQ(summary["rules"]["curfew_violations"], 1);
  std::vector<SpoolEntry> curfew;
  int reads = 0;
  for (const SpoolEntry& e : spooled()) {
    if (e.kind == "curfew") curfew.push_back(e);
    reads += e.kind == "plate_read";
  }
  EXPECT_EQ(reads, 1);
  ASSERT_EQ(curfew.size(), 1u) << log_;
  const SpoolEntry& v = curfew[0];
  EXPECT_TRUE(v.violation);
  EXPECT_EQ(v.metadata["violation"]["kind"], "curfew");
  EXPECT_EQ(v.metadata["read"]["text"], "01A123BC");
  const std::string dump = v.metadata["violation"].dump();
  EXPECT_NE(dump.find("centre-night"), std::string::npos) << dump;
  EXPECT_NE(dump.find("23:30"), std::string::npos) << "the local time is recorded: " << dump;
  // The frame carries the data bar under the camera's 1280x720 picture.
  bool frame_seen = false;
  for (const SpooledFile& f : v.files) {
    if (f.name != "frame.jpg") continue;
    frame_seen = true;
    const cv::Mat frame = cv::imdecode(file(v.key, f.name), cv::IMREAD_COLOR);
    EXPECT_EQ(frame.cols, 1280);
    EXPECT_GT(frame.rows, 720);
  }
  EXPECT_TRUE(frame_seen);
}

TEST_F(EdgeRulesTest, AgentReportsItsRulesInForceAndCameraHeartbeats) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, 0), dir_ / "clip.mp4");
  // Paced like a live camera (2.4 s) with a heartbeat every second.
  std::string toml = curfew_site("2026-11-29T12:00:00Z");
  toml.replace(toml.find("start_time"), 0, "realtime = true\n");
  toml += "[health]\nheartbeat_seconds = 1\n";
  (void)run_agent(toml);
  int rules_reports = 0, heartbeats = 0;
  for (const SpoolEntry& e : spooled()) {
    if (e.kind != "health") continue;
    const json& m = e.metadata;
    if (m["type"] == "site_rules") {
      ++rules_reports;
      EXPECT_EQ(m["site"], "night-site");
      ASSERT_EQ(m["cameras"].size(), 1u) << m.dump();
      EXPECT_EQ(m["cameras"][0]["camera"], "cam-1");
      ASSERT_EQ(m["cameras"][0]["rules"].size(), 1u) << m.dump();
      const json& r = m["cameras"][0]["rules"][0];
      EXPECT_EQ(r["kind"], "curfew");
      EXPECT_EQ(r["id"], "centre-night");
      EXPECT_EQ(r["config_hash"].get<std::string>().size(), 64u);
      EXPECT_TRUE(r["config"].is_object());
    }
    if (m["type"] == "camera_heartbeat") {
      ++heartbeats;
      EXPECT_EQ(m["camera"], "cam-1");
      EXPECT_EQ(m["reconnects"], 0);
      if (m["frames_in"].get<int>() > 0) {
        EXPECT_TRUE(m.contains("last_frame_at")) << m.dump();
      }
    }
  }
  EXPECT_EQ(rules_reports, 1);
  EXPECT_GE(heartbeats, 1) << log_;
}

TEST_F(EdgeRulesTest, SameVehicleInTheAfternoonIsNoCurfewViolation) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, 0), dir_ / "clip.mp4");
  // 12:00 UTC = 17:00 in Tashkent.
  const json summary = run_agent(curfew_site("2026-11-29T12:00:00Z"));
  ASSERT_TRUE(summary.contains("rules")) << summary.dump();
  EXPECT_EQ(summary["rules"]["curfew_violations"], 0);
  for (const SpoolEntry& e : spooled()) EXPECT_FALSE(e.violation) << e.kind;
}

TEST_F(EdgeRulesTest, SectionOverTwoCamerasTooFastIsAnAverageSpeedViolation) {
  // Entry camera: the car at once. Exit camera: paced like a live camera, the car appears
  // 7.6 s into its clip — so the entry pass is judged first, as on a real road. Its
  // start time puts the car 60 s after the entry: 2000 m in 60 s = 120 km/h > 90 + 5.
  (void)roadwarden::testing::write_traffic_clip(clip(60, 0), dir_ / "entry.mp4");
  (void)roadwarden::testing::write_traffic_clip(clip(250, 190), dir_ / "exit.mp4");
  const crypto::HmacKey key = crypto::create_hmac_key(dir_ / "section.key");
  const json summary = run_agent(R"([site]
id = "a2"
timezone = "Asia/Tashkent"
[spool]
dir = "spool"
[[camera]]
id = "cam-in"
file = "entry.mp4"
start_time = 2026-11-29T12:00:00Z
[[camera]]
id = "cam-out"
file = "exit.mp4"
realtime = true
start_time = 2026-11-29T12:00:52.400Z
[[section_speed]]
id = "a2-km12-km14"
entry_camera = "cam-in"
exit_camera = "cam-out"
distance_m = 2000.0
limit_kmh = 90.0
tolerance_kmh = 5.0
max_transit_s = 1800
lane_group = "eastbound"
hmac_key_file = "section.key"
)");
  ASSERT_TRUE(summary.contains("rules")) << summary.dump();
  EXPECT_EQ(summary["rules"]["section_violations"], 1) << log_;
  EXPECT_EQ(summary["rules"]["section_exits_without_entry"], 0);
  std::vector<SpoolEntry> sections;
  for (const SpoolEntry& e : spooled())
    if (e.kind == "section_speed") sections.push_back(e);
  ASSERT_EQ(sections.size(), 1u) << log_;
  const json& d = sections[0].metadata["violation"];
  EXPECT_EQ(d["entry_camera"], "cam-in");
  EXPECT_EQ(d["exit_camera"], "cam-out");
  EXPECT_NEAR(d["speed_kmh"].get<double>(), 120.0, 4.0) << d.dump();
  // Matched by the keyed pseudonym, never the plain plate.
  EXPECT_EQ(d["plate_hmac"], crypto::hmac_sha256_hex(key, "01A123BC"));
  EXPECT_EQ(d.dump().find("01A123BC"), std::string::npos) << d.dump();
  std::vector<std::string> names;
  for (const SpooledFile& f : sections[0].files) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"entry_frame.jpg", "entry_plate.jpg",
                                             "exit_frame.jpg", "exit_plate.jpg"}));
}

}  // namespace
}  // namespace roadwarden::edge
