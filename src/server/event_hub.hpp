// An in-process publish/subscribe hub for the server's live streams (the event stream
// GET /api/v1/events and the message-board feed GET /api/v1/boards/feed,
// server/live_routes.cpp). Ingest publishes; each open stream is one subscription with a
// bounded queue. Publishing never blocks on a subscriber: a full queue drops the event and
// counts it, and the stream reports the count (`event: dropped`).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace roadwarden::server {

/// One published event: its name ("violation", "hotlist_hit") and its payload, already
/// serialised for the stream it goes to (a JSON object for the event stream, one text line
/// for the board feed).
struct LiveEvent {
  std::string name;
  std::string data;
};

class EventHub;

/// One subscriber's queue. Made by EventHub::subscribe; unsubscribes at destruction (the
/// stream's slot is then free again). Thread-safe: the hub pushes from ingest threads while
/// the stream's worker thread waits and pops.
class Subscription {
 public:
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  /// What next() hands the stream: the events queued (oldest first, at most the queue's
  /// capacity) and how many were dropped since the last call because the queue was full.
  struct Batch {
    std::vector<LiveEvent> events;
    std::uint64_t dropped = 0;
  };

  /// Waits up to `timeout` for an event (or a drop count, or the hub closing), then takes
  /// everything queued. An empty batch means the wait timed out (or the hub closed: see
  /// closed()).
  [[nodiscard]] Batch next(std::chrono::milliseconds timeout);
  /// True once the hub was closed (server stopping): the stream should end.
  [[nodiscard]] bool closed() const;

 private:
  friend class EventHub;
  Subscription(EventHub& hub, std::size_t capacity);
  bool push(const LiveEvent& event);  // from EventHub::publish; false = dropped (queue full)
  void close();                       // from EventHub::close

  EventHub& hub_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<LiveEvent> queue_;  // guarded by mutex_; never above capacity_
  std::uint64_t dropped_ = 0;    // guarded by mutex_; drops since the last next()
  bool closed_ = false;          // guarded by mutex_
};

/// The hub: a set of subscriptions with a cap. Thread-safe. Outlives its subscriptions
/// (the server owns it and stops serving, which ends every stream, before destroying it).
class EventHub {
 public:
  /// `max_subscribers` >= 1 (concurrent streams; one more gets 503), `queue_capacity` >= 1
  /// (events buffered per subscriber before it loses them). InvalidInput otherwise.
  EventHub(std::size_t max_subscribers, std::size_t queue_capacity);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  /// A new subscription, or nullptr when `max_subscribers` are open (the caller answers 503)
  /// or the hub is closed.
  [[nodiscard]] std::unique_ptr<Subscription> subscribe();
  /// Hands `event` to every subscriber's queue; never blocks on a subscriber (a full queue
  /// drops it and counts the drop). Returns the number of subscribers it was queued for.
  std::size_t publish(const LiveEvent& event);
  /// Wakes and closes every subscription; later subscribe() calls get nullptr. Idempotent.
  void close();
  /// Subscriptions open now.
  [[nodiscard]] std::size_t subscribers() const;
  /// Events dropped for full queues since construction (all subscribers together).
  [[nodiscard]] std::uint64_t dropped_total() const;

 private:
  friend class Subscription;
  void unsubscribe(Subscription* s);

  const std::size_t max_subscribers_;
  const std::size_t queue_capacity_;
  mutable std::mutex mutex_;
  std::vector<Subscription*> subscribers_;  // guarded by mutex_; owned by their streams
  bool closed_ = false;                     // guarded by mutex_
  std::uint64_t dropped_total_ = 0;         // guarded by mutex_
};

}  // namespace roadwarden::server
