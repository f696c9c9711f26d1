// Hashes and random keys of the camera agent: SHA-256 of evidence files and 128-bit
// idempotency keys. Thin names over crypto/crypto.hpp (one implementation for the project).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace roadwarden::edge {

/// SHA-256 (FIPS 180-4) of `bytes` as 64 lower-case hex digits (crypto::sha256_hex). Throws
/// InternalError when OpenSSL fails. Thread-safe.
[[nodiscard]] std::string sha256_hex(std::span<const std::uint8_t> bytes);

/// 128 bits from libsodium's CSPRNG as 32 lower-case hex digits (crypto::random_hex(16)).
/// Throws InternalError when libsodium cannot start. Thread-safe.
[[nodiscard]] std::string random_key_hex();

/// True when `key` is exactly 32 lower-case hex digits (the form random_key_hex returns).
[[nodiscard]] bool is_key_hex(std::string_view key);

}  // namespace roadwarden::edge
