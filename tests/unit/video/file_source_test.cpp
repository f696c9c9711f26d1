#include "video/file_source.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "support/paths.hpp"
#include "unit/video/source_test_support.hpp"

namespace roadwarden::video {
namespace {

using roadwarden::testing::TempDir;
using testing::EventLog;
using testing::write_test_video;

constexpr std::int64_t kStart = 1795985742000;  // 2026-11-29T20:55:42Z

std::vector<Frame> read_all(FrameSource& source) {
  std::vector<Frame> frames;
  while (auto f = source.next()) frames.push_back(std::move(*f));
  return frames;
}

TEST(FileFrameSource, DeliversEveryNthFrameWithCaptureTimeFromStartPlusPosition) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(write_test_video(path, 30, 25.0));
  EventLog log;
  FileFrameSource source(path, FileSourceOptions{UtcTime{kStart}, 3, false, 100}, log.sink());
  const std::vector<Frame> frames = read_all(source);

  ASSERT_EQ(frames.size(), 10u);  // frames 0, 3, …, 27 of 30
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    EXPECT_EQ(f.index, static_cast<std::int64_t>(3 * i));
    EXPECT_NEAR(f.position_ms, 40.0 * 3 * static_cast<double>(i), 1.0);  // 25 fps
    EXPECT_EQ(f.capture_time.unix_ms, kStart + std::llround(f.position_ms));
    EXPECT_EQ(f.sequence, 100 + static_cast<std::int64_t>(i));
    EXPECT_EQ(f.image.type(), CV_8UC3);
    EXPECT_EQ(f.image.size(), cv::Size(160, 120));
    if (i > 0) {
      EXPECT_GT(f.sequence, frames[i - 1].sequence);
      EXPECT_GT(f.capture_time, frames[i - 1].capture_time);
    }
  }
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
  EXPECT_EQ(log.count(HealthEvent::Kind::decode_error), 0);
  EXPECT_FALSE(source.next().has_value());  // stays ended
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
}

TEST(FileFrameSource, RealtimePacesAtTheFileFrameRate) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(write_test_video(path, 10, 25.0));
  FileFrameSource source(path, FileSourceOptions{UtcTime{kStart}, 1, true});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(read_all(source).size(), 10u);
  EXPECT_GE(testing::elapsed_ms(start), 340);  // last frame at 360 ms
}

TEST(FileFrameSource, MissingFileThrowsIoErrorNamingTheFile) {
  const TempDir dir;
  try {
    FileFrameSource source(dir.path() / "absent.mp4", FileSourceOptions{});
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.mp4"), std::string::npos) << e.what();
  }
}

TEST(FileFrameSource, TextFileNamedMp4ThrowsInvalidInput) {
  const TempDir dir;
  const auto path = dir.path() / "notes.mp4";
  std::ofstream(path) << "this is not a video, just some text\n";
  EXPECT_THROW(FileFrameSource(path, FileSourceOptions{}), InvalidInput);
}

TEST(FileFrameSource, RejectsEveryBelowOne) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(write_test_video(path, 2, 25.0));
  EXPECT_THROW(FileFrameSource(path, FileSourceOptions{UtcTime{}, 0}), InvalidInput);
}

TEST(FileFrameSource, StopEndsTheSource) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(write_test_video(path, 10, 25.0));
  EventLog log;
  FileFrameSource source(path, FileSourceOptions{}, log.sink());
  ASSERT_TRUE(source.next().has_value());
  source.stop();
  EXPECT_FALSE(source.next().has_value());
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
}

std::string ended_detail(const EventLog& log) {
  std::string detail;
  for (const HealthEvent& e : log.events()) {
    if (e.kind == HealthEvent::Kind::ended) detail += e.detail;
  }
  return detail;
}

// Regression: 500 KB of junk in the middle of a 250-frame clip ended the source after the frames
// before it, reported as a clean end of file, although FFmpeg can decode most frames after it.
TEST(FileFrameSource, CorruptMiddleIsReportedAsDecodeErrorAndReadingGoesOn) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(testing::write_noise_video(path, 250, 25.0, cv::Size(320, 240)));
  ASSERT_TRUE(testing::overwrite_with_junk(path, 0.5, 500 * 1000));
  EventLog log;
  FileFrameSource source(path, FileSourceOptions{UtcTime{kStart}}, log.sink());
  const std::vector<Frame> frames = read_all(source);

  EXPECT_GE(frames.size(), 200u);  // 223 with OpenCV 4.6 / FFmpeg 5.1
  EXPECT_LT(frames.size(), 250u);
  bool gap = false;
  for (std::size_t i = 1; i < frames.size(); ++i) {
    EXPECT_GT(frames[i].index, frames[i - 1].index);
    EXPECT_EQ(frames[i].sequence, frames[i - 1].sequence + 1);
    // Positions keep the container time across the gap: frame k is at 40·k ms.
    EXPECT_NEAR(frames[i].position_ms, 40.0 * static_cast<double>(frames[i].index), 1.0);
    gap = gap || frames[i].index > frames[i - 1].index + 1;
  }
  EXPECT_TRUE(gap) << "no frame was skipped";
  EXPECT_GE(log.count(HealthEvent::Kind::decode_error), 1);
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
  EXPECT_NE(ended_detail(log).find("end of file"), std::string::npos) << ended_detail(log);
}

TEST(FileFrameSource, LongCorruptStretchEndsTheSourceAsCorruptNotAsEndOfFile) {
  const TempDir dir;
  const auto path = dir.path() / "clip.mp4";
  ASSERT_TRUE(testing::write_noise_video(path, 250, 25.0, cv::Size(320, 240)));
  // ~150 frames of junk: more than the consecutive failures the source waits through.
  ASSERT_TRUE(testing::overwrite_with_junk(path, 0.5, 3 * 1000 * 1000));
  EventLog log;
  FileFrameSource source(path, FileSourceOptions{UtcTime{kStart}}, log.sink());
  const std::vector<Frame> frames = read_all(source);

  EXPECT_GE(frames.size(), 1u);
  EXPECT_LT(frames.size(), 150u);
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
  const std::string detail = ended_detail(log);
  EXPECT_NE(detail.find("corrupt"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("end of file"), std::string::npos) << detail;
  // A damaged file is a decode error too (the agent warns and its exit status says so), not
  // only an ending.
  bool damage_reported = false;
  for (const HealthEvent& e : log.events())
    damage_reported = damage_reported || (e.kind == HealthEvent::Kind::decode_error &&
                                          e.detail.find("gave up") != std::string::npos);
  EXPECT_TRUE(damage_reported);
  EXPECT_FALSE(source.next().has_value());  // stays ended
  EXPECT_EQ(log.count(HealthEvent::Kind::ended), 1);
}

}  // namespace
}  // namespace roadwarden::video
