// Passwords: argon2id (libsodium crypto_pwhash_str) and generated passwords.
#include <sodium.h>

#include <array>
#include <string>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;
// 57 letters and digits without the look-alikes 0/O, 1/I/l.
constexpr std::string_view kPasswordAlphabet =
    "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static_assert(kPasswordAlphabet.size() == 57);
constexpr std::size_t kGeneratedPasswordLength = 20;

}  // namespace

std::string hash_password(std::string_view password) {
  if (password.empty()) throw InvalidInput("The password is empty.");
  if (password.size() > kMaxPasswordBytes) {
    throw InvalidInput("The password is longer than " + std::to_string(kMaxPasswordBytes) +
                       " bytes.");
  }
  detail::ensure_sodium();
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw InternalError("argon2id password hashing failed (out of memory?).");
  }
  return std::string(out.data());
}

bool verify_password(std::string_view encoded, std::string_view password) {
  // crypto_pwhash_str_verify reads a NUL-terminated string: refuse what cannot be one.
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES ||
      encoded.find('\0') != std::string_view::npos) {
    return false;
  }
  if (password.size() > kMaxPasswordBytes) return false;
  detail::ensure_sodium();
  const std::string terminated(encoded);
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

std::string generate_password() {
  detail::ensure_sodium();
  std::string out;
  out.reserve(kGeneratedPasswordLength);
  for (std::size_t i = 0; i < kGeneratedPasswordLength; ++i) {
    out.push_back(kPasswordAlphabet[randombytes_uniform(
        static_cast<std::uint32_t>(kPasswordAlphabet.size()))]);
  }
  return out;
}

}  // namespace roadwarden::crypto
