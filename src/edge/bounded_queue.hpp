// A bounded multi-producer / multi-consumer queue between a camera's reader and its worker.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

namespace roadwarden::edge {

/// FIFO of at most `capacity` items. push() either blocks while full (back-pressure) or
/// discards the oldest item, as the caller asks; close() wakes everyone: later pushes are
/// refused and pop() drains what is left, then returns nullopt. Thread-safe.
template <typename T>
class BoundedQueue {
 public:
  /// `capacity` >= 1 (smaller values are treated as 1).
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

  /// Adds `item`. When full: waits for room if `drop_oldest` is false, otherwise discards the
  /// oldest queued item (counted by dropped()). Returns false, without adding, once closed.
  bool push(T item, bool drop_oldest) {
    std::unique_lock lock(mutex_);
    if (!drop_oldest) {
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    } else if (items_.size() >= capacity_) {
      items_.pop_front();
      ++dropped_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  /// The oldest item; waits while empty. nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  /// Refuses further pushes and wakes all waiters; queued items can still be popped.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  /// Items discarded by drop_oldest pushes so far.
  [[nodiscard]] std::uint64_t dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;  // guarded by mutex_
  std::condition_variable not_full_;   // guarded by mutex_
  std::deque<T> items_;                // guarded by mutex_
  bool closed_ = false;                // guarded by mutex_
  std::uint64_t dropped_ = 0;          // guarded by mutex_
};

}  // namespace roadwarden::edge
