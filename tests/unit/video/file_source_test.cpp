#include "video/file_source.hpp"

#include <fstream>
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

}  // namespace
}  // namespace roadwarden::video
