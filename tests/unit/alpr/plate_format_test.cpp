#include "alpr/formats/plate_format.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

const PlateFormat& format_by_id(const std::string& id) {
  const auto& all = formats_for("auto");
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const PlateFormat& f) { return f.id == id; });
  if (it == all.end()) throw std::logic_error("no format " + id);
  return *it;
}

/// The candidate with `text`, or nullptr.
const Candidate* find(const std::vector<Candidate>& list, const std::string& text) {
  const auto it =
      std::find_if(list.begin(), list.end(), [&](const Candidate& c) { return c.text == text; });
  return it == list.end() ? nullptr : &*it;
}

std::vector<std::string> texts(const std::vector<Candidate>& list) {
  std::vector<std::string> out;
  for (const Candidate& c : list) out.push_back(c.text);
  return out;
}

// ---- Formats ----------------------------------------------------------------------------

TEST(PlateFormat, EveryFormatMatchesItsOwnExampleFirst) {
  const std::vector<std::string> expected = {
      "uz.private",         "uz.legal",   "uz.trailer",   "uz.motorcycle",
      "uz.temporary",       "uz.diplomatic", "uz.foreign_company",
      "uz.foreign_citizen", "eu.fr",      "eu.ro",        "eu.generic",    "us.ca",
      "us.lll_dddd",        "us.generic", "br.old",       "br.mercosur"};
  std::vector<std::string> ids;
  for (const PlateFormat& f : formats_for("auto")) {
    ids.push_back(f.id);
    EXPECT_TRUE(matches(f.example, f)) << f.id;
    EXPECT_EQ(match_format(f.example, f.country), f.id) << f.example;
    EXPECT_EQ(f.id.substr(0, f.id.find('.')), f.country);
  }
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> sorted = expected;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ids, sorted);
}

TEST(PlateFormat, AutoPrefersClassFixingFormatsOverHints) {
  EXPECT_EQ(match_format("01A123BC", "auto"), "uz.private");
  EXPECT_EQ(match_format("ABC1234", "auto"), "br.old");  // also us.lll_dddd and eu.generic
  EXPECT_EQ(match_format("AB123CD", "auto"), "eu.fr");
  EXPECT_EQ(match_format("LUV2RUN", "auto"), "eu.generic");
  EXPECT_EQ(match_format("ABCDE", "auto"), "us.generic");
}

TEST(PlateFormat, RejectsNearMisses) {
  const std::vector<std::pair<std::string, std::string>> misses = {
      {"uz.private", "01A123B"},
      {"uz.private", "01AB23BC"},
      {"uz.private", "1A123BC"},
      {"uz.private", "01A1234BC"},
      {"uz.legal", "01123AB"},
      {"uz.legal", "011234ABC"},
      {"uz.legal", "01123AB1"},
      {"uz.trailer", "01123AB"},
      {"uz.trailer", "0112345AB"},
      {"uz.trailer", "011234A"},
      {"uz.motorcycle", "0112AB"},
      {"uz.motorcycle", "01123ABC"},
      {"uz.motorcycle", "01A23AB"},
      {"uz.temporary", "T12345"},
      {"uz.temporary", "A123456"},
      {"uz.temporary", "T1234567"},
      {"uz.diplomatic", "X12345"},
      {"uz.diplomatic", "XD123456"},
      {"uz.diplomatic", "D12345A"},
      {"uz.foreign_company", "01M01234"},
      {"uz.foreign_company", "01MM12345"},
      {"uz.foreign_citizen", "01H01234"},
      {"uz.foreign_citizen", "01K012345"},
      {"eu.fr", "AB123C"},
      {"eu.fr", "AB1234CD"},
      {"eu.fr", "A1123CD"},
      {"eu.ro", "B1ABC"},
      {"eu.ro", "B1234ABC"},
      {"eu.ro", "ABC12ABC"},
      {"eu.ro", "B12AB"},
      {"eu.generic", "ABCD"},
      {"eu.generic", "1234"},
      {"eu.generic", "A12"},
      {"eu.generic", "ABCD12345"},
      {"us.ca", "ABCD123"},
      {"us.ca", "7ABC12"},
      {"us.lll_dddd", "ABC123"},
      {"us.lll_dddd", "AB12345"},
      {"us.generic", "A"},
      {"us.generic", "ABCDE1234"},
      {"br.old", "ABC123"},
      {"br.old", "AB12345"},
      {"br.old", "ABC12345"},
      {"br.mercosur", "ABC1D2"},
      {"br.mercosur", "ABC12D3"},
      {"br.mercosur", "AB1D234"},
  };
  for (const auto& [id, text] : misses)
    EXPECT_FALSE(matches(text, format_by_id(id))) << id << " " << text;
  EXPECT_FALSE(matches("01a123bc", format_by_id("uz.private"))) << "match needs normalised text";
}

TEST(PlateFormat, UzRejectsRegionCodeZeroZero) {
  for (const std::string text : {"00A123BC", "00123ABC", "00M012345", "00H012345"}) {
    EXPECT_EQ(match_format(text, "uz"), "") << text;
  }
  EXPECT_EQ(match_format("99A123BC", "uz"), "uz.private");
  EXPECT_EQ(match_format("10123ABC", "uz"), "uz.legal");
}

TEST(PlateFormat, UzTwoLineRegionCodeReadAsLettersIsCorrected) {
  // A two-line motorcycle plate "01 / 152 PH" whose region code was read as "OI".
  const auto motorcycle = rank_with_formats({{"OI152PH", 0.6, "", false}}, "uz", 5);
  ASSERT_FALSE(motorcycle.empty());
  EXPECT_EQ(motorcycle[0].text, "01152PH");
  EXPECT_EQ(motorcycle[0].format, "uz.motorcycle");
  EXPECT_TRUE(motorcycle[0].corrected);
  const auto trailer = rank_with_formats({{"1O1234AB", 0.6, "", false}}, "auto", 5);
  ASSERT_FALSE(trailer.empty());
  EXPECT_EQ(trailer[0].text, "101234AB");
  EXPECT_EQ(trailer[0].format, "uz.trailer");
}

TEST(PlateFormat, UzPersonalisedPlateIsKeptWithoutFormat) {
  const auto ranked = rank_with_formats({{"BUXORO", 0.9, "", false}}, "uz", 5);
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_EQ(ranked[0].text, "BUXORO");
  EXPECT_EQ(ranked[0].format, "");
  EXPECT_FALSE(ranked[0].corrected);
}

TEST(PlateFormat, UnknownCountryThrowsListingValidValues) {
  for (const std::string country : {"xx", "", "UZ", "de"}) {
    try {
      (void)formats_for(country);
      ADD_FAILURE() << "no throw for '" << country << "'";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find("uz, eu, us, br, auto"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("'" + country + "'"), std::string::npos);
    }
  }
  EXPECT_THROW((void)match_format("01A123BC", "xx"), InvalidInput);
  EXPECT_THROW((void)rank_with_formats({{"01A123BC", 0.9, "", false}}, "xx", 3), InvalidInput);
}

// ---- Normalisation ----------------------------------------------------------------------

TEST(PlateFormat, NormalisesSpacesDashesAndCase) {
  EXPECT_EQ(normalise_plate_text("01 a-123 bc"), "01A123BC");
  EXPECT_EQ(normalise_plate_text(" ab.123_cd\t"), "AB123CD");
  EXPECT_EQ(normalise_plate_text(""), "");
}

TEST(PlateFormat, NormalisationDropsInvalidUtf8AndNonAsciiBytes) {
  EXPECT_EQ(normalise_plate_text("01\xff\xfe"
                                 "A123\xc0"
                                 "BC\x80"),
            "01A123BC");
  // Cyrillic "А" (U+0410) looks like A but is not Latin: dropped, never guessed.
  EXPECT_EQ(normalise_plate_text("01\xd0\x90"
                                 "123BC"),
            "01123BC");
}

// ---- Confusable correction --------------------------------------------------------------

TEST(PlateFormat, UzPrivateCorrectsLetterOInRegionToZero) {
  const auto ranked = rank_with_formats({{"O1A123BC", 0.9, "", false}}, "uz", 5);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].text, "01A123BC");
  EXPECT_EQ(ranked[0].format, "uz.private");
  EXPECT_TRUE(ranked[0].corrected);
  EXPECT_DOUBLE_EQ(ranked[0].confidence, 0.9 * 0.8);
}

TEST(PlateFormat, KeepsLiteralBesideItsCorrection) {
  const auto ranked = rank_with_formats({{"O1A123BC", 0.9, "", false}}, "uz", 5);
  const Candidate* literal = find(ranked, "O1A123BC");
  ASSERT_NE(literal, nullptr);
  EXPECT_FALSE(literal->corrected);
  EXPECT_EQ(literal->format, "");
  EXPECT_DOUBLE_EQ(literal->confidence, 0.9);
}

TEST(PlateFormat, CorrectsEveryLetterReadWhereDigitIsExpected) {
  const std::vector<std::pair<char, char>> letter_to_digit = {{'O', '0'}, {'D', '0'}, {'Q', '0'},
                                                              {'I', '1'}, {'T', '1'}, {'Z', '2'},
                                                              {'S', '5'}, {'B', '8'}, {'G', '6'}};
  for (const auto& [letter, digit] : letter_to_digit) {
    const std::string read = std::string("01A12") + letter + "BC";
    const std::string want = std::string("01A12") + digit + "BC";
    const auto ranked = rank_with_formats({{read, 0.9, "", false}}, "uz", 5);
    const Candidate* fix = find(ranked, want);
    ASSERT_NE(fix, nullptr) << read;
    EXPECT_TRUE(fix->corrected);
    EXPECT_EQ(fix->format, "uz.private");
    EXPECT_EQ(ranked[0].text, want) << read;
  }
}

TEST(PlateFormat, CorrectsEveryDigitReadWhereLetterIsExpected) {
  const std::vector<std::pair<char, std::string>> digit_to_letters = {
      {'0', "OD"}, {'1', "IT"}, {'2', "Z"}, {'5', "S"}, {'8', "B"}, {'6', "G"}};
  for (const auto& [digit, letters] : digit_to_letters) {
    const std::string read = std::string("01A123B") + digit;
    const auto fixes = correct_confusables(read, format_by_id("uz.private"));
    ASSERT_EQ(fixes.size(), letters.size()) << read;
    for (std::size_t i = 0; i < letters.size(); ++i) {
      EXPECT_EQ(fixes[i].text, std::string("01A123B") + letters[i]);  // primary first
      EXPECT_EQ(fixes[i].changes, 1);
    }
  }
}

TEST(PlateFormat, DoesNotCorrectGlyphsAtAnyClassPositions) {
  const PlateFormat custom{
      "test.mixed",
      "test",
      "AX5",
      {{CharClass::Letter, 1, 1, {}}, {CharClass::Any, 1, 1, {}}, {CharClass::Digit, 1, 1, {}}}};
  // Position 1 is Any: its 0 and O stay as read; only the Digit position is corrected.
  auto fixes = correct_confusables("O0O", custom);
  ASSERT_EQ(fixes.size(), 1u);
  EXPECT_EQ(fixes[0].text, "O00");
  fixes = correct_confusables("0O5", custom);
  ASSERT_EQ(fixes.size(), 2u);
  EXPECT_EQ(fixes[0].text, "OO5");
  EXPECT_EQ(fixes[1].text, "DO5");
  EXPECT_TRUE(correct_confusables("AO0", custom).empty()) << "already matches";
  EXPECT_TRUE(correct_confusables("AOX", custom).empty()) << "X has no digit look-alike";
}

TEST(PlateFormat, UsFormatsNeverCorrectGlyphs) {
  // "7ABCI23" would be California 7ABC123 if US classes were used for correction.
  const auto ranked = rank_with_formats({{"7ABCI23", 0.9, "", false}}, "us", 5);
  ASSERT_EQ(ranked.size(), 1u);
  EXPECT_EQ(ranked[0].text, "7ABCI23");
  EXPECT_FALSE(ranked[0].corrected);
  EXPECT_EQ(ranked[0].format, "us.generic");
  for (const PlateFormat& f : formats_for("us")) {
    EXPECT_TRUE(f.hint_only) << f.id;
    EXPECT_TRUE(correct_confusables("7ABCI23", f).empty()) << f.id;
    EXPECT_TRUE(correct_confusables("A8C1234", f).empty()) << f.id;
  }
}

TEST(PlateFormat, UzCorrectionNeverProducesRegionZeroZero) {
  const auto ranked = rank_with_formats({{"OOA123BC", 0.9, "", false}}, "uz", 5);
  EXPECT_EQ(texts(ranked), std::vector<std::string>{"OOA123BC"});
}

TEST(PlateFormat, UzTemporaryAndDiplomaticCorrectLeadingDigitToLetter) {
  auto ranked = rank_with_formats({{"1123456", 0.9, "", false}}, "uz", 5);
  ASSERT_NE(find(ranked, "T123456"), nullptr);  // 1 -> T (I is not a valid prefix)
  EXPECT_EQ(find(ranked, "T123456")->format, "uz.temporary");
  EXPECT_EQ(find(ranked, "I123456"), nullptr);
  ranked = rank_with_formats({{"0001234", 0.9, "", false}}, "uz", 5);
  ASSERT_NE(find(ranked, "D001234"), nullptr);  // 0 -> D (O is not a valid prefix)
  EXPECT_EQ(find(ranked, "D001234")->format, "uz.diplomatic");
}

TEST(PlateFormat, UzForeignPlatesCorrectSeriesLetterAndDigits) {
  const auto ranked = rank_with_formats({{"01M0I2345", 0.9, "", false}}, "uz", 5);
  EXPECT_EQ(ranked[0].text, "01M012345");
  EXPECT_EQ(ranked[0].format, "uz.foreign_company");
  EXPECT_EQ(rank_with_formats({{"O1H012345", 0.9, "", false}}, "uz", 5)[0].format,
            "uz.foreign_citizen");
}

TEST(PlateFormat, EuRomaniaCorrectionTriesEveryRunSplit) {
  // L D D D L L L gives B123ABC (1 change); L L D D L L L gives BI23ABC / BT23ABC (2 changes).
  const auto fixes = correct_confusables("B1Z3ABC", format_by_id("eu.ro"));
  ASSERT_EQ(fixes.size(), 3u);
  EXPECT_EQ(fixes[0].text, "B123ABC");
  EXPECT_EQ(fixes[0].changes, 1);
  EXPECT_EQ(fixes[1].text, "BI23ABC");
  EXPECT_EQ(fixes[1].changes, 2);
  EXPECT_EQ(fixes[2].text, "BT23ABC");
  EXPECT_EQ(fixes[2].changes, 2);
}

TEST(PlateFormat, EuFranceCorrectedDespiteGenericHintMatch) {
  // "A8123CD" matches the hint-only eu.generic, which must not block the eu.fr correction;
  // a hint match ranks as a non-match, so the class-fixing correction (0.72 >= 0.5 × 0.9)
  // moves ahead while the literal read is kept and tagged.
  const auto ranked = rank_with_formats({{"A8123CD", 0.9, "", false}}, "eu", 5);
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].text, "AB123CD");
  EXPECT_EQ(ranked[0].format, "eu.fr");
  EXPECT_TRUE(ranked[0].corrected);
  EXPECT_EQ(ranked[1].text, "A8123CD");
  EXPECT_EQ(ranked[1].format, "eu.generic");
  EXPECT_FALSE(ranked[1].corrected);
}

TEST(PlateFormat, HintMatchKeepsFirstPlaceOverAMuchWeakerCorrection) {
  // 0.3 × 0.8 = 0.24 < 0.5 × 0.9: the confident literal read stays first.
  const auto ranked = rank_with_formats({{"A8123CD", 0.9, "", false}}, "eu", 5,
                                        FormatOptions{0.5, 0.3});
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_EQ(ranked[0].text, "A8123CD");
  EXPECT_EQ(ranked[1].text, "AB123CD");
}

TEST(PlateFormat, BrMercosurCorrectsLetterPositionAndKeepsOldPlateReads) {
  auto ranked = rank_with_formats({{"A8C1D23", 0.9, "", false}}, "br", 5);
  EXPECT_EQ(ranked[0].text, "ABC1D23");
  EXPECT_EQ(ranked[0].format, "br.mercosur");
  // ABC1023 is a valid old plate: it must not be "corrected" into Mercosur ABC1O23.
  ranked = rank_with_formats({{"ABC1023", 0.9, "", false}}, "br", 5);
  EXPECT_EQ(texts(ranked), std::vector<std::string>{"ABC1023"});
  EXPECT_EQ(ranked[0].format, "br.old");
}

TEST(PlateFormat, CorrectionPenaltyAppliesPerChangedCharacter) {
  const auto ranked = rank_with_formats({{"O1A1Z3BC", 1.0, "", false}}, "uz", 5);
  const Candidate* fix = find(ranked, "01A123BC");
  ASSERT_NE(fix, nullptr);
  EXPECT_DOUBLE_EQ(fix->confidence, 0.8 * 0.8);
}

TEST(PlateFormat, CalibratedLiteralsKeepTheNetworksReadAheadOfCorrections) {
  // A beam search's literals: the network is sure of "YG9X2G" (no format of "auto" fixes its
  // classes). Without calibrated literals the eu.ro correction "Y69XZG" (0.9994 × 0.8²,
  // above half the literal) would win; with them a correction the beam did not propose
  // ranks after every literal, its confidence capped at the least literal one.
  const std::vector<Candidate> beam{{"YG9X2G", 0.9994, "", false},
                                    {"YG9X2GI", 0.0003, "", false}};
  auto ranked = rank_with_formats(beam, "auto", 10);
  EXPECT_EQ(ranked[0].text, "Y69XZG");
  ASSERT_TRUE(ranked[0].corrected);
  FormatOptions calibrated;
  calibrated.calibrated_literals = true;
  ranked = rank_with_formats(beam, "auto", 10, calibrated);
  ASSERT_GE(ranked.size(), 3u);
  EXPECT_EQ(ranked[0].text, "YG9X2G");
  EXPECT_EQ(ranked[1].text, "YG9X2GI");
  const Candidate* fix = find(ranked, "Y69XZG");
  ASSERT_NE(fix, nullptr);
  EXPECT_TRUE(fix->corrected);
  EXPECT_LE(fix->confidence, 0.0003);
  for (std::size_t i = 2; i < ranked.size(); ++i) EXPECT_TRUE(ranked[i].corrected) << i;
  // A correction the beam also proposed competes as without calibrated literals: the
  // network put 0.05 on "10123ABC" (uz.legal); corrected from the top read it scores
  // 0.947 × 0.8 against half of 0.947 for the read that matches no class-fixing format.
  ranked = rank_with_formats({{"1O123ABC", 0.947, "", false}, {"10123ABC", 0.05, "", false}},
                             "auto", 10, calibrated);
  EXPECT_EQ(ranked[0].text, "10123ABC");
  EXPECT_EQ(ranked[0].format, "uz.legal");
  EXPECT_TRUE(ranked[0].corrected);
  EXPECT_DOUBLE_EQ(ranked[0].confidence, 0.947 * 0.8);
  EXPECT_EQ(ranked[1].text, "1O123ABC");
  // A format-matching literal still moves ahead of a non-matching one (0.45 >= 0.5 × 0.55).
  ranked = rank_with_formats({{"O1A123BC", 0.55, "", false}, {"01A123BC", 0.45, "", false}},
                             "uz", 5, calibrated);
  EXPECT_EQ(ranked[0].text, "01A123BC");
  EXPECT_FALSE(ranked[0].corrected);
}

// ---- Ranking ----------------------------------------------------------------------------

TEST(PlateFormat, NeverDropsHigherConfidenceLiteralRead) {
  // 0.4 < 0.5 * 0.9: the format match does not overtake the much more confident read.
  const auto ranked =
      rank_with_formats({{"XYZ", 0.9, "", false}, {"01A123BC", 0.4, "", false}}, "uz", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"XYZ", "01A123BC"}));
  // Same via a correction: a harsh penalty keeps the literal first.
  const auto harsh = rank_with_formats({{"O1A123BC", 0.9, "", false}}, "uz", 5, {0.5, 0.4});
  EXPECT_EQ(texts(harsh), (std::vector<std::string>{"O1A123BC", "01A123BC"}));
}

TEST(PlateFormat, FormatMatchOvertakesWithinNonMatchFactor) {
  // 0.45 >= 0.5 * 0.9 (boundary included).
  auto ranked =
      rank_with_formats({{"XYZ", 0.9, "", false}, {"01A123BC", 0.45, "", false}}, "uz", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"01A123BC", "XYZ"}));
  // A stricter factor keeps the literal first.
  ranked = rank_with_formats({{"XYZ", 0.9, "", false}, {"01A123BC", 0.45, "", false}}, "uz", 5,
                             {0.6, 0.8});
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"XYZ", "01A123BC"}));
}

TEST(PlateFormat, HigherConfidenceFirstAmongEqualStatus) {
  const auto ranked = rank_with_formats({{"01A123BC", 0.5, "", false},
                                         {"XYZ", 0.3, "", false},
                                         {"01123ABC", 0.7, "", false},
                                         {"QQQ", 0.4, "", false}},
                                        "uz", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"01123ABC", "01A123BC", "QQQ", "XYZ"}));
}

TEST(PlateFormat, ExactTiesKeepInputOrderAndPrimaryCorrectionFirst) {
  auto ranked = rank_with_formats({{"QQQ", 0.5, "", false}, {"AAA", 0.5, "", false}}, "uz", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"QQQ", "AAA"}));
  ranked = rank_with_formats({{"AB01334", 0.9, "", false}}, "br", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"ABO1334", "ABD1334", "AB01334"}));
}

TEST(PlateFormat, MergesDuplicateTextsKeepingHighestConfidence) {
  const auto ranked = rank_with_formats(
      {{"01A123BC", 0.3, "", false}, {"01 a123-bc", 0.6, "", false}, {"O1A123BC", 0.5, "", false}},
      "uz", 5);
  EXPECT_EQ(texts(ranked), (std::vector<std::string>{"01A123BC", "O1A123BC"}));
  EXPECT_DOUBLE_EQ(ranked[0].confidence, 0.6);
  EXPECT_FALSE(ranked[0].corrected);  // the literal 0.6 beats the correction 0.5 * 0.8
  EXPECT_EQ(ranked[0].format, "uz.private");
}

TEST(PlateFormat, ReturnsAtMostTopN) {
  const std::vector<Candidate> reads = {{"01A123BC", 0.9, "", false},
                                        {"01A123BD", 0.8, "", false},
                                        {"01A123BE", 0.7, "", false},
                                        {"01A123BF", 0.6, "", false}};
  EXPECT_EQ(rank_with_formats(reads, "uz", 4).size(), 4u);
  const auto two = rank_with_formats(reads, "uz", 2);
  EXPECT_EQ(texts(two), (std::vector<std::string>{"01A123BC", "01A123BD"}));
  EXPECT_EQ(rank_with_formats(reads, "uz", 1).size(), 1u);
  EXPECT_TRUE(rank_with_formats({}, "uz", 3).empty());
}

TEST(PlateFormat, KeepsBestLiteralReadWhenTruncating) {
  // Ranked: ABO1334, ABD1334 (corrections, 0.72), AB01334 (literal, 0.9, no match).
  const auto two = rank_with_formats({{"AB01334", 0.9, "", false}}, "br", 2);
  EXPECT_EQ(texts(two), (std::vector<std::string>{"ABO1334", "AB01334"}));
  const auto one = rank_with_formats({{"AB01334", 0.9, "", false}}, "br", 1);
  EXPECT_EQ(texts(one), std::vector<std::string>{"ABO1334"});
}

TEST(PlateFormat, TopNBelowOneThrows) {
  EXPECT_THROW((void)rank_with_formats({{"01A123BC", 0.9, "", false}}, "uz", 0), InvalidInput);
  EXPECT_THROW((void)rank_with_formats({{"01A123BC", 0.9, "", false}}, "uz", -1), InvalidInput);
}

TEST(PlateFormat, RejectsOptionsOutsideUnitInterval) {
  const std::vector<Candidate> reads = {{"01A123BC", 0.9, "", false}};
  EXPECT_THROW((void)rank_with_formats(reads, "uz", 3, {0.0, 0.8}), InvalidInput);
  EXPECT_THROW((void)rank_with_formats(reads, "uz", 3, {0.5, 1.5}), InvalidInput);
  EXPECT_NO_THROW((void)rank_with_formats(reads, "uz", 3, {1.0, 1.0}));
}

TEST(PlateFormat, RejectsCandidateConfidenceOutsideUnitRange) {
  EXPECT_THROW((void)rank_with_formats({{"01A123BC", 1.2, "", false}}, "uz", 3), InvalidInput);
  EXPECT_THROW((void)rank_with_formats({{"01A123BC", -0.1, "", false}}, "uz", 3), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::alpr
