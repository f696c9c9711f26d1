#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "alpr/alpr.hpp"
#include "alpr/classic/classic_detector.hpp"
#include "alpr/classic/tesseract_recognizer.hpp"
#include "alpr/nms.hpp"
#include "alpr/perspective_rectifier.hpp"
#include "core/errors.hpp"
#include "support/plate_renderer.hpp"

namespace roadwarden::alpr {
namespace {

using roadwarden::testing::render_plate;
using roadwarden::testing::render_scene;

double correlation(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat ga, gb, r;
  cv::cvtColor(a, ga, cv::COLOR_BGR2GRAY);
  cv::cvtColor(b, gb, cv::COLOR_BGR2GRAY);
  cv::resize(gb, gb, ga.size());
  cv::matchTemplate(ga, gb, r, cv::TM_CCOEFF_NORMED);
  return r.at<float>(0, 0);
}

TEST(PerspectiveRectifier, UndoesARotationOfThePlate) {
  const auto scene = render_scene("01 A 123 BC", {800, 600}, 300, 20.0);
  const PerspectiveRectifier rectifier(RectifierOptions{300, 64, 0.0});
  const cv::Mat crop = rectifier.rectify(scene.image, scene.plate);
  EXPECT_EQ(crop.size(), cv::Size(300, 64));
  EXPECT_GT(correlation(crop, render_plate("01 A 123 BC")), 0.8);
}

TEST(PerspectiveRectifier, RejectsOutOfRangeOptions) {
  EXPECT_THROW(PerspectiveRectifier(RectifierOptions{4, 64, 0.0}), InvalidInput);
  EXPECT_THROW(PerspectiveRectifier(RectifierOptions{300, 64, 0.9}), InvalidInput);
}

TEST(NonMaxSuppression, KeepsBestOfOverlappingAndAllDisjoint) {
  const std::vector<PlateRegion> in = {
      {Quad::from_box({0, 0, 100, 20}), 0.5},
      {Quad::from_box({5, 0, 100, 20}), 0.9},
      {Quad::from_box({300, 300, 100, 20}), 0.2},
  };
  const auto out = non_max_suppression(in, 0.3, 10);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_DOUBLE_EQ(out[0].confidence, 0.9);
  EXPECT_DOUBLE_EQ(out[1].confidence, 0.2);
  EXPECT_EQ(non_max_suppression(in, 0.3, 1).size(), 1u);
}

TEST(NonMaxSuppression, DropsACharacterBandInsideAMoreConfidentPlate) {
  const std::vector<PlateRegion> in = {
      {Quad::from_box({0, 0, 300, 70}), 0.9},   // the whole plate
      {Quad::from_box({150, 20, 100, 30}), 0.5},  // part of its characters
  };
  EXPECT_EQ(non_max_suppression(in, 0.3, 10).size(), 2u);  // IoU alone keeps both
  const auto out = non_max_suppression(in, 0.3, 10, 0.7);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_DOUBLE_EQ(out[0].confidence, 0.9);
  EXPECT_DOUBLE_EQ(containment(Box{0, 0, 300, 70}, Box{150, 20, 100, 30}), 1.0);
}

// Stage doubles: the facade must combine what its stages return, nothing more.
class FixedDetector final : public PlateDetector {
 public:
  explicit FixedDetector(std::vector<PlateRegion> r) : regions_(std::move(r)) {}
  std::vector<PlateRegion> detect(const cv::Mat&) const override { return regions_; }

 private:
  std::vector<PlateRegion> regions_;
};

// Returns the candidates keyed by the crop's mean intensity (set per region by the test).
class ScriptedRecognizer final : public Recognizer {
 public:
  explicit ScriptedRecognizer(std::vector<std::vector<Candidate>> by_level)
      : by_level_(std::move(by_level)) {}
  Recognition recognize(const cv::Mat& plate, int) const override {
    const auto level = static_cast<std::size_t>(cv::mean(plate)[0] / 50.0 + 0.5);
    Recognition r;
    if (level < by_level_.size()) r.candidates = by_level_[level];
    return r;
  }

 private:
  std::vector<std::vector<Candidate>> by_level_;
};

TEST(AlprFacade, AppliesFormatsDropsNonPlatesAndMergesOverlaps) {
  // Image with three uniform patches: intensity 0, 50, 100 → recogniser script 0, 1, 2.
  cv::Mat img(200, 600, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(200, 0, 200, 200)).setTo(cv::Scalar(50, 50, 50));
  img(cv::Rect(400, 0, 200, 200)).setTo(cv::Scalar(100, 100, 100));
  std::vector<PlateRegion> regions = {
      {Quad::from_box({20, 50, 150, 40}), 0.9},   // script 0: a UZ plate with O for 0
      {Quad::from_box({230, 50, 150, 40}), 0.8},  // script 1: "AB" is too short
      {Quad::from_box({420, 50, 150, 40}), 0.7},  // script 2: a valid read
      {Quad::from_box({425, 52, 150, 40}), 0.6},  // script 2 again: duplicate of the above
  };
  std::vector<std::vector<Candidate>> script = {
      {{"O1A123BC", 0.9, "", false}}, {{"AB", 0.99, "", false}}, {{"10123ABC", 0.8, "", false}}};
  AlprOptions options;
  options.country = "uz";
  Alpr alpr(std::make_unique<FixedDetector>(regions),
            std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
            std::make_unique<ScriptedRecognizer>(script), options);
  const auto plates = alpr.read(img);
  ASSERT_EQ(plates.size(), 2u);
  // Most confident first: the literal legal-entity read (0.8) before the corrected one (0.72).
  EXPECT_EQ(plates[0].text, "10123ABC");
  EXPECT_EQ(plates[0].format, "uz.legal");
  EXPECT_DOUBLE_EQ(plates[0].detector_confidence, 0.7);
  // The corrected UZ private plate ranks first within its plate; the literal is kept.
  EXPECT_EQ(plates[1].text, "01A123BC");
  EXPECT_EQ(plates[1].format, "uz.private");
  EXPECT_EQ(plates[1].country, "uz");
  EXPECT_TRUE(plates[1].candidates[0].corrected);
  EXPECT_NEAR(plates[1].confidence, 0.9 * 0.8, 1e-12);
  EXPECT_THAT(plates[1].candidates,
              ::testing::Contains(::testing::Field(&Candidate::text, "O1A123BC")));
}

TEST(AlprFacade, MarksAPlateBelowTheConfidenceFloorUnreadableButKeepsCandidates) {
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  AlprOptions options;
  options.min_read_confidence = 0.5;
  Alpr alpr(std::make_unique<FixedDetector>(
                std::vector<PlateRegion>{{Quad::from_box({20, 50, 150, 40}), 0.9}}),
            std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
            std::make_unique<ScriptedRecognizer>(
                std::vector<std::vector<Candidate>>{{{"AB123CD", 0.3, "", false}}}),
            options);
  const auto plates = alpr.read(img);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "");
  EXPECT_EQ(plates[0].format, "");
  EXPECT_DOUBLE_EQ(plates[0].confidence, 0.3);
  ASSERT_FALSE(plates[0].candidates.empty());
  EXPECT_EQ(plates[0].candidates[0].text, "AB123CD");
}

TEST(AlprFacade, DoesNotReadRegionsThatAreNotPlateShaped) {
  cv::Mat img(300, 600, CV_8UC3, cv::Scalar(0, 0, 0));
  const std::vector<PlateRegion> regions = {
      {Quad::from_box({10, 10, 500, 40}), 0.9},   // 12.5:1, a banner of livery text
      {Quad::from_box({10, 100, 40, 80}), 0.9},   // 0.5:1, a badge or sign
      {Quad::from_box({10, 200, 30, 4}), 0.9},    // 4 px tall
      {Quad::from_box({300, 200, 140, 100}), 0.9},  // 1.4:1, a two-line plate
  };
  Alpr alpr(std::make_unique<FixedDetector>(regions),
            std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
            std::make_unique<ScriptedRecognizer>(
                std::vector<std::vector<Candidate>>{{{"AB123CD", 0.9, "", false}}}),
            AlprOptions{});
  const auto plates = alpr.read(img);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_DOUBLE_EQ(plates[0].corners.bounding_box().x, 300);
}

TEST(AlprFacade, ReadsThroughEachCropScaleAndKeepsTheBestRead) {
  // A dark frame around a bright plate: the full quad's crop averages 36 (script 1), the
  // quad shrunk to 0.6 sees only the plate, 100 (script 2).
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(70, 70, 60, 60)).setTo(cv::Scalar(100, 100, 100));
  const std::vector<std::vector<Candidate>> script = {
      {}, {{"0AB123CD", 0.4, "", false}}, {{"AB123CD", 0.9, "", false}}};
  auto read_with = [&](std::vector<double> scales) {
    AlprOptions options;
    options.crop_scales = std::move(scales);
    Alpr alpr(std::make_unique<FixedDetector>(
                  std::vector<PlateRegion>{{Quad::from_box({50, 50, 100, 100}), 0.9}}),
              std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
              std::make_unique<ScriptedRecognizer>(script), options);
    return alpr.read(img);
  };
  const auto one = read_with({1.0});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].text, "0AB123CD");
  const auto two = read_with({1.0, 0.6});
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].text, "AB123CD");
  EXPECT_DOUBLE_EQ(two[0].confidence, 0.9);
  // The reported corners stay the detector's, whichever crop won.
  EXPECT_EQ(two[0].corners, Quad::from_box({50, 50, 100, 100}));
  EXPECT_THROW(read_with({}), InvalidInput);
  EXPECT_THROW(read_with({1.0, 0.3}), InvalidInput);
  EXPECT_THROW(read_with({1.0, 0.9, 0.8, 0.7, 0.6}), InvalidInput);
}

TEST(AlprFacade, ChoosesTheCropByRankingScoreAndSkipsCropsWithoutAPlateLikeRead) {
  // Same frame as above: scale 1.0 crops to script 1, scale 0.6 to script 2.
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(70, 70, 60, 60)).setTo(cv::Scalar(100, 100, 100));
  auto read_with = [&](std::vector<std::vector<Candidate>> script) {
    AlprOptions options;
    options.country = "uz";
    options.crop_scales = {1.0, 0.6};
    Alpr alpr(std::make_unique<FixedDetector>(
                  std::vector<PlateRegion>{{Quad::from_box({50, 50, 100, 100}), 0.9}}),
              std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
              std::make_unique<ScriptedRecognizer>(std::move(script)), options);
    return alpr.read(img);
  };
  // The tight crop cut off the series letters: a more confident read (0.9) that matches no
  // format scores 0.5 × 0.9 = 0.45 and loses to the full crop's uz.private read (0.7).
  auto plates = read_with({{}, {{"01A123BC", 0.7, "", false}}, {{"01A123", 0.9, "", false}}});
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "01A123BC");
  EXPECT_EQ(plates[0].format, "uz.private");
  EXPECT_DOUBLE_EQ(plates[0].confidence, 0.7);
  // Both crops match no format: the more confident read wins.
  plates = read_with({{}, {{"ABCD12", 0.7, "", false}}, {{"ABCD13", 0.9, "", false}}});
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "ABCD13");
  // A crop whose only read is too short to be a plate does not hide the other crop's read.
  plates = read_with({{}, {{"01A123BC", 0.5, "", false}}, {{"AB", 0.99, "", false}}});
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "01A123BC");
}

TEST(AlprFacade, StopsReadingCropsAfterOneReadMoreSurelyThanCropStopConfidence) {
  // Same frame as above: scale 1.0 crops to script 1, scale 0.6 to script 2. Read in full,
  // the tight crop's uz.private read (0.9) outranks the full crop's generic read
  // (0.5 × 0.95); with the stop at 0.9 the full crop's 0.95 ends the loop first.
  cv::Mat img(200, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(70, 70, 60, 60)).setTo(cv::Scalar(100, 100, 100));
  auto read_with = [&](double stop) {
    AlprOptions options;
    options.country = "uz";
    options.crop_scales = {1.0, 0.6};
    options.crop_stop_confidence = stop;
    Alpr alpr(std::make_unique<FixedDetector>(
                  std::vector<PlateRegion>{{Quad::from_box({50, 50, 100, 100}), 0.9}}),
              std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
              std::make_unique<ScriptedRecognizer>(std::vector<std::vector<Candidate>>{
                  {}, {{"ABCD12", 0.95, "", false}}, {{"01A123BC", 0.9, "", false}}}),
              options);
    return alpr.read(img);
  };
  auto plates = read_with(1.0);  // the default: every crop is read
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "01A123BC");
  plates = read_with(0.95);  // 0.95 is not above 0.95: the tight crop is still read
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "01A123BC");
  plates = read_with(0.9);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "ABCD12");
  EXPECT_DOUBLE_EQ(plates[0].confidence, 0.95);
  EXPECT_THROW(read_with(-0.1), InvalidInput);
  EXPECT_THROW(read_with(1.5), InvalidInput);
}

// A zoom detector double: returns fixed regions in the coordinates of the window it is given,
// and records each window's size.
class WindowDetector final : public PlateDetector {
 public:
  WindowDetector(std::vector<PlateRegion> r, std::shared_ptr<std::vector<cv::Size>> windows)
      : regions_(std::move(r)), windows_(std::move(windows)) {}
  std::vector<PlateRegion> detect(const cv::Mat& bgr) const override {
    windows_->push_back(bgr.size());
    return regions_;
  }

 private:
  std::vector<PlateRegion> regions_;
  std::shared_ptr<std::vector<cv::Size>> windows_;
};

TEST(AlprFacade, TakesASecondLookAtAPlateReadLessSurelyThanZoomMaxConfidence) {
  // A bright plate (x 200..260, y 90..110) in a dark frame; the detector's quad is loose
  // (x 185..275, y 80..120): its crop is darker (script 1), the plate's own crop bright
  // (script 2).
  cv::Mat img(200, 400, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(200, 90, 60, 20)).setTo(cv::Scalar(100, 100, 100));
  const Quad loose = Quad::from_box({185, 80, 90, 40});
  auto read_with = [&](double loose_confidence, std::vector<PlateRegion> zoomed, bool zoom,
                       std::shared_ptr<std::vector<cv::Size>> windows,
                       double zoom_max_confidence = 1.0, double zoom_min_iou = 0.3) {
    AlprOptions options;
    options.zoom_min_iou = zoom_min_iou;
    options.min_read_confidence = 0.8;
    options.zoom_window = 2.0;
    options.zoom_max_confidence = zoom_max_confidence;
    Alpr alpr(std::make_unique<FixedDetector>(std::vector<PlateRegion>{{loose, 0.9}}),
              std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
              std::make_unique<ScriptedRecognizer>(std::vector<std::vector<Candidate>>{
                  {}, {{"AB123CD", loose_confidence, "", false}}, {{"XY987ZW", 0.95, "", false}}}),
              options,
              zoom ? std::make_unique<WindowDetector>(std::move(zoomed), windows) : nullptr);
    return alpr.read(img);
  };
  // The window is the loose box grown twofold about its centre (230, 100): x 140..320, and
  // twice its height, y 60..140. The zoom detector finds the plate at (60, 30) in it (IoU 1/3
  // with the loose box), and a region elsewhere that does not overlap the loose box.
  const std::vector<PlateRegion> in_window = {{Quad::from_box({0, 0, 20, 10}), 0.9},
                                              {Quad::from_box({60, 30, 60, 20}), 0.6}};
  auto windows = std::make_shared<std::vector<cv::Size>>();
  auto plates = read_with(0.5, in_window, true, windows);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "XY987ZW");
  EXPECT_DOUBLE_EQ(plates[0].confidence, 0.95);
  EXPECT_EQ(plates[0].corners, Quad::from_box({200, 90, 60, 20}));  // frame pixels
  EXPECT_DOUBLE_EQ(plates[0].detector_confidence, 0.9);              // the first detector's
  ASSERT_EQ(windows->size(), 1u);
  EXPECT_EQ(windows->front(), cv::Size(180, 80));
  // A read above the floor gets a second look too, and the better read wins ...
  windows->clear();
  plates = read_with(0.85, in_window, true, windows);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "XY987ZW");
  EXPECT_EQ(windows->size(), 1u);
  // ... also when it is the first one.
  windows->clear();
  plates = read_with(0.97, in_window, true, windows);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "AB123CD");
  EXPECT_EQ(plates[0].corners, loose);
  EXPECT_EQ(windows->size(), 1u);
  // A read more sure than zoom_max_confidence gets none.
  windows->clear();
  plates = read_with(0.85, in_window, true, windows, 0.8);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "AB123CD");
  EXPECT_TRUE(windows->empty());
  // No overlapping plate-shaped region in the window (a 60 × 5 px strip of the bright plate
  // overlaps by IoU 1/12, enough for a zoom_min_iou of 0.05, but is too thin to be a plate),
  // or no zoom detector: the plate stays unreadable, with the first quad and its candidates
  // kept for review.
  const std::vector<PlateRegion> strip = {in_window[0], {Quad::from_box({60, 35, 60, 5}), 0.9}};
  for (const bool zoom : {true, false}) {
    SCOPED_TRACE(zoom);
    plates = read_with(0.5, strip, zoom, windows, 1.0, 0.05);
    ASSERT_EQ(plates.size(), 1u);
    EXPECT_EQ(plates[0].text, "");
    EXPECT_EQ(plates[0].corners, loose);
    ASSERT_FALSE(plates[0].candidates.empty());
    EXPECT_EQ(plates[0].candidates[0].text, "AB123CD");
  }
}

TEST(AlprFacade, ClampsTheSecondLooksWindowToTheFrameAndGatesItsRegionsLikeFirstOnes) {
  // A bright plate in the frame's top-left corner (x 0..60, y 0..20); the detector's loose
  // quad (x -15..75, y -10..30) reaches out of the frame. Its crop is darker (script 1), the
  // plate's own crop bright (script 2).
  cv::Mat img(200, 400, CV_8UC3, cv::Scalar(0, 0, 0));
  img(cv::Rect(0, 0, 60, 20)).setTo(cv::Scalar(100, 100, 100));
  const Quad loose = Quad::from_box({-15, -10, 90, 40});
  auto windows = std::make_shared<std::vector<cv::Size>>();
  auto read_with = [&](double first_confidence, double zoom_max_confidence,
                       double zoomed_detector_confidence) {
    AlprOptions options;
    options.min_read_confidence = 0.8;
    options.min_detector_confidence = 0.5;
    options.zoom_max_confidence = zoom_max_confidence;
    const std::vector<PlateRegion> zoomed = {
        {Quad::from_box({0, 0, 60, 20}), zoomed_detector_confidence}};
    Alpr alpr(std::make_unique<FixedDetector>(std::vector<PlateRegion>{{loose, 0.9}}),
              std::make_unique<PerspectiveRectifier>(RectifierOptions{100, 20, 0.0}),
              std::make_unique<ScriptedRecognizer>(std::vector<std::vector<Candidate>>{
                  {}, {{"AB123CD", first_confidence, "", false}}, {{"XY987ZW", 0.95, "", false}}}),
              options, std::make_unique<WindowDetector>(zoomed, windows));
    return alpr.read(img);
  };
  // The window about the box's centre (30, 10), 180 × 80, is cut to the frame: x 0..120,
  // y 0..50; the region found in it is in frame pixels as it is (the window starts at 0, 0).
  auto plates = read_with(0.5, 1.0, 0.6);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "XY987ZW");
  EXPECT_EQ(plates[0].corners, Quad::from_box({0, 0, 60, 20}));
  ASSERT_EQ(windows->size(), 1u);
  EXPECT_EQ(windows->front(), cv::Size(120, 50));
  // A zoomed region below min_detector_confidence is not read, as a first one would not be.
  plates = read_with(0.5, 1.0, 0.4);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "");
  EXPECT_EQ(plates[0].corners, loose);
  // A read exactly as sure as zoom_max_confidence still gets the second look.
  windows->clear();
  plates = read_with(0.85, 0.85, 0.6);
  ASSERT_EQ(plates.size(), 1u);
  EXPECT_EQ(plates[0].text, "XY987ZW");
  EXPECT_EQ(windows->size(), 1u);
}

TEST(AlprFacade, RejectsOutOfRangeZoomOptions) {
  auto make = [](double window, double min_iou, double max_confidence = 1.0) {
    AlprOptions options;
    options.zoom_window = window;
    options.zoom_min_iou = min_iou;
    options.zoom_max_confidence = max_confidence;
    return Alpr(std::make_unique<FixedDetector>(std::vector<PlateRegion>{}),
                std::make_unique<PerspectiveRectifier>(),
                std::make_unique<ScriptedRecognizer>(std::vector<std::vector<Candidate>>{}),
                options);
  };
  EXPECT_NO_THROW(make(2.0, 0.3));
  EXPECT_THROW(make(1.0, 0.3), InvalidInput);
  EXPECT_THROW(make(9.0, 0.3), InvalidInput);
  EXPECT_THROW(make(2.0, 0.0), InvalidInput);
  EXPECT_THROW(make(2.0, 1.5), InvalidInput);
  EXPECT_THROW(make(2.0, 0.3, -0.1), InvalidInput);
  EXPECT_THROW(make(2.0, 0.3, 1.1), InvalidInput);
}

TEST(AlprFacade, RejectsUnknownCountryAndBadImage) {
  AlprOptions bad;
  bad.country = "xx";
  auto make = [](const AlprOptions& o) {
    return Alpr(std::make_unique<FixedDetector>(std::vector<PlateRegion>{}),
                std::make_unique<PerspectiveRectifier>(),
                std::make_unique<ScriptedRecognizer>(std::vector<std::vector<Candidate>>{}), o);
  };
  EXPECT_THROW(make(bad), InvalidInput);
  EXPECT_THROW((void)make(AlprOptions{}).read(cv::Mat()), InvalidInput);
  EXPECT_TRUE(make(AlprOptions{}).read(cv::Mat(50, 50, CV_8UC3, cv::Scalar(0))).empty());
}

TEST(TesseractRecognizer, ReadsARenderedPlateCrop) {
  const TesseractRecognizer ocr;
  const PerspectiveRectifier rectifier;
  const auto scene = render_scene("AB 123 CD", {800, 600}, 300);
  const Recognition r = ocr.recognize(rectifier.rectify(scene.image, scene.plate), 5);
  ASSERT_FALSE(r.candidates.empty());
  EXPECT_EQ(r.candidates[0].text, "AB123CD");
  EXPECT_EQ(r.char_confidences.size(), 7u);
  EXPECT_LE(r.candidates.size(), 5u);
}

TEST(ClassicDetector, FindsARenderedPlateInAScene) {
  const ClassicDetector detector;
  const auto scene = render_scene("01 A 123 BC", {1280, 720}, 260, 5.0);
  const auto regions = detector.detect(scene.image);
  const Box truth = scene.plate.bounding_box();
  EXPECT_THAT(regions, ::testing::Contains(::testing::Truly([&](const PlateRegion& r) {
                return iou(r.corners.bounding_box(), truth) >= 0.5;
              })));
}

}  // namespace
}  // namespace roadwarden::alpr
