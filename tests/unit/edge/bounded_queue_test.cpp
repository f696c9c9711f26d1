#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "edge/bounded_queue.hpp"

namespace roadwarden::edge {
namespace {

TEST(BoundedQueueTest, DropOldestKeepsNewestAndCountsDrops) {
  BoundedQueue<int> q(3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q.push(i, true));
  EXPECT_EQ(q.dropped(), 2u);
  EXPECT_EQ(q.pop(), 2);
  EXPECT_EQ(q.pop(), 3);
  EXPECT_EQ(q.pop(), 4);
}

TEST(BoundedQueueTest, BlockingPushWaitsForRoomAndLosesNothing) {
  BoundedQueue<int> q(2);
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      q.push(i, false);
      ++pushed;
    }
    q.close();
  });
  // The producer cannot run ahead of the consumer by more than the capacity.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(pushed.load(), 3);
  int expected = 0;
  while (std::optional<int> v = q.pop()) EXPECT_EQ(*v, expected++);
  producer.join();
  EXPECT_EQ(expected, 100);
  EXPECT_EQ(q.dropped(), 0u);
}

TEST(BoundedQueueTest, CloseDrainsThenEndsAndRefusesPushes) {
  BoundedQueue<int> q(4);
  q.push(7, false);
  q.close();
  EXPECT_FALSE(q.push(8, false));
  EXPECT_EQ(q.pop(), 7);
  EXPECT_EQ(q.pop(), std::nullopt);
}

TEST(BoundedQueueTest, CloseWakesABlockedProducer) {
  BoundedQueue<int> q(1);
  q.push(1, false);
  std::thread producer([&] { EXPECT_FALSE(q.push(2, false)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  q.close();
  producer.join();
}

}  // namespace
}  // namespace roadwarden::edge
