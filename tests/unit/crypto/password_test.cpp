#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

// Each argon2id hash or verification at MODERATE costs about a second: this file makes
// two hashes and two full verifications in all.
TEST(Password, HashVerifiesOnlyTheRightPasswordAndSaltsEachHash) {
  const std::string password = "correct horse battery staple";
  const std::string first = hash_password(password);
  const std::string second = hash_password(password);
  EXPECT_EQ(first.rfind("$argon2id$", 0), 0u) << first;
  EXPECT_NE(first, second);  // fresh salt each call
  EXPECT_TRUE(verify_password(first, password));
  EXPECT_FALSE(verify_password(first, "correct horse battery stapler"));
}

TEST(Password, MalformedHashIsFalseNotAnException) {
  EXPECT_FALSE(verify_password("", "pw"));
  EXPECT_FALSE(verify_password("not a hash", "pw"));
  EXPECT_FALSE(verify_password("$argon2id$v=19$m=65536,t=2,p=1$garbage", "pw"));
  EXPECT_FALSE(verify_password(std::string("$argon2id$\0x", 12), "pw"));
  EXPECT_FALSE(verify_password(std::string(500, '$'), "pw"));
}

TEST(Password, RejectsEmptyAndOverlongPasswords) {
  EXPECT_THROW((void)hash_password(""), InvalidInput);
  EXPECT_THROW((void)hash_password(std::string(1025, 'a')), InvalidInput);
}

TEST(Password, GeneratedPasswordsUseTheUnambiguousAlphabet) {
  const std::string alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::string seen_chars;
  for (int i = 0; i < 200; ++i) {
    const std::string p = generate_password();
    ASSERT_EQ(p.size(), 20u);
    ASSERT_EQ(p.find_first_not_of(alphabet), std::string::npos) << p;
    seen_chars += p;
  }
  // 4000 draws from 57 symbols: every symbol shows up (a stuck generator would not).
  for (const char c : alphabet) EXPECT_NE(seen_chars.find(c), std::string::npos) << c;
  EXPECT_NE(generate_password(), generate_password());
}

}  // namespace
}  // namespace roadwarden::crypto
