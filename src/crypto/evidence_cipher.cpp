// Evidence encryption at rest: libsodium crypto_secretstream_xchacha20poly1305 in 64 KiB
// chunks, with the caller's associated data authenticated in every chunk.
#include <sodium.h>

#include <algorithm>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {
namespace {

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kHeader = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t kTag = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t kKeyBytes = crypto_secretstream_xchacha20poly1305_KEYBYTES;
static_assert(kKeyBytes == 32);

void check_key(const EvidenceKey& key) {
  if (key.bytes.size() != kKeyBytes) {
    throw InvalidInput("An evidence key must be 32 bytes, not " + std::to_string(key.bytes.size()) +
                       ".");
  }
}

const unsigned char* ad_bytes(std::string_view associated) {
  return reinterpret_cast<const unsigned char*>(associated.data());
}

}  // namespace

EvidenceKey create_evidence_key(const std::filesystem::path& path) {
  detail::ensure_sodium();
  EvidenceKey key;
  key.bytes.resize(kKeyBytes);
  crypto_secretstream_xchacha20poly1305_keygen(key.bytes.data());
  std::string text = to_hex(key.bytes);
  text.push_back('\n');
  try {
    detail::write_secret_file(path, text, "evidence key");
  } catch (...) {
    sodium_memzero(text.data(), text.size());
    sodium_memzero(key.bytes.data(), key.bytes.size());
    throw;
  }
  sodium_memzero(text.data(), text.size());
  return key;
}

EvidenceKey load_evidence_key(const std::filesystem::path& path) {
  return EvidenceKey{detail::read_secret_hex_file(path, kKeyBytes, "evidence key")};
}

std::vector<std::uint8_t> encrypt_evidence(const EvidenceKey& key,
                                           std::span<const std::uint8_t> plaintext,
                                           std::string_view associated) {
  check_key(key);
  detail::ensure_sodium();
  const std::size_t chunks = std::max<std::size_t>(1, (plaintext.size() + kChunk - 1) / kChunk);
  std::vector<std::uint8_t> out(kHeader + plaintext.size() + chunks * kTag);
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_push(&state, out.data(), key.bytes.data()) != 0) {
    throw InternalError("libsodium could not start an evidence encryption stream.");
  }
  std::size_t in_pos = 0;
  std::size_t out_pos = kHeader;
  for (std::size_t i = 0; i < chunks; ++i) {
    const std::size_t n = std::min(kChunk, plaintext.size() - in_pos);
    const bool last = i + 1 == chunks;
    unsigned long long written = 0;
    if (crypto_secretstream_xchacha20poly1305_push(
            &state, out.data() + out_pos, &written, plaintext.data() + in_pos, n,
            ad_bytes(associated), associated.size(),
            last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                 : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) != 0) {
      sodium_memzero(&state, sizeof state);
      throw InternalError("libsodium could not encrypt an evidence chunk.");
    }
    in_pos += n;
    out_pos += static_cast<std::size_t>(written);
  }
  sodium_memzero(&state, sizeof state);
  return out;
}

std::vector<std::uint8_t> decrypt_evidence(const EvidenceKey& key,
                                           std::span<const std::uint8_t> ciphertext,
                                           std::string_view associated) {
  check_key(key);
  detail::ensure_sodium();
  if (ciphertext.size() < kHeader + kTag) {
    throw Corrupt("Encrypted evidence is too short (" + std::to_string(ciphertext.size()) +
                  " bytes) to hold a header and a final chunk.");
  }
  crypto_secretstream_xchacha20poly1305_state state;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&state, ciphertext.data(),
                                                      key.bytes.data()) != 0) {
    throw Corrupt("Encrypted evidence has an invalid stream header.");
  }
  std::vector<std::uint8_t> out;
  out.reserve(ciphertext.size());
  std::size_t pos = kHeader;
  std::size_t index = 0;
  bool final_seen = false;
  std::vector<std::uint8_t> chunk(kChunk);
  while (pos < ciphertext.size()) {
    const std::size_t n = std::min(kChunk + kTag, ciphertext.size() - pos);
    const auto fail = [&](const std::string& why) {
      sodium_memzero(&state, sizeof state);
      sodium_memzero(out.data(), out.size());
      sodium_memzero(chunk.data(), chunk.size());
      throw Corrupt("Encrypted evidence failed authentication at chunk " + std::to_string(index) +
                    ": " + why);
    };
    if (n < kTag) fail("the chunk is shorter than its tag.");
    unsigned long long got = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&state, chunk.data(), &got, &tag,
                                                   ciphertext.data() + pos, n, ad_bytes(associated),
                                                   associated.size()) != 0) {
      fail(
          "the data was changed, the chunks were reordered, or the key or associated data "
          "differ.");
    }
    pos += n;
    final_seen = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    if (final_seen && pos != ciphertext.size()) fail("data follows the final chunk.");
    if (!final_seen && tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
      fail("unexpected chunk tag.");
    }
    if (!final_seen && n != kChunk + kTag) fail("a chunk before the last is short.");
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    ++index;
  }
  sodium_memzero(&state, sizeof state);
  sodium_memzero(chunk.data(), chunk.size());
  if (!final_seen) {
    sodium_memzero(out.data(), out.size());
    throw Corrupt("Encrypted evidence is truncated: its final chunk is missing.");
  }
  return out;
}

}  // namespace roadwarden::crypto
