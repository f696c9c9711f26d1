#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "alpr/learned/onnx_detector.hpp"
#include "core/errors.hpp"
#include "support/plate_renderer.hpp"

namespace roadwarden::alpr {
namespace {

using roadwarden::testing::render_scene;

const std::filesystem::path kModel = ROADWARDEN_SOURCE_DIR "/models/plate_detector.onnx";
const std::filesystem::path kMeta = ROADWARDEN_SOURCE_DIR "/models/plate_detector.json";

OnnxDetectorOptions default_options() {
  OnnxDetectorOptions o;
  o.model_path = kModel;
  o.metadata_path = kMeta;
  return o;
}

// One detector for the suite: loading runs a forward pass.
const OnnxPlateDetector& detector() {
  static const OnnxPlateDetector d(default_options());
  return d;
}

// The best IoU of any detected region's bounding box with the truth's.
double best_iou(const std::vector<PlateRegion>& regions, const Quad& truth) {
  double best = 0;
  for (const auto& r : regions) best = std::max(best, iou(r.corners.bounding_box(), truth.bounding_box()));
  return best;
}

TEST(OnnxPlateDetector, LoadsTheModelAndItsSidecarAgree) {
  const DetectorMetadata m = detector().metadata();
  const DetectorMetadata file = load_detector_metadata(kMeta);
  EXPECT_EQ(m.input_width, 640);
  EXPECT_EQ(m.input_height, 640);
  EXPECT_EQ(m.stride, 4);
  EXPECT_EQ(m.grid_width, 160);
  EXPECT_EQ(m.grid_height, 160);
  EXPECT_DOUBLE_EQ(m.corner_scale, 64.0);
  EXPECT_DOUBLE_EQ(m.scale, 1.0 / 255.0);
  EXPECT_EQ(m.grid_width, file.grid_width);
  EXPECT_EQ(m.pad_value, file.pad_value);
  EXPECT_EQ(m.size_multiple, file.size_multiple);
}

TEST(OnnxPlateDetector, RejectsASidecarWhoseOutputShapeDoesNotMatchTheModel) {
  std::ifstream in(kMeta);
  nlohmann::json j = nlohmann::json::parse(in);
  j["output"]["stride"] = 8;
  j["output"]["shape"] = {1, 9, 80, 80};  // consistent with stride 8, not with the model
  const auto path = std::filesystem::temp_directory_path() /
                    ("rw_detector_meta_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  std::ofstream(path) << j.dump();
  OnnxDetectorOptions o = default_options();
  o.metadata_path = path;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  j["output"]["shape"] = {1, 9, 160, 160};  // inconsistent with input / stride
  std::ofstream(path) << j.dump();
  EXPECT_THROW((void)load_detector_metadata(path), InvalidInput);
  j["output"]["stride"] = 4;
  j["input"]["size_multiple"] = 48;  // 640 is not a multiple of 48
  std::ofstream(path) << j.dump();
  EXPECT_THROW((void)load_detector_metadata(path), InvalidInput);
  std::filesystem::remove(path);
}

TEST(OnnxPlateDetector, UsesTheSidecarsScoreThresholdUnlessTheOptionsSetOne) {
  const auto scene = render_scene("01 A 123 BC", {1024, 768}, 150, 0.0, 7);
  const auto found = detector().detect(scene.image);
  ASSERT_FALSE(found.empty());
  const double c = found.front().confidence;
  ASSERT_LT(c, 1.0);
  std::ifstream in(kMeta);
  nlohmann::json j = nlohmann::json::parse(in);
  const auto path = std::filesystem::temp_directory_path() /
                    ("rw_detector_thr_" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  j["score_threshold"] = c + (1 - c) / 2;  // above the plate's peak
  std::ofstream(path) << j.dump();
  OnnxDetectorOptions o = default_options();
  o.metadata_path = path;
  EXPECT_DOUBLE_EQ(load_detector_metadata(path).score_threshold, c + (1 - c) / 2);
  EXPECT_LT(best_iou(OnnxPlateDetector{o}.detect(scene.image), scene.plate), 0.5);
  o.score_threshold = c / 2;  // the options win over the sidecar
  EXPECT_GE(best_iou(OnnxPlateDetector{o}.detect(scene.image), scene.plate), 0.5);
  j["score_threshold"] = 1.5;
  std::ofstream(path) << j.dump();
  EXPECT_THROW((void)load_detector_metadata(path), InvalidInput);
  j.erase("score_threshold");
  std::ofstream(path) << j.dump();
  EXPECT_DOUBLE_EQ(load_detector_metadata(path).score_threshold, 0.4);
  std::filesystem::remove(path);
}

TEST(OnnxPlateDetector, FindsASyntheticPlateAtSmallMediumAndLargeWidths) {
  for (const int width : {60, 150, 300}) {
    SCOPED_TRACE(width);
    const auto scene = render_scene("01 A 123 BC", {1024, 768}, width, 0.0, width);
    const auto regions = detector().detect(scene.image);
    ASSERT_FALSE(regions.empty());
    EXPECT_GE(best_iou(regions, scene.plate), 0.5);
    // The most confident region is the plate, with its corners in TL, TR, BR, BL order.
    const Quad& q = regions.front().corners;
    EXPECT_GE(iou(q.bounding_box(), scene.plate.bounding_box()), 0.5);
    for (std::size_t k = 0; k < 4; ++k) {
      EXPECT_NEAR(q.corners[k].x, scene.plate.corners[k].x, 0.15 * width) << "corner " << k;
      EXPECT_NEAR(q.corners[k].y, scene.plate.corners[k].y, 0.15 * width) << "corner " << k;
    }
  }
}

TEST(OnnxPlateDetector, FindsARolledPlateInALargeFrame) {
  // 1920×1080 is downscaled to 640 wide: the 240 px plate is 80 px at the model input.
  const auto scene = render_scene("10 Z 584 KU", {1920, 1080}, 240, 8.0, 3);
  const auto regions = detector().detect(scene.image);
  EXPECT_GE(best_iou(regions, scene.plate), 0.5);
}

TEST(OnnxPlateDetector, RunsOnTheFramesAspectRatherThanASquareLetterbox) {
  const OnnxPlateDetector& d = detector();
  EXPECT_EQ(d.metadata().size_multiple, 32);
  // 1080p at the default long side 640: 640 × 360, padded down to 384.
  EXPECT_EQ(d.input_size_for({1920, 1080}), cv::Size(640, 384));
  EXPECT_EQ(d.input_size_for({1080, 1920}), cv::Size(384, 640));
  EXPECT_EQ(d.input_size_for({1024, 768}), cv::Size(640, 480));
  EXPECT_EQ(d.input_size_for({320, 200}), cv::Size(640, 416));  // small frames are upscaled
  EXPECT_EQ(d.input_size_for({3000, 10}), cv::Size(640, 32));
  OnnxDetectorOptions o = default_options();
  o.input_long_side = 960;
  const OnnxPlateDetector large(o);
  EXPECT_EQ(large.input_size_for({1920, 1080}), cv::Size(960, 544));
  EXPECT_EQ(large.input_size_for({3840, 2160}), cv::Size(960, 544));
}

TEST(OnnxPlateDetector, ALargerInputFindsASmallPlateInA1080pFrame) {
  // A 96 px wide plate (about 21 px tall): at long side 960 it is 48 px wide at the input;
  // at the default 640 (32 px) the best box overlapped the plate by IoU 0.47 when written.
  const auto scene = render_scene("01 A 123 BC", {1920, 1080}, 96, 0.0, 11);
  OnnxDetectorOptions o = default_options();
  o.input_long_side = 960;
  const auto regions = OnnxPlateDetector(o).detect(scene.image);
  ASSERT_FALSE(regions.empty());
  EXPECT_GE(iou(regions.front().corners.bounding_box(), scene.plate.bounding_box()), 0.5);
}

TEST(OnnxPlateDetector, RejectsAnInputLongSideThatIsNotAMultipleOf32OrOutOfRange) {
  for (const int side : {100, 650, 4096, -32}) {
    SCOPED_TRACE(side);
    OnnxDetectorOptions o = default_options();
    o.input_long_side = side;
    EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  }
}

TEST(OnnxPlateDetector, FindsNoPlateInAnEmptyGreyImage) {
  const cv::Mat grey(720, 1280, CV_8UC3, cv::Scalar(128, 128, 128));
  EXPECT_TRUE(detector().detect(grey).empty());
}

TEST(OnnxPlateDetector, GivesTheSameResultFromConcurrentCalls) {
  const auto scene = render_scene("01 A 123 BC", {800, 600}, 150, 0.0, 5);
  const auto expected = detector().detect(scene.image);
  std::vector<std::future<std::vector<PlateRegion>>> runs;
  for (int i = 0; i < 3; ++i) {
    runs.push_back(std::async(std::launch::async, [&] { return detector().detect(scene.image); }));
  }
  for (auto& r : runs) {
    const auto got = r.get();
    ASSERT_EQ(got.size(), expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].corners, expected[i].corners);
  }
}

TEST(OnnxPlateDetector, RejectsABrokenFrame) {
  EXPECT_THROW((void)detector().detect(cv::Mat()), InvalidInput);
  EXPECT_THROW((void)detector().detect(cv::Mat(100, 100, CV_8UC1, cv::Scalar(0))), InvalidInput);
}

TEST(OnnxPlateDetector, ThrowsIoErrorNamingAMissingModel) {
  OnnxDetectorOptions o = default_options();
  o.model_path = "/nonexistent/plate_detector.onnx";
  try {
    OnnxPlateDetector d(o);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/plate_detector.onnx"), std::string::npos);
  }
  o = default_options();
  o.metadata_path = "/nonexistent/plate_detector.json";
  EXPECT_THROW(OnnxPlateDetector{o}, IoError);
}

TEST(OnnxPlateDetector, RejectsOutOfRangeOptions) {
  OnnxDetectorOptions o = default_options();
  o.score_threshold = -0.1;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  o.score_threshold = 1;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  o = default_options();
  o.max_plates = 0;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  o = default_options();
  o.nms_iou = 1.5;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
  o = default_options();
  o.nms_containment = 0;
  EXPECT_THROW(OnnxPlateDetector{o}, InvalidInput);
}

}  // namespace
}  // namespace roadwarden::alpr
