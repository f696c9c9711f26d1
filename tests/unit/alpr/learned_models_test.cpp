// The committed learned models (models/), run from C++ exactly as the reader runs them.
#include <iostream>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "alpr/engines.hpp"
#include "alpr/formats/plate_format.hpp"
#include "alpr/learned/ctc_recognizer.hpp"
#include "alpr/perspective_rectifier.hpp"
#include "codec/image_io.hpp"
#include "core/errors.hpp"
#include "support/paths.hpp"
#include "support/plate_renderer.hpp"

namespace roadwarden::alpr {
namespace {

using roadwarden::testing::PlateStyle;
using roadwarden::testing::render_scene;

const std::filesystem::path kModels = testing::source_dir() / "models";

CtcRecognizerOptions recognizer_options() {
  return {kModels / "plate_recognizer.onnx", kModels / "plate_recognizer.json", 16};
}

// A random text for a format pattern: D = digit, L = letter (no I/O/Q, as plates avoid
// them), anything else literal; returns {drawn text with spaces, truth}.
std::pair<std::string, std::string> random_plate(const std::string& pattern, std::mt19937& rng) {
  const std::string letters = "ABCDEFGHJKLMNPRSTUVWXYZ";
  std::string drawn, truth;
  for (char p : pattern) {
    char c = p;
    if (p == 'D') c = static_cast<char>('0' + rng() % 10);
    if (p == 'L') c = letters[rng() % letters.size()];
    drawn += c;
    if (c != ' ' && c != '\n') truth += c;
  }
  return {drawn, truth};
}

TEST(LearnedModels, RecognizerLoadsAndItsOutputMatchesItsMetadata) {
  const CtcRecognizer rec(recognizer_options());
  const RecognizerMetadata& m = rec.metadata();
  EXPECT_EQ(m.alphabet, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.steps * 4, m.input_width);
  // recognize() checks the network's output shape against the metadata and throws if not.
  EXPECT_NO_THROW((void)rec.recognize(cv::Mat(m.input_height, m.input_width, CV_8UC3,
                                              cv::Scalar(200, 200, 200)),
                                      5));
}

TEST(LearnedModels, ReadsRenderedPlatesOfEveryFormatOneAndTwoLine) {
  const CtcRecognizer rec(recognizer_options());
  const PerspectiveRectifier rectifier(RectifierOptions{
      rec.metadata().input_width, rec.metadata().input_height, rec.metadata().rectifier_margin});
  struct Kind {
    const char* pattern;
    PlateStyle style;
  };
  PlateStyle one_line, two_line, yellow, br_grey;
  two_line.width = 280;
  two_line.height = 200;
  yellow.paper = cv::Scalar(0, 200, 240);
  br_grey.paper = cv::Scalar(170, 170, 170);
  const std::vector<Kind> kinds = {
      {"DD L DDD LL", one_line},  {"DD DDD LLL", one_line},    {"DD H DDDDDD", yellow},
      {"LLL DDDD", br_grey},      {"LLL DLDD", one_line},      {"LL DDD LL", one_line},
      {"L DD LLL", one_line},     {"DLLL DDD", one_line},      {"DD L\nDDD LL", two_line},
      {"LLL\nDDDD", two_line},
  };
  std::mt19937 rng(2026);
  int read = 0, total = 0;
  std::vector<std::string> misses;
  for (int i = 0; i < 200; ++i) {
    const Kind& k = kinds[static_cast<std::size_t>(i) % kinds.size()];
    const auto [drawn, truth] = random_plate(k.pattern, rng);
    const double roll = static_cast<double>(static_cast<int>(rng() % 21) - 10);
    const auto scene = render_scene(drawn, {800, 600}, k.style.width > 300 ? 280 : 200, roll,
                                    i + 1, k.style);
    const Recognition r = rec.recognize(rectifier.rectify(scene.image, scene.plate), 5);
    ++total;
    if (!r.candidates.empty() && r.candidates[0].text == truth) {
      ++read;
    } else {
      misses.push_back(truth + "→" + (r.candidates.empty() ? "" : r.candidates[0].text));
    }
  }
  // Issue 3's acceptance: at least 95 % of 200 rendered plates across formats.
  constexpr int kTargetPercent = 95;
  std::cout << "rendered plates read: " << read << "/" << total << " (target " << kTargetPercent
            << "%)\n";
  EXPECT_GE(read * 100, total * kTargetPercent)
      << read << "/" << total << " read; misses: " << ::testing::PrintToString(misses);
}

TEST(LearnedModels, RecognizerReadsAPlateRolled25DegreesOnceRectified) {
  const CtcRecognizer rec(recognizer_options());
  const PerspectiveRectifier rectifier(RectifierOptions{
      rec.metadata().input_width, rec.metadata().input_height, rec.metadata().rectifier_margin});
  const auto scene = render_scene("01 A 777 BC", {1280, 720}, 320, 25.0, 3);
  const Recognition r = rec.recognize(rectifier.rectify(scene.image, scene.plate), 5);
  ASSERT_FALSE(r.candidates.empty());
  EXPECT_EQ(r.candidates[0].text, "01A777BC");
}

TEST(LearnedModels, PipelineReadsAPlateTurned25DegreesAndADarkPlate) {
  const auto alpr = make_engine("learned", AlprOptions{}, kModels);
  // Turned 25 degrees away from the camera (yaw), as on a camera beside the road.
  const auto turned = render_scene("01 A 777 BC", {1280, 720}, 320, 2.0, 3, PlateStyle{}, 25.0);
  auto plates = alpr->read(turned.image);
  ASSERT_FALSE(plates.empty());
  EXPECT_EQ(plates[0].text, "01A777BC");
  EXPECT_GE(iou(plates[0].corners.bounding_box(), turned.plate.bounding_box()), 0.5);
  // Dark: the whole frame at a fifth of its brightness, with sensor noise.
  auto dark = render_scene("ABC 1D23", {1280, 720}, 300, -4.0, 4);
  cv::Mat noise(dark.image.size(), CV_8UC3);
  cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(3));
  dark.image = dark.image * 0.2 + noise;
  plates = alpr->read(dark.image);
  ASSERT_FALSE(plates.empty());
  EXPECT_EQ(plates[0].text, "ABC1D23");
}

TEST(LearnedModels, EngineTakesTheRecognizersFloorAndCropSettingsUnlessTheOptionsSetThem) {
  const RecognizerMetadata meta = load_recognizer_metadata(kModels / "plate_recognizer.json");
  ASSERT_GT(meta.crop_scales.size(), 1u);
  ASSERT_LT(meta.crop_stop_confidence, 1.0);
  const auto from_sidecar = make_engine("learned", AlprOptions{}, kModels)->options();
  EXPECT_DOUBLE_EQ(from_sidecar.min_read_confidence, meta.unreadable_below);
  EXPECT_EQ(from_sidecar.crop_scales, meta.crop_scales);
  EXPECT_DOUBLE_EQ(from_sidecar.crop_stop_confidence, meta.crop_stop_confidence);
  EXPECT_TRUE(from_sidecar.formats.calibrated_literals);
  AlprOptions own;
  own.min_read_confidence = 0.99;
  own.crop_scales = {1.0, 0.9};
  const auto with_own = make_engine("learned", own, kModels)->options();
  EXPECT_DOUBLE_EQ(with_own.min_read_confidence, 0.99);
  EXPECT_EQ(with_own.crop_scales, (std::vector<double>{1.0, 0.9}));
  EXPECT_DOUBLE_EQ(with_own.crop_stop_confidence, 1.0);  // own crops: every one is read
  AlprOptions own_stop;
  own_stop.crop_stop_confidence = 0.5;
  const auto with_own_stop = make_engine("learned", own_stop, kModels)->options();
  EXPECT_EQ(with_own_stop.crop_scales, meta.crop_scales);
  EXPECT_DOUBLE_EQ(with_own_stop.crop_stop_confidence, 0.5);
}

TEST(LearnedModels, EngineTakesASecondLookUnlessZoomInputIsZeroAndRejectsBadSides) {
  EXPECT_TRUE(make_engine("learned", AlprOptions{}, kModels)->takes_second_look());
  AlprOptions no_zoom;
  no_zoom.zoom_input = 0;
  EXPECT_FALSE(make_engine("learned", no_zoom, kModels)->takes_second_look());
  EXPECT_FALSE(make_engine("classic", AlprOptions{}, kModels)->takes_second_look());
  for (const int bad_zoom : {100, 450, 4096}) {
    AlprOptions zoom;
    zoom.zoom_input = bad_zoom;
    EXPECT_THROW((void)make_engine("learned", zoom, kModels), InvalidInput) << bad_zoom;
  }
}

TEST(LearnedModels, PipelineReadsTheBundledSamplePhotosAsNamed) {
  // README's quick start reads examples/images/ with the default options; each file is
  // named <format>-<text>.jpg. The network reads uz-legal-10123ABC.jpg as 1O123ABC first
  // and 10123ABC second: the format must choose among the beam's own reads.
  const auto alpr = make_engine("learned", AlprOptions{}, kModels);
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(testing::source_dir() / "examples" / "images")) {
    const std::string stem = entry.path().stem().string();
    const std::string truth = stem.substr(stem.rfind('-') + 1);
    SCOPED_TRACE(stem);
    const auto plates = alpr->read(codec::load_image(entry.path()));
    ASSERT_EQ(plates.size(), 1u);
    EXPECT_EQ(plates[0].text, truth);
    ++files;
  }
  EXPECT_EQ(files, 4);
}

}  // namespace
}  // namespace roadwarden::alpr
