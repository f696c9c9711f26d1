#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "unit/crypto/temp_dir.hpp"

namespace roadwarden::crypto {
namespace {

using testing::TempDir;

unsigned file_mode(const std::filesystem::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

void write_file(const std::filesystem::path& p, const std::string& text, unsigned mode) {
  std::ofstream(p) << text;
  ASSERT_EQ(::chmod(p.c_str(), mode), 0);
}

TEST(Signing, SignatureVerifiesWithItsKeyAndMessage) {
  const SigningKey key = generate_signing_key();
  ASSERT_EQ(key.secret.size(), 64u);
  ASSERT_EQ(key.public_hex.size(), 64u);
  const std::string sig = sign(key, "evidence manifest v1");
  ASSERT_EQ(sig.size(), 128u);
  EXPECT_TRUE(verify_signature(key.public_hex, "evidence manifest v1", sig));
  EXPECT_TRUE(verify_signature(key.public_hex, "", sign(key, "")));
}

TEST(Signing, RefusesAnyFlippedBitInMessageOrSignature) {
  const SigningKey key = generate_signing_key();
  const std::string message = "plate 01A123BC at 2026-11-29T20:55:42.123Z";
  const std::string sig = sign(key, message);
  for (std::size_t i = 0; i < message.size(); ++i) {
    std::string altered = message;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(verify_signature(key.public_hex, altered, sig)) << "message byte " << i;
  }
  std::vector<std::uint8_t> raw = from_hex(sig);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::vector<std::uint8_t> altered = raw;
    altered[i] ^= 0x80;
    EXPECT_FALSE(verify_signature(key.public_hex, message, to_hex(altered))) << "sig byte " << i;
  }
}

TEST(Signing, RefusesAnotherKeyAndMalformedInput) {
  const SigningKey key = generate_signing_key();
  const SigningKey other = generate_signing_key();
  const std::string sig = sign(key, "m");
  EXPECT_FALSE(verify_signature(other.public_hex, "m", sig));
  EXPECT_FALSE(verify_signature("", "m", sig));
  EXPECT_FALSE(verify_signature(key.public_hex.substr(2), "m", sig));
  EXPECT_FALSE(verify_signature(std::string(64, 'z'), "m", sig));
  EXPECT_FALSE(verify_signature(key.public_hex, "m", sig.substr(0, 126)));
  EXPECT_FALSE(verify_signature(key.public_hex, "m", std::string(128, 'g')));
  EXPECT_THROW((void)sign(SigningKey{{1, 2, 3}, ""}, "m"), InvalidInput);
}

TEST(SigningKeyFile, RoundTripsWithMode0600) {
  const TempDir dir;
  const auto path = dir.path() / "signing.key";
  const SigningKey key = generate_signing_key();
  save_signing_key(key, path);
  EXPECT_EQ(file_mode(path), 0600u);
  EXPECT_EQ(std::filesystem::file_size(path), 65u);  // 64 hex digits + '\n'
  const SigningKey loaded = load_signing_key(path);
  EXPECT_EQ(loaded.secret, key.secret);
  EXPECT_EQ(loaded.public_hex, key.public_hex);
  EXPECT_TRUE(verify_signature(key.public_hex, "x", sign(loaded, "x")));
}

TEST(SigningKeyFile, SaveRefusesToOverwrite) {
  const TempDir dir;
  const auto path = dir.path() / "signing.key";
  const SigningKey first = generate_signing_key();
  save_signing_key(first, path);
  EXPECT_THROW(save_signing_key(generate_signing_key(), path), IoError);
  EXPECT_EQ(load_signing_key(path).public_hex, first.public_hex);
}

TEST(SigningKeyFile, LoadRefusesFileReadableByOthers) {
  const TempDir dir;
  const auto path = dir.path() / "signing.key";
  save_signing_key(generate_signing_key(), path);
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  EXPECT_THROW((void)load_signing_key(path), PermissionDenied);
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_THROW((void)load_signing_key(path), PermissionDenied);
}

TEST(SigningKeyFile, LoadRefusesMalformedOrMissingFile) {
  const TempDir dir;
  const auto path = dir.path() / "bad.key";
  for (const std::string& content :
       {std::string(""), std::string(63, 'a') + "\n", std::string(66, 'a') + "\n",
        std::string(64, 'g') + "\n", std::string(64, 'a') + "\n\n", std::string(128, 'a')}) {
    std::filesystem::remove(path);
    write_file(path, content, 0600);
    EXPECT_THROW((void)load_signing_key(path), InvalidInput) << content.size();
  }
  EXPECT_THROW((void)load_signing_key(dir.path() / "missing.key"), IoError);
}

TEST(SigningKeyFile, ErrorMessagesDoNotContainTheKey) {
  const TempDir dir;
  const auto path = dir.path() / "signing.key";
  const SigningKey key = generate_signing_key();
  save_signing_key(key, path);
  const std::string seed_hex = to_hex(std::span(key.secret.data(), 32));
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  try {
    (void)load_signing_key(path);
    FAIL() << "expected PermissionDenied";
  } catch (const PermissionDenied& e) {
    EXPECT_EQ(std::string(e.what()).find(seed_hex.substr(0, 16)), std::string::npos);
  }
}

}  // namespace
}  // namespace roadwarden::crypto
