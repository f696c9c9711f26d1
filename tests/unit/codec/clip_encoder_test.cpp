#include "codec/clip_encoder.hpp"

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "codec/video_decoder.hpp"
#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::codec {
namespace {

using roadwarden::testing::TempDir;

// Frame k: a mid-grey background with a 32×32 block whose grey level is 20 + 7k (distinct per
// frame) at x = 8 + 4k, so both content and motion are checked after the round trip.
cv::Mat stamped(cv::Size size, int k) {
  cv::Mat img(size, CV_8UC3, cv::Scalar(110, 120, 130));
  const int level = 20 + 7 * k;
  cv::rectangle(img, cv::Rect(8 + 4 * k, 16, 32, 32), cv::Scalar(level, level, level), cv::FILLED);
  return img;
}

std::vector<cv::Mat> stamped_clip(cv::Size size, int frames) {
  std::vector<cv::Mat> out;
  for (int k = 0; k < frames; ++k) out.push_back(stamped(size, k));
  return out;
}

std::filesystem::path save(const TempDir& dir, const EncodedClip& clip) {
  const auto path = dir.path() / clip.file;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(clip.bytes.data()),
             static_cast<std::streamsize>(clip.bytes.size()));
  return path;
}

struct Decoded {
  std::vector<cv::Mat> frames;
  std::vector<double> positions;
  std::optional<double> fps;
  std::optional<std::int64_t> count;
};

Decoded decode_all(const std::filesystem::path& path) {
  Decoded d;
  VideoDecoder decoder;
  EXPECT_TRUE(decoder.open(path.string()));
  d.fps = decoder.fps();
  d.count = decoder.frame_count();
  while (decoder.grab()) {
    d.positions.push_back(decoder.position_ms());
    d.frames.push_back(decoder.retrieve_bgr());
  }
  return d;
}

// Mean grey level of the 24×24 centre of frame k's block (edges blur in lossy coding).
double block_level(const cv::Mat& img, int k) {
  const cv::Scalar m = cv::mean(img(cv::Rect(12 + 4 * k, 20, 24, 24)));
  return (m[0] + m[1] + m[2]) / 3.0;
}

void expect_round_trip(const EncodedClip& clip, cv::Size size, int frames, double fps) {
  const TempDir dir;
  const Decoded d = decode_all(save(dir, clip));
  ASSERT_EQ(d.frames.size(), static_cast<std::size_t>(frames));
  ASSERT_TRUE(d.fps.has_value());
  EXPECT_NEAR(*d.fps, fps, 0.01);
  ASSERT_TRUE(d.count.has_value());
  EXPECT_EQ(*d.count, frames);
  for (int k = 0; k < frames; ++k) {
    SCOPED_TRACE(k);
    EXPECT_EQ(d.frames[k].size(), size);
    EXPECT_EQ(d.frames[k].type(), CV_8UC3);
    EXPECT_NEAR(d.positions[k], 1000.0 * k / fps, 1.0);
    EXPECT_NEAR(block_level(d.frames[k], k), 20 + 7 * k, 6.0);
    // The background keeps its colour (BGR order, limited/full range handled both ways).
    const cv::Scalar bg =
        cv::mean(d.frames[k](cv::Rect(size.width - 24, size.height - 24, 24, 24)));
    EXPECT_NEAR(bg[0], 110, 6.0);
    EXPECT_NEAR(bg[1], 120, 6.0);
    EXPECT_NEAR(bg[2], 130, 6.0);
  }
}

TEST(ClipEncoder, WritesH264InFaststartMp4ThatDecodesBackFrameForFrame) {
  const EncodedClip clip = encode_clip(stamped_clip({160, 120}, 20), 25.0);
  EXPECT_EQ(clip.codec, "h264");
  EXPECT_EQ(clip.file, "clip.mp4");
  EXPECT_EQ(clip.media_type, "video/mp4");
  EXPECT_EQ(clip.frames, 20);
  EXPECT_EQ(clip.size, cv::Size(160, 120));
  const std::string head(clip.bytes.begin(), clip.bytes.begin() + 12);
  EXPECT_EQ(head.substr(4, 4), "ftyp");
  // faststart: the index (moov) comes before the media data (mdat).
  const std::string all(clip.bytes.begin(), clip.bytes.end());
  ASSERT_NE(all.find("moov"), std::string::npos);
  ASSERT_NE(all.find("mdat"), std::string::npos);
  EXPECT_LT(all.find("moov"), all.find("mdat"));
  expect_round_trip(clip, {160, 120}, 20, 25.0);
}

TEST(ClipEncoder, WritesMotionJpegInAviWhenH264IsNotAllowed) {
  ClipEncoderOptions o;
  o.allow_h264 = false;
  const EncodedClip clip = encode_clip(stamped_clip({160, 120}, 12), 10.0, o);
  EXPECT_EQ(clip.codec, "mjpeg");
  EXPECT_EQ(clip.file, "clip.avi");
  EXPECT_EQ(clip.media_type, "video/x-msvideo");
  ASSERT_GE(clip.bytes.size(), 12u);
  EXPECT_EQ(std::string(clip.bytes.begin(), clip.bytes.begin() + 4), "RIFF");
  EXPECT_EQ(std::string(clip.bytes.begin() + 8, clip.bytes.begin() + 12), "AVI ");
  expect_round_trip(clip, {160, 120}, 12, 10.0);
}

TEST(ClipEncoder, KeepsAFractionalFrameRate) {
  const EncodedClip clip = encode_clip(stamped_clip({96, 64}, 8), 12.5);
  expect_round_trip(clip, {96, 64}, 8, 12.5);
}

TEST(ClipEncoder, PadsAnOddFrameSizeByOnePixelRepeatingTheEdge) {
  for (const bool h264 : {true, false}) {
    SCOPED_TRACE(h264 ? "h264" : "mjpeg");
    ClipEncoderOptions o;
    o.allow_h264 = h264;
    std::vector<cv::Mat> frames = stamped_clip({161, 121}, 6);
    // A bright last column and row: the padding must repeat them, not add black.
    for (cv::Mat& f : frames) {
      f.col(160).setTo(cv::Scalar(230, 230, 230));
      f.row(120).setTo(cv::Scalar(230, 230, 230));
    }
    const EncodedClip clip = encode_clip(frames, 25.0, o);
    EXPECT_EQ(clip.size, cv::Size(162, 122));
    const TempDir dir;
    const Decoded d = decode_all(save(dir, clip));
    ASSERT_EQ(d.frames.size(), 6u);
    for (const cv::Mat& f : d.frames) {
      ASSERT_EQ(f.size(), cv::Size(162, 122));
      EXPECT_GT(cv::mean(f.col(161)(cv::Rect(0, 60, 1, 40)))[0], 180);
      EXPECT_GT(cv::mean(f.row(121)(cv::Rect(40, 0, 80, 1)))[0], 180);
    }
  }
}

TEST(ClipEncoder, SingleFrameClipIsValid) {
  const EncodedClip clip = encode_clip(stamped_clip({64, 48}, 1), 25.0);
  const TempDir dir;
  const Decoded d = decode_all(save(dir, clip));
  ASSERT_EQ(d.frames.size(), 1u);
  EXPECT_NEAR(block_level(d.frames[0], 0), 20, 6.0);
}

TEST(ClipEncoder, RejectsBadInputWithInvalidInput) {
  EXPECT_THROW((void)encode_clip(std::vector<cv::Mat>{}, 25.0), InvalidInput);
  EXPECT_THROW(ClipEncoder({1, 48}, 25.0), InvalidInput);
  EXPECT_THROW(ClipEncoder({64, 48}, 0.0), InvalidInput);
  EXPECT_THROW(ClipEncoder({64, 48}, std::nan("")), InvalidInput);
  ClipEncoder encoder({64, 48}, 25.0);
  EXPECT_THROW(encoder.add(cv::Mat(48, 65, CV_8UC3, cv::Scalar::all(0))), InvalidInput);
  EXPECT_THROW(encoder.add(cv::Mat(48, 64, CV_8UC1, cv::Scalar::all(0))), InvalidInput);
  EXPECT_THROW((void)encoder.finish(), InvalidInput);  // no frame added
  std::vector<cv::Mat> mixed = {stamped({64, 48}, 0), stamped({64, 50}, 1)};
  EXPECT_THROW((void)encode_clip(mixed, 25.0), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::codec
