// The red-light evidence package: stills with a data bar under the camera's pixels, a
// playable clip, the plate crop, and metadata whose file hashes match the files.
#include "evidence/violation_package.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::evidence {
namespace {

using ::testing::HasSubstr;

// 2026-11-29T12:00:00.000Z.
constexpr std::int64_t kT0 = 1'795'953'600'000;

rules::RedLightOptions scene() {
  rules::RedLightOptions o;
  o.approach_id = "north";
  o.stop_line = {{0, 300}, {640, 300}};
  o.lanes = {{"through", {{100, 300}, {500, 300}, {500, 470}, {100, 470}}, false}};
  o.clip_margin_ms = 400;
  return o;
}

/// Red from kT0 (after 3 s amber), heartbeats every second.
rules::PhaseTimeline red_since_t0() {
  rules::PhaseTimeline t("north");
  for (std::int64_t at = kT0 - 10'000; at < kT0 - 3000; at += 1000)
    t.add({UtcTime{at}, "north", rules::ControllerState::green, 0});
  for (std::int64_t at = kT0 - 3000; at < kT0; at += 1000)
    t.add({UtcTime{at}, "north", rules::ControllerState::amber, 0});
  for (std::int64_t at = kT0; at <= kT0 + 20'000; at += 1000)
    t.add({UtcTime{at}, "north", rules::ControllerState::red, 0});
  return t;
}

/// A grey 640×480 scene with a moving white block, frame k.
cv::Mat scene_frame(int k) {
  cv::Mat m(480, 640, CV_8UC3, cv::Scalar(70, 80, 90));
  cv::rectangle(m, cv::Rect(280, 420 - 10 * k, 80, 30), cv::Scalar(230, 230, 230), cv::FILLED);
  return m;
}

class ViolationPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Frames every 40 ms from kT0 + 2 s; the point moves up 10 px per frame from y = 435,
    // crossing y = 300 between frames 13 and 14.
    for (int k = 0; k < 25; ++k) {
      track_.observations.push_back(
          {UtcTime{kT0 + 2000 + 40 * k}, Point{320, 435.0 - 10.0 * k}, std::nullopt});
      std::vector<std::uint8_t> jpeg;
      cv::imencode(".jpg", scene_frame(k), jpeg);
      jpegs_.push_back(std::move(jpeg));
    }
    decision_ = rule_.judge(track_, red_since_t0());
    ASSERT_TRUE(decision_.violation()) << decision_.reason;
    e_.site_id = "site-1";
    e_.timezone = "Asia/Tashkent";
    e_.camera = "cam-1";
    e_.engine = "learned";
    e_.rule = &rule_;
    e_.decision = &decision_;
    e_.read.camera = "cam-1";
    e_.read.text = "01A123BC";
    e_.read.best_time = UtcTime{kT0 + 2400};
    e_.read.best_corners = Quad::from_box(Box{290, 330, 60, 14});
    e_.best_frame = scene_frame(10);
    const auto still = [&](std::size_t i) {
      return ViolationStill{static_cast<std::int64_t>(i), track_.observations[i].at,
                            scene_frame(static_cast<int>(i))};
    };
    e_.before = still(decision_.evidence->before);
    e_.at_line = still(decision_.evidence->at_line);
    e_.intersection = still(*decision_.evidence->in_intersection);
    for (std::size_t k = 0; k < jpegs_.size(); ++k) {
      const UtcTime t = track_.observations[k].at;
      if (t >= *decision_.clip_start && t <= *decision_.clip_end)
        e_.clip.push_back({static_cast<std::int64_t>(k), t, jpegs_[k]});
    }
  }

  const std::vector<std::uint8_t>& file(const Package& p, const std::string& name) {
    for (const PackageFile& f : p.files)
      if (f.name == name) return f.bytes;
    ADD_FAILURE() << "no file " << name;
    static const std::vector<std::uint8_t> none;
    return none;
  }

  rules::RedLightRule rule_{scene()};
  rules::TrackObservations track_;
  std::vector<std::vector<std::uint8_t>> jpegs_;
  rules::RedLightDecision decision_;
  RedLightEvidence e_;
};

TEST_F(ViolationPackageTest, HoldsEveryFileWithMatchingHashes) {
  const Package p = build_red_light_package(e_);
  std::set<std::string> names;
  for (const PackageFile& f : p.files) names.insert(f.name);
  const std::string clip = p.metadata["violation"]["clip"]["file"];
  EXPECT_TRUE(clip == "clip.mp4" || clip == "clip.avi") << clip;
  EXPECT_EQ(names, (std::set<std::string>{"before.jpg", "at_line.jpg", "intersection.jpg",
                                          "plate.jpg", clip}));
  const nlohmann::json& hashes = p.metadata["violation"]["files"];
  ASSERT_EQ(hashes.size(), p.files.size());
  for (const PackageFile& f : p.files) {
    EXPECT_EQ(hashes.at(f.name), crypto::sha256_hex(std::span<const std::uint8_t>(f.bytes)))
        << f.name;
  }
}

TEST_F(ViolationPackageTest, MetadataRecordsTheDecisionAndTheConfiguration) {
  const Package p = build_red_light_package(e_);
  const nlohmann::json& m = p.metadata;
  EXPECT_EQ(m["type"], "violation");
  EXPECT_EQ(m["site"], "site-1");
  EXPECT_EQ(m["timezone"], "Asia/Tashkent");
  EXPECT_EQ(m["read"]["text"], "01A123BC");
  EXPECT_EQ(m["read"]["best_time"], to_iso8601(UtcTime{kT0 + 2400}));
  const nlohmann::json& v = m["violation"];
  EXPECT_EQ(v["kind"], "red_light");
  EXPECT_EQ(v["approach"], "north");
  EXPECT_EQ(v["lane"], "through");
  EXPECT_EQ(v["phase"], "red");
  EXPECT_EQ(v["red_onset"], to_iso8601(UtcTime{kT0}));
  EXPECT_EQ(v["crossing_time"], to_iso8601(*decision_.crossing_time));
  EXPECT_NEAR(v["time_into_red_ms"].get<double>(), *decision_.time_into_red_ms, 1e-3);
  EXPECT_GT(v["time_into_red_ms"].get<double>(), 2000);
  EXPECT_EQ(v["grace_ms"], 300);
  EXPECT_EQ(v["amber_ms"], 3000);
  EXPECT_EQ(v["all_red_ms"], 1000);
  EXPECT_EQ(v["config_hash"], rule_.config_hash());
  EXPECT_EQ(v["config"].dump(), rule_.canonical_config());
  EXPECT_EQ(v["frames"]["at_line"]["sequence"], decision_.evidence->at_line);
  const nlohmann::json& clip = v["clip"];
  EXPECT_EQ(clip["requested_start"], to_iso8601(*decision_.clip_start));
  EXPECT_EQ(clip["requested_end"], to_iso8601(*decision_.clip_end));
  EXPECT_EQ(clip["start"], to_iso8601(e_.clip.front().time));
  EXPECT_EQ(clip["end"], to_iso8601(e_.clip.back().time));
  EXPECT_EQ(clip["frames"], e_.clip.size());
  EXPECT_NEAR(clip["fps"].get<double>(), 25.0, 0.01);
  EXPECT_EQ(clip["truncated_start"], false);
}

TEST_F(ViolationPackageTest, StillsCarryADataBarBelowTheUntouchedFrame) {
  const Package p = build_red_light_package(e_);
  const cv::Mat at_line = cv::imdecode(file(p, "at_line.jpg"), cv::IMREAD_COLOR);
  const int bar = data_bar_height(640, 5);
  ASSERT_EQ(at_line.size(), cv::Size(640, 480 + bar));
  // The bar has white text on black: many bright pixels in the band.
  cv::Mat grey;
  cv::cvtColor(at_line(cv::Rect(0, 480, 640, bar)), grey, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::countNonZero(grey > 200), 300);
  EXPECT_GT(cv::countNonZero(grey < 30), static_cast<int>(grey.total() / 2));
  // The camera's pixels above it are the still's (JPEG tolerance).
  cv::Mat diff;
  cv::absdiff(at_line(cv::Rect(0, 0, 640, 480)), e_.at_line.image, diff);
  EXPECT_LT(cv::mean(diff)[0], 3.0);
  // The lines name the site, the zone's local time and the time into red.
  const auto lines = p.metadata["violation"]["data_bar"]["at_line"];
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_THAT(lines[0].get<std::string>(), HasSubstr("SITE site-1"));
  EXPECT_THAT(lines[1].get<std::string>(), HasSubstr("UTC 2026-11-29T12:00:02"));
  EXPECT_THAT(lines[2].get<std::string>(), HasSubstr("LOCAL 2026-11-29T17:00:02"));
  EXPECT_THAT(lines[2].get<std::string>(), HasSubstr("+05:00 Asia/Tashkent"));
  EXPECT_THAT(lines[3].get<std::string>(), HasSubstr("PHASE RED  INTO RED 2."));
  EXPECT_THAT(lines[4].get<std::string>(), HasSubstr(rule_.config_hash().substr(0, 12)));
}

TEST_F(ViolationPackageTest, ClipPlaysBackWithEveryFrame) {
  const Package p = build_red_light_package(e_);
  const std::string name = p.metadata["violation"]["clip"]["file"];
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("violation_package_test_" + name);
  {
    std::ofstream out(path, std::ios::binary);
    const auto& bytes = file(p, name);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  cv::VideoCapture cap(path.string());
  ASSERT_TRUE(cap.isOpened());
  int frames = 0;
  cv::Mat m;
  while (cap.read(m)) {
    EXPECT_EQ(m.size(), cv::Size(640, 480));
    ++frames;
  }
  std::filesystem::remove(path);
  EXPECT_EQ(frames, static_cast<int>(e_.clip.size()));
}

TEST_F(ViolationPackageTest, TruncatedClipIsRecordedAsSuch) {
  e_.clip.erase(e_.clip.begin(), e_.clip.begin() + 3);
  e_.clip_truncated_start = true;
  const Package p = build_red_light_package(e_);
  const nlohmann::json& clip = p.metadata["violation"]["clip"];
  EXPECT_EQ(clip["truncated_start"], true);
  EXPECT_NE(clip["start"], clip["requested_start"]);
  EXPECT_EQ(clip["frames"], e_.clip.size());
}

TEST_F(ViolationPackageTest, RefusesADecisionThatIsNoViolation) {
  rules::RedLightDecision green = decision_;
  green.outcome = rules::RedLightOutcome::not_red;
  e_.decision = &green;
  EXPECT_THROW((void)build_red_light_package(e_), InvalidInput);
  e_.decision = &decision_;
  e_.at_line.image = cv::Mat();
  EXPECT_THROW((void)build_red_light_package(e_), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::evidence
