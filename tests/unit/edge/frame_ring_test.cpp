// The evidence frame ring: time span, memory bound, downscaling, lookup; and what it costs
// on realistic (synthetic traffic, 1080p) frames.
#include "edge/frame_ring.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "support/traffic_video.hpp"

namespace roadwarden::edge {
namespace {

constexpr std::int64_t kT0 = 1'795'953'600'000;

video::Frame frame(std::int64_t seq, cv::Size size = {640, 360}) {
  video::Frame f;
  f.image = cv::Mat(size, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::putText(f.image, std::to_string(seq), {20, size.height / 2}, cv::FONT_HERSHEY_SIMPLEX, 3,
              cv::Scalar(255, 255, 255), 4);
  f.sequence = seq;
  f.index = seq;
  f.capture_time = UtcTime{kT0 + 40 * seq};
  return f;
}

TEST(FrameRing, KeepsTheLastSpanOfCaptureTime) {
  FrameRingOptions o;
  o.span_ms = 2000;
  FrameRing ring(o);
  for (int i = 0; i < 200; ++i) ring.add(frame(i));
  // Newest at 199 * 40 ms; everything from 199 * 40 - 2000 ms on (frames 149..199) is kept.
  EXPECT_EQ(ring.size(), 51u);
  EXPECT_EQ(ring.oldest_time()->unix_ms, kT0 + 40 * 149);
  EXPECT_EQ(ring.newest_time()->unix_ms, kT0 + 40 * 199);
  EXPECT_EQ(ring.find(148), nullptr);
  ASSERT_NE(ring.find(150), nullptr);
  EXPECT_EQ(ring.find(150)->time.unix_ms, kT0 + 6000);
  EXPECT_EQ(ring.dropped_for_memory(), 0u);
  const auto between = ring.between(UtcTime{kT0 + 6000}, UtcTime{kT0 + 6400});
  ASSERT_EQ(between.size(), 11u);
  EXPECT_EQ(between.front()->sequence, 150);
  EXPECT_EQ(between.back()->sequence, 160);
  const cv::Mat decoded = FrameRing::decode(*between.front());
  EXPECT_EQ(decoded.size(), cv::Size(640, 360));
}

TEST(FrameRing, MemoryBoundDropsTheOldestFirst) {
  FrameRingOptions o;
  o.max_bytes = 1 << 20;
  o.jpeg_quality = 100;
  FrameRing ring(o);
  cv::RNG rng(3);
  for (int i = 0; i < 60; ++i) {
    video::Frame f = frame(i, {640, 480});
    rng.fill(f.image, cv::RNG::UNIFORM, 0, 255);  // noise: ~0.5 MB per JPEG
    ring.add(f);
    EXPECT_LE(ring.bytes(), o.max_bytes);
  }
  EXPECT_GT(ring.dropped_for_memory(), 0u);
  EXPECT_LT(ring.size(), 60u);
  EXPECT_EQ(ring.newest_time()->unix_ms, kT0 + 40 * 59);
  EXPECT_GT(ring.oldest_time()->unix_ms, kT0);
}

TEST(FrameRing, ScalesFramesDownToTheLongSide) {
  FrameRingOptions o;
  o.long_side = 960;
  FrameRing ring(o);
  ring.add(frame(1, {1920, 1080}));
  ring.add(frame(2, {800, 600}));
  EXPECT_EQ(ring.find(1)->size, cv::Size(960, 540));
  EXPECT_DOUBLE_EQ(ring.find(1)->scale, 0.5);
  EXPECT_EQ(FrameRing::decode(*ring.find(1)).size(), cv::Size(960, 540));
  EXPECT_EQ(ring.find(2)->size, cv::Size(800, 600));
  EXPECT_DOUBLE_EQ(ring.find(2)->scale, 1.0);
}

TEST(FrameRing, RejectsBadOptionsAndFramesOutOfOrder) {
  FrameRingOptions o;
  o.span_ms = 500;
  EXPECT_THROW(FrameRing{o}, InvalidInput);
  o = {};
  o.jpeg_quality = 20;
  EXPECT_THROW(FrameRing{o}, InvalidInput);
  FrameRing ring;
  EXPECT_TRUE(ring.add(frame(5)));
  // Not after the newest frame: skipped and counted, never an error that would stop the
  // camera's plate reading (snapshots sharing a file time, timestamps that ran ahead).
  EXPECT_FALSE(ring.add(frame(5)));
  EXPECT_FALSE(ring.add(frame(4)));
  EXPECT_EQ(ring.size(), 1u);
  EXPECT_EQ(ring.skipped(), 2u);
  EXPECT_TRUE(ring.add(frame(6)));
  video::Frame empty = frame(7);
  empty.image = cv::Mat();
  EXPECT_THROW(ring.add(empty), InvalidInput);
}

// What the default ring (15 s at 25 fps, long side 1920, quality 90) costs on 1080p synthetic
// traffic with sensor noise: measured per frame and extrapolated to the whole span. Reported
// in the test log; the bound asserted is the default max_bytes.
TEST(FrameRing, DefaultRingOfSyntheticTrafficFitsTheDefaultMemoryBound) {
  roadwarden::testing::TrafficRenderer renderer(
      roadwarden::testing::random_traffic_scene(7, {1920, 1080}, 10, 4, 2.0));
  FrameRing ring;
  for (int i = 0; i < 10; ++i) {
    video::Frame f;
    f.image = renderer.frame(i);
    f.sequence = i;
    f.capture_time = UtcTime{kT0 + 40 * i};
    ring.add(f);
  }
  const double per_frame = static_cast<double>(ring.bytes()) / static_cast<double>(ring.size());
  const double span_bytes = per_frame * 15 * 25;
  std::printf("frame ring: %.0f KiB per 1080p frame at quality 90; 15 s at 25 fps = %.1f MiB\n",
              per_frame / 1024, span_bytes / (1 << 20));
  EXPECT_LT(span_bytes, static_cast<double>(FrameRingOptions{}.max_bytes));
}

}  // namespace
}  // namespace roadwarden::edge
