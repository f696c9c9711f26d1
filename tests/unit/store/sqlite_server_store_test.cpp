// Runs the shared server-records suite (server_store_suite.hpp) against the SQLite store, one
// new database file per test case, in a temporary folder removed when the program exits.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "store/store.hpp"
#include "unit/store/server_store_suite.hpp"

namespace roadwarden::store {
namespace {

namespace fs = std::filesystem;

/// A private temporary folder (mkdtemp), removed with its contents on destruction; hands out
/// a new database file name on each call.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "rw_server_store_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;

  /// A database path that no earlier call returned.
  fs::path next_file() { return path_ / fmt::format("store_{}.db", counter_++); }

 private:
  fs::path path_;
  std::atomic<int> counter_{0};
};

/// The folder of this test program's databases (made on first use, removed at exit).
TempFolder& folder() {
  static TempFolder instance;
  return instance;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ServerStoreTest,
                         ::testing::Values(StoreFactory{
                             "sqlite", [] { return open_sqlite_store(folder().next_file()); }}),
                         store_factory_name);

TEST(SqliteServerStore, ReopenedStoreKeepsRecordsAndContinuesTheAuditChain) {
  const fs::path path = folder().next_file();
  std::string first_hash;
  {
    const std::unique_ptr<Store> store = open_sqlite_store(path);
    store->put_site(Site{"s1", "One", "UTC"});
    store->put_camera(Camera{"c1", "s1", "Cam", 1.5, 2.5, true});
    AuditEntry e;
    e.time = UtcTime{1000};
    e.actor = "system";
    e.role = "system";
    e.action = "startup";
    e.outcome = "ok";
    first_hash = store->append_audit(e).hash;
  }
  const std::unique_ptr<Store> store = open_sqlite_store(path);
  EXPECT_EQ(store->cameras().size(), 1U);
  AuditEntry e;
  e.time = UtcTime{2000};
  e.actor = "system";
  e.role = "system";
  e.action = "startup";
  e.outcome = "ok";
  const AuditEntry second = store->append_audit(e);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first_hash);
}

AuditEntry system_entry(std::int64_t time_ms) {
  AuditEntry e;
  e.time = UtcTime{time_ms};
  e.actor = "system";
  e.role = "system";
  e.action = "startup";
  e.outcome = "ok";
  return e;
}

TEST(SqliteServerStore, AppendsThroughTwoConnectionsFormOneChain) {
  const fs::path path = folder().next_file();
  const std::unique_ptr<Store> a = open_sqlite_store(path);
  const std::unique_ptr<Store> b = open_sqlite_store(path);
  std::vector<std::thread> threads;
  for (Store* store : {a.get(), b.get(), a.get(), b.get()}) {
    threads.emplace_back([store] {
      for (int i = 0; i < 25; ++i) store->append_audit(system_entry(i));
    });
  }
  for (std::thread& t : threads) t.join();
  const std::vector<AuditEntry> log = a->audit_entries(0, 1000);
  ASSERT_EQ(log.size(), 100U);
  for (std::size_t i = 1; i < log.size(); ++i) {
    ASSERT_EQ(log[i].seq, log[i - 1].seq + 1);
    ASSERT_EQ(log[i].prev_hash, log[i - 1].hash);
    ASSERT_EQ(log[i].hash, audit_entry_hash(log[i]));
  }
}

TEST(SqliteServerStore, AuditLogRefusesUpdateAndDeleteInTheFile) {
  const fs::path path = folder().next_file();
  {
    const std::unique_ptr<Store> store = open_sqlite_store(path);
    store->append_audit(system_entry(1000));
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  EXPECT_NE(sqlite3_exec(db.get(), "UPDATE audit_log SET actor = 'x'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db.get(), "DELETE FROM audit_log", nullptr, nullptr, nullptr), SQLITE_OK);
  const std::unique_ptr<Store> store = open_sqlite_store(path);
  const std::vector<AuditEntry> log = store->audit_entries(0, 10);
  ASSERT_EQ(log.size(), 1U);
  EXPECT_EQ(log[0].actor, "system");
}

TEST(SqliteServerStore, UpgradeToReviewStatusMarksStoredViolationsPending) {
  const fs::path path = folder().next_file();
  {
    const std::unique_ptr<Store> store = open_sqlite_store(path);
    store->put_site(Site{"s1", "One", "UTC"});
    store->put_camera(Camera{"c1", "s1", "Cam", 1.5, 2.5, true});
    for (int n = 1; n <= 2; ++n) {
      IngestedRecord r;
      r.key = fmt::format("{:032x}", n);
      r.kind = n == 1 ? "plate_read" : "violation";
      r.violation = n == 2;
      r.camera_id = "c1";
      r.content_sha256 = std::string(64, 'a');
      ASSERT_EQ(store->ingest_record(r), IngestOutcome::stored);
    }
  }
  {  // Back to schema 2: the review columns and migrations 3 and 4 removed.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(db.get(), R"sql(
DROP INDEX records_by_review;
ALTER TABLE records DROP COLUMN first_reviewer;
ALTER TABLE records DROP COLUMN first_reviewed_at_ms;
ALTER TABLE records DROP COLUMN second_reviewer;
ALTER TABLE records DROP COLUMN second_reviewed_at_ms;
ALTER TABLE records DROP COLUMN review_status;
ALTER TABLE records DROP COLUMN reviewed_at_ms;
ALTER TABLE records DROP COLUMN review_reason;
DELETE FROM schema_migrations WHERE version IN (3, 4);)sql",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db.get());
  }
  const std::unique_ptr<Store> store = open_sqlite_store(path);
  EXPECT_EQ(store->schema_version(), 4);
  EXPECT_EQ(store->record_by_key(fmt::format("{:032x}", 1))->review_status, ReviewStatus::none);
  const IngestedRecord violation = *store->record_by_key(fmt::format("{:032x}", 2));
  EXPECT_EQ(violation.review_status, ReviewStatus::pending);
  EXPECT_FALSE(violation.reviewed_at.has_value());
  EXPECT_EQ(violation.review_reason, "");
}

TEST(SqliteServerStore, UpgradeToSecondReviewKeepsRecordsFilesDecisionsAndNeverReusesIds) {
  const fs::path path = folder().next_file();
  std::int64_t highest_id = 0;
  {
    const std::unique_ptr<Store> store = open_sqlite_store(path);
    store->put_site(Site{"s1", "One", "UTC"});
    store->put_camera(Camera{"c1", "s1", "Cam", 1.5, 2.5, true});
    for (int n = 1; n <= 3; ++n) {
      IngestedRecord r;
      r.key = fmt::format("{:032x}", n);
      r.kind = "violation";
      r.violation = true;
      r.camera_id = "c1";
      r.content_sha256 = std::string(64, 'a');
      r.received_at = UtcTime{1000 * n};
      r.files = {EvidenceFile{0, "frame.jpg", "image/jpeg", 10, std::string(64, 'b'), "x"}};
      ASSERT_EQ(store->ingest_record(r), IngestOutcome::stored);
      highest_id = r.id;
    }
    ASSERT_EQ(store->set_review(fmt::format("{:032x}", 1),
                                ReviewDecision{ReviewStatus::pending, ReviewStatus::confirmed,
                                               ReviewStage::first, "alice", UtcTime{5000}, ""}),
              ReviewOutcome::applied);
    // The newest record is rejected and purged: its id must not come back after the rebuild.
    ASSERT_EQ(store->set_review(fmt::format("{:032x}", 3),
                                ReviewDecision{ReviewStatus::pending, ReviewStatus::rejected,
                                               ReviewStage::first, "bob", UtcTime{5000}, "glare"}),
              ReviewOutcome::applied);
    ASSERT_EQ(store->purge_records(UtcTime{0}, UtcTime{0}, UtcTime{6000}).size(), 1U);
  }
  {  // Back to schema 3: the reviewer columns and migration 4 removed (the wider CHECK stays,
     // but migration 4 rebuilds the tables all the same).
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(db.get(), R"sql(
ALTER TABLE records DROP COLUMN first_reviewer;
ALTER TABLE records DROP COLUMN first_reviewed_at_ms;
ALTER TABLE records DROP COLUMN second_reviewer;
ALTER TABLE records DROP COLUMN second_reviewed_at_ms;
DELETE FROM schema_migrations WHERE version = 4;)sql",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db.get());
  }
  const std::unique_ptr<Store> store = open_sqlite_store(path);
  EXPECT_EQ(store->schema_version(), 4);
  EXPECT_FALSE(store->record_by_key(fmt::format("{:032x}", 3)).has_value());  // purged
  // The kept records, their decisions (the reviewer was not recorded before) and files.
  const IngestedRecord confirmed = *store->record_by_key(fmt::format("{:032x}", 1));
  EXPECT_EQ(confirmed.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(confirmed.reviewed_at, UtcTime{5000});
  EXPECT_EQ(confirmed.first_reviewer, "");
  EXPECT_EQ(confirmed.first_reviewed_at, UtcTime{5000});
  EXPECT_EQ(confirmed.second_reviewer, "");
  EXPECT_FALSE(confirmed.second_reviewed_at.has_value());
  ASSERT_EQ(confirmed.files.size(), 1U);
  EXPECT_EQ(confirmed.files[0].storage_path, "x");
  EXPECT_EQ(store->record_by_key(fmt::format("{:032x}", 2))->review_status, ReviewStatus::pending);
  EXPECT_EQ(store->review_queue(10, "").size(), 1U);
  IngestedRecord r;
  r.key = fmt::format("{:032x}", 9);
  r.kind = "violation";
  r.violation = true;
  r.camera_id = "c1";
  r.content_sha256 = std::string(64, 'c');
  r.received_at = UtcTime{9000};
  r.files = {EvidenceFile{0, "frame.jpg", "image/jpeg", 10, std::string(64, 'd'), "y"}};
  ASSERT_EQ(store->ingest_record(r), IngestOutcome::stored);
  EXPECT_GT(r.id, highest_id);
  // The purged key is still a tombstone, and the new record and its file read back.
  IngestedRecord again;
  again.key = fmt::format("{:032x}", 3);
  again.kind = "violation";
  again.violation = true;
  again.camera_id = "c1";
  again.content_sha256 = std::string(64, 'a');
  EXPECT_EQ(store->ingest_record(again), IngestOutcome::duplicate);
  const IngestedRecord got = *store->record_by_key(r.key);
  ASSERT_EQ(got.files.size(), 1U);
  EXPECT_EQ(got.files[0].storage_path, "y");
  EXPECT_EQ(store->set_review(
                r.key, ReviewDecision{ReviewStatus::pending, ReviewStatus::awaiting_second_review,
                                      ReviewStage::first, "alice", UtcTime{9500}, ""}),
            ReviewOutcome::applied);
  EXPECT_EQ(store->record_by_key(r.key)->review_status, ReviewStatus::awaiting_second_review);
}

}  // namespace
}  // namespace roadwarden::store
