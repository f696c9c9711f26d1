// HMAC-SHA-256 (RFC 2104 / FIPS 198-1 over SHA-256) and its 256-bit key files.
#include <sodium.h>

#include <string>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {

std::string hmac_sha256_hex(std::span<const std::uint8_t> key, std::string_view message) {
  if (key.empty()) throw InvalidInput("An HMAC-SHA-256 key must not be empty.");
  detail::ensure_sodium();
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  if (crypto_auth_hmacsha256_init(&state, key.data(), key.size()) != 0 ||
      crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                    message.size()) != 0 ||
      crypto_auth_hmacsha256_final(&state, mac) != 0) {
    sodium_memzero(&state, sizeof state);
    throw InternalError("libsodium could not compute an HMAC-SHA-256.");
  }
  // The state holds key-derived pads; wipe it.
  sodium_memzero(&state, sizeof state);
  return to_hex(std::span<const std::uint8_t>(mac, sizeof mac));
}

std::string hmac_sha256_hex(const HmacKey& key, std::string_view message) {
  if (key.bytes.size() != kHmacKeyBytes) {
    throw InvalidInput("An HMAC key must be " + std::to_string(kHmacKeyBytes) + " bytes.");
  }
  return hmac_sha256_hex(std::span<const std::uint8_t>(key.bytes), message);
}

HmacKey create_hmac_key(const std::filesystem::path& path) {
  HmacKey key{random_bytes(kHmacKeyBytes)};
  std::string hex = to_hex(key.bytes) + "\n";
  try {
    detail::write_secret_file(path, hex, "HMAC key");
  } catch (...) {
    sodium_memzero(hex.data(), hex.size());
    throw;
  }
  sodium_memzero(hex.data(), hex.size());
  return key;
}

HmacKey load_hmac_key(const std::filesystem::path& path) {
  return HmacKey{detail::read_secret_hex_file(path, kHmacKeyBytes, "HMAC key")};
}

}  // namespace roadwarden::crypto
