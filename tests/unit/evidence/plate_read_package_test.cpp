#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "evidence/plate_read_package.hpp"

namespace roadwarden::evidence {
namespace {

// A 1280x720 frame: fine noise everywhere (so blurring is measurable) and a plate at
// (600..700, 500..522).
cv::Mat noisy_frame() {
  cv::Mat frame(720, 1280, CV_8UC3);
  cv::RNG rng(5);
  rng.fill(frame, cv::RNG::UNIFORM, 0, 255);
  return frame;
}

PlateRead sample_read() {
  PlateRead r;
  r.camera = "cam-1";
  r.text = "01A123BC";
  r.confidence = 0.93;
  r.votes = 7;
  r.frames_read = 9;
  r.best_time = UtcTime{1'764'000'000'123};
  r.best_corners = Quad::from_box({600, 500, 100, 22});
  return r;
}

double sharpness(const cv::Mat& bgr, const cv::Rect& r) {
  cv::Mat grey, lap;
  cv::cvtColor(bgr(r), grey, cv::COLOR_BGR2GRAY);
  cv::Laplacian(grey, lap, CV_64F);
  cv::Scalar mean, dev;
  cv::meanStdDev(lap, mean, dev);
  return dev[0];
}

TEST(PlateReadPackageTest, HoldsMetadataFrameAndPlateCut) {
  const cv::Mat frame = noisy_frame();
  PackageOptions o;
  o.site_id = "site-1";
  o.engine = "learned";
  const Package p = build_plate_read_package(sample_read(), frame, o);
  EXPECT_EQ(p.metadata["type"], "plate_read");
  EXPECT_EQ(p.metadata["site"], "site-1");
  EXPECT_EQ(p.metadata["read"]["text"], "01A123BC");
  EXPECT_EQ(p.metadata["read"]["votes"], 7);
  EXPECT_EQ(p.metadata["read"]["best_time"], "2025-11-24T16:00:00.123Z");
  EXPECT_EQ(p.metadata["frame_size"], nlohmann::json::array({1280, 720}));
  ASSERT_EQ(p.files.size(), 2u);
  EXPECT_EQ(p.files[0].name, "frame.jpg");
  const cv::Mat decoded = cv::imdecode(p.files[0].bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(decoded.size(), frame.size());
  EXPECT_EQ(p.files[1].name, "plate.jpg");
  const cv::Mat plate = cv::imdecode(p.files[1].bytes, cv::IMREAD_COLOR);
  // The plate box plus a 15 % margin on each side (rounded outwards to whole pixels), not warped.
  EXPECT_EQ(plate.cols, 130);
  EXPECT_NEAR(plate.rows, 22 * 1.3, 2.0);
}

TEST(PlateReadPackageTest, BlurHidesSurroundingsButNotPlateOrVehicle) {
  const cv::Mat frame = noisy_frame();
  const cv::Mat out = blur_outside_vehicle(frame, Quad::from_box({600, 500, 100, 22}));
  const cv::Rect plate(600, 500, 100, 22);
  const cv::Rect vehicle_part(560, 300, 80, 150);  // above the plate, inside the vehicle
  const cv::Rect far_away(50, 50, 200, 200);
  EXPECT_EQ(cv::norm(out(plate), frame(plate), cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(out(vehicle_part), frame(vehicle_part), cv::NORM_INF), 0.0);
  EXPECT_LT(sharpness(out, far_away), 0.1 * sharpness(frame, far_away));
}

TEST(PlateReadPackageTest, ConfiguredBlurAppliesToStoredFrame) {
  const cv::Mat frame = noisy_frame();
  PackageOptions o;
  o.blur_outside_vehicle = true;
  o.jpeg_quality = 95;
  const Package p = build_plate_read_package(sample_read(), frame, o);
  EXPECT_TRUE(p.metadata["privacy"]["blurred_outside_vehicle"].get<bool>());
  const cv::Mat stored = cv::imdecode(p.files[0].bytes, cv::IMREAD_COLOR);
  const cv::Rect far_away(50, 50, 200, 200);
  EXPECT_LT(sharpness(stored, far_away), 0.1 * sharpness(frame, far_away));
}

TEST(PlateReadPackageTest, RejectsEmptyFrameAndBadQuality) {
  EXPECT_THROW((void)build_plate_read_package(sample_read(), cv::Mat(), {}), InvalidInput);
  PackageOptions o;
  o.jpeg_quality = 20;
  EXPECT_THROW((void)build_plate_read_package(sample_read(), noisy_frame(), o), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::evidence
