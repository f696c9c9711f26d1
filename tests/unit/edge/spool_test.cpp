// Spool: round trip, quota, retention, integrity, input checks, and crash atomicity (a child
// process killed with SIGKILL at each stage of put()).
#include "edge/spool.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "edge/digest.hpp"
#include "unit/edge/fake_clock.hpp"
#include "unit/edge/random_bytes.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeClock;
using testing::random_bytes;
using namespace std::chrono_literals;

/// A realistic plate-read record: a frame and a plate crop (random bytes standing in for JPEG).
std::vector<EvidenceFile> evidence(unsigned seed = 1) {
  return {EvidenceFile{"frame.jpg", "image/jpeg", random_bytes(200'000, seed)},
          EvidenceFile{"plate.jpg", "image/jpeg", random_bytes(3'000, seed + 1)}};
}

json plate_metadata() {
  return {{"camera", "cam-01"}, {"text", "01A123BC"}, {"confidence", 0.97}};
}

std::size_t count_children(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rw_spool_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  SpoolOptions options() const {
    SpoolOptions o;
    o.dir = dir_;
    return o;
  }

  fs::path dir_;
  FakeClock clock_;
};

TEST_F(SpoolTest, PutDueReadAcknowledgeRoundTrip) {
  Spool spool(options(), clock_);
  const auto files = evidence();
  const std::string key = spool.put("plate_read", plate_metadata(), files, false);
  EXPECT_TRUE(is_key_hex(key)) << key;

  const auto due = spool.due(clock_.now(), 10);
  ASSERT_EQ(due.size(), 1u);
  const SpoolEntry& e = due[0];
  EXPECT_EQ(e.key, key);
  EXPECT_EQ(e.kind, "plate_read");
  EXPECT_FALSE(e.violation);
  EXPECT_EQ(e.created, clock_.now());
  EXPECT_EQ(e.next_attempt, clock_.now());
  EXPECT_EQ(e.metadata, plate_metadata());
  EXPECT_EQ(e.attempts, 0);
  EXPECT_EQ(e.last_error, "");
  ASSERT_EQ(e.files.size(), 2u);
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(e.files[i].name, files[i].name);
    EXPECT_EQ(e.files[i].media_type, "image/jpeg");
    EXPECT_EQ(e.files[i].size, files[i].bytes.size());
    EXPECT_EQ(e.files[i].sha256, sha256_hex(files[i].bytes));
    EXPECT_EQ(spool.read_file(key, files[i].name), files[i].bytes);
  }
  const std::uint64_t expected_bytes = 203'000 + plate_metadata().dump().size();
  EXPECT_EQ(spool.usage().bytes, expected_bytes);
  EXPECT_EQ(spool.usage().entries, 1u);

  spool.acknowledge(key);
  EXPECT_TRUE(spool.due(clock_.now(), 10).empty());
  EXPECT_EQ(spool.usage().bytes, 0u);
  EXPECT_EQ(spool.usage().entries, 0u);
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / key));
  EXPECT_THROW((void)spool.read_file(key, "frame.jpg"), IoError);
  spool.acknowledge(key);  // idempotent
}

TEST_F(SpoolTest, KnownSha256OfEvidence) {
  // FIPS 180-2 appendix B.1 test vector, so the stored hash is the standard one.
  const std::string abc = "abc";
  EXPECT_EQ(sha256_hex(std::vector<std::uint8_t>(abc.begin(), abc.end())),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(SpoolTest, DueIsOldestFirstAndHonoursDeferAndLimit) {
  Spool spool(options(), clock_);
  const std::string a = spool.put("plate_read", plate_metadata(), evidence(1), false);
  clock_.advance(1s);
  const std::string b = spool.put("health", json{{"ok", true}}, {}, false);
  clock_.advance(1s);
  const std::string c = spool.put("plate_read", plate_metadata(), evidence(2), true);

  auto due = spool.due(clock_.now(), 2);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].key, a);
  EXPECT_EQ(due[1].key, b);
  EXPECT_TRUE(due[1].files.empty());

  spool.defer(a, UtcTime{clock_.now().unix_ms + 60'000}, "transport: Connection");
  due = spool.due(clock_.now(), 10);
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].key, b);
  EXPECT_EQ(due[1].key, c);
  EXPECT_TRUE(due[1].violation);

  clock_.advance(60s);
  due = spool.due(clock_.now(), 10);
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].key, a);
  EXPECT_EQ(due[0].attempts, 1);
  EXPECT_EQ(due[0].last_error, "transport: Connection");
  EXPECT_THROW((void)spool.due(clock_.now(), -1), InvalidInput);
}

TEST_F(SpoolTest, RecordsSurviveReopen) {
  std::string key;
  std::uint64_t bytes = 0;
  {
    Spool spool(options(), clock_);
    key = spool.put("plate_read", plate_metadata(), evidence(), true);
    bytes = spool.usage().bytes;
  }
  Spool spool(options(), clock_);
  EXPECT_EQ(spool.usage().bytes, bytes);
  EXPECT_EQ(spool.usage().entries, 1u);
  const auto due = spool.due(clock_.now(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].key, key);
  EXPECT_EQ(spool.read_file(key, "plate.jpg"), evidence()[1].bytes);
}

TEST_F(SpoolTest, SecondOpenOfTheSameFolderIsRefused) {
  Spool spool(options(), clock_);
  EXPECT_THROW(Spool(options(), clock_), IoError);
}

TEST_F(SpoolTest, FolderAndFilesArePrivate) {
  Spool spool(options(), clock_);
  const std::string key = spool.put("plate_read", plate_metadata(), evidence(), false);
  EXPECT_EQ(fs::status(dir_).permissions(), fs::perms::owner_all);
  EXPECT_EQ(fs::status(dir_ / "spool.db").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(dir_ / "evidence" / key / "frame.jpg").permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
}

// Regression: dir = "." turned a config folder from 0755 to 0700 (and would have done so to
// /tmp or $HOME). A non-empty folder that is not a spool is refused and left untouched.
TEST_F(SpoolTest, RefusesNonEmptyFolderThatIsNotASpoolAndLeavesItUntouched) {
  fs::create_directories(dir_ / "tmp");  // e.g. $HOME or / with a tmp/ folder
  std::ofstream(dir_ / "site.toml") << "camera = 'cam-01'\n";
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  std::ofstream(dir_ / "tmp" / "someone_elses.txt") << "keep me\n";
  const fs::perms before = fs::status(dir_).permissions();
  try {
    Spool spool(options(), clock_);
    FAIL() << "a non-empty folder that is not a spool was opened";
  } catch (const InvalidInput& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(dir_.string()), std::string::npos) << what;
    EXPECT_NE(what.find("is not empty and is not a roadwarden spool"), std::string::npos) << what;
  }
  EXPECT_EQ(fs::status(dir_).permissions(), before);
  EXPECT_EQ(count_children(dir_), 2u);  // no spool.lock, spool.db or evidence/ added
  EXPECT_TRUE(fs::exists(dir_ / "tmp" / "someone_elses.txt"));
}

TEST_F(SpoolTest, OpensNewEmptyOrExistingSpoolFolderAndMakesItPrivate) {
  const fs::perms open_mode = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec;
  {  // new (with a missing parent)
    SpoolOptions o = options();
    o.dir = dir_ / "new" / "spool";
    Spool spool(o, clock_);
    EXPECT_EQ(fs::status(o.dir).permissions(), fs::perms::owner_all);
  }
  {  // existing and empty
    SpoolOptions o = options();
    o.dir = dir_ / "empty";
    fs::create_directories(o.dir);
    fs::permissions(o.dir, open_mode);
    Spool spool(o, clock_);
    EXPECT_EQ(fs::status(o.dir).permissions(), fs::perms::owner_all);
  }
  SpoolOptions o = options();
  o.dir = dir_ / "spool";
  std::string key;
  {
    Spool spool(o, clock_);
    key = spool.put("plate_read", plate_metadata(), evidence(), false);
  }
  fs::permissions(o.dir, open_mode);  // an existing spool whose mode was loosened
  Spool spool(o, clock_);
  EXPECT_EQ(fs::status(o.dir).permissions(), fs::perms::owner_all);
  EXPECT_EQ(spool.usage().entries, 1u);
  EXPECT_EQ(spool.read_file(key, "plate.jpg"), evidence()[1].bytes);
}

TEST_F(SpoolTest, RefusesRecordBeyondQuotaAndRaisesAlarm) {
  SpoolOptions o = options();
  o.quota_bytes = 10'000;
  o.alarm_fraction = 0.5;
  Spool spool(o, clock_);
  const json meta = json::object();  // "{}": 2 bytes
  const std::string first =
      spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(4'000, 1)}}, false);
  EXPECT_FALSE(spool.usage().alarm);  // 4002 <= 5000
  spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(2'000, 2)}}, false);
  EXPECT_TRUE(spool.usage().alarm);  // 6004 > 5000

  try {
    spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(4'000, 3)}}, true);
    FAIL() << "a record beyond the quota was stored";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(spool.usage().entries, 2u);
  EXPECT_EQ(spool.usage().bytes, 6'004u);
  EXPECT_EQ(count_children(dir_ / "evidence"), 2u);
  EXPECT_EQ(count_children(dir_ / "tmp"), 0u);

  // Exactly at the quota is allowed; freeing space makes room again.
  spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(3'994, 4)}}, false);
  EXPECT_EQ(spool.usage().bytes, 10'000u);
  spool.acknowledge(first);
  spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(4'000, 3)}}, true);
  EXPECT_EQ(spool.usage().entries, 3u);
}

// The agent checks usage().alarm after every put(): the alarm must be visible from the put()
// that crosses the level (not one later, not only on reopen), and drop when space is freed.
TEST_F(SpoolTest, AlarmIsSeenRightAfterThePutThatCrossesTheLevel) {
  SpoolOptions o = options();
  o.quota_bytes = 10'000;
  o.alarm_fraction = 0.5;  // level: 5000 bytes
  o.non_violation_max_age = 1h;
  std::string first, crossing;
  {
    Spool spool(o, clock_);
    const json meta = json::object();  // "{}": 2 bytes
    first =
        spool.put("plate_read", meta, {{"frame.jpg", "image/jpeg", random_bytes(2'998, 1)}}, false);
    EXPECT_FALSE(spool.usage().alarm);  // 3000
    spool.put("violation", meta, {{"frame.jpg", "image/jpeg", random_bytes(1'998, 2)}}, true);
    EXPECT_EQ(spool.usage().bytes, 5'000u);
    EXPECT_FALSE(spool.usage().alarm);  // exactly at the level: not above it
    crossing = spool.put("health", meta, {}, false);
    EXPECT_EQ(spool.usage().bytes, 5'002u);
    EXPECT_TRUE(spool.usage().alarm);  // this put() crossed the level
    spool.acknowledge(crossing);
    EXPECT_FALSE(spool.usage().alarm);
    spool.put("health", meta, {}, false);
    EXPECT_TRUE(spool.usage().alarm);
  }
  Spool spool(o, clock_);  // recomputed from the database on open
  EXPECT_EQ(spool.usage().bytes, 5'002u);
  EXPECT_EQ(spool.usage().entries, 3u);
  EXPECT_TRUE(spool.usage().alarm);
  clock_.advance(2h);
  EXPECT_EQ(spool.purge_expired(clock_.now()), 2);  // the two non-violation records
  EXPECT_EQ(spool.usage().bytes, 2'000u);
  EXPECT_EQ(spool.usage().entries, 1u);
  EXPECT_FALSE(spool.usage().alarm);
}

TEST_F(SpoolTest, PurgeExpiredRemovesOnlyOldNonViolationRecords) {
  SpoolOptions o = options();
  o.non_violation_max_age = std::chrono::hours(1);
  Spool spool(o, clock_);
  const std::string old_read = spool.put("plate_read", plate_metadata(), evidence(1), false);
  const std::string old_violation = spool.put("violation", plate_metadata(), evidence(2), true);
  spool.defer(old_read, UtcTime{clock_.now().unix_ms + 10'000'000}, "HTTP 503");  // never sent
  clock_.advance(40min);
  const std::string fresh_read = spool.put("plate_read", plate_metadata(), evidence(3), false);

  clock_.advance(20min);  // old ones are exactly 1 h old: not older than the max age yet
  EXPECT_EQ(spool.purge_expired(clock_.now()), 0);
  clock_.advance(1ms);
  EXPECT_EQ(spool.purge_expired(clock_.now()), 1);
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / old_read));
  EXPECT_THROW((void)spool.read_file(old_read, "frame.jpg"), IoError);

  clock_.advance(std::chrono::hours(100));
  EXPECT_EQ(spool.purge_expired(clock_.now()), 1);  // fresh_read
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / fresh_read));
  const auto left = spool.due(clock_.now(), 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key, old_violation);
  EXPECT_EQ(spool.read_file(old_violation, "frame.jpg"), evidence(2)[0].bytes);
  EXPECT_EQ(spool.usage().entries, 1u);
}

TEST_F(SpoolTest, ReadFileDetectsTamperedEvidence) {
  Spool spool(options(), clock_);
  const std::string key = spool.put("violation", plate_metadata(), evidence(), true);
  const fs::path frame = dir_ / "evidence" / key / "frame.jpg";
  const fs::path plate = dir_ / "evidence" / key / "plate.jpg";
  {
    std::fstream f(frame, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    f.put('\x5a' ^ static_cast<char>(evidence()[0].bytes[1234]));
  }
  EXPECT_THROW((void)spool.read_file(key, "frame.jpg"), Corrupt);
  fs::resize_file(plate, 100);
  EXPECT_THROW((void)spool.read_file(key, "plate.jpg"), Corrupt);
  fs::remove(plate);
  EXPECT_THROW((void)spool.read_file(key, "plate.jpg"), IoError);
  EXPECT_THROW((void)spool.read_file(key, "clip.mp4"), IoError);
  EXPECT_THROW((void)spool.read_file("../../etc", "passwd"), InvalidInput);
  EXPECT_THROW((void)spool.read_file(key, "../spool.db"), InvalidInput);
}

TEST_F(SpoolTest, RejectsBadNamesKindsAndMediaTypesStoringNothing) {
  Spool spool(options(), clock_);
  const auto bytes = random_bytes(10, 1);
  const std::vector<std::string> bad_names = {
      "",  "../x.jpg", "a/b.jpg", "Frame.jpg", ".hidden", "..",
      ".", "a b.jpg",  "frame\n", "record",    "ф.jpg",   std::string(65, 'a')};
  for (const std::string& name : bad_names) {
    EXPECT_THROW(spool.put("plate_read", plate_metadata(),
                           {{"ok.jpg", "image/jpeg", bytes}, {name, "image/jpeg", bytes}}, false),
                 InvalidInput)
        << "name '" << name << "'";
  }
  EXPECT_NO_THROW(
      spool.put("plate_read", json(nullptr), {{std::string(64, 'a'), "image/jpeg", bytes}}, false));
  EXPECT_THROW(spool.put("plate_read", plate_metadata(),
                         {{"a.jpg", "image/jpeg", bytes}, {"a.jpg", "image/jpeg", bytes}}, false),
               InvalidInput);
  for (const std::string type : {"", "jpeg", "image/", "/jpeg", "image/jpeg\r\nX-Evil: 1",
                                 "image/jpeg; q=1", "image/jp eg"}) {
    EXPECT_THROW(spool.put("plate_read", plate_metadata(), {{"a.jpg", type, bytes}}, false),
                 InvalidInput)
        << "media type '" << type << "'";
  }
  for (const std::string& kind :
       std::vector<std::string>{"", "Plate", "plate read", "../x", std::string(33, 'k')}) {
    EXPECT_THROW(spool.put(kind, plate_metadata(), {}, false), InvalidInput) << kind;
  }
  EXPECT_THROW(spool.put("plate_read", json(std::string("\xff\xfe")), {}, false), InvalidInput);
  EXPECT_EQ(spool.usage().entries, 1u);
  EXPECT_EQ(count_children(dir_ / "evidence"), 1u);
  EXPECT_EQ(count_children(dir_ / "tmp"), 0u);
  EXPECT_THROW(spool.acknowledge("not-a-key"), InvalidInput);
}

TEST_F(SpoolTest, RejectsBadOptions) {
  SpoolOptions o = options();
  o.quota_bytes = 0;
  EXPECT_THROW(Spool(o, clock_), InvalidInput);
  o = options();
  o.alarm_fraction = 1.5;
  EXPECT_THROW(Spool(o, clock_), InvalidInput);
  o = options();
  o.non_violation_max_age = std::chrono::seconds(0);
  EXPECT_THROW(Spool(o, clock_), InvalidInput);
  o = options();
  o.dir.clear();
  EXPECT_THROW(Spool(o, clock_), InvalidInput);
}

TEST_F(SpoolTest, OpenRemovesStagingLeftoversAndOrphanEvidence) {
  std::string kept;
  {
    Spool spool(options(), clock_);
    kept = spool.put("plate_read", plate_metadata(), evidence(), false);
  }
  const std::string orphan = random_key_hex();  // e.g. acknowledge() died before removing files
  fs::create_directories(dir_ / "evidence" / orphan);
  std::ofstream(dir_ / "evidence" / orphan / "frame.jpg") << "half";
  fs::create_directories(dir_ / "tmp" / random_key_hex());
  std::ofstream(dir_ / "evidence" / "stray.txt") << "x";

  Spool spool(options(), clock_);
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / orphan));
  EXPECT_FALSE(fs::exists(dir_ / "evidence" / "stray.txt"));
  EXPECT_EQ(count_children(dir_ / "tmp"), 0u);
  EXPECT_EQ(spool.read_file(kept, "frame.jpg"), evidence()[0].bytes);
}

TEST_F(SpoolTest, ConcurrentPutsAndAcknowledgementsKeepCountsAndQuota) {
  SpoolOptions o = options();
  o.quota_bytes = 40 * 1002;  // room for 40 records of 1000 file bytes + "{}"
  Spool spool(o, clock_);
  std::atomic<int> stored{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        try {
          spool.put("plate_read", json::object(),
                    {{"frame.jpg", "image/jpeg", random_bytes(1000, 100 * t + i)}}, false);
          ++stored;
        } catch (const IoError&) {
          ++refused;
        }
      }
    });
  }
  std::thread acker([&] {
    for (int round = 0; round < 20; ++round) {
      for (const SpoolEntry& e : spool.due(clock_.now(), 2)) spool.acknowledge(e.key);
    }
  });
  for (auto& w : writers) w.join();
  acker.join();
  EXPECT_EQ(stored + refused, 60);
  const auto left = spool.due(clock_.now(), 1000);
  EXPECT_EQ(spool.usage().entries, left.size());
  EXPECT_EQ(spool.usage().bytes, left.size() * 1002);
  EXPECT_LE(spool.usage().bytes, o.quota_bytes);
  EXPECT_EQ(count_children(dir_ / "evidence"), left.size());
  for (const SpoolEntry& e : left) EXPECT_EQ(spool.read_file(e.key, "frame.jpg").size(), 1000u);
}

// --- crash atomicity -------------------------------------------------------------------

class SpoolCrashTest : public SpoolTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(SpoolCrashTest, KillAtStageLeavesWholeRecordOrNothing) {
  const std::string crash_stage = GetParam();
  // A record committed before the crash must come through untouched.
  std::string earlier;
  {
    Spool spool(options(), clock_);
    earlier = spool.put("violation", plate_metadata(), evidence(7), true);
  }
  const auto files = evidence(11);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Child: put a record and die with SIGKILL at the chosen stage (no destructors, no
    // flushing: exactly like kill -9 or a power cut after the stage's fsyncs).
    try {
      Spool spool(options(), clock_, [&crash_stage](std::string_view stage) {
        if (stage == crash_stage) ::raise(SIGKILL);
      });
      spool.put("plate_read", plate_metadata(), files, false);
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(4);  // the hook never fired
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child did not die at stage " << crash_stage << " (status " << status << ")";

  Spool spool(options(), clock_);
  const auto due = spool.due(clock_.now(), 10);
  EXPECT_EQ(count_children(dir_ / "tmp"), 0u);
  ASSERT_FALSE(due.empty());
  EXPECT_EQ(due[0].key, earlier);
  EXPECT_EQ(spool.read_file(earlier, "frame.jpg"), evidence(7)[0].bytes);
  EXPECT_EQ(spool.read_file(earlier, "plate.jpg"), evidence(7)[1].bytes);

  if (crash_stage == Spool::kStageCommitted) {
    // Committed: the whole record with every file, hashes matching.
    ASSERT_EQ(due.size(), 2u);
    const SpoolEntry& e = due[1];
    EXPECT_EQ(e.metadata, plate_metadata());
    ASSERT_EQ(e.files.size(), files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
      EXPECT_EQ(e.files[i].sha256, sha256_hex(files[i].bytes));
      EXPECT_EQ(spool.read_file(e.key, files[i].name), files[i].bytes);
    }
    EXPECT_EQ(count_children(dir_ / "evidence"), 2u);
    EXPECT_EQ(spool.usage().entries, 2u);
  } else {
    // Not committed: no record and no leftover files.
    EXPECT_EQ(due.size(), 1u);
    EXPECT_EQ(count_children(dir_ / "evidence"), 1u);
    EXPECT_TRUE(fs::exists(dir_ / "evidence" / earlier));
    EXPECT_EQ(spool.usage().entries, 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(Stages, SpoolCrashTest,
                         ::testing::Values(std::string(Spool::kStageFilesStaged),
                                           std::string(Spool::kStageFilesMoved),
                                           std::string(Spool::kStageCommitted)),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace roadwarden::edge
