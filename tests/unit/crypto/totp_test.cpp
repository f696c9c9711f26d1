#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

// RFC 6238 Appendix B: the SHA-1 secret is ASCII "12345678901234567890".
constexpr std::string_view kRfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

UtcTime at_seconds(std::int64_t s) {
  return UtcTime{s * 1000};
}

TEST(Totp, MatchesRfc6238AppendixBVectors) {
  // The 8-digit values of Appendix B, last 6 digits (the same HOTP value mod 10^6).
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(59)), "287082");           // 94287082
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1111111109)), "081804");   // 07081804
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1111111111)), "050471");   // 14050471
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(1234567890)), "005924");   // 89005924
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(2000000000)), "279037");   // 69279037
  EXPECT_EQ(totp_code(kRfcSecret, at_seconds(20000000000)), "353130");  // 65353130
  EXPECT_EQ(totp_code(kRfcSecret, UtcTime{59'999}), "287082");          // milliseconds ignored
}

TEST(Totp, StepIsUnixSecondsOverThirty) {
  EXPECT_EQ(totp_step(at_seconds(0)), 0);
  EXPECT_EQ(totp_step(at_seconds(29)), 0);
  EXPECT_EQ(totp_step(UtcTime{29'999}), 0);
  EXPECT_EQ(totp_step(at_seconds(30)), 1);
  EXPECT_EQ(totp_step(at_seconds(1234567890)), 41152263);
}

TEST(Totp, AcceptsOneStepOfDriftEitherWay) {
  const UtcTime now = at_seconds(1234567890);
  const std::int64_t step = totp_step(now);
  for (int d = -1; d <= 1; ++d) {
    const std::string code = totp_code(kRfcSecret, at_seconds(1234567890 + 30 * d));
    EXPECT_EQ(verify_totp(kRfcSecret, code, now, 0), step + d) << "drift " << d;
  }
}

TEST(Totp, RefusesCodesTwoStepsAway) {
  const UtcTime now = at_seconds(1234567890);
  for (const int d : {-2, 2, -3, 3}) {
    const std::string code = totp_code(kRfcSecret, at_seconds(1234567890 + 30 * d));
    EXPECT_EQ(verify_totp(kRfcSecret, code, now, 0), std::nullopt) << "drift " << d;
  }
}

TEST(Totp, RefusesReplayOfAnAcceptedStep) {
  const UtcTime now = at_seconds(1234567890);
  const std::string code = totp_code(kRfcSecret, now);
  const std::optional<std::int64_t> first = verify_totp(kRfcSecret, code, now, 0);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(verify_totp(kRfcSecret, code, now, *first), std::nullopt);
  // An older code, still inside the window, is refused once a later step was used.
  const std::string previous = totp_code(kRfcSecret, at_seconds(1234567890 - 30));
  EXPECT_EQ(verify_totp(kRfcSecret, previous, now, *first), std::nullopt);
  // The next step's code is still accepted.
  const std::string next = totp_code(kRfcSecret, at_seconds(1234567890 + 30));
  EXPECT_EQ(verify_totp(kRfcSecret, next, now, *first), *first + 1);
}

TEST(Totp, RefusesMalformedCodesWithoutThrowing) {
  const UtcTime now = at_seconds(1234567890);
  for (const std::string_view bad :
       {"", "05924", "0059240", "00592a", " 05924", "005924 ", "-05924", "abcdef"}) {
    EXPECT_EQ(verify_totp(kRfcSecret, bad, now, 0), std::nullopt) << "'" << bad << "'";
  }
}

TEST(Totp, RefusesMalformedSecretsWithoutThrowingInVerify) {
  const UtcTime now = at_seconds(1234567890);
  const std::string code = totp_code(kRfcSecret, now);
  for (const std::string_view bad :
       {"", "!!!!!!!!", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1", "GEZDGNBV" /* 40 bits: too short */}) {
    EXPECT_EQ(verify_totp(bad, code, now, 0), std::nullopt) << bad;
    EXPECT_THROW((void)totp_code(bad, now), InvalidInput) << bad;
  }
}

TEST(Totp, GeneratedSecretIs32Base32CharactersAndWorks) {
  const std::string secret = generate_totp_secret();
  ASSERT_EQ(secret.size(), 32u);
  EXPECT_EQ(secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
  EXPECT_NE(secret, generate_totp_secret());
  const UtcTime now = at_seconds(1700000000);
  EXPECT_EQ(verify_totp(secret, totp_code(secret, now), now, 0), totp_step(now));
}

TEST(OtpauthUri, PercentEncodesIssuerAndAccount) {
  const std::string uri = otpauth_uri("Road Warden", "jane doe@example.org", kRfcSecret);
  EXPECT_EQ(uri,
            "otpauth://totp/Road%20Warden:jane%20doe%40example.org?secret="
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Road%20Warden&algorithm=SHA1&digits=6&"
            "period=30");
  EXPECT_THROW((void)otpauth_uri("Road Warden", "jane", "not base32!"), InvalidInput);
}

/// Splits a terminal QR drawing into lines of "cells" (one glyph each).
std::vector<std::vector<std::string>> cells(const std::string& drawing) {
  std::vector<std::vector<std::string>> lines(1);
  for (std::size_t i = 0; i < drawing.size();) {
    if (drawing[i] == '\n') {
      lines.emplace_back();
      ++i;
    } else if (drawing[i] == ' ') {
      lines.back().emplace_back(" ");
      ++i;
    } else {
      lines.back().push_back(drawing.substr(i, 3));
      i += 3;
    }
  }
  return lines;
}

TEST(TerminalQr, DrawsRectangleOfHalfAndFullBlocks) {
  const std::string uri = otpauth_uri("roadwarden", "officer 17", kRfcSecret);
  const std::string drawing = terminal_qr(uri);
  ASSERT_FALSE(drawing.empty());
  const auto lines = cells(drawing);
  ASSERT_GE(lines.size(), 13u);  // at least a version-1 code (21 modules) + quiet zone
  const std::size_t width = lines.front().size();
  EXPECT_GE(width, 25u);
  EXPECT_EQ(lines.size(), (width + 1) / 2);  // two module rows per text line
  std::size_t spaces = 0;
  for (const auto& line : lines) {
    ASSERT_EQ(line.size(), width);
    for (const std::string& cell : line) {
      ASSERT_TRUE(cell == " " || cell == "\u2580" || cell == "\u2584" || cell == "\u2588")
          << "unexpected glyph in the drawing";
      spaces += cell == " " ? 1 : 0;
    }
  }
  EXPECT_GT(spaces, 0u);
  // The quiet zone: the first line is two light module rows.
  for (const std::string& cell : lines.front()) EXPECT_EQ(cell, "\u2588");
  EXPECT_NE(terminal_qr("another text"), drawing);
}

}  // namespace
}  // namespace roadwarden::crypto
