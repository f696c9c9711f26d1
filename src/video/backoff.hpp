// Reconnect delays for live camera streams: exponential backoff with random jitter.
#pragma once

#include <cstdint>
#include <random>

namespace roadwarden::video {

/// When to retry a failed connection. Attempt n (1, 2, …) waits
/// min(max_ms, initial_ms · 2^(n-1)) milliseconds, multiplied by a uniform random factor in
/// [1 - jitter, 1 + jitter], and never more than max_ms. Jitter spreads the reconnects of many
/// cameras that lost the same network at once (the "full/equal jitter" family described in
/// AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
struct BackoffPolicy {
  /// Delay before the first retry, milliseconds (> 0). Default 500.
  int initial_ms = 500;
  /// Upper bound of any delay, milliseconds (>= initial_ms). Default 30000.
  int max_ms = 30000;
  /// Relative jitter, in [0, 1). 0 gives exact doubling. Default 0.2.
  double jitter = 0.2;
};

/// Throws InvalidInput (naming the field) when `policy` is out of range.
void validate(const BackoffPolicy& policy);

/// The delay before retry `attempt` (>= 1) without jitter: min(max_ms, initial_ms·2^(attempt-1)),
/// milliseconds. Throws InvalidInput when attempt < 1.
[[nodiscard]] std::int64_t nominal_backoff_ms(const BackoffPolicy& policy, int attempt);

/// Jittered delays from a seeded generator: the same seed gives the same delays.
/// Not thread-safe (one per source, used on its reader thread).
class Backoff {
 public:
  /// Validates `policy` (InvalidInput). `seed` 0 draws a seed from std::random_device.
  Backoff(BackoffPolicy policy, std::uint64_t seed);

  /// The delay before retry `attempt` (>= 1), milliseconds, in
  /// [nominal·(1-jitter), min(nominal·(1+jitter), max_ms)] where nominal = nominal_backoff_ms().
  [[nodiscard]] std::int64_t delay_ms(int attempt);

  [[nodiscard]] const BackoffPolicy& policy() const { return policy_; }

 private:
  BackoffPolicy policy_;
  std::mt19937_64 rng_;
};

}  // namespace roadwarden::video
