#include "server/event_hub.hpp"

#include <algorithm>
#include <iterator>

#include "core/errors.hpp"

namespace roadwarden::server {

Subscription::Subscription(EventHub& hub, std::size_t capacity)
    : hub_(hub), capacity_(capacity) {}

Subscription::~Subscription() {
  hub_.unsubscribe(this);
}

bool Subscription::push(const LiveEvent& event) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
    } else {
      queue_.push_back(event);
      ready_.notify_one();
      return true;
    }
  }
  ready_.notify_one();  // the drop count is news too
  return false;
}

void Subscription::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

Subscription::Batch Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  ready_.wait_for(lock, timeout, [&] { return closed_ || dropped_ > 0 || !queue_.empty(); });
  Batch batch;
  batch.events.assign(std::make_move_iterator(queue_.begin()),
                      std::make_move_iterator(queue_.end()));
  queue_.clear();
  batch.dropped = dropped_;
  dropped_ = 0;
  return batch;
}

bool Subscription::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

EventHub::EventHub(std::size_t max_subscribers, std::size_t queue_capacity)
    : max_subscribers_(max_subscribers), queue_capacity_(queue_capacity) {
  if (max_subscribers < 1) throw InvalidInput("EventHub: max_subscribers must be at least 1");
  if (queue_capacity < 1) throw InvalidInput("EventHub: queue_capacity must be at least 1");
}

EventHub::~EventHub() {
  close();
}

std::unique_ptr<Subscription> EventHub::subscribe() {
  std::lock_guard lock(mutex_);
  if (closed_ || subscribers_.size() >= max_subscribers_) return nullptr;
  // Subscription's constructor is private to the hub: no make_unique.
  std::unique_ptr<Subscription> s(new Subscription(*this, queue_capacity_));
  subscribers_.push_back(s.get());
  return s;
}

std::size_t EventHub::publish(const LiveEvent& event) {
  std::lock_guard lock(mutex_);
  std::size_t queued = 0;
  for (Subscription* s : subscribers_) {
    if (s->push(event))
      ++queued;
    else
      ++dropped_total_;
  }
  return queued;
}

void EventHub::close() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (Subscription* s : subscribers_) s->close();
}

std::size_t EventHub::subscribers() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::uint64_t EventHub::dropped_total() const {
  std::lock_guard lock(mutex_);
  return dropped_total_;
}

void EventHub::unsubscribe(Subscription* s) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(std::remove(subscribers_.begin(), subscribers_.end(), s),
                     subscribers_.end());
}

}  // namespace roadwarden::server
