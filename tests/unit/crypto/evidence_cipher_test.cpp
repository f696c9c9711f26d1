#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "unit/crypto/temp_dir.hpp"

namespace roadwarden::crypto {
namespace {

using testing::TempDir;

constexpr std::size_t kChunk = 64 * 1024;
constexpr std::size_t kHeader = 24;
constexpr std::size_t kTag = 17;
constexpr std::string_view kAd = "record 7f3a/plate.jpg";

EvidenceKey fresh_key() {
  return EvidenceKey{random_bytes(32)};
}

TEST(EvidenceCipher, RoundTripsEmptyOneByteOneChunkAndManyChunks) {
  const EvidenceKey key = fresh_key();
  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, kChunk - 1, kChunk, kChunk + 1, std::size_t{200 * 1024}}) {
    const std::vector<std::uint8_t> plain = random_bytes(size);
    const std::vector<std::uint8_t> sealed = encrypt_evidence(key, plain, kAd);
    const std::size_t chunks = std::max<std::size_t>(1, (size + kChunk - 1) / kChunk);
    EXPECT_EQ(sealed.size(), kHeader + size + chunks * kTag) << size;
    EXPECT_EQ(decrypt_evidence(key, sealed, kAd), plain) << size;
  }
}

TEST(EvidenceCipher, SameInputEncryptsDifferentlyEachTime) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> plain = random_bytes(100);
  EXPECT_NE(encrypt_evidence(key, plain, kAd), encrypt_evidence(key, plain, kAd));
}

TEST(EvidenceCipher, AnyFlippedByteIsCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> plain = random_bytes(300);
  const std::vector<std::uint8_t> sealed = encrypt_evidence(key, plain, kAd);
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    std::vector<std::uint8_t> altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_THROW((void)decrypt_evidence(key, altered, kAd), Corrupt) << "byte " << i;
  }
}

TEST(EvidenceCipher, FlippedByteInAMultiChunkFileIsCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> sealed = encrypt_evidence(key, random_bytes(200 * 1024), kAd);
  // Header, first chunk, a middle chunk, the final chunk's tag, the very last byte.
  for (const std::size_t i : {std::size_t{3}, kHeader + 5, kHeader + kChunk + kTag + 1000,
                              kHeader + 3 * (kChunk + kTag) + 1, sealed.size() - 1}) {
    std::vector<std::uint8_t> altered = sealed;
    altered[i] ^= 0x40;
    EXPECT_THROW((void)decrypt_evidence(key, altered, kAd), Corrupt) << "byte " << i;
  }
}

TEST(EvidenceCipher, TruncationIsCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> sealed =
      encrypt_evidence(key, random_bytes(200 * 1024), kAd);  // 3 full chunks + 8 KiB
  const std::size_t full = kChunk + kTag;
  // Last chunk dropped: what remains ends on a chunk boundary with a non-final chunk.
  const std::vector<std::uint8_t> dropped(sealed.begin(),
                                          sealed.begin() + static_cast<long>(kHeader + 3 * full));
  EXPECT_THROW((void)decrypt_evidence(key, dropped, kAd), Corrupt);
  // Cut inside the last chunk, header only, nothing at all.
  const std::vector<std::uint8_t> cut(sealed.begin(), sealed.end() - 1);
  EXPECT_THROW((void)decrypt_evidence(key, cut, kAd), Corrupt);
  const std::vector<std::uint8_t> header_only(sealed.begin(), sealed.begin() + kHeader);
  EXPECT_THROW((void)decrypt_evidence(key, header_only, kAd), Corrupt);
  EXPECT_THROW((void)decrypt_evidence(key, std::vector<std::uint8_t>{}, kAd), Corrupt);
}

TEST(EvidenceCipher, ReorderedChunksAreCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> sealed = encrypt_evidence(key, random_bytes(200 * 1024), kAd);
  const std::size_t full = kChunk + kTag;
  std::vector<std::uint8_t> swapped = sealed;
  std::swap_ranges(swapped.begin() + kHeader, swapped.begin() + kHeader + full,
                   swapped.begin() + kHeader + full);
  EXPECT_THROW((void)decrypt_evidence(key, swapped, kAd), Corrupt);
}

TEST(EvidenceCipher, AppendedDataIsCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> plain = random_bytes(1000);
  std::vector<std::uint8_t> sealed = encrypt_evidence(key, plain, kAd);
  // A whole second encrypted file appended after the final chunk.
  const std::vector<std::uint8_t> extra = encrypt_evidence(key, plain, kAd);
  sealed.insert(sealed.end(), extra.begin() + kHeader, extra.end());
  EXPECT_THROW((void)decrypt_evidence(key, sealed, kAd), Corrupt);
}

TEST(EvidenceCipher, WrongAssociatedDataOrKeyIsCorrupt) {
  const EvidenceKey key = fresh_key();
  const std::vector<std::uint8_t> sealed = encrypt_evidence(key, random_bytes(5000), kAd);
  EXPECT_THROW((void)decrypt_evidence(key, sealed, "record 7f3b/plate.jpg"), Corrupt);
  EXPECT_THROW((void)decrypt_evidence(key, sealed, ""), Corrupt);
  EXPECT_THROW((void)decrypt_evidence(fresh_key(), sealed, kAd), Corrupt);
  EXPECT_THROW((void)decrypt_evidence(EvidenceKey{{1, 2}}, sealed, kAd), InvalidInput);
}

TEST(EvidenceKeyFile, CreatedWithMode0600AndLoadsBack) {
  const TempDir dir;
  const auto path = dir.path() / "evidence.key";
  const EvidenceKey key = create_evidence_key(path);
  ASSERT_EQ(key.bytes.size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const EvidenceKey loaded = load_evidence_key(path);
  EXPECT_EQ(loaded.bytes, key.bytes);
  const std::vector<std::uint8_t> plain = random_bytes(10);
  EXPECT_EQ(decrypt_evidence(loaded, encrypt_evidence(key, plain, kAd), kAd), plain);
}

TEST(EvidenceKeyFile, CreateRefusesAnExistingFile) {
  const TempDir dir;
  const auto path = dir.path() / "evidence.key";
  const EvidenceKey first = create_evidence_key(path);
  EXPECT_THROW((void)create_evidence_key(path), IoError);
  EXPECT_EQ(load_evidence_key(path).bytes, first.bytes);
  EXPECT_THROW((void)create_evidence_key(dir.path() / "no-such-dir" / "k"), IoError);
}

TEST(EvidenceKeyFile, LoadRefusesGroupReadableFile) {
  const TempDir dir;
  const auto path = dir.path() / "evidence.key";
  (void)create_evidence_key(path);
  ASSERT_EQ(::chmod(path.c_str(), 0604), 0);
  EXPECT_THROW((void)load_evidence_key(path), PermissionDenied);
}

}  // namespace
}  // namespace roadwarden::crypto
