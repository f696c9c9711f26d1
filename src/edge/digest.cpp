#include "edge/digest.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <memory>

#include "core/errors.hpp"

namespace roadwarden::edge {
namespace {

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest.data(), &length) != 1 || length != 32) {
    throw InternalError("OpenSSL could not compute a SHA-256 digest.");
  }
  return to_hex(std::span<const unsigned char>(digest.data(), length));
}

std::string random_key_hex() {
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw InternalError("OpenSSL's random generator failed (RAND_bytes); no key was made.");
  }
  return to_hex(raw);
}

bool is_key_hex(std::string_view key) {
  if (key.size() != 32) return false;
  for (const char c : key) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace roadwarden::edge
