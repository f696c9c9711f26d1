// Signal-head colour from a crop: synthetic heads (dark housing, one lit lamp) in the colours
// real LED signals show.
#include "rules/signal_colour.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

// LED lamp colours, BGR: red ~ RGB(255, 30, 20), amber ~ RGB(255, 170, 0) (hue 40°),
// green ~ RGB(0, 230, 170) (bluish traffic green, hue 164°).
const cv::Scalar kRed(20, 30, 255);
const cv::Scalar kAmber(0, 170, 255);
const cv::Scalar kGreen(170, 230, 0);
const cv::Scalar kHousing(35, 35, 30);

/// A 40×100 signal head crop: dark housing, the lamp at `slot` (0 top … 2 bottom) lit with
/// `lamp`, the others unlit (dim grey).
cv::Mat head(int slot, const cv::Scalar& lamp) {
  cv::Mat img(100, 40, CV_8UC3, kHousing);
  for (int s = 0; s < 3; ++s) {
    cv::circle(img, {20, 17 + 33 * s}, 12, s == slot ? lamp : cv::Scalar(60, 60, 60), cv::FILLED);
  }
  return img;
}

TEST(SignalColour, LitRedAmberAndGreenLampsAreRecognised) {
  EXPECT_EQ(classify_signal_colour(head(0, kRed)), SignalColour::red);
  EXPECT_EQ(classify_signal_colour(head(1, kAmber)), SignalColour::amber);
  EXPECT_EQ(classify_signal_colour(head(2, kGreen)), SignalColour::green);
}

TEST(SignalColour, UnlitHeadIsDark) {
  EXPECT_EQ(classify_signal_colour(head(-1, kRed)), SignalColour::dark);
}

TEST(SignalColour, WhiteGlareIsNotALitColour) {
  EXPECT_EQ(classify_signal_colour(head(0, cv::Scalar(250, 250, 250))), SignalColour::dark);
}

TEST(SignalColour, TwoLampsLitEquallyIsUnknown) {
  cv::Mat img = head(0, kRed);
  cv::circle(img, {20, 83}, 12, kGreen, cv::FILLED);
  EXPECT_EQ(classify_signal_colour(img), SignalColour::unknown);
}

TEST(SignalColour, DimRedLampBelowTheBrightnessThresholdIsDark) {
  EXPECT_EQ(classify_signal_colour(head(0, cv::Scalar(10, 15, 120))), SignalColour::dark);
}

TEST(SignalColour, RejectsEmptyOrNonBgrImagesAndBadOptions) {
  EXPECT_THROW((void)classify_signal_colour(cv::Mat()), InvalidInput);
  EXPECT_THROW((void)classify_signal_colour(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0))), InvalidInput);
  SignalColourOptions bad;
  bad.min_dominance = 0.5;
  EXPECT_THROW((void)classify_signal_colour(head(0, kRed), bad), InvalidInput);
  bad = {};
  bad.green_high = 180;
  EXPECT_THROW((void)classify_signal_colour(head(0, kRed), bad), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::rules
