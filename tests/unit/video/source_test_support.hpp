// Helpers shared by the frame-source tests: a settable clock, a health-event recorder, video
// writers, a file corrupter and a watchdog.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "core/time.hpp"
#include "video/frame.hpp"

namespace roadwarden::video::testing {

/// A Clock the test sets and advances by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_ms_(start_ms) {}
  [[nodiscard]] UtcTime now() const override { return UtcTime{now_ms_.load()}; }
  [[nodiscard]] std::string source() const override { return "manual"; }
  void advance_ms(std::int64_t ms) { now_ms_ += ms; }

 private:
  std::atomic<std::int64_t> now_ms_;
};

/// Records health events (called on the source's thread, read by the test). Thread-safe.
class EventLog {
 public:
  [[nodiscard]] HealthSink sink() {
    return [this](const HealthEvent& e) {
      const std::lock_guard lock(mu_);
      events_.push_back(e);
    };
  }
  [[nodiscard]] std::vector<HealthEvent> events() const {
    const std::lock_guard lock(mu_);
    return events_;
  }
  [[nodiscard]] int count(HealthEvent::Kind kind) const {
    const std::lock_guard lock(mu_);
    int n = 0;
    for (const HealthEvent& e : events_) n += e.kind == kind ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<HealthEvent> events_;
};

/// Writes `frames` frames of 160×120 BGR at `fps` with MPEG-4 Part 2 ('mp4v') into `path`
/// (.mp4). Frame k shows a bar at x = 4k so frames differ. Returns false if OpenCV cannot write.
inline bool write_test_video(const std::filesystem::path& path, int frames, double fps) {
  cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'),
                         fps, cv::Size(160, 120));
  if (!writer.isOpened()) return false;
  for (int k = 0; k < frames; ++k) {
    cv::Mat img(120, 160, CV_8UC3, cv::Scalar(40, 80, 120));
    cv::rectangle(img, cv::Rect((4 * k) % 150, 0, 10, 120), cv::Scalar(255, 255, 255), cv::FILLED);
    writer.write(img);
  }
  writer.release();
  return true;
}

/// Writes `frames` frames of `size` BGR noise (fixed seed, so the file is the same every run) at
/// `fps` with 'mp4v' into `path` (.mp4): every frame costs many bytes, so a corrupt stretch of
/// the file spans a predictable number of frames. Returns false if OpenCV cannot write.
inline bool write_noise_video(const std::filesystem::path& path, int frames, double fps,
                              cv::Size size) {
  cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'),
                         fps, size);
  if (!writer.isOpened()) return false;
  cv::RNG rng(20261129);
  for (int k = 0; k < frames; ++k) {
    cv::Mat img(size, CV_8UC3);
    rng.fill(img, cv::RNG::UNIFORM, 0, 255);
    writer.write(img);
  }
  writer.release();
  return true;
}

/// Overwrites `bytes` bytes of `path`, centred on offset `centre` (a fraction of the file size),
/// with pseudo-random bytes (fixed seed). Returns false when the file cannot be rewritten.
inline bool overwrite_with_junk(const std::filesystem::path& path, double centre,
                                std::size_t bytes) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || bytes > size) return false;
  const auto middle = static_cast<std::uintmax_t>(static_cast<double>(size) * centre);
  const std::uintmax_t from = std::min(size - bytes, middle - std::min(middle, bytes / 2));
  std::vector<char> junk(bytes);
  std::mt19937 gen(7);
  for (char& c : junk) c = static_cast<char>(gen() & 0xFF);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(static_cast<std::streamoff>(from));
  file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  return static_cast<bool>(file);
}

/// Stops `source` after `timeout_ms` unless destroyed first, so a test whose camera died turns
/// into a failure instead of a hang (a live source never ends on its own).
class Watchdog {
 public:
  Watchdog(FrameSource& source, int timeout_ms)
      : thread_([this, &source, timeout_ms] {
          std::unique_lock lock(mu_);
          if (!cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [this] { return done_; })) {
            source.stop();
          }
        }) {}
  ~Watchdog() {
    {
      const std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;  // guarded by mu_
  std::thread thread_;
};

/// Milliseconds of steady time since `start`.
inline std::int64_t elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace roadwarden::video::testing
