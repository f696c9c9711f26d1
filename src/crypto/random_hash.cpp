// Randomness, hex, SHA-256 and constant-time comparison.
#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <mutex>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {
namespace detail {

void ensure_sodium() {
  // sodium_init is itself safe to call more than once; the static makes it happen once and
  // keeps the result (a function-local static is initialised thread-safely).
  static const int rc = sodium_init();
  if (rc < 0) throw InternalError("libsodium could not be initialised (sodium_init failed).");
}

}  // namespace detail

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  detail::ensure_sodium();
  std::vector<std::uint8_t> out(n);
  if (n > 0) randombytes_buf(out.data(), n);
  return out;
}

std::string random_hex(std::size_t n) {
  std::vector<std::uint8_t> bytes = random_bytes(n);
  std::string hex = to_hex(bytes);
  sodium_memzero(bytes.data(), bytes.size());
  return hex;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const std::uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    throw InvalidInput("Hex text has an odd number of digits (" + std::to_string(hex.size()) +
                       ").");
  }
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      throw InvalidInput("Hex text has a character that is not a hex digit at position " +
                         std::to_string(hi < 0 ? 2 * i : 2 * i + 1) + ".");
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != 32) {
    throw InternalError("OpenSSL could not compute a SHA-256 digest.");
  }
  return to_hex(std::span<const std::uint8_t>(digest.data(), length));
}

std::string sha256_hex(std::string_view bytes) {
  return sha256_hex(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  detail::ensure_sodium();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace roadwarden::crypto
