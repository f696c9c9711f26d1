// Helpers shared by the frame-source tests: a settable clock, a health-event recorder, a
// video writer and a child-process runner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
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
