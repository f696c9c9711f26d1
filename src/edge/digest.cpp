#include "edge/digest.hpp"

#include "crypto/crypto.hpp"

namespace roadwarden::edge {

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  return crypto::sha256_hex(bytes);
}

std::string random_key_hex() {
  return crypto::random_hex(16);
}

bool is_key_hex(std::string_view key) {
  if (key.size() != 32) return false;
  for (const char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace roadwarden::edge
