#include "rules/hotlist.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

constexpr std::int64_t kMinute = 60'000;

UtcTime at_ms(std::int64_t ms) {
  return UtcTime{ms};
}

HotlistEntry entry(std::string plate, std::string list = "stolen",
                   std::optional<UtcTime> expires = std::nullopt) {
  HotlistEntry e;
  e.plate = std::move(plate);
  e.list = std::move(list);
  e.reason = "reported stolen";
  e.expires = expires;
  return e;
}

PlateRead read_of(std::string camera, std::string text, std::int64_t ms) {
  PlateRead r;
  r.camera = std::move(camera);
  r.text = std::move(text);
  r.best_time = at_ms(ms);
  return r;
}

// --- plate normalisation on import ---------------------------------------------------------

TEST(NormaliseHotlistPlate, TrimsSpacesAndDashesAndUpperCases) {
  EXPECT_EQ(normalise_hotlist_plate("01 a-123 bc"), "01A123BC");
  EXPECT_EQ(normalise_hotlist_plate("-01A123BC-"), "01A123BC");
  EXPECT_EQ(normalise_hotlist_plate("AB"), "AB");
  EXPECT_EQ(normalise_hotlist_plate("ABCDEFGH12345678"), "ABCDEFGH12345678");
}

TEST(NormaliseHotlistPlate, RejectsAnyOtherCharacter) {
  for (const char* text : {"01A.123BC", "01A/123", "01A_123", "01A\t123",
                           "01\xC3\x85"
                           "123",
                           "01A'123", "01A123BC\r"}) {
    EXPECT_THROW((void)normalise_hotlist_plate(text), InvalidInput) << text;
  }
}

TEST(NormaliseHotlistPlate, RejectsLengthOutsideTwoToSixteen) {
  EXPECT_THROW((void)normalise_hotlist_plate(""), InvalidInput);
  EXPECT_THROW((void)normalise_hotlist_plate("A"), InvalidInput);
  EXPECT_THROW((void)normalise_hotlist_plate(" - "), InvalidInput);
  EXPECT_THROW((void)normalise_hotlist_plate("ABCDEFGH123456789"), InvalidInput);
}

TEST(NormaliseHotlistPlate, ErrorNeverRepeatsThePlate) {
  try {
    (void)normalise_hotlist_plate("SECRET.PLATE");
    FAIL() << "no throw";
  } catch (const InvalidInput& e) {
    EXPECT_EQ(std::string(e.what()).find("SECRET"), std::string::npos) << e.what();
  }
}

// --- RFC 3339 ------------------------------------------------------------------------------

TEST(ParseRfc3339Utc, ParsesSecondsAndFractions) {
  EXPECT_EQ(parse_rfc3339_utc("1970-01-01T00:00:00Z").unix_ms, 0);
  EXPECT_EQ(parse_rfc3339_utc("2026-03-01T12:30:15Z").unix_ms, 1772368215000);
  EXPECT_EQ(parse_rfc3339_utc("2026-03-01T12:30:15.5Z").unix_ms, 1772368215500);
  EXPECT_EQ(parse_rfc3339_utc("2026-03-01T12:30:15.123456789Z").unix_ms, 1772368215123);
  EXPECT_EQ(parse_rfc3339_utc("2024-02-29T00:00:00Z").unix_ms, 1709164800000);
}

TEST(ParseRfc3339Utc, RoundTripsWithToIso8601) {
  const UtcTime t{1772368215123};
  EXPECT_EQ(parse_rfc3339_utc(to_iso8601(t)), t);
}

TEST(ParseRfc3339Utc, RejectsOffsetsLocalTimesAndImpossibleDates) {
  for (const char* text :
       {"2026-03-01T12:30:15+05:00", "2026-03-01T12:30:15", "2026-03-01 12:30:15Z", "2026-03-01",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T12:60:00Z", "2026-12-31T23:59:60Z", "2026-03-01T12:30:15.Z",
        "2026-03-01T12:30:15.1234567890Z", "2026-03-01t12:30:15z", "2026-3-01T12:30:15Z", ""}) {
    EXPECT_THROW((void)parse_rfc3339_utc(text), InvalidInput) << text;
  }
}

// --- CSV import ----------------------------------------------------------------------------

TEST(ImportHotlistCsv, ImportsEntriesWithReasonListAndExpiry) {
  const HotlistImport imp = import_hotlist_csv(
      "plate,list,reason,expires\n"
      "01A123BC,stolen,Reported stolen 2026-02-01,2026-06-01T00:00:00Z\n"
      "10 B 456 CD,Wanted,\"Armed robbery, case 17/26\",\n");
  EXPECT_TRUE(imp.errors.empty());
  ASSERT_EQ(imp.entries.size(), 2u);
  EXPECT_EQ(imp.entries[0].plate, "01A123BC");
  EXPECT_EQ(imp.entries[0].list, "stolen");
  EXPECT_EQ(imp.entries[0].reason, "Reported stolen 2026-02-01");
  EXPECT_EQ(imp.entries[0].expires, parse_rfc3339_utc("2026-06-01T00:00:00Z"));
  EXPECT_EQ(imp.entries[0].line, 2);
  EXPECT_EQ(imp.entries[1].plate, "10B456CD");
  EXPECT_EQ(imp.entries[1].list, "wanted");
  EXPECT_EQ(imp.entries[1].reason, "Armed robbery, case 17/26");
  EXPECT_FALSE(imp.entries[1].expires.has_value());
  EXPECT_EQ(imp.entries[1].line, 3);
}

TEST(ImportHotlistCsv, EntryWithStrayDashIsTrimmed) {
  const HotlistImport imp =
      import_hotlist_csv("plate,list,reason,expires\n01A123BC-,stolen,stolen car,\n");
  EXPECT_TRUE(imp.errors.empty());
  ASSERT_EQ(imp.entries.size(), 1u);
  EXPECT_EQ(imp.entries[0].plate, "01A123BC");
}

TEST(ImportHotlistCsv, RejectsLinesWithNonPlateCharactersAndKeepsTheRest) {
  const HotlistImport imp = import_hotlist_csv(
      "plate,list,reason,expires\n"
      "01A.123BC,stolen,stolen car,\n"
      "01A123BC,stolen,stolen car,\n"
      "01A_123BC,stolen,stolen car,\n");
  ASSERT_EQ(imp.entries.size(), 1u);
  EXPECT_EQ(imp.entries[0].line, 3);
  ASSERT_EQ(imp.errors.size(), 2u);
  EXPECT_EQ(imp.errors[0].line, 2);
  EXPECT_NE(imp.errors[0].reason.find("plate"), std::string::npos) << imp.errors[0].reason;
  EXPECT_EQ(imp.errors[1].line, 4);
}

TEST(ImportHotlistCsv, ReadsBomAndCrlfFile) {
  const HotlistImport imp = import_hotlist_csv(
      "\xEF\xBB\xBFplate,list,reason,expires\r\n"
      "01A123BC,stolen,stolen car,2026-06-01T00:00:00Z\r\n"
      "\r\n"
      "10B456CD,wanted,warrant,\r\n");
  EXPECT_TRUE(imp.errors.empty()) << imp.errors.front().reason;
  ASSERT_EQ(imp.entries.size(), 2u);
  EXPECT_EQ(imp.entries[0].plate, "01A123BC");
  EXPECT_EQ(imp.entries[0].expires, parse_rfc3339_utc("2026-06-01T00:00:00Z"));
  EXPECT_EQ(imp.entries[1].plate, "10B456CD");
  EXPECT_EQ(imp.entries[1].reason, "warrant");
  EXPECT_EQ(imp.entries[1].line, 4);  // the empty line still counts
}

TEST(ImportHotlistCsv, DuplicatePlateOnOneListKeepsTheFirstAndReportsTheRepeat) {
  const HotlistImport imp = import_hotlist_csv(
      "plate,list,reason,expires\n"
      "01A123BC,stolen,first report,\n"
      "01 A 123 BC,STOLEN,second report,\n"
      "01A123BC,wanted,warrant,\n");
  ASSERT_EQ(imp.entries.size(), 2u);
  EXPECT_EQ(imp.entries[0].reason, "first report");
  EXPECT_EQ(imp.entries[1].list, "wanted");
  ASSERT_EQ(imp.errors.size(), 1u);
  EXPECT_EQ(imp.errors[0].line, 3);
  EXPECT_NE(imp.errors[0].reason.find("line 2"), std::string::npos) << imp.errors[0].reason;
}

TEST(ImportHotlistCsv, ReportsEachBadFieldWithItsLine) {
  const HotlistImport imp = import_hotlist_csv(
      "plate,list,reason,expires\n"
      "01A123BC,stolen,stolen car\n"                            // 3 fields
      "01A123BD,stolen,,\n"                                     // empty reason
      "01A123BE,sto len,stolen car,\n"                          // bad list name
      "01A123BF,stolen,stolen car,2026-06-01T00:00:00+05:00\n"  // not UTC
      "01A123BG,stolen,\"unterminated,\n"                       // bad quote
      "01A123BH,stolen,stolen car,2026-02-30T00:00:00Z\n"       // no such date
      "01A123BJ,,stolen car,\n");                               // empty list
  EXPECT_TRUE(imp.entries.empty());
  ASSERT_EQ(imp.errors.size(), 7u);
  for (std::size_t i = 0; i < imp.errors.size(); ++i) {
    EXPECT_EQ(imp.errors[i].line, static_cast<int>(i) + 2);
    EXPECT_FALSE(imp.errors[i].reason.empty());
  }
  EXPECT_NE(imp.errors[0].reason.find("4"), std::string::npos) << imp.errors[0].reason;
  EXPECT_NE(imp.errors[3].reason.find("UTC"), std::string::npos) << imp.errors[3].reason;
}

TEST(ImportHotlistCsv, RejectsFileWithoutTheHeader) {
  EXPECT_THROW((void)import_hotlist_csv(""), InvalidInput);
  EXPECT_THROW((void)import_hotlist_csv("\n\n"), InvalidInput);
  EXPECT_THROW((void)import_hotlist_csv("01A123BC,stolen,stolen car,\n"), InvalidInput);
  EXPECT_THROW((void)import_hotlist_csv("plate,list,reason\n01A123BC,stolen,x\n"), InvalidInput);
}

TEST(ImportHotlistCsv, HeaderOnlyFileImportsNothing) {
  const HotlistImport imp = import_hotlist_csv("plate,list,reason,expires\n");
  EXPECT_TRUE(imp.entries.empty());
  EXPECT_TRUE(imp.errors.empty());
}

// --- matching ------------------------------------------------------------------------------

TEST(HotlistMatch, ExactReadFiresExactRule) {
  const Hotlist list({entry("01A123BC")});
  const auto m = list.match("01A123BC", at_ms(0));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rule, HotlistRule::exact);
  EXPECT_EQ(to_string(m[0].rule), "exact");
  EXPECT_EQ(m[0].entry.plate, "01A123BC");
}

TEST(HotlistMatch, ReadWithLookAlikeGlyphsFiresConfusableRule) {
  const Hotlist list({entry("01A123BC")});
  const auto m = list.match("O1A1Z38C", at_ms(0));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rule, HotlistRule::confusable);
  EXPECT_EQ(to_string(m[0].rule), "confusable");
}

TEST(HotlistMatch, ReadIsNormalisedLeniently) {
  const Hotlist list({entry("01A123BC")});
  const auto m = list.match("01 a-123 bc", at_ms(0));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].rule, HotlistRule::exact);
}

TEST(HotlistMatch, DifferentPlateDoesNotMatch) {
  const Hotlist list({entry("01A123BC")});
  EXPECT_TRUE(list.match("01A123BK", at_ms(0)).empty());
  EXPECT_TRUE(list.match("01A123B", at_ms(0)).empty());  // near matches are off by default
  EXPECT_TRUE(list.match("", at_ms(0)).empty());
  EXPECT_TRUE(list.match("--", at_ms(0)).empty());
}

TEST(HotlistMatch, ExpiredEntryNeverMatchesAndExpiryIsExclusive) {
  const Hotlist list({entry("01A123BC", "stolen", at_ms(10 * kMinute))});
  EXPECT_EQ(list.match("01A123BC", at_ms(10 * kMinute - 1)).size(), 1u);
  EXPECT_TRUE(list.match("01A123BC", at_ms(10 * kMinute)).empty());
  EXPECT_TRUE(list.match("01A123BC", at_ms(10 * kMinute + 1)).empty());
  EXPECT_TRUE(list.match("O1A123BC", at_ms(10 * kMinute)).empty());
}

TEST(HotlistMatch, PlateOnTwoListsMatchesBothSortedByList) {
  const Hotlist list({entry("01A123BC", "wanted"), entry("01A123BC", "stolen")});
  const auto m = list.match("01A123BC", at_ms(0));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].entry.list, "stolen");
  EXPECT_EQ(m[1].entry.list, "wanted");
}

TEST(HotlistMatch, ExactSortsBeforeConfusableWhenBothFire) {
  // 0 and O fold together: a read of "O1A123BC" is exact for one entry, confusable for other.
  const Hotlist list({entry("01A123BC"), entry("O1A123BC")});
  const auto m = list.match("O1A123BC", at_ms(0));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].rule, HotlistRule::exact);
  EXPECT_EQ(m[0].entry.plate, "O1A123BC");
  EXPECT_EQ(m[1].rule, HotlistRule::confusable);
  EXPECT_EQ(m[1].entry.plate, "01A123BC");
}

TEST(HotlistMatch, NearRuleFiresOnOneEditWhenEnabled) {
  const Hotlist list({entry("01A123BC")}, HotlistOptions{.near_matches = true});
  for (const char* read : {"01A123BK", "01A123B", "01A1234BC", "X01A123BC"}) {
    const auto m = list.match(read, at_ms(0));
    ASSERT_EQ(m.size(), 1u) << read;
    EXPECT_EQ(m[0].rule, HotlistRule::near) << read;
    EXPECT_EQ(to_string(m[0].rule), "near");
  }
  // A substitution of a look-alike is still confusable, not near.
  EXPECT_EQ(list.match("01A1Z3BC", at_ms(0)).at(0).rule, HotlistRule::confusable);
}

TEST(HotlistMatch, NearRuleIsBoundedToOneEdit) {
  const Hotlist list({entry("01A123BC")}, HotlistOptions{.near_matches = true});
  EXPECT_TRUE(list.match("01A123KK", at_ms(0)).empty());    // two substitutions
  EXPECT_TRUE(list.match("10A123BC", at_ms(0)).empty());    // transposition = two edits
  EXPECT_TRUE(list.match("01A123", at_ms(0)).empty());      // two deletions
  EXPECT_TRUE(list.match("01A123BCKK", at_ms(0)).empty());  // two insertions
}

TEST(HotlistMatch, NearRuleSkipsShortPlates) {
  const Hotlist list({entry("AB123"), entry("01A123BC")},
                     HotlistOptions{.near_matches = true, .near_min_length = 6});
  EXPECT_TRUE(list.match("AB124", at_ms(0)).empty());   // entry and read shorter than 6
  EXPECT_TRUE(list.match("AB1234", at_ms(0)).empty());  // entry shorter than 6
  EXPECT_EQ(list.match("01A123B", at_ms(0)).size(), 1u);
}

TEST(HotlistMatch, NearRuleNeverMatchesExpiredEntries) {
  const Hotlist list({entry("01A123BC", "stolen", at_ms(5))}, HotlistOptions{.near_matches = true});
  EXPECT_EQ(list.match("01A123BK", at_ms(4)).size(), 1u);
  EXPECT_TRUE(list.match("01A123BK", at_ms(5)).empty());
}

TEST(HotlistConstruction, RejectsBadOptionsAndEntries) {
  EXPECT_THROW(Hotlist({}, HotlistOptions{.near_min_length = 3}), InvalidInput);
  EXPECT_THROW(Hotlist({}, HotlistOptions{.near_min_length = 17}), InvalidInput);
  EXPECT_THROW(Hotlist({entry("01a123bc")}), InvalidInput);
  EXPECT_THROW(Hotlist({entry("01A-123")}), InvalidInput);
  EXPECT_THROW(Hotlist({entry("01A123BC", "Stolen")}), InvalidInput);
  EXPECT_THROW(Hotlist({entry("01A123BC"), entry("01A123BC")}), InvalidInput);
  try {
    (void)Hotlist({entry("01A123BC"), entry("01A123BC")});
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("entry 2"), std::string::npos) << e.what();
  }
}

// --- de-duplication and alerts ------------------------------------------------------------

TEST(AlertDeduplicator, RepeatWithinWindowIsSuppressed) {
  AlertDeduplicator dedup(5 * kMinute);
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(0)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(1)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(5 * kMinute - 1)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(5 * kMinute)));
}

TEST(AlertDeduplicator, SuppressedRepeatDoesNotExtendTheWindow) {
  AlertDeduplicator dedup(1000);
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(0)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(900)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(1000)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(1999)));
}

TEST(AlertDeduplicator, EachPartOfTheKeySeparatesAlerts) {
  AlertDeduplicator dedup(5 * kMinute);
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(0)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "10B456CD", at_ms(1)));
  EXPECT_TRUE(dedup.admit("cam2", HotlistRule::exact, "01A123BC", at_ms(2)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::confusable, "01A123BC", at_ms(3)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "10B456CD", at_ms(4)));
}

TEST(AlertDeduplicator, OutOfOrderRepeatWithinWindowIsSuppressed) {
  AlertDeduplicator dedup(1000);
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(5000)));
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(4500)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(3000)));
  // The newer anchor (5000) is kept: 5500 is still within its window.
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "01A123BC", at_ms(5500)));
}

TEST(AlertDeduplicator, ForgetsOldKeysButStillSuppressesRecentOnes) {
  AlertDeduplicator dedup(1000);
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, std::to_string(1000 + i), at_ms(i * 10)));
  }
  // Keys from the last second survive the sweeps; older ones are raised again.
  EXPECT_FALSE(dedup.admit("cam1", HotlistRule::exact, "1999", at_ms(10'000)));
  EXPECT_TRUE(dedup.admit("cam1", HotlistRule::exact, "1000", at_ms(10'000)));
}

TEST(AlertDeduplicator, RejectsWindowOutOfRange) {
  EXPECT_THROW(AlertDeduplicator(0), InvalidInput);
  EXPECT_THROW(AlertDeduplicator(-5), InvalidInput);
  EXPECT_THROW(AlertDeduplicator(86'400'001), InvalidInput);
  try {
    AlertDeduplicator bad(0);
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("dedup_window_ms"), std::string::npos) << e.what();
  }
}

TEST(HotlistMonitor, TwoDifferentHotlistedPlatesWithinWindowGiveTwoAlerts) {
  HotlistMonitor monitor(Hotlist({entry("01A123BC"), entry("10B456CD", "wanted")}), 5 * kMinute);
  const auto first = monitor.on_read(read_of("cam1", "01A123BC", 0));
  const auto second = monitor.on_read(read_of("cam1", "10B456CD", 1000));
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].plate, "01A123BC");
  EXPECT_EQ(second[0].plate, "10B456CD");
  EXPECT_EQ(second[0].entries.at(0).list, "wanted");
}

TEST(HotlistMonitor, SamePlateAgainWithinWindowIsSuppressed) {
  HotlistMonitor monitor(Hotlist({entry("01A123BC")}), 5 * kMinute);
  EXPECT_EQ(monitor.on_read(read_of("cam1", "01A123BC", 0)).size(), 1u);
  EXPECT_TRUE(monitor.on_read(read_of("cam1", "01A123BC", 2 * kMinute)).empty());
  EXPECT_EQ(monitor.on_read(read_of("cam2", "01A123BC", 2 * kMinute)).size(), 1u);
  EXPECT_EQ(monitor.on_read(read_of("cam1", "01A123BC", 5 * kMinute)).size(), 1u);
}

TEST(HotlistMonitor, AlertCarriesCameraRuleReadTextTimeAndEveryListOfThePlate) {
  HotlistMonitor monitor(Hotlist({entry("01A123BC", "wanted"), entry("01A123BC", "stolen")}),
                         kMinute);
  const auto alerts = monitor.on_read(read_of("cam7", "O1A123BC", 42));
  ASSERT_EQ(alerts.size(), 1u);
  const HotlistAlert& a = alerts[0];
  EXPECT_EQ(a.camera, "cam7");
  EXPECT_EQ(a.rule, HotlistRule::confusable);
  EXPECT_EQ(a.plate, "01A123BC");
  EXPECT_EQ(a.read_text, "O1A123BC");
  EXPECT_EQ(a.at, at_ms(42));
  ASSERT_EQ(a.entries.size(), 2u);
  EXPECT_EQ(a.entries[0].list, "stolen");
  EXPECT_EQ(a.entries[1].list, "wanted");
}

TEST(HotlistMonitor, ReadOfNoListedPlateGivesNoAlert) {
  HotlistMonitor monitor(Hotlist({entry("01A123BC")}), kMinute);
  EXPECT_TRUE(monitor.on_read(read_of("cam1", "77Z999ZZ", 0)).empty());
  EXPECT_TRUE(monitor.on_read(read_of("cam1", "", 0)).empty());
}

TEST(HotlistMonitor, UsesCaptureTimeForExpiry) {
  HotlistMonitor monitor(Hotlist({entry("01A123BC", "stolen", at_ms(1000))}), kMinute);
  EXPECT_TRUE(monitor.on_read(read_of("cam1", "01A123BC", 1000)).empty());
  EXPECT_EQ(monitor.on_read(read_of("cam1", "01A123BC", 999)).size(), 1u);
}

TEST(HotlistImportToMonitor, ImportedFileDrivesAlerts) {
  const HotlistImport imp = import_hotlist_csv(
      "plate,list,reason,expires\n"
      "01 A 123-BC,stolen,stolen car,2026-06-01T00:00:00Z\n");
  ASSERT_TRUE(imp.errors.empty());
  HotlistMonitor monitor(Hotlist(imp.entries), kMinute);
  const std::int64_t before = parse_rfc3339_utc("2026-05-31T23:59:59.999Z").unix_ms;
  const std::int64_t at_expiry = parse_rfc3339_utc("2026-06-01T00:00:00Z").unix_ms;
  EXPECT_EQ(monitor.on_read(read_of("cam1", "01A123BC", before)).size(), 1u);
  EXPECT_TRUE(monitor.on_read(read_of("cam2", "01A123BC", at_expiry)).empty());
}

}  // namespace
}  // namespace roadwarden::rules
