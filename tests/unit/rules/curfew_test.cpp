// Night-time / time-restricted driving (src/rules/curfew.hpp) and the local-time helper
// (src/rules/local_time.hpp). Instants are written in UTC and checked by hand against
// `zdump -v -c 2026,2027 <zone>`: Asia/Tashkent is UTC+5 all year; Europe/Berlin springs
// forward on 2026-03-29 at 01:00 UTC (02:00 CET -> 03:00 CEST) and falls back on 2026-10-25
// at 01:00 UTC (03:00 CEST -> 02:00 CET); America/New_York springs forward on 2026-03-08
// at 07:00 UTC (02:00 EST -> 03:00 EDT).
#include <gtest/gtest.h>

#include <ctime>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/errors.hpp"
#include "rules/curfew.hpp"
#include "rules/local_time.hpp"

namespace roadwarden::rules {
namespace {

/// The UTC instant of a UTC calendar time (timegm: no time zone involved).
UtcTime utc(int year, int month, int day, int hour, int minute, int second = 0, int ms = 0) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return UtcTime{static_cast<std::int64_t>(::timegm(&tm)) * 1000 + ms};
}

constexpr char kLegal[] = "01123ABC";    // uz.legal (legal entity: DD DDD LLL)
constexpr char kPrivate[] = "01A123BC";  // uz.private

PlateRead read_at(UtcTime t, std::string text = kLegal, std::string camera = "cam-north") {
  PlateRead read;
  read.camera = std::move(camera);
  read.text = std::move(text);
  read.best_time = t;
  read.first_seen = t;
  read.last_seen = t;
  return read;
}

CurfewOptions night_options(std::string zone, std::vector<CurfewWindow> windows = {}) {
  CurfewOptions o;
  o.rule_id = "night-trucks";
  o.time_zone = std::move(zone);
  o.cameras = {"cam-north", "cam-south"};
  o.windows =
      windows.empty()
          ? std::vector{CurfewWindow::from_text("23:00", "06:00", CurfewWindow::every_day())}
          : std::move(windows);
  o.selector.kind = CurfewSelector::Kind::PlateFormat;
  o.selector.formats = {"uz.legal"};
  return o;
}

VehicleList permits(std::string version, std::set<std::string> plates) {
  return VehicleList{"night-permits", std::move(version), std::move(plates)};
}

bool inside(const CurfewRule& rule, UtcTime t) {
  return rule.evaluate(read_at(t)).has_value();
}

// ---- local time ---------------------------------------------------------------------------

TEST(LocalTime, TashkentIsFiveHoursAheadAllYear) {
  const TimeZone zone("Asia/Tashkent");
  EXPECT_EQ(zone.utc_offset_ms(utc(2026, 1, 15, 12, 0)), 5 * 3'600'000);
  EXPECT_EQ(zone.utc_offset_ms(utc(2026, 7, 15, 12, 0)), 5 * 3'600'000);
  const LocalDateTime local = zone.to_local(utc(2026, 7, 15, 18, 0, 0, 7));
  EXPECT_EQ(to_iso8601(local), "2026-07-15T23:00:00.007+05:00");
  EXPECT_EQ(local.weekday, Weekday::Wednesday);
}

TEST(LocalTime, BerlinOffsetChangesAtTheTransitionInstant) {
  const TimeZone zone("Europe/Berlin");
  EXPECT_EQ(to_iso8601(zone.to_local(utc(2026, 3, 29, 0, 59, 59, 999))),
            "2026-03-29T01:59:59.999+01:00");
  const LocalDateTime after = zone.to_local(utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(to_iso8601(after), "2026-03-29T03:00:00.000+02:00");
  EXPECT_EQ(after.abbreviation, "CEST");
  // Autumn: the same reading twice, one hour apart.
  EXPECT_EQ(to_iso8601(zone.to_local(utc(2026, 10, 25, 0, 30))), "2026-10-25T02:30:00.000+02:00");
  EXPECT_EQ(to_iso8601(zone.to_local(utc(2026, 10, 25, 1, 30))), "2026-10-25T02:30:00.000+01:00");
}

TEST(LocalTime, NegativeOffsetAndDateBeforeUtcMidnight) {
  const TimeZone zone("America/New_York");
  const LocalDateTime local = zone.to_local(utc(2026, 3, 8, 3, 0));
  EXPECT_EQ(to_iso8601(local), "2026-03-07T22:00:00.000-05:00");
  EXPECT_EQ(local.weekday, Weekday::Saturday);
}

TEST(LocalTime, UnknownZoneIsInvalidInputNamingIt) {
  try {
    (void)TimeZone("Asia/Atlantis");
    FAIL() << "an unknown zone was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find("Asia/Atlantis"), std::string::npos);
  }
  EXPECT_THROW((void)TimeZone(""), InvalidInput);
}

TEST(LocalTime, AddDaysCrossesMonthAndYearAndRejectsImpossibleDates) {
  EXPECT_EQ(to_string(add_days(LocalDate{2026, 3, 1}, -1)), "2026-02-28");
  EXPECT_EQ(to_string(add_days(LocalDate{2028, 3, 1}, -1)), "2028-02-29");
  EXPECT_EQ(to_string(add_days(LocalDate{2026, 12, 31}, 1)), "2027-01-01");
  EXPECT_THROW((void)add_days(LocalDate{2026, 2, 30}, 1), InvalidInput);
}

TEST(LocalTime, DatabaseVersionIsReported) {
  EXPECT_FALSE(TimeZone::database_version().empty());
}

// ---- schedule: Asia/Tashkent (no DST) -------------------------------------------------------

TEST(Curfew, TashkentNightWindowBoundariesToTheMillisecond) {
  const CurfewRule rule(night_options("Asia/Tashkent"), std::nullopt);
  // 2026-07-15 (Wed) 22:59:59.999 +05 = 17:59:59.999 UTC.
  EXPECT_FALSE(inside(rule, utc(2026, 7, 15, 17, 59, 59, 999)));
  EXPECT_TRUE(inside(rule, utc(2026, 7, 15, 18, 0)));           // 23:00:00.000
  EXPECT_TRUE(inside(rule, utc(2026, 7, 15, 19, 0)));           // 00:00 next day
  EXPECT_TRUE(inside(rule, utc(2026, 7, 16, 0, 59, 59, 999)));  // 05:59:59.999
  EXPECT_FALSE(inside(rule, utc(2026, 7, 16, 1, 0)));           // 06:00:00.000
  EXPECT_FALSE(inside(rule, utc(2026, 7, 16, 7, 0)));           // 12:00
}

TEST(Curfew, DecisionRecordsRuleWindowLocalTimeAndSelector) {
  const CurfewRule rule(night_options("Asia/Tashkent"), std::nullopt);
  const auto d = rule.evaluate(read_at(utc(2026, 7, 15, 21, 30, 0, 250), "01 123 abc"));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->rule_id, "night-trucks");
  EXPECT_EQ(d->camera, "cam-north");
  EXPECT_EQ(d->plate, kLegal);
  EXPECT_EQ(d->at, utc(2026, 7, 15, 21, 30, 0, 250));
  EXPECT_EQ(d->window, "23:00-06:00");
  EXPECT_EQ(d->window_days, "Mon,Tue,Wed,Thu,Fri,Sat,Sun");
  EXPECT_EQ(d->window_started_on, "2026-07-15");
  EXPECT_EQ(d->local_time, "2026-07-16T02:30:00.250+05:00");
  EXPECT_EQ(d->time_zone, "Asia/Tashkent");
  EXPECT_EQ(d->tz_database_version, TimeZone::database_version());
  EXPECT_EQ(d->selector, "format:uz.legal");
  EXPECT_EQ(d->permit_list_id, "");
  EXPECT_EQ(d->permit_list_version, "");
}

TEST(Curfew, NightWindowBelongsToTheDayItStarts) {
  // Friday and Saturday nights only.
  const CurfewRule rule(
      night_options("Asia/Tashkent", {CurfewWindow::from_text(
                                         "23:00", "06:00", {Weekday::Friday, Weekday::Saturday})}),
      std::nullopt);
  EXPECT_FALSE(inside(rule, utc(2026, 7, 16, 18, 30)));  // Thu 23:30
  EXPECT_FALSE(inside(rule, utc(2026, 7, 16, 22, 0)));   // Fri 03:00 (Thursday's night)
  EXPECT_TRUE(inside(rule, utc(2026, 7, 17, 18, 30)));   // Fri 23:30
  const auto sunday_morning = rule.evaluate(read_at(utc(2026, 7, 18, 22, 0)));  // Sun 03:00
  ASSERT_TRUE(sunday_morning.has_value());
  EXPECT_EQ(sunday_morning->window_started_on, "2026-07-18");
  EXPECT_EQ(sunday_morning->window_days, "Fri,Sat");
  EXPECT_FALSE(inside(rule, utc(2026, 7, 19, 18, 30)));  // Sun 23:30
  EXPECT_FALSE(inside(rule, utc(2026, 7, 19, 22, 0)));   // Mon 03:00 (Sunday's night)
}

TEST(Curfew, DaytimeWindowAndWindowEndingAtMidnight) {
  const CurfewRule rule(
      night_options("Asia/Tashkent",
                    {CurfewWindow::from_text("07:30", "09:00", {Weekday::Wednesday}),
                     CurfewWindow::from_text("20:00", "24:00", {Weekday::Wednesday})}),
      std::nullopt);
  EXPECT_FALSE(inside(rule, utc(2026, 7, 15, 2, 29, 59, 999)));  // Wed 07:29:59.999
  EXPECT_TRUE(inside(rule, utc(2026, 7, 15, 2, 30)));            // Wed 07:30
  EXPECT_FALSE(inside(rule, utc(2026, 7, 15, 4, 0)));            // Wed 09:00
  EXPECT_FALSE(inside(rule, utc(2026, 7, 16, 2, 30)));           // Thu 07:30
  EXPECT_TRUE(inside(rule, utc(2026, 7, 15, 18, 59, 59, 999)));  // Wed 23:59:59.999
  EXPECT_FALSE(inside(rule, utc(2026, 7, 15, 19, 0)));           // Thu 00:00
  const auto d = rule.evaluate(read_at(utc(2026, 7, 15, 16, 0)));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->window, "20:00-24:00");
}

// ---- schedule: DST change days --------------------------------------------------------------

TEST(Curfew, NightRuleUsesSiteTimeZoneOnSpringForwardNight) {
  const CurfewRule rule(night_options("Europe/Berlin"), std::nullopt);
  // Saturday 2026-03-28, CET (+01).
  EXPECT_FALSE(inside(rule, utc(2026, 3, 28, 21, 59, 59, 999)));  // 22:59:59.999 CET
  EXPECT_TRUE(inside(rule, utc(2026, 3, 28, 22, 0)));             // 23:00 CET
  EXPECT_TRUE(inside(rule, utc(2026, 3, 29, 0, 59, 59, 999)));    // 01:59:59.999 CET
  EXPECT_TRUE(inside(rule, utc(2026, 3, 29, 1, 0)));              // 03:00 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 3, 29, 3, 59, 59, 999)));    // 05:59:59.999 CEST
  // 06:00 CEST is 04:00 UTC; a fixed +01 offset would still call it 05:00 (inside).
  EXPECT_FALSE(inside(rule, utc(2026, 3, 29, 4, 0)));
  const auto d = rule.evaluate(read_at(utc(2026, 3, 29, 1, 0)));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->local_time, "2026-03-29T03:00:00.000+02:00");
  EXPECT_EQ(d->zone_abbreviation, "CEST");
  EXPECT_EQ(d->window_started_on, "2026-03-28");
}

TEST(Curfew, WindowStartingInSpringGapStartsWhenTheGapEnds) {
  // 02:30 does not exist in Berlin on 2026-03-29.
  const CurfewRule rule(night_options("Europe/Berlin", {CurfewWindow::from_text(
                                                           "02:30", "04:00", {Weekday::Sunday})}),
                        std::nullopt);
  EXPECT_FALSE(inside(rule, utc(2026, 3, 29, 0, 59, 59, 999)));  // 01:59:59.999 CET
  EXPECT_TRUE(inside(rule, utc(2026, 3, 29, 1, 0)));             // 03:00 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 3, 29, 1, 59, 59, 999)));   // 03:59:59.999 CEST
  EXPECT_FALSE(inside(rule, utc(2026, 3, 29, 2, 0)));            // 04:00 CEST
}

TEST(Curfew, NightRuleUsesSiteTimeZoneOnFallBackNight) {
  const CurfewRule rule(night_options("Europe/Berlin"), std::nullopt);
  // Saturday 2026-10-24, CEST (+02).
  EXPECT_FALSE(inside(rule, utc(2026, 10, 24, 20, 59, 59, 999)));  // 22:59:59.999 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 10, 24, 21, 0)));             // 23:00 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 0, 30)));             // 02:30 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 1, 30)));             // 02:30 CET
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 4, 59, 59, 999)));    // 05:59:59.999 CET
  // 06:00 CET is 05:00 UTC; a fixed +02 offset would call 04:00 UTC 06:00 (outside).
  EXPECT_FALSE(inside(rule, utc(2026, 10, 25, 5, 0)));
}

TEST(Curfew, WindowEndingInRepeatedHourIsJudgedByTheReadingOnBothPasses) {
  const CurfewRule rule(night_options("Europe/Berlin", {CurfewWindow::from_text(
                                                           "23:00", "02:30", {Weekday::Saturday})}),
                        std::nullopt);
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 0, 29, 59, 999)));  // 02:29:59.999 CEST
  EXPECT_FALSE(inside(rule, utc(2026, 10, 25, 0, 30)));          // 02:30 CEST
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 1, 0)));            // 02:00 CET (second pass)
  EXPECT_TRUE(inside(rule, utc(2026, 10, 25, 1, 29, 59, 999)));  // 02:29:59.999 CET
  EXPECT_FALSE(inside(rule, utc(2026, 10, 25, 1, 30)));          // 02:30 CET
  const auto second_pass = rule.evaluate(read_at(utc(2026, 10, 25, 1, 0)));
  ASSERT_TRUE(second_pass.has_value());
  EXPECT_EQ(second_pass->local_time, "2026-10-25T02:00:00.000+01:00");
  EXPECT_EQ(second_pass->zone_abbreviation, "CET");
}

TEST(Curfew, NewYorkSpringForwardEndsNightAtLocalSix) {
  const CurfewRule rule(night_options("America/New_York"), std::nullopt);
  EXPECT_TRUE(inside(rule, utc(2026, 3, 8, 4, 0)));            // Sat 23:00 EST
  EXPECT_TRUE(inside(rule, utc(2026, 3, 8, 9, 59, 59, 999)));  // Sun 05:59:59.999 EDT
  EXPECT_FALSE(inside(rule, utc(2026, 3, 8, 10, 0)));          // Sun 06:00 EDT
}

// ---- selectors and permits ------------------------------------------------------------------

TEST(Curfew, FormatSelectorTakesLegalEntityPlatesOnly) {
  const CurfewRule rule(night_options("Asia/Tashkent"), std::nullopt);
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  EXPECT_TRUE(rule.evaluate(read_at(night, kLegal)).has_value());
  EXPECT_FALSE(rule.evaluate(read_at(night, kPrivate)).has_value());
  EXPECT_FALSE(rule.evaluate(read_at(night, "00123ABC")).has_value());  // region 00 invalid
  EXPECT_FALSE(rule.evaluate(read_at(night, "")).has_value());
}

TEST(Curfew, ReadsFromCamerasOutsideTheZoneAreNotJudged) {
  const CurfewRule rule(night_options("Asia/Tashkent"), std::nullopt);
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  EXPECT_TRUE(rule.evaluate(read_at(night, kLegal, "cam-south")).has_value());
  EXPECT_FALSE(rule.evaluate(read_at(night, kLegal, "cam-elsewhere")).has_value());
}

TEST(Curfew, VehicleListSelectorRecordsListAndVersion) {
  CurfewOptions o = night_options("Asia/Tashkent");
  o.selector.kind = CurfewSelector::Kind::VehicleList;
  o.selector.vehicles = VehicleList{"heavy-goods", "v7", {"01 a 123 bc"}};
  const CurfewRule rule(o, std::nullopt);
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  const auto d = rule.evaluate(read_at(night, kPrivate));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->selector, "list:heavy-goods");
  EXPECT_EQ(d->vehicle_list_version, "v7");
  EXPECT_FALSE(rule.evaluate(read_at(night, kLegal)).has_value());
}

TEST(Curfew, NotOnPermitListSelectsEveryoneButPermitHoldersAndStoresVersion) {
  CurfewOptions o = night_options("Asia/Tashkent");
  o.selector.kind = CurfewSelector::Kind::NotOnPermitList;
  const CurfewRule rule(o, permits("2026-07-01.1", {kPrivate}));
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  EXPECT_FALSE(rule.evaluate(read_at(night, kPrivate)).has_value());
  const auto d = rule.evaluate(read_at(night, kLegal));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->selector, "not_on_permit_list");
  EXPECT_EQ(d->permit_list_id, "night-permits");
  EXPECT_EQ(d->permit_list_version, "2026-07-01.1");
  // Outside the window nobody is judged.
  EXPECT_FALSE(rule.evaluate(read_at(utc(2026, 7, 15, 7, 0), kLegal)).has_value());
}

TEST(Curfew, PermitListExemptsFromFormatSelectorAndNewVersionApplies) {
  CurfewRule rule(night_options("Asia/Tashkent"), permits("v1", {kLegal}));
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  EXPECT_FALSE(rule.evaluate(read_at(night, kLegal)).has_value());
  rule.replace_permit_list(permits("v2", {}));
  const auto d = rule.evaluate(read_at(night, kLegal));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->selector, "format:uz.legal");
  EXPECT_EQ(d->permit_list_version, "v2");
}

TEST(Curfew, ConcurrentEvaluationsSeeOneWholePermitListVersion) {
  CurfewOptions o = night_options("Asia/Tashkent");
  o.selector.kind = CurfewSelector::Kind::NotOnPermitList;
  CurfewRule rule(o, permits("v1", {kPrivate}));
  const UtcTime night = utc(2026, 7, 15, 20, 0);
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) {
      rule.replace_permit_list(i % 2 ? permits("v1", {kPrivate}) : permits("v2", {kLegal}));
    }
  });
  for (int i = 0; i < 200; ++i) {
    const auto legal = rule.evaluate(read_at(night, kLegal));
    if (legal) {
      EXPECT_EQ(legal->permit_list_version, "v1");  // v2 exempts kLegal
    }
    const auto priv = rule.evaluate(read_at(night, kPrivate));
    if (priv) {
      EXPECT_EQ(priv->permit_list_version, "v2");  // v1 exempts kPrivate
    }
  }
  writer.join();
}

// ---- options ----------------------------------------------------------------------------------

void expect_invalid(const CurfewOptions& o, std::optional<VehicleList> p, const std::string& key) {
  try {
    const CurfewRule rule(o, std::move(p));
    FAIL() << "accepted options; expected an error naming " << key;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(Curfew, RejectsInvalidOptionsNamingTheOption) {
  const CurfewOptions good = night_options("Asia/Tashkent");
  CurfewOptions o = good;
  o.rule_id.clear();
  expect_invalid(o, std::nullopt, "rule_id");
  o = good;
  o.time_zone = "Mars/Olympus";
  expect_invalid(o, std::nullopt, "time_zone");
  o = good;
  o.cameras.clear();
  expect_invalid(o, std::nullopt, "cameras");
  o = good;
  o.windows.clear();
  expect_invalid(o, std::nullopt, "windows");
  o = good;
  o.windows[0].end_minute = o.windows[0].start_minute;
  expect_invalid(o, std::nullopt, "windows[0]");
  o = good;
  o.windows[0].start_minute = 1440;
  expect_invalid(o, std::nullopt, "windows[0].start_minute");
  o = good;
  o.windows[0].start_days = {Weekday::Monday, Weekday::Monday};
  expect_invalid(o, std::nullopt, "windows[0].start_days");
  o = good;
  o.windows[0].start_days.clear();
  expect_invalid(o, std::nullopt, "windows[0].start_days");
  o = good;
  o.selector.formats = {"uz.nonexistent"};
  expect_invalid(o, std::nullopt, "selector.formats");
  o = good;
  o.selector.kind = CurfewSelector::Kind::NotOnPermitList;
  expect_invalid(o, std::nullopt, "permits");
  expect_invalid(good, VehicleList{"night-permits", "", {}}, "permits.version");
  o = good;
  o.selector.kind = CurfewSelector::Kind::VehicleList;
  o.selector.vehicles = VehicleList{"", "v1", {kLegal}};
  expect_invalid(o, std::nullopt, "selector.vehicles.id");
}

TEST(Curfew, ParsesTimesOfDayStrictly) {
  EXPECT_EQ(parse_time_of_day("00:00"), 0);
  EXPECT_EQ(parse_time_of_day("23:59"), 23 * 60 + 59);
  EXPECT_EQ(parse_time_of_day("24:00", true), 1440);
  EXPECT_THROW((void)parse_time_of_day("24:00"), InvalidInput);
  EXPECT_THROW((void)parse_time_of_day("24:01", true), InvalidInput);
  EXPECT_THROW((void)parse_time_of_day("23:60"), InvalidInput);
  EXPECT_THROW((void)parse_time_of_day("7:30"), InvalidInput);
  EXPECT_THROW((void)parse_time_of_day("07-30"), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::rules
