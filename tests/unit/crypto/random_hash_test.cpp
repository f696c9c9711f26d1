#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(sha256_hex(std::string_view("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(std::string_view("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::vector<std::uint8_t> abc{'a', 'b', 'c'};
  EXPECT_EQ(sha256_hex(abc), sha256_hex(std::string_view("abc")));
}

TEST(Hex, RoundTripsAndAcceptsUpperCase) {
  const std::vector<std::uint8_t> bytes{0x00, 0x7f, 0x80, 0xff, 0x1a};
  EXPECT_EQ(to_hex(bytes), "007f80ff1a");
  EXPECT_EQ(from_hex("007f80ff1a"), bytes);
  EXPECT_EQ(from_hex("007F80FF1A"), bytes);
  EXPECT_TRUE(from_hex("").empty());
}

TEST(Hex, RejectsOddLengthAndNonHexDigits) {
  EXPECT_THROW((void)from_hex("abc"), InvalidInput);
  EXPECT_THROW((void)from_hex("zz"), InvalidInput);
  EXPECT_THROW((void)from_hex("0g"), InvalidInput);
  EXPECT_THROW((void)from_hex(" 0"), InvalidInput);
}

TEST(Random, GivesRequestedLengthAndDiffersBetweenCalls) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(33).size(), 33u);
  const std::string a = random_hex(16);
  ASSERT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) seen.insert(random_hex(16));
  EXPECT_EQ(seen.size(), 50u);
}

TEST(EqualConstantTime, ComparesContentAndLength) {
  EXPECT_TRUE(equal_constant_time("", ""));
  EXPECT_TRUE(equal_constant_time("token-123", "token-123"));
  EXPECT_FALSE(equal_constant_time("token-123", "token-124"));
  EXPECT_FALSE(equal_constant_time("token-123", "token-12"));
  EXPECT_FALSE(equal_constant_time("", "x"));
}

}  // namespace
}  // namespace roadwarden::crypto
