// Deterministic stand-in content for evidence files in spool and uploader tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace roadwarden::edge::testing {

/// `n` pseudo-random bytes from std::mt19937 seeded with `seed` (same seed, same bytes).
inline std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

}  // namespace roadwarden::edge::testing
