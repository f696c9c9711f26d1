#include "video/compact_frame.hpp"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::video {
namespace {

/// A 1280×720 frame: a smooth colour gradient with a black-on-white "plate" of thin strokes.
cv::Mat scene() {
  cv::Mat bgr(720, 1280, CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x)
      bgr.at<cv::Vec3b>(y, x) =
          cv::Vec3b(static_cast<std::uint8_t>(x / 5), static_cast<std::uint8_t>(y / 3),
                    static_cast<std::uint8_t>(128 + (x + y) % 64));
  const cv::Rect plate(600, 400, 160, 40);
  bgr(plate).setTo(cv::Scalar(255, 255, 255));
  for (int x = plate.x + 8; x < plate.x + plate.width - 8; x += 12)
    cv::line(bgr, {x, plate.y + 6}, {x + 4, plate.y + 33}, cv::Scalar(0, 0, 0), 2);
  return bgr;
}

TEST(CompactFrame, HoldsAnEvenSizedFrameInHalfTheBytesOfBgr) {
  const cv::Mat bgr = scene();
  const CompactFrame f = CompactFrame::from_bgr(bgr);
  EXPECT_EQ(f.size(), bgr.size());
  EXPECT_EQ(f.bytes(), bgr.total() * 3 / 2);
  const cv::Mat back = f.to_bgr();
  ASSERT_EQ(back.type(), CV_8UC3);
  ASSERT_EQ(back.size(), bgr.size());
  // Inside the plate (black strokes on white: no colour to subsample) every pixel comes back
  // within rounding. Over the frame, colour moves by a few levels on average; at the plate's
  // border with the coloured background, chroma averaged over 2×2 pixels shows (as it does in
  // the camera's own 4:2:0 video).
  const cv::Rect inside(602, 402, 156, 36);
  EXPECT_LE(cv::norm(bgr(inside), back(inside), cv::NORM_INF), 3);
  EXPECT_LT(cv::norm(bgr, back, cv::NORM_L1) / static_cast<double>(bgr.total() * 3), 2.0);
}

TEST(CompactFrame, GreyComesBackWithinOneLevel) {
  for (const int level : {0, 1, 17, 90, 128, 254, 255}) {
    const cv::Mat grey(64, 64, CV_8UC3, cv::Scalar(level, level, level));
    cv::Mat diff;
    cv::absdiff(CompactFrame::from_bgr(grey).to_bgr(), grey, diff);
    double worst = 0;
    cv::minMaxLoc(diff.reshape(1), nullptr, &worst);
    EXPECT_LE(worst, 1) << "level " << level;
  }
}

TEST(CompactFrame, AnOddSizedFrameIsKeptExactly) {
  const cv::Mat bgr = scene()(cv::Rect(0, 0, 641, 361)).clone();
  const CompactFrame f = CompactFrame::from_bgr(bgr);
  EXPECT_EQ(f.bytes(), bgr.total() * 3);
  EXPECT_EQ(cv::norm(bgr, f.to_bgr(), cv::NORM_INF), 0);
}

TEST(CompactFrame, CopiesShareThePixelsAndToBgrIsTheCallersOwn) {
  const CompactFrame a = CompactFrame::from_bgr(scene());
  const CompactFrame b = a;  // NOLINT(performance-unnecessary-copy-initialization): the point
  cv::Mat mine = b.to_bgr();
  mine.setTo(cv::Scalar(0, 0, 0));
  EXPECT_GT(cv::norm(a.to_bgr(), cv::NORM_L1), 0);
  EXPECT_EQ(cv::norm(a.to_bgr(), b.to_bgr(), cv::NORM_INF), 0);
}

TEST(CompactFrame, ShareBgrHoldsTheFrameExactlyWithoutConvertingOrCopying) {
  const cv::Mat bgr = scene();
  const CompactFrame f = CompactFrame::share_bgr(bgr);
  EXPECT_EQ(f.size(), bgr.size());
  EXPECT_EQ(f.bytes(), bgr.total() * 3);  // BGR, not I420
  EXPECT_EQ(bgr.u->refcount, 2);          // the caller's Mat and the frame: one buffer
  cv::Mat back = f.to_bgr();
  EXPECT_EQ(cv::norm(bgr, back, cv::NORM_INF), 0);
  back.setTo(cv::Scalar(0, 0, 0));  // to_bgr() is the caller's own copy
  EXPECT_EQ(cv::norm(bgr, f.to_bgr(), cv::NORM_INF), 0);
  EXPECT_TRUE(CompactFrame::share_bgr(cv::Mat()).empty());
  EXPECT_THROW((void)CompactFrame::share_bgr(cv::Mat(8, 8, CV_8UC1)), InvalidInput);
}

TEST(CompactFrame, EmptyInEmptyOutAndOtherTypesAreRefused) {
  const CompactFrame empty = CompactFrame::from_bgr(cv::Mat());
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.to_bgr().empty());
  EXPECT_EQ(empty.bytes(), 0u);
  EXPECT_THROW((void)CompactFrame::from_bgr(cv::Mat(8, 8, CV_8UC1)), InvalidInput);
  EXPECT_THROW((void)CompactFrame::from_bgr(cv::Mat(8, 8, CV_32FC3)), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::video
