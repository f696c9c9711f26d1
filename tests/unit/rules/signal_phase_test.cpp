// The controller phase feed (docs/signal-feed.md): strict line parser, replay files, and the
// per-approach PhaseTimeline (phase at t, red onset, staleness).
#include "rules/signal_phase.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

using ::testing::HasSubstr;

// 2026-11-29T20:55:42.123Z (checked against Python's datetime).
constexpr std::int64_t kT0 = 1795985742123;

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "<no InvalidInput thrown>";
}

PhaseChange change(std::int64_t ms, ControllerState state, std::string approach = "north") {
  return PhaseChange{UtcTime{ms}, std::move(approach), state, 0};
}

// ---- time ------------------------------------------------------------------------------

TEST(FeedTime, ParsesRfc3339UtcWithMilliseconds) {
  EXPECT_EQ(parse_feed_time("2026-11-29T20:55:42.123Z"), UtcTime{kT0});
  EXPECT_EQ(parse_feed_time("1970-01-01T00:00:00.000Z"), UtcTime{0});
  EXPECT_EQ(parse_feed_time("2024-02-29T23:59:59.999Z"), UtcTime{1709251199999});
}

TEST(FeedTime, RoundTripsWithToIso8601) {
  for (std::int64_t ms : {kT0, std::int64_t{0}, std::int64_t{951782400000}, kT0 + 86'400'000}) {
    EXPECT_EQ(parse_feed_time(to_iso8601(UtcTime{ms})), UtcTime{ms}) << ms;
  }
}

TEST(FeedTime, RejectsAnythingButTheExactShape) {
  for (const char* text : {
           "2026-11-29T20:55:42Z",           // no milliseconds
           "2026-11-29T20:55:42.12Z",        // two digits
           "2026-11-29T20:55:42.1234Z",      // four digits
           "2026-11-29T20:55:42.123",        // no zone
           "2026-11-29T20:55:42.123+00:00",  // offset instead of Z
           "2026-11-29 20:55:42.123Z",       // space separator
           "2026-11-29t20:55:42.123z",       // lower case
           "2026-02-29T00:00:00.000Z",       // not a leap year
           "2026-13-01T00:00:00.000Z",       // month 13
           "2026-04-31T00:00:00.000Z",       // April 31
           "2026-11-29T24:00:00.000Z",       // hour 24
           "2026-11-29T23:60:00.000Z",       // minute 60
           "2026-11-29T23:59:60.000Z",       // leap second
           "",
       }) {
    EXPECT_EQ(parse_feed_time(text), std::nullopt) << text;
  }
}

// ---- lines -----------------------------------------------------------------------------

TEST(PhaseLine, ParsesTimeApproachAndState) {
  const auto c = parse_phase_line("2026-11-29T20:55:42.123Z north-1 red", 7);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->at, UtcTime{kT0});
  EXPECT_EQ(c->approach, "north-1");
  EXPECT_EQ(c->state, ControllerState::red);
  EXPECT_EQ(c->line, 7u);
}

TEST(PhaseLine, AcceptsTabsExtraSpacesTrailingBlanksAndCrlf) {
  const auto c = parse_phase_line("2026-11-29T20:55:42.123Z\t  A.b_c   flash  \r", 1);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->approach, "A.b_c");
  EXPECT_EQ(c->state, ControllerState::flash);
}

TEST(PhaseLine, EveryStateWordParses) {
  const std::pair<const char*, ControllerState> words[] = {{"green", ControllerState::green},
                                                           {"amber", ControllerState::amber},
                                                           {"red", ControllerState::red},
                                                           {"off", ControllerState::off},
                                                           {"flash", ControllerState::flash}};
  for (const auto& [word, state] : words) {
    const auto c = parse_phase_line(std::string("2026-11-29T20:55:42.123Z n ") + word, 1);
    ASSERT_TRUE(c.has_value()) << word;
    EXPECT_EQ(c->state, state);
    EXPECT_EQ(to_string(state), word);
  }
}

TEST(PhaseLine, BlankAndCommentLinesGiveNothing) {
  EXPECT_EQ(parse_phase_line("", 1), std::nullopt);
  EXPECT_EQ(parse_phase_line("   \t\r", 2), std::nullopt);
  EXPECT_EQ(parse_phase_line("# controller 7, firmware 2.1", 3), std::nullopt);
  EXPECT_EQ(parse_phase_line("   #indented comment", 4), std::nullopt);
}

TEST(PhaseLine, RejectsWrongFieldCountNamingTheLine) {
  EXPECT_THAT(message_of([] { (void)parse_phase_line("2026-11-29T20:55:42.123Z north", 12); }),
              HasSubstr("signal feed line 12: expected '<time> <approach> <state>', found 2"));
  EXPECT_THAT(
      message_of([] { (void)parse_phase_line("2026-11-29T20:55:42.123Z north red # x", 13); }),
      HasSubstr("line 13: expected"));
}

TEST(PhaseLine, RejectsBadTimeNamingTheLine) {
  EXPECT_THAT(message_of([] { (void)parse_phase_line("2026-11-29T20:55:42Z north red", 3); }),
              HasSubstr("signal feed line 3: time '2026-11-29T20:55:42Z' is not RFC 3339"));
}

TEST(PhaseLine, RejectsBadApproachId) {
  EXPECT_THAT(message_of([] { (void)parse_phase_line("2026-11-29T20:55:42.123Z nörth red", 4); }),
              HasSubstr("signal feed line 4: approach id"));
  EXPECT_THAT(message_of([] {
                (void)parse_phase_line("2026-11-29T20:55:42.123Z " + std::string(65, 'a') + " red",
                                       5);
              }),
              HasSubstr("signal feed line 5: approach id"));
}

TEST(PhaseLine, RejectsUnknownOrUpperCaseState) {
  EXPECT_THAT(message_of([] { (void)parse_phase_line("2026-11-29T20:55:42.123Z n yellow", 9); }),
              HasSubstr("signal feed line 9: state 'yellow' is not one of"));
  EXPECT_THAT(message_of([] { (void)parse_phase_line("2026-11-29T20:55:42.123Z n RED", 10); }),
              HasSubstr("line 10: state 'RED'"));
}

// ---- whole feeds and replay files ------------------------------------------------------

constexpr const char* kFeed =
    "# replay of controller 7\n"
    "2026-11-29T20:55:40.000Z north green\n"
    "2026-11-29T20:55:40.500Z south red\n"
    "\n"
    "2026-11-29T20:55:41.000Z north amber\n"
    "2026-11-29T20:55:40.900Z south green\n"  // other approach: may interleave back in time
    "2026-11-29T20:55:44.000Z north red";     // no final newline

TEST(PhaseFeed, ParsesLinesWithTheirNumbersInFileOrder) {
  const auto changes = parse_phase_feed(kFeed);
  ASSERT_EQ(changes.size(), 5u);
  EXPECT_EQ(changes[0].line, 2u);
  EXPECT_EQ(changes[2].line, 5u);
  EXPECT_EQ(changes[2].state, ControllerState::amber);
  EXPECT_EQ(changes[4].line, 7u);
  EXPECT_EQ(changes[4].at, *parse_feed_time("2026-11-29T20:55:44.000Z"));
}

TEST(PhaseFeed, EmptyTextGivesNoChanges) {
  EXPECT_TRUE(parse_phase_feed("").empty());
}

TEST(PhaseFeed, RejectsTimeGoingBackWithinOneApproachNamingBothLines) {
  const std::string feed =
      "2026-11-29T20:55:41.000Z north green\n"
      "2026-11-29T20:55:41.000Z north amber\n"  // same ms: allowed
      "2026-11-29T20:55:40.999Z north red\n";
  EXPECT_THAT(message_of([&] { (void)parse_phase_feed(feed); }),
              HasSubstr("signal feed line 3: time 2026-11-29T20:55:40.999Z of approach 'north' "
                        "is earlier than 2026-11-29T20:55:41.000Z on line 2"));
}

TEST(PhaseFeed, ReportsTheLineNumberOfAMalformedLineAfterCommentsAndBlanks) {
  const std::string feed = "# header\n\n2026-11-29T20:55:41.000Z north green\nrubbish\n";
  EXPECT_THAT(message_of([&] { (void)parse_phase_feed(feed); }),
              HasSubstr("signal feed line 4: expected"));
}

class ReplayFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rw_phase_replay_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& text) {
    const auto path = dir_ / "phases.feed";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ReplayFile, LoadsTheSameFormatAsTheLiveFeed) {
  EXPECT_EQ(load_phase_replay(write(kFeed)), parse_phase_feed(kFeed));
}

TEST_F(ReplayFile, MalformedContentNamesThePathAndLine) {
  const auto path = write("2026-11-29T20:55:41.000Z north green\n2026-11-29T20:55:42.000Z north\n");
  EXPECT_THAT(message_of([&] { (void)load_phase_replay(path); }),
              HasSubstr(path.string() + ": signal feed line 2: expected"));
}

TEST_F(ReplayFile, MissingFileIsAnIoError) {
  EXPECT_THROW((void)load_phase_replay(dir_ / "absent.feed"), IoError);
}

// ---- PhaseTimeline ---------------------------------------------------------------------

constexpr std::int64_t kSilence = 3000;

/// green at T0, amber at T0+10 s, red at T0+13 s with heartbeats every second.
PhaseTimeline cycle() {
  PhaseTimeline t("north");
  t.add(change(kT0, ControllerState::green));
  for (int s = 1; s < 10; ++s) t.add(change(kT0 + s * 1000, ControllerState::green));
  t.add(change(kT0 + 10'000, ControllerState::amber));
  t.add(change(kT0 + 11'000, ControllerState::amber));
  t.add(change(kT0 + 12'000, ControllerState::amber));
  for (int s = 13; s <= 40; ++s) t.add(change(kT0 + s * 1000, ControllerState::red));
  return t;
}

TEST(PhaseTimeline, UnknownBeforeTheFirstLine) {
  const auto at = cycle().at(UtcTime{kT0 - 1}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::unknown);
  EXPECT_THAT(at.unknown_reason, HasSubstr("no phase reported for approach 'north'"));
  EXPECT_EQ(at.since, std::nullopt);
}

TEST(PhaseTimeline, ALineHoldsFromItsOwnMillisecond) {
  const auto t = cycle();
  EXPECT_EQ(t.at(UtcTime{kT0 + 12'999}, kSilence).phase, SignalPhase::amber);
  const auto red = t.at(UtcTime{kT0 + 13'000}, kSilence);
  EXPECT_EQ(red.phase, SignalPhase::red);
  EXPECT_EQ(red.since, UtcTime{kT0 + 13'000});
}

TEST(PhaseTimeline, HeartbeatsKeepTheRedOnsetAndTheAmberBeforeIt) {
  const auto at = cycle().at(UtcTime{kT0 + 37'250}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::red);
  EXPECT_EQ(at.since, UtcTime{kT0 + 13'000});
  EXPECT_EQ(at.previous, SignalPhase::amber);
  EXPECT_EQ(at.previous_since, UtcTime{kT0 + 10'000});
}

TEST(PhaseTimeline, FirstIntervalOfTheFeedHasNoKnownStart) {
  const auto at = cycle().at(UtcTime{kT0 + 5'000}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::green);
  EXPECT_EQ(at.since, std::nullopt);
  EXPECT_EQ(at.previous, SignalPhase::unknown);
}

TEST(PhaseTimeline, StaleFeedIsUnknownOnlyBeyondTheSilenceLimit) {
  const auto t = cycle();  // last line at T0 + 40 s
  EXPECT_EQ(t.at(UtcTime{kT0 + 43'000}, kSilence).phase, SignalPhase::red);
  const auto stale = t.at(UtcTime{kT0 + 43'001}, kSilence);
  EXPECT_EQ(stale.phase, SignalPhase::unknown);
  EXPECT_THAT(stale.unknown_reason, HasSubstr("feed silent for 3.001 s (limit 3.000 s)"));
}

TEST(PhaseTimeline, AGapCutsTheIntervalSoTheOnsetAfterItIsUnknown) {
  PhaseTimeline t("north");
  t.add(change(kT0, ControllerState::amber));
  t.add(change(kT0 + 3000, ControllerState::red));
  t.add(change(kT0 + 4000, ControllerState::red));
  t.add(change(kT0 + 9000, ControllerState::red));  // 5 s silence before this line
  const auto at = t.at(UtcTime{kT0 + 9500}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::red);
  EXPECT_EQ(at.since, std::nullopt);
  // With a longer limit the same history is one red interval.
  EXPECT_EQ(t.at(UtcTime{kT0 + 9500}, 6000).since, UtcTime{kT0 + 3000});
}

TEST(PhaseTimeline, OffAndFlashAreUnknown) {
  PhaseTimeline t("north");
  t.add(change(kT0, ControllerState::red));
  t.add(change(kT0 + 1000, ControllerState::flash));
  t.add(change(kT0 + 2000, ControllerState::off));
  EXPECT_THAT(t.at(UtcTime{kT0 + 1500}, kSilence).unknown_reason,
              HasSubstr("controller reports flash"));
  EXPECT_EQ(t.at(UtcTime{kT0 + 2500}, kSilence).phase, SignalPhase::unknown);
  EXPECT_THAT(t.at(UtcTime{kT0 + 2500}, kSilence).unknown_reason,
              HasSubstr("controller reports off"));
}

TEST(PhaseTimeline, RedAfterFlashHasAKnownOnsetButNoKnownAmber) {
  PhaseTimeline t("north");
  t.add(change(kT0, ControllerState::flash));
  t.add(change(kT0 + 1000, ControllerState::red));
  const auto at = t.at(UtcTime{kT0 + 1500}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::red);
  EXPECT_EQ(at.since, UtcTime{kT0 + 1000});
  EXPECT_EQ(at.previous, SignalPhase::unknown);
  EXPECT_EQ(at.previous_since, std::nullopt);
}

TEST(PhaseTimeline, LastOfSeveralLinesAtTheSameMillisecondWins) {
  PhaseTimeline t("north");
  t.add(change(kT0, ControllerState::green));
  t.add(change(kT0 + 1000, ControllerState::amber));
  t.add(change(kT0 + 1000, ControllerState::red));
  const auto at = t.at(UtcTime{kT0 + 1000}, kSilence);
  EXPECT_EQ(at.phase, SignalPhase::red);
  EXPECT_EQ(at.previous, SignalPhase::amber);
  EXPECT_EQ(at.previous_since, UtcTime{kT0 + 1000});
}

TEST(PhaseTimeline, SkipsOtherApproachesAndRejectsTimeGoingBack) {
  PhaseTimeline t("north");
  EXPECT_TRUE(t.add(change(kT0, ControllerState::green)));
  EXPECT_FALSE(t.add(change(kT0 - 5000, ControllerState::red, "south")));
  EXPECT_EQ(t.size(), 1u);
  PhaseChange late = change(kT0 - 1, ControllerState::red);
  late.line = 44;
  EXPECT_THAT(message_of([&] { t.add(late); }), HasSubstr("signal feed line 44"));
}

TEST(PhaseTimeline, FromChangesTakesOnlyItsApproach) {
  const auto t = PhaseTimeline::from_changes("north", parse_phase_feed(kFeed));
  EXPECT_EQ(t.size(), 3u);
  const auto at = t.at(*parse_feed_time("2026-11-29T20:55:44.000Z"), 5000);
  EXPECT_EQ(at.phase, SignalPhase::red);
  EXPECT_EQ(at.previous_since, parse_feed_time("2026-11-29T20:55:41.000Z"));
}

TEST(PhaseTimeline, RejectsInvalidApproachIdAndNonPositiveSilence) {
  EXPECT_THROW(PhaseTimeline("no spaces"), InvalidInput);
  EXPECT_THROW(PhaseTimeline(""), InvalidInput);
  EXPECT_THROW((void)cycle().at(UtcTime{kT0}, 0), InvalidInput);
}

TEST(PhaseTimeline, DropBeforeKeepsWhatLaterQueriesNeed) {
  auto t = cycle();
  const auto before = t.at(UtcTime{kT0 + 30'500}, kSilence);
  t.drop_before(UtcTime{kT0 + 30'000});
  EXPECT_LT(t.size(), 41u);
  const auto after = t.at(UtcTime{kT0 + 30'500}, kSilence);
  EXPECT_EQ(after.phase, before.phase);
  EXPECT_EQ(after.since, before.since);
  EXPECT_EQ(after.previous, before.previous);
  EXPECT_EQ(after.previous_since, before.previous_since);
  // Dropping before the first line keeps everything.
  auto u = cycle();
  u.drop_before(UtcTime{kT0 - 1});
  EXPECT_EQ(u.size(), cycle().size());
}

}  // namespace
}  // namespace roadwarden::rules
