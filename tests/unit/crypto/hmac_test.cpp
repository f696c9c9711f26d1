// HMAC-SHA-256 (src/crypto/hmac.cpp): RFC 4231 test vectors and key files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "unit/crypto/temp_dir.hpp"

namespace roadwarden::crypto {
namespace {

using testing::TempDir;

// RFC 4231 §4.2, test case 1.
TEST(Hmac, MatchesRfc4231TestCase1) {
  const std::vector<std::uint8_t> key(20, 0x0b);
  EXPECT_EQ(hmac_sha256_hex(key, "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 4231 §4.3, test case 2: a key shorter than the block.
TEST(Hmac, MatchesRfc4231TestCase2ShortKey) {
  const std::string jefe = "Jefe";
  const std::vector<std::uint8_t> key(jefe.begin(), jefe.end());
  EXPECT_EQ(hmac_sha256_hex(key, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 §4.7, test case 6: a key longer than the 64-byte block is hashed first.
TEST(Hmac, MatchesRfc4231TestCase6KeyLongerThanBlock) {
  const std::vector<std::uint8_t> key(131, 0xaa);
  EXPECT_EQ(hmac_sha256_hex(key, "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hmac, RejectsEmptyKeyAndHmacKeyOfWrongSize) {
  EXPECT_THROW((void)hmac_sha256_hex(std::vector<std::uint8_t>{}, "x"), InvalidInput);
  EXPECT_THROW((void)hmac_sha256_hex(HmacKey{std::vector<std::uint8_t>(31, 1)}, "x"), InvalidInput);
}

TEST(Hmac, KeyFileRoundTripsWithOwnerOnlyModeAndNeverOverwrites) {
  const TempDir dir;
  const auto path = dir.path() / "plate.key";
  const HmacKey created = create_hmac_key(path);
  ASSERT_EQ(created.bytes.size(), kHmacKeyBytes);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_hmac_key(path).bytes, created.bytes);
  EXPECT_EQ(hmac_sha256_hex(load_hmac_key(path), "01123ABC"), hmac_sha256_hex(created, "01123ABC"));
  EXPECT_THROW((void)create_hmac_key(path), IoError);
}

TEST(Hmac, RefusesKeyFileReadableByOthersWithoutShowingIt) {
  const TempDir dir;
  const auto path = dir.path() / "plate.key";
  const HmacKey created = create_hmac_key(path);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  try {
    (void)load_hmac_key(path);
    FAIL() << "a group/world-readable key file was accepted";
  } catch (const PermissionDenied& e) {
    EXPECT_EQ(std::string(e.what()).find(to_hex(created.bytes)), std::string::npos);
  }
}

}  // namespace
}  // namespace roadwarden::crypto
