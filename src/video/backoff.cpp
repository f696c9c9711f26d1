#include "video/backoff.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {

void validate(const BackoffPolicy& policy) {
  if (policy.initial_ms <= 0) {
    throw InvalidInput(fmt::format("backoff_initial_ms must be > 0 (got {})", policy.initial_ms));
  }
  if (policy.max_ms < policy.initial_ms) {
    throw InvalidInput(fmt::format("backoff_max_ms must be >= backoff_initial_ms ({} < {})",
                                   policy.max_ms, policy.initial_ms));
  }
  if (!(policy.jitter >= 0.0 && policy.jitter < 1.0)) {
    throw InvalidInput(fmt::format("jitter must be in [0, 1) (got {})", policy.jitter));
  }
}

std::int64_t nominal_backoff_ms(const BackoffPolicy& policy, int attempt) {
  if (attempt < 1)
    throw InvalidInput(fmt::format("backoff attempt must be >= 1 (got {})", attempt));
  std::int64_t delay = policy.initial_ms;
  for (int i = 1; i < attempt && delay < policy.max_ms; ++i) delay *= 2;
  return std::min<std::int64_t>(delay, policy.max_ms);
}

Backoff::Backoff(BackoffPolicy policy, std::uint64_t seed) : policy_(policy) {
  validate(policy_);
  if (seed == 0) {
    std::random_device device;
    seed = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }
  rng_.seed(seed);
}

std::int64_t Backoff::delay_ms(int attempt) {
  const double nominal = static_cast<double>(nominal_backoff_ms(policy_, attempt));
  std::uniform_real_distribution<double> factor(1.0 - policy_.jitter, 1.0 + policy_.jitter);
  const double jittered = policy_.jitter > 0 ? nominal * factor(rng_) : nominal;
  return std::min<std::int64_t>(std::llround(jittered), policy_.max_ms);
}

}  // namespace roadwarden::video
