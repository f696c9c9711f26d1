// A settable Clock for the edge tests: time moves only when the test moves it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/time.hpp"

namespace roadwarden::edge::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_ms = 1'790'000'000'000) : ms_(unix_ms) {}
  [[nodiscard]] UtcTime now() const override { return UtcTime{ms_.load()}; }
  [[nodiscard]] std::string source() const override { return "fake"; }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

}  // namespace roadwarden::edge::testing
