#include "server/plate_search.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace roadwarden::server {
namespace {

TEST(PlateSkeleton, FoldsEachConfusionClassToOneGlyph) {
  EXPECT_EQ(plate_skeleton("0ODQ"), "0000");
  EXPECT_EQ(plate_skeleton("1ILT"), "1111");
  EXPECT_EQ(plate_skeleton("2Z"), "22");
  EXPECT_EQ(plate_skeleton("4A"), "44");
  EXPECT_EQ(plate_skeleton("5S"), "55");
  EXPECT_EQ(plate_skeleton("6G"), "66");
  EXPECT_EQ(plate_skeleton("8B"), "88");
}

TEST(PlateSkeleton, MisreadsOfOnePlateShareTheSkeleton) {
  EXPECT_EQ(plate_skeleton("01A123BC"), plate_skeleton("O1A1Z38C"));
  EXPECT_EQ(plate_skeleton("01A123BC"), plate_skeleton("DIAIZ3BC"));
  EXPECT_NE(plate_skeleton("01A123BC"), plate_skeleton("01A123BK"));
}

TEST(PlateSkeleton, UppercasesAndDropsNonAlphanumerics) {
  EXPECT_EQ(plate_skeleton("01 a-123 bc"), plate_skeleton("01A123BC"));
  EXPECT_EQ(plate_skeleton("x\xC3\xA9y!"), "XY");
  EXPECT_EQ(plate_skeleton(""), "");
}

TEST(PlateSkeleton, KeepsCharactersOutsideTheClasses) {
  EXPECT_EQ(plate_skeleton("KMX379"), "KMX379");
}

TEST(NormalisePlateQuery, RemovesSpacesAndDashesAndUppercases) {
  EXPECT_EQ(normalise_plate_query("01 a-123 bc"), "01A123BC");
  EXPECT_EQ(normalise_plate_query("X"), "X");
  EXPECT_EQ(normalise_plate_query("ABCDEFGH12345678"), "ABCDEFGH12345678");
}

TEST(NormalisePlateQuery, RejectsNonPlateCharacters) {
  for (const char* text :
       {"01A'123", "AB;DROP TABLE", "A%", "A_B", "A.B", "A\"", "AB\xC3\xA9", "A\nB", "A*", "A/B"}) {
    EXPECT_THROW((void)normalise_plate_query(text), InvalidInput) << text;
  }
}

TEST(NormalisePlateQuery, RejectsEmptyAndTooLong) {
  EXPECT_THROW((void)normalise_plate_query(""), InvalidInput);
  EXPECT_THROW((void)normalise_plate_query(" - "), InvalidInput);
  EXPECT_THROW((void)normalise_plate_query("ABCDEFGH123456789"), InvalidInput);
}

TEST(NormalisePlateQuery, ErrorNeverRepeatsTheInput) {
  try {
    (void)normalise_plate_query("SECRET'PLATE");
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos);
  }
}

}  // namespace
}  // namespace roadwarden::server
