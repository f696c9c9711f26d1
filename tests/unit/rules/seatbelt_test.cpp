#include "rules/seatbelt.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <string>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

// A 1280x720 BGR frame where no pixel is black: every channel is in [40, 239], varying with
// x and y, so a copied pixel can be told from a masked one and from a shifted one.
cv::Mat textured_frame() {
  cv::Mat frame(720, 1280, CV_8UC3);
  for (int y = 0; y < frame.rows; ++y) {
    for (int x = 0; x < frame.cols; ++x) {
      frame.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<uchar>(40 + x % 200), static_cast<uchar>(40 + y % 200),
                    static_cast<uchar>(40 + (x + y) % 200));
    }
  }
  return frame;
}

// Plate 100 px wide, 25 px high, top edge at y = 500, centred at x = 650.
Quad plate_quad() {
  return Quad::from_box({600, 500, 100, 25});
}

// With the default options: 300 x 140 px, lower edge 100 px above the plate's top edge.
const Box kDefaultWindshield{500, 260, 300, 140};

int non_zero_pixels(const cv::Mat& image) {
  cv::Mat grey;
  if (image.channels() == 3) {
    cv::Mat channels_max;
    cv::Mat parts[3];
    cv::split(image, parts);
    channels_max = cv::max(cv::max(parts[0], parts[1]), parts[2]);
    return cv::countNonZero(channels_max);
  }
  return cv::countNonZero(image);
}

bool equals(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// --- windshield region ---------------------------------------------------------------------

TEST(WindshieldRegion, EstimatesBoxAbovePlateFromPlateWidth) {
  const auto box = windshield_region(plate_quad(), {1280, 720});
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(*box, kDefaultWindshield);
}

TEST(WindshieldRegion, ScalesWithPlateWidthAndOptions) {
  const auto half = windshield_region(Quad::from_box({625, 500, 50, 12.5}), {1280, 720});
  ASSERT_TRUE(half.has_value());
  EXPECT_EQ(*half, (Box{575, 380, 150, 70}));

  const WindshieldOptions options{
      .width_ratio = 2.0, .height_ratio = 1.0, .gap_ratio = 0.5, .min_visible_fraction = 0.5};
  const auto custom = windshield_region(plate_quad(), {1280, 720}, options);
  ASSERT_TRUE(custom.has_value());
  EXPECT_EQ(*custom, (Box{550, 350, 200, 100}));
}

TEST(WindshieldRegion, UsesTheMeanTopEdgeOfATiltedPlate) {
  // Top edge from y = 490 (left) to y = 510 (right): mean 500, as for the level plate.
  const Quad tilted{{{{600, 490}, {700, 510}, {700, 535}, {600, 515}}}};
  const auto box = windshield_region(tilted, {1280, 720});
  ASSERT_TRUE(box.has_value());
  // Plate width = top/bottom edge length sqrt(100^2 + 20^2) = 101.98 px, centre x = 650.
  EXPECT_EQ(*box, (Box{497, 255, 306, 144}));
}

TEST(WindshieldRegion, RoundsOutwardsToWholePixels) {
  const auto box = windshield_region(Quad::from_box({600.5, 500.25, 100, 25}), {1280, 720});
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(*box, (Box{500, 260, 301, 141}));
}

TEST(WindshieldRegion, ClipsToTheFrameWhenPartlyOutside) {
  // Centre at x = 100: the estimate spans x in [-50, 250), 5/6 of it inside.
  const auto box = windshield_region(Quad::from_box({50, 500, 100, 25}), {1280, 720});
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(*box, (Box{0, 260, 250, 140}));
}

TEST(WindshieldRegion, VisibleFractionAtTheBoundaryIsKept) {
  // Centre at x = 0: exactly half of the estimate is inside.
  const auto half_in = windshield_region(Quad::from_box({-50, 500, 100, 25}), {1280, 720});
  ASSERT_TRUE(half_in.has_value());
  EXPECT_EQ(*half_in, (Box{0, 260, 150, 140}));
  // One pixel further left: less than half is inside.
  EXPECT_FALSE(windshield_region(Quad::from_box({-51, 500, 100, 25}), {1280, 720}).has_value());
}

TEST(WindshieldRegion, EmptyWhenTheWindshieldIsOutOfView) {
  // Plate near the top of the frame: the windshield would lie above the image.
  EXPECT_FALSE(windshield_region(Quad::from_box({600, 100, 100, 25}), {1280, 720}).has_value());
  // Plate entirely left of the frame.
  EXPECT_FALSE(windshield_region(Quad::from_box({-900, 500, 100, 25}), {1280, 720}).has_value());
}

TEST(WindshieldRegion, RejectsBadInputNamingTheProblem) {
  EXPECT_THROW((void)windshield_region(plate_quad(), {0, 720}), InvalidInput);
  EXPECT_THROW((void)windshield_region(Quad::from_box({600, 500, 0.5, 25}), {1280, 720}),
               InvalidInput);
  Quad nan_plate = plate_quad();
  nan_plate.corners[2].x = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW((void)windshield_region(nan_plate, {1280, 720}), InvalidInput);

  const auto message_for = [](const WindshieldOptions& options) -> std::string {
    try {
      validate_windshield_options(options);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_for({.width_ratio = 0}).find("width_ratio"), std::string::npos);
  EXPECT_NE(message_for({.width_ratio = 10.5}).find("width_ratio"), std::string::npos);
  EXPECT_NE(message_for({.height_ratio = -1}).find("height_ratio"), std::string::npos);
  EXPECT_NE(message_for({.gap_ratio = -0.1}).find("gap_ratio"), std::string::npos);
  EXPECT_NE(message_for({.gap_ratio = std::numeric_limits<double>::infinity()}).find("gap_ratio"),
            std::string::npos);
  EXPECT_NE(message_for({.min_visible_fraction = 0}).find("min_visible_fraction"),
            std::string::npos);
  EXPECT_NE(message_for({.min_visible_fraction = 1.01}).find("min_visible_fraction"),
            std::string::npos);
  EXPECT_EQ(message_for({.gap_ratio = 0}), "");
  EXPECT_THROW((void)windshield_region(plate_quad(), {1280, 720}, {.width_ratio = 0}),
               InvalidInput);
}

// --- driver side and occupant crop ---------------------------------------------------------

TEST(DriverSide, FrontViewShowsTheDriverOppositeToTheCarsSide) {
  EXPECT_EQ(driver_side_in_front_view(Traffic::right_hand), ImageSide::right);
  EXPECT_EQ(driver_side_in_front_view(Traffic::left_hand), ImageSide::left);
}

TEST(OccupantCrop, RightHandDriverKeepsRightHalfAndPassengerHalfIsBlack) {
  const cv::Mat frame = textured_frame();
  const cv::Mat crop = occupant_crop(frame, kDefaultWindshield, ImageSide::right);
  ASSERT_EQ(crop.size(), cv::Size(300, 140));
  ASSERT_EQ(crop.type(), CV_8UC3);
  EXPECT_EQ(non_zero_pixels(crop(cv::Rect(0, 0, 150, 140))), 0);
  EXPECT_TRUE(equals(crop(cv::Rect(150, 0, 150, 140)), frame(cv::Rect(650, 260, 150, 140))));
}

TEST(OccupantCrop, LeftHandDriverKeepsLeftHalfAndPassengerHalfIsBlack) {
  const cv::Mat frame = textured_frame();
  const cv::Mat crop = occupant_crop(frame, kDefaultWindshield, ImageSide::left);
  ASSERT_EQ(crop.size(), cv::Size(300, 140));
  EXPECT_EQ(non_zero_pixels(crop(cv::Rect(150, 0, 150, 140))), 0);
  EXPECT_TRUE(equals(crop(cv::Rect(0, 0, 150, 140)), frame(cv::Rect(500, 260, 150, 140))));
}

TEST(OccupantCrop, PassengerDrawnInTheFrameNeverReachesTheCrop) {
  cv::Mat frame = textured_frame();
  // A bright "passenger" in the image-left half of the windshield (right-hand traffic).
  cv::circle(frame, {560, 320}, 30, cv::Scalar(255, 255, 255), cv::FILLED);
  const cv::Mat crop = occupant_crop(frame, kDefaultWindshield, ImageSide::right);
  cv::Mat white;
  cv::inRange(crop, cv::Scalar(255, 255, 255), cv::Scalar(255, 255, 255), white);
  EXPECT_EQ(cv::countNonZero(white), 0);
}

TEST(OccupantCrop, MiddleColumnOfOddWidthIsMasked) {
  const cv::Mat frame = textured_frame();
  const Box odd{500, 260, 301, 10};
  const cv::Mat right = occupant_crop(frame, odd, ImageSide::right);
  ASSERT_EQ(right.cols, 301);
  EXPECT_EQ(non_zero_pixels(right(cv::Rect(0, 0, 151, 10))), 0);
  EXPECT_EQ(non_zero_pixels(right(cv::Rect(151, 0, 150, 10))), 150 * 10);
  const cv::Mat left = occupant_crop(frame, odd, ImageSide::left);
  EXPECT_EQ(non_zero_pixels(left(cv::Rect(0, 0, 150, 10))), 150 * 10);
  EXPECT_EQ(non_zero_pixels(left(cv::Rect(150, 0, 151, 10))), 0);
}

TEST(OccupantCrop, LeavesTheFrameUntouched) {
  const cv::Mat frame = textured_frame();
  const cv::Mat before = frame.clone();
  (void)occupant_crop(frame, kDefaultWindshield, ImageSide::right);
  EXPECT_TRUE(equals(frame, before));
}

TEST(OccupantCrop, ClipsRegionToFrameAndWorksOnGreyFrames) {
  cv::Mat grey;
  cv::cvtColor(textured_frame(), grey, cv::COLOR_BGR2GRAY);
  const cv::Mat crop = occupant_crop(grey, {1200, 700, 200, 100}, ImageSide::left);
  ASSERT_EQ(crop.size(), cv::Size(80, 20));
  ASSERT_EQ(crop.type(), CV_8UC1);
  EXPECT_EQ(non_zero_pixels(crop(cv::Rect(40, 0, 40, 20))), 0);
  EXPECT_TRUE(equals(crop(cv::Rect(0, 0, 40, 20)), grey(cv::Rect(1200, 700, 40, 20))));
}

TEST(OccupantCrop, RejectsUnusableFramesAndRegions) {
  const cv::Mat frame = textured_frame();
  EXPECT_THROW((void)occupant_crop(cv::Mat(), kDefaultWindshield, ImageSide::right), InvalidInput);
  EXPECT_THROW((void)occupant_crop(cv::Mat(720, 1280, CV_16UC3, cv::Scalar::all(1)),
                                   kDefaultWindshield, ImageSide::right),
               InvalidInput);
  EXPECT_THROW((void)occupant_crop(cv::Mat(720, 1280, CV_8UC4, cv::Scalar::all(1)),
                                   kDefaultWindshield, ImageSide::right),
               InvalidInput);
  EXPECT_THROW((void)occupant_crop(frame, {2000, 100, 300, 140}, ImageSide::right), InvalidInput);
  EXPECT_THROW((void)occupant_crop(frame, {1279, 100, 300, 140}, ImageSide::right),
               InvalidInput);  // one column inside: no half for the driver
  EXPECT_THROW((void)occupant_crop(frame, {500, 260, std::nan(""), 140}, ImageSide::right),
               InvalidInput);
}

// --- the rule ------------------------------------------------------------------------------

/// A classifier with a fixed answer that records the crops it was given.
class FakeClassifier final : public SeatbeltClassifier {
 public:
  FakeClassifier(SeatbeltVerdict verdict, double confidence) : result_{verdict, confidence} {}
  SeatbeltResult classify(const cv::Mat& driver_crop) const override {
    const std::lock_guard lock(mutex_);
    ++calls_;
    last_crop_ = driver_crop.clone();
    return result_;
  }
  std::string name() const override { return "fake 1"; }
  int calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  cv::Mat last_crop() const {
    const std::lock_guard lock(mutex_);
    return last_crop_;
  }

 private:
  SeatbeltResult result_;
  mutable std::mutex mutex_;
  mutable int calls_ = 0;      // guarded by mutex_
  mutable cv::Mat last_crop_;  // guarded by mutex_
};

TEST(SeatbeltRule, WithoutAModelReportsUnavailableAndNeverAViolation) {
  const SeatbeltRule rule(SeatbeltOptions{});
  const SeatbeltDecision d = rule.evaluate(textured_frame(), plate_quad());
  EXPECT_EQ(d.status, SeatbeltStatus::unavailable);
  EXPECT_EQ(to_string(d.status), "unavailable");
  EXPECT_FALSE(d.is_violation());
  EXPECT_EQ(d.confidence, 0);
  EXPECT_EQ(d.classifier, "");
  EXPECT_FALSE(d.windshield.has_value());
  EXPECT_NE(d.reason.find("model"), std::string::npos) << d.reason;
}

TEST(SeatbeltRule, ConfidentUnbeltedVerdictIsAViolation) {
  auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::unbelted, 0.95);
  const SeatbeltRule rule(SeatbeltOptions{}, model);
  const SeatbeltDecision d = rule.evaluate(textured_frame(), plate_quad());
  EXPECT_EQ(d.status, SeatbeltStatus::unbelted);
  EXPECT_EQ(to_string(d.status), "unbelted");
  EXPECT_TRUE(d.is_violation());
  EXPECT_DOUBLE_EQ(d.confidence, 0.95);
  EXPECT_EQ(d.classifier, "fake 1");
  EXPECT_EQ(d.windshield, kDefaultWindshield);
  EXPECT_EQ(model->calls(), 1);
}

TEST(SeatbeltRule, ConfidentBeltedVerdictIsNoViolation) {
  auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::belted, 0.99);
  const SeatbeltDecision d = SeatbeltRule({}, model).evaluate(textured_frame(), plate_quad());
  EXPECT_EQ(d.status, SeatbeltStatus::belted);
  EXPECT_FALSE(d.is_violation());
}

TEST(SeatbeltRule, VerdictAtTheThresholdIsReportedAndBelowItIsUncertain) {
  const SeatbeltOptions options{.min_confidence = 0.8};
  const auto at =
      SeatbeltRule(options, std::make_shared<FakeClassifier>(SeatbeltVerdict::unbelted, 0.8))
          .evaluate(textured_frame(), plate_quad());
  EXPECT_EQ(at.status, SeatbeltStatus::unbelted);
  const auto below =
      SeatbeltRule(options, std::make_shared<FakeClassifier>(SeatbeltVerdict::unbelted, 0.7999))
          .evaluate(textured_frame(), plate_quad());
  EXPECT_EQ(below.status, SeatbeltStatus::uncertain);
  EXPECT_EQ(to_string(below.status), "uncertain");
  EXPECT_FALSE(below.is_violation());
  EXPECT_DOUBLE_EQ(below.confidence, 0.7999);
  EXPECT_NE(below.reason.find("threshold"), std::string::npos) << below.reason;
}

TEST(SeatbeltRule, ClassifierSeesOnlyTheDriverHalfOfTheWindshield) {
  auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::belted, 0.99);
  const cv::Mat frame = textured_frame();
  (void)SeatbeltRule({.traffic = Traffic::right_hand}, model).evaluate(frame, plate_quad());
  cv::Mat crop = model->last_crop();
  ASSERT_EQ(crop.size(), cv::Size(300, 140));
  EXPECT_EQ(non_zero_pixels(crop(cv::Rect(0, 0, 150, 140))), 0);
  EXPECT_TRUE(equals(crop(cv::Rect(150, 0, 150, 140)), frame(cv::Rect(650, 260, 150, 140))));

  (void)SeatbeltRule({.traffic = Traffic::left_hand}, model).evaluate(frame, plate_quad());
  crop = model->last_crop();
  EXPECT_EQ(non_zero_pixels(crop(cv::Rect(150, 0, 150, 140))), 0);
  EXPECT_TRUE(equals(crop(cv::Rect(0, 0, 150, 140)), frame(cv::Rect(500, 260, 150, 140))));
}

TEST(SeatbeltRule, WindshieldOutOfViewIsUncertainWithoutAskingTheModel) {
  auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::unbelted, 1.0);
  const SeatbeltDecision d =
      SeatbeltRule({}, model).evaluate(textured_frame(), Quad::from_box({600, 100, 100, 25}));
  EXPECT_EQ(d.status, SeatbeltStatus::uncertain);
  EXPECT_FALSE(d.is_violation());
  EXPECT_FALSE(d.windshield.has_value());
  EXPECT_EQ(model->calls(), 0);
}

TEST(SeatbeltRule, ConfidenceOutsideZeroToOneIsAnInternalError) {
  for (double bad : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::unbelted, bad);
    EXPECT_THROW((void)SeatbeltRule({}, model).evaluate(textured_frame(), plate_quad()),
                 InternalError)
        << bad;
  }
}

TEST(SeatbeltRule, EmptyFrameWithAModelIsInvalidInput) {
  auto model = std::make_shared<FakeClassifier>(SeatbeltVerdict::belted, 1.0);
  EXPECT_THROW((void)SeatbeltRule({}, model).evaluate(cv::Mat(), plate_quad()), InvalidInput);
}

TEST(SeatbeltRule, RejectsOptionsOutOfRangeNamingThem) {
  const auto message_for = [](const SeatbeltOptions& options) -> std::string {
    try {
      SeatbeltRule rule(options);
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_for({.min_confidence = 0.49}).find("min_confidence"), std::string::npos);
  EXPECT_NE(message_for({.min_confidence = 1.01}).find("min_confidence"), std::string::npos);
  EXPECT_NE(message_for({.windshield = {.height_ratio = 0}}).find("height_ratio"),
            std::string::npos);
  EXPECT_EQ(message_for({.min_confidence = 0.5}), "");
  EXPECT_EQ(message_for({.min_confidence = 1.0}), "");
}

}  // namespace
}  // namespace roadwarden::rules
