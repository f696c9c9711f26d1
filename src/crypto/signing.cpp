// Ed25519 signatures (libsodium crypto_sign_detached).
#include <sodium.h>

#include <array>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {
namespace {

SigningKey from_seed(const std::uint8_t* seed) {
  SigningKey key;
  key.secret.resize(crypto_sign_SECRETKEYBYTES);
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  if (crypto_sign_seed_keypair(pk.data(), key.secret.data(), seed) != 0) {
    throw InternalError("libsodium could not derive an Ed25519 key pair.");
  }
  key.public_hex = to_hex(pk);
  return key;
}

void check_secret(const SigningKey& key) {
  if (key.secret.size() != crypto_sign_SECRETKEYBYTES) {
    throw InvalidInput("An Ed25519 signing key must be " +
                       std::to_string(crypto_sign_SECRETKEYBYTES) + " bytes, not " +
                       std::to_string(key.secret.size()) + ".");
  }
}

/// Parses exactly `size` bytes of hex; false when malformed.
bool parse_hex(std::string_view hex, std::size_t size, std::uint8_t* out) {
  if (hex.size() != 2 * size) return false;
  try {
    const std::vector<std::uint8_t> bytes = from_hex(hex);
    std::copy(bytes.begin(), bytes.end(), out);
    return true;
  } catch (const InvalidInput&) {
    return false;
  }
}

}  // namespace

SigningKey generate_signing_key() {
  detail::ensure_sodium();
  std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
  randombytes_buf(seed.data(), seed.size());
  SigningKey key = from_seed(seed.data());
  sodium_memzero(seed.data(), seed.size());
  return key;
}

void save_signing_key(const SigningKey& key, const std::filesystem::path& path) {
  check_secret(key);
  // libsodium's 64-byte secret key is the 32-byte seed followed by the public key.
  std::string text =
      to_hex(std::span<const std::uint8_t>(key.secret.data(), crypto_sign_SEEDBYTES));
  text.push_back('\n');
  try {
    detail::write_secret_file(path, text, "signing key");
  } catch (...) {
    sodium_memzero(text.data(), text.size());
    throw;
  }
  sodium_memzero(text.data(), text.size());
}

SigningKey load_signing_key(const std::filesystem::path& path) {
  detail::ensure_sodium();
  std::vector<std::uint8_t> seed =
      detail::read_secret_hex_file(path, crypto_sign_SEEDBYTES, "signing key");
  SigningKey key = from_seed(seed.data());
  sodium_memzero(seed.data(), seed.size());
  return key;
}

std::string sign(const SigningKey& key, std::string_view message) {
  check_secret(key);
  detail::ensure_sodium();
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  if (crypto_sign_detached(signature.data(), nullptr,
                           reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                           key.secret.data()) != 0) {
    throw InternalError("libsodium could not make an Ed25519 signature.");
  }
  return to_hex(signature);
}

bool verify_signature(std::string_view public_hex, std::string_view message,
                      std::string_view signature_hex) {
  std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
  std::array<std::uint8_t, crypto_sign_BYTES> signature{};
  if (!parse_hex(public_hex, pk.size(), pk.data()) ||
      !parse_hex(signature_hex, signature.size(), signature.data())) {
    return false;
  }
  detail::ensure_sodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), pk.data()) == 0;
}

}  // namespace roadwarden::crypto
