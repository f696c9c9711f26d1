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
  {  // Back to schema 2: the review columns and migration 3 removed.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(db.get(), R"sql(
DROP INDEX records_by_review;
ALTER TABLE records DROP COLUMN review_status;
ALTER TABLE records DROP COLUMN reviewed_at_ms;
ALTER TABLE records DROP COLUMN review_reason;
DELETE FROM schema_migrations WHERE version = 3;)sql",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(db.get());
  }
  const std::unique_ptr<Store> store = open_sqlite_store(path);
  EXPECT_EQ(store->schema_version(), 3);
  EXPECT_EQ(store->record_by_key(fmt::format("{:032x}", 1))->review_status, ReviewStatus::none);
  const IngestedRecord violation = *store->record_by_key(fmt::format("{:032x}", 2));
  EXPECT_EQ(violation.review_status, ReviewStatus::pending);
  EXPECT_FALSE(violation.reviewed_at.has_value());
  EXPECT_EQ(violation.review_reason, "");
}

}  // namespace
}  // namespace roadwarden::store
