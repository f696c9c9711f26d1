// A stop request that wakes a sleeping frame source (backoff waits, poll waits, pacing).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace roadwarden::video {

/// One-shot stop flag with an interruptible sleep. request() may be called from any thread;
/// wait_for() from the source's reader thread. Thread-safe.
class StopSignal {
 public:
  /// Sets the flag and wakes every wait_for(). Idempotent.
  void request() {
    {
      const std::lock_guard lock(mu_);
      requested_ = true;
    }
    cv_.notify_all();
  }
  /// True once request() was called.
  [[nodiscard]] bool requested() const {
    const std::lock_guard lock(mu_);
    return requested_;
  }
  /// Sleeps up to `duration` (real time, steady clock) or until request(). Returns true when
  /// stop was requested (before or during the wait).
  bool wait_for(std::chrono::milliseconds duration) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, duration, [this] { return requested_; });
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool requested_ = false;  // guarded by mu_
};

}  // namespace roadwarden::video
