// The synthetic traffic video generator: clips open with FFmpeg, have the frames and size asked
// for, and their truth agrees with the pixels.
#include "support/traffic_video.hpp"

#include <regex>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::testing {
namespace {

/// Mean grey level inside `box` (clipped to the image).
double mean_in(const cv::Mat& bgr, const Box& box) {
  const cv::Rect r = cv::Rect(static_cast<int>(box.x), static_cast<int>(box.y),
                              static_cast<int>(box.width), static_cast<int>(box.height)) &
                     cv::Rect(0, 0, bgr.cols, bgr.rows);
  cv::Mat grey;
  cv::cvtColor(bgr(r), grey, cv::COLOR_BGR2GRAY);
  return cv::mean(grey)[0];
}

/// Reads every frame of `path`; returns their count, checking each frame's size.
int count_frames(const std::filesystem::path& path, cv::Size expected,
                 std::vector<cv::Mat>* keep = nullptr) {
  cv::VideoCapture cap(path.string(), cv::CAP_FFMPEG);
  EXPECT_TRUE(cap.isOpened()) << path;
  int n = 0;
  for (cv::Mat f; cap.read(f); ++n) {
    EXPECT_EQ(f.size(), expected) << "frame " << n;
    if (keep) keep->push_back(f.clone());
  }
  return n;
}

TrafficClipSpec two_car_spec() {
  TrafficClipSpec spec;
  spec.size = {640, 360};
  spec.frames = 40;
  // A car crossing low in the frame and one approaching high up; they never overlap.
  VehicleSpec crossing;
  crossing.text = "01 A 123 BC";
  crossing.start = {-60, 320};
  crossing.velocity = {20, 0};
  crossing.plate_height = 16;
  crossing.frames = 40;
  VehicleSpec approaching;
  approaching.text = "AB 123 CD";
  approaching.start = {480, 60};
  approaching.velocity = {0, 2};
  approaching.plate_height = 8;
  approaching.growth = 1.03;
  approaching.first_frame = 5;
  approaching.frames = 30;
  approaching.body_colour = {40, 40, 40};
  spec.vehicles = {crossing, approaching};
  return spec;
}

TEST(TrafficVideo, ClipOpensWithExpectedFrameCountAndSize) {
  const TempDir dir;
  const auto mp4 = dir.path() / "clip.mp4";
  const ClipTruth truth = write_traffic_clip(two_car_spec(), mp4);
  cv::VideoCapture cap(mp4.string(), cv::CAP_FFMPEG);
  ASSERT_TRUE(cap.isOpened());
  EXPECT_EQ(cap.get(cv::CAP_PROP_FRAME_COUNT), 40);
  EXPECT_NEAR(cap.get(cv::CAP_PROP_FPS), 25.0, 1e-6);
  cap.release();
  EXPECT_EQ(count_frames(mp4, {640, 360}), 40);
  EXPECT_EQ(truth.frames, 40);
  EXPECT_EQ(truth.size, cv::Size(640, 360));
}

TEST(TrafficVideo, TruthAgreesWithRenderedPixels) {
  const TrafficRenderer renderer(two_car_spec());
  const ClipTruth& truth = renderer.truth();
  ASSERT_EQ(truth.vehicles.size(), 2u);
  EXPECT_EQ(truth.vehicles[0].text, "01A123BC");
  EXPECT_EQ(truth.vehicles[1].text, "AB123CD");
  EXPECT_EQ(truth.vehicles[0].direction, "right");
  EXPECT_EQ(truth.vehicles[1].direction, "approaching");
  // Crossing plate: 75 px wide (16 px × 470/100, rounded), left edge round(-97.5 + 20 f);
  // fully inside from f = 5 (left edge 3) to f = 33 (right edge 638).
  EXPECT_EQ(truth.vehicles[0].first_visible, 5);
  EXPECT_EQ(truth.vehicles[0].last_visible, 33);
  EXPECT_EQ(truth.vehicles[1].first_visible, 5);
  for (const VehicleTruth& v : truth.vehicles) {
    int previous = -1;
    for (const PlateInFrame& p : v.plates) {
      EXPECT_GT(p.frame, previous);
      previous = p.frame;
      if (!p.visible) continue;
      const Box box = p.corners.bounding_box();
      EXPECT_GE(box.x, 0);
      EXPECT_LE(box.x + box.width, 640);
      // The plate's paper is bright; the body around it (above the plate) is darker.
      const cv::Mat frame = renderer.frame(p.frame);
      const double plate = mean_in(frame, box);
      const double above =
          mean_in(frame, Box{box.x, box.y - 1.2 * box.height, box.width, box.height});
      EXPECT_GT(plate, 140) << v.text << " frame " << p.frame;
      EXPECT_GT(plate, above + 25) << v.text << " frame " << p.frame;
    }
  }
}

TEST(TrafficVideo, NearerVehicleHidesFartherPlate) {
  TrafficClipSpec spec;
  spec.size = {640, 360};
  spec.frames = 30;
  spec.noise_sigma = 0;
  VehicleSpec far;
  far.text = "10 123 ABC";
  far.start = {320, 150};
  far.plate_height = 10;
  far.frames = 30;
  VehicleSpec near = far;
  near.text = "01 A 777 KA";
  near.start = {-200, 190};
  near.velocity = {30, 0};
  near.plate_height = 24;
  near.body_colour = {30, 30, 30};
  spec.vehicles = {far, near};
  const TrafficRenderer renderer(spec);
  const VehicleTruth& t = renderer.truth().vehicles[0];
  ASSERT_EQ(t.plates.size(), 30u);
  std::vector<int> hidden;
  for (const PlateInFrame& p : t.plates) {
    if (p.visible) {
      EXPECT_GT(mean_in(renderer.frame(p.frame), p.corners.bounding_box()), 140)
          << "frame " << p.frame;
    } else {
      hidden.push_back(p.frame);
    }
  }
  ASSERT_GT(hidden.size(), 3u);
  // In the middle of the hidden run the near car's dark body covers the whole plate.
  const PlateInFrame& middle = t.plates[static_cast<std::size_t>(hidden[hidden.size() / 2])];
  EXPECT_LT(mean_in(renderer.frame(middle.frame), middle.corners.bounding_box()), 100);
  EXPECT_TRUE(t.plates.front().visible);
  EXPECT_TRUE(t.plates.back().visible);
}

TEST(TrafficVideo, RandomSceneIsDeterministicWithConsistentTruth) {
  const TrafficClipSpec spec = random_traffic_scene(5, {640, 360}, 120, 5);
  ASSERT_EQ(spec.vehicles.size(), 5u);
  const TrafficRenderer a(spec), b(spec);
  EXPECT_EQ(cv::norm(a.frame(60), b.frame(60), cv::NORM_INF), 0.0);
  const std::regex plate_text("[A-Z0-9]{5,10}");
  int seen = 0;
  for (const VehicleTruth& v : a.truth().vehicles) {
    EXPECT_TRUE(std::regex_match(v.text, plate_text)) << v.text;
    if (v.first_visible < 0) continue;
    ++seen;
    EXPECT_LE(v.first_visible, v.last_visible);
    EXPECT_GE(v.first_visible, 0);
    EXPECT_LT(v.last_visible, 120);
  }
  EXPECT_GE(seen, 3);
}

TEST(TrafficVideo, FourKClipHasFourKFrames) {
  TrafficClipSpec spec = random_traffic_scene(2, {3840, 2160}, 10, 2);
  spec.frames = 3;
  const TempDir dir;
  write_traffic_clip(spec, dir.path() / "4k.mp4");
  EXPECT_EQ(count_frames(dir.path() / "4k.mp4", {3840, 2160}), 3);
}

TEST(TrafficVideo, RejectsBadSpecsNamingTheField) {
  TrafficClipSpec spec = two_car_spec();
  spec.frames = 0;
  EXPECT_THROW(TrafficRenderer{spec}, InvalidInput);
  spec = two_car_spec();
  spec.vehicles[0].plate_height = 1;
  try {
    const TrafficRenderer r(spec);
    ADD_FAILURE() << "accepted a 1 px plate";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("plate_height"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)TrafficRenderer(two_car_spec()).frame(40), InvalidInput);
}

TEST(PhotoVideo, ManifestHasLocatedTextLabelledScenePlates) {
  const auto shared = shared_dir();
  if (!shared) GTEST_SKIP() << "../shared is absent: no real photos to animate";
  const auto plates = load_located_plates(*shared / "data" / "plates-train");
  ASSERT_FALSE(plates.empty());
  for (const PhotoPlate& p : plates) {
    EXPECT_FALSE(p.text.empty());
    EXPECT_EQ(p.source.find("_crop"), std::string::npos) << p.source;
    EXPECT_GT(p.corners.width(), 0);
  }
  EXPECT_TRUE(std::filesystem::exists(plates.front().image)) << plates.front().image;
}

TEST(PhotoVideo, AnimatedPhotoApproachesWithTruthOnThePlate) {
  const auto shared = shared_dir();
  if (!shared) GTEST_SKIP() << "../shared is absent: no real photos to animate";
  const auto plates = load_located_plates(*shared / "data" / "plates-train");
  ASSERT_FALSE(plates.empty());
  PhotoClipSpec spec;
  spec.plate = plates.front();
  spec.size = {1280, 720};
  spec.seconds = 2.0;
  spec.start_plate_width = 60;
  spec.end_plate_width = 240;
  spec.jpeg_quality = 80;
  const TempDir dir;
  const ClipTruth truth = write_photo_clip(spec, dir.path() / "photo.mp4");
  std::vector<cv::Mat> frames;
  ASSERT_EQ(count_frames(dir.path() / "photo.mp4", {1280, 720}, &frames), 50);
  ASSERT_EQ(truth.vehicles.size(), 1u);
  const VehicleTruth& v = truth.vehicles[0];
  EXPECT_EQ(v.text, spec.plate.text);
  EXPECT_EQ(v.direction, "approaching");
  ASSERT_EQ(v.plates.size(), 50u);
  EXPECT_EQ(v.first_visible, 0);
  EXPECT_EQ(v.last_visible, 49);
  EXPECT_NEAR(v.plates.front().corners.width(), 60, 1.0);
  EXPECT_NEAR(v.plates.back().corners.width(), 240, 1.0);
  for (std::size_t i = 1; i < v.plates.size(); ++i) {
    EXPECT_GT(v.plates[i].corners.width(), v.plates[i - 1].corners.width());
  }
  // The last frame, rectified at the truth corners, shows the photo's plate.
  const cv::Mat photo = cv::imread(spec.plate.image.string());
  auto rectify = [](const cv::Mat& img, const Quad& q) {
    cv::Point2f src[4], dst[4] = {{0, 0}, {160, 0}, {160, 40}, {0, 40}};
    for (int i = 0; i < 4; ++i) {
      src[i] = cv::Point2f(static_cast<float>(q.corners[static_cast<std::size_t>(i)].x),
                           static_cast<float>(q.corners[static_cast<std::size_t>(i)].y));
    }
    cv::Mat out, grey;
    cv::warpPerspective(img, out, cv::getPerspectiveTransform(src, dst), {160, 40});
    cv::cvtColor(out, grey, cv::COLOR_BGR2GRAY);
    grey.convertTo(grey, CV_32F);
    return grey;
  };
  const cv::Mat expected = rectify(photo, spec.plate.corners);
  const cv::Mat got = rectify(frames.back(), v.plates.back().corners);
  cv::Mat score;
  cv::matchTemplate(got, expected, score, cv::TM_CCOEFF_NORMED);
  EXPECT_GT(score.at<float>(0, 0), 0.8);
  // ... and a frame's region elsewhere does not (the check can fail).
  Quad elsewhere = v.plates.back().corners;
  for (Point& p : elsewhere.corners) p.y -= 150;
  cv::matchTemplate(rectify(frames.back(), elsewhere), expected, score, cv::TM_CCOEFF_NORMED);
  EXPECT_LT(score.at<float>(0, 0), 0.6);
}

}  // namespace
}  // namespace roadwarden::testing
