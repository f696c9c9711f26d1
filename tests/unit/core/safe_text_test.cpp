#include "core/safe_text.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace roadwarden {
namespace {

TEST(SafeText, PrintableAsciiAndValidUtf8PassUnchanged) {
  EXPECT_EQ(safe_text("/srv/ftp/cam-01/2026-11-30 12:00:00 a\\b.jpg"),
            "/srv/ftp/cam-01/2026-11-30 12:00:00 a\\b.jpg");
  EXPECT_EQ(safe_text("Ташкент ü € 𝄞"), "Ташкент ü € 𝄞");
  EXPECT_EQ(safe_text(""), "");
}

// Regression (newcomer test): a file name with a newline forged a whole log line, and ANSI
// escapes reached the terminal.
TEST(SafeText, ControlCharactersAreEscapedSoNoLineCanBeForged) {
  EXPECT_EQ(safe_text("a\n[2026-11-30] [edge] [info] FAKE.jpg"),
            "a\\x0A[2026-11-30] [edge] [info] FAKE.jpg");
  EXPECT_EQ(safe_text("\x1b[31mred\x1b[0m\r\t\x7f"), "\\x1B[31mred\\x1B[0m\\x0D\\x09\\x7F");
  EXPECT_EQ(safe_text(std::string("a\0b", 3)), "a\\x00b");
}

// Regression (newcomer test): a file name that is not UTF-8 made the health record fail to
// serialise, so it was never spooled.
TEST(SafeText, BytesThatAreNotWellFormedUtf8AreEscapedAndTheResultSerialises) {
  EXPECT_EQ(safe_text("caf\xe9.jpg"), "caf\\xE9.jpg");               // Latin-1 é
  EXPECT_EQ(safe_text("\xc0\xaf"), "\\xC0\\xAF");                    // overlong '/'
  EXPECT_EQ(safe_text("\xed\xa0\x80"), "\\xED\\xA0\\x80");           // a UTF-16 surrogate
  EXPECT_EQ(safe_text("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(safe_text("\xe2\x82"), "\\xE2\\x82");                    // cut short
  EXPECT_EQ(safe_text("\x80x"), "\\x80x");                           // lone continuation byte
  const std::string hostile = "\xff\xfe\n\x1b\xe9 ok \xd0\x90";
  nlohmann::json record = {{"detail", safe_text(hostile)}};
  EXPECT_NO_THROW((void)record.dump());
  EXPECT_THROW((void)nlohmann::json({{"detail", hostile}}).dump(), nlohmann::json::type_error);
}

}  // namespace
}  // namespace roadwarden
