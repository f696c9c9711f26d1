// Behaviour of the PostgreSQL store on a real server (the throw-away cluster scripts/test
// starts): exact plate-read round trips, ids, all-or-none batches, migrations (once, also
// with concurrent openers; refusal of newer or foreign schemas), connection errors that never
// show the password, and one audit chain across connections.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <pqxx/pqxx>

#include "core/errors.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/record_rules.hpp"
#include "store/store.hpp"
#include "unit/store/plate_read_samples.hpp"
#include "unit/store/postgres_test_db.hpp"

namespace roadwarden::store {
namespace {

using testing::expect_same_read;
using testing::make_read;
using testing::TestDatabase;

/// The message of the E that `f` throws; a test failure when it throws nothing.
template <typename E, typename F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected exception was not thrown";
  return "";
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// The password in a libpq connection string, or "".
std::string password_of(const std::string& connection) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(connection.c_str(), &error), &PQconninfoFree);
  if (error != nullptr) PQfreemem(error);
  for (const PQconninfoOption* o = options.get(); o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "password" && o->val != nullptr) return o->val;
  }
  return "";
}

/// Each test gets a fresh database on the test cluster; skipped without a cluster.
class PostgresStore : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string server = testing::test_server();
    if (server.empty()) GTEST_SKIP() << testing::kNoPostgresReason;
    db_ = std::make_unique<TestDatabase>(server);
  }
  /// Connection string of this test's database.
  [[nodiscard]] const std::string& connection() const { return db_->connection(); }
  /// The single value `sql` returns, as text, read directly (not through the store).
  [[nodiscard]] std::string value(const std::string& sql) const {
    pqxx::connection raw(connection());
    pqxx::nontransaction tx(raw);
    return tx.exec1(sql)[0].c_str();
  }
  /// Runs `sql` directly on this test's database.
  void exec(const std::string& sql) const {
    pqxx::connection raw(connection());
    pqxx::nontransaction(raw).exec(sql);
  }

 private:
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(PostgresStore, RoundTripsEveryFieldExactly) {
  StoredPlateRead sparse;  // an unreadable plate: empty text, no candidates
  sparse.read_at = UtcTime{-1};
  sparse.clock_source = "system";
  sparse.source = "rtsp://cam-07/stream?lane=2&token=none";
  sparse.frame = std::numeric_limits<std::int64_t>::max();
  sparse.plate.corners = Quad::from_box(Box{0, 0, 3840, 2160});
  sparse.plate.detector_confidence = 1.0;
  StoredPlateRead extreme = make_read(7);
  extreme.read_at = UtcTime{std::numeric_limits<std::int64_t>::max()};
  extreme.plate.corners.corners[2] = Point{std::numeric_limits<double>::max(), -1e-308};
  extreme.plate.confidence = std::nextafter(1.0, 0.0);
  extreme.plate.detector_confidence = std::numeric_limits<double>::denorm_min();
  extreme.plate.char_confidences = {std::numeric_limits<double>::denorm_min()};
  const std::vector<StoredPlateRead> written{make_read(0), make_read(1), sparse, extreme};

  std::vector<std::int64_t> ids;
  {
    const auto store = open_postgres_store(connection());
    ids = store->add_plate_reads(written);
    const auto reads = store->plate_reads();
    ASSERT_EQ(reads.size(), written.size());
    for (std::size_t i = 0; i < reads.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(reads[i].id, ids[i]);
      expect_same_read(written[i], reads[i]);
    }
  }
  const auto reopened = open_postgres_store(connection())->plate_reads();  // new connection
  ASSERT_EQ(reopened.size(), written.size());
  for (std::size_t i = 0; i < reopened.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(reopened[i].id, ids[i]);
    expect_same_read(written[i], reopened[i]);
  }
}

TEST_F(PostgresStore, AssignsAscendingIdsAcrossBatches) {
  const auto store = open_postgres_store(connection());
  std::vector<std::int64_t> all_ids;
  std::int64_t next = 0;
  for (const int batch_size : {3, 1, 2}) {
    std::vector<StoredPlateRead> batch;
    for (int k = 0; k < batch_size; ++k) batch.push_back(make_read(next++));
    const auto ids = store->add_plate_reads(batch);
    ASSERT_EQ(ids.size(), batch.size());
    all_ids.insert(all_ids.end(), ids.begin(), ids.end());
  }
  EXPECT_GT(all_ids.front(), 0);
  for (std::size_t i = 1; i < all_ids.size(); ++i) EXPECT_LT(all_ids[i - 1], all_ids[i]);

  const auto reads = store->plate_reads();
  ASSERT_EQ(reads.size(), all_ids.size());
  for (std::size_t i = 0; i < reads.size(); ++i) {
    EXPECT_EQ(reads[i].id, all_ids[i]);
    expect_same_read(make_read(static_cast<std::int64_t>(i)), reads[i]);
  }
}

TEST_F(PostgresStore, EmptyBatchStoresNothingAndReturnsNoIds) {
  const auto store = open_postgres_store(connection());
  EXPECT_TRUE(store->add_plate_reads({}).empty());
  EXPECT_TRUE(store->plate_reads().empty());
}

TEST_F(PostgresStore, RejectsInvalidReadAndStoresNothingOfItsBatch) {
  const auto store = open_postgres_store(connection());
  struct Case {
    const char* field;
    void (*spoil)(StoredPlateRead&);
  };
  const Case cases[] = {
      {"confidence", [](StoredPlateRead& r) { r.plate.confidence = std::nan(""); }},
      {"detector_confidence", [](StoredPlateRead& r) { r.plate.detector_confidence = 1.5; }},
      {"char_confidences[2]", [](StoredPlateRead& r) { r.plate.char_confidences[2] = -0.1; }},
      {"candidates[1].confidence",
       [](StoredPlateRead& r) { r.plate.candidates[1].confidence = INFINITY; }},
      {"candidates[0].text", [](StoredPlateRead& r) { r.plate.candidates[0].text = "01\xff"; }},
      {"corner 3", [](StoredPlateRead& r) { r.plate.corners.corners[3].x = -INFINITY; }},
      {"frame", [](StoredPlateRead& r) { r.frame = -2; }},
      // PostgreSQL text cannot hold NUL: refused rather than cut short.
      {"source", [](StoredPlateRead& r) { r.source = std::string("cam\0-1", 6); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    std::vector<StoredPlateRead> batch{make_read(0), make_read(1), make_read(2)};
    c.spoil(batch[1]);
    const std::string message =
        message_of<InvalidInput>([&] { (void)store->add_plate_reads(batch); });
    EXPECT_TRUE(contains(message, "Plate read 1 ")) << message;
    EXPECT_TRUE(contains(message, c.field)) << message;
    EXPECT_TRUE(store->plate_reads().empty());
  }
}

TEST_F(PostgresStore, BatchIsAllOrNoneWhenStorageFailsMidway) {
  const auto store = open_postgres_store(connection());
  const auto first = store->add_plate_reads({make_read(0)});

  // Make the storage itself fail on the second read of the next batch.
  exec(R"sql(
CREATE FUNCTION fail_midway() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.text = 'FAIL' THEN RAISE EXCEPTION 'injected storage failure'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER fail_midway BEFORE INSERT ON plate_reads
  FOR EACH ROW EXECUTE FUNCTION fail_midway())sql");
  std::vector<StoredPlateRead> batch{make_read(1), make_read(2), make_read(3)};
  batch[1].plate.text = "FAIL";
  const std::string message = message_of<IoError>([&] { (void)store->add_plate_reads(batch); });
  EXPECT_TRUE(contains(message, "injected storage failure")) << message;
  EXPECT_TRUE(contains(message, "rw_test_")) << message;  // names the database

  const auto after_failure = store->plate_reads();
  ASSERT_EQ(after_failure.size(), 1U);
  EXPECT_EQ(after_failure[0].id, first[0]);

  // The store is still usable, and the failed batch left no trace.
  exec("DROP TRIGGER fail_midway ON plate_reads");
  const auto ids = store->add_plate_reads(batch);
  ASSERT_EQ(ids.size(), 3U);
  EXPECT_GT(ids[0], first[0]);
  const auto reads = store->plate_reads();
  ASSERT_EQ(reads.size(), 4U);
  for (std::size_t i = 0; i < batch.size(); ++i) expect_same_read(batch[i], reads[i + 1]);
}

TEST_F(PostgresStore, ReplacesInvalidUtf8InSource) {
  const auto store = open_postgres_store(connection());
  StoredPlateRead read = make_read(0);
  read.source = "/media/cam\xff\xfe-1/clip.mp4";  // a Latin-1 file name
  store->add_plate_reads({read});
  EXPECT_EQ(store->plate_reads().at(0).source,
            "/media/cam\xEF\xBF\xBD\xEF\xBF\xBD-1/clip.mp4");  // each bad byte -> U+FFFD
}

TEST_F(PostgresStore, MigratingTwiceIsANoOp) {
  const std::string rows_sql =
      "SELECT string_agg(version || '|' || description || '|' || applied_at_ms, ';' "
      "ORDER BY version) FROM schema_migrations";
  {
    const auto store = open_postgres_store(connection());
    EXPECT_EQ(store->schema_version(), kPostgresSchemaVersion);
    store->add_plate_reads({make_read(0)});
  }
  const std::string applied = value(rows_sql);
  EXPECT_EQ(value("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(kPostgresSchemaVersion));
  EXPECT_GT(std::stoll(value("SELECT MIN(applied_at_ms) FROM schema_migrations")),
            1'700'000'000'000);  // a real UTC ms time

  for (int reopen = 0; reopen < 2; ++reopen) {
    const auto store = open_postgres_store(connection());
    EXPECT_EQ(store->schema_version(), kPostgresSchemaVersion);
    const auto reads = store->plate_reads();
    ASSERT_EQ(reads.size(), 1U);
    expect_same_read(make_read(0), reads[0]);
  }
  EXPECT_EQ(value(rows_sql), applied);
}

TEST_F(PostgresStore, ConcurrentOpenersMigrateOnce) {
  constexpr int kOpeners = 6;
  std::vector<std::unique_ptr<Store>> stores(kOpeners);
  std::vector<std::string> errors(kOpeners);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < kOpeners; ++i) {
      threads.emplace_back([&, i] {
        try {
          stores[i] = open_postgres_store(connection());
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
      });
    }
  }  // joined
  for (int i = 0; i < kOpeners; ++i) {
    EXPECT_EQ(errors[i], "") << "opener " << i;
    ASSERT_NE(stores[i], nullptr);
    EXPECT_EQ(stores[i]->schema_version(), kPostgresSchemaVersion);
  }
  EXPECT_EQ(value("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(kPostgresSchemaVersion));
  stores[0]->add_plate_reads({make_read(0)});
  EXPECT_EQ(stores[kOpeners - 1]->plate_reads().size(), 1U);
}

TEST_F(PostgresStore, RejectsDatabaseWithNewerSchemaAndLeavesItUnchanged) {
  open_postgres_store(connection())->add_plate_reads({make_read(0)});
  const std::string newer = std::to_string(kPostgresSchemaVersion + 1);
  exec("INSERT INTO schema_migrations VALUES (" + newer + ", 'from the future', 1800000000000)");

  const std::string message = message_of<Corrupt>([&] { (void)open_postgres_store(connection()); });
  EXPECT_TRUE(contains(message, "schema version " + newer)) << message;
  EXPECT_TRUE(contains(message, "newer")) << message;
  EXPECT_TRUE(contains(message, "rw_test_")) << message;
  EXPECT_EQ(value("SELECT COUNT(*) FROM plate_reads"), "1");
  EXPECT_EQ(value("SELECT MAX(version) FROM schema_migrations"), newer);
}

TEST_F(PostgresStore, UpgradeToReviewStatusMarksStoredViolationsPending) {
  {
    const auto store = open_postgres_store(connection());
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
  // Back to schema 2: the review columns and migrations 3 and 4 removed.
  exec(
      "DROP INDEX records_by_review; ALTER TABLE records DROP COLUMN review_status, DROP COLUMN "
      "reviewed_at_ms, DROP COLUMN review_reason, DROP COLUMN first_reviewer, DROP COLUMN "
      "first_reviewed_at_ms, DROP COLUMN second_reviewer, DROP COLUMN second_reviewed_at_ms; "
      "DELETE FROM schema_migrations WHERE version IN (3, 4)");

  const auto store = open_postgres_store(connection());
  EXPECT_EQ(store->schema_version(), kPostgresSchemaVersion);
  EXPECT_EQ(store->record_by_key(fmt::format("{:032x}", 1))->review_status, ReviewStatus::none);
  const IngestedRecord violation = *store->record_by_key(fmt::format("{:032x}", 2));
  EXPECT_EQ(violation.review_status, ReviewStatus::pending);
  EXPECT_FALSE(violation.reviewed_at.has_value());
  EXPECT_EQ(violation.review_reason, "");
}

TEST_F(PostgresStore, UpgradeToSecondReviewKeepsDecisionsAndAllowsTheNewStatus) {
  const std::string k = fmt::format("{:032x}", 1);
  {
    const auto store = open_postgres_store(connection());
    store->put_site(Site{"s1", "One", "UTC"});
    store->put_camera(Camera{"c1", "s1", "Cam", 1.5, 2.5, true});
    for (int n = 1; n <= 2; ++n) {
      IngestedRecord r;
      r.key = fmt::format("{:032x}", n);
      r.kind = "violation";
      r.violation = true;
      r.camera_id = "c1";
      r.content_sha256 = std::string(64, 'a');
      ASSERT_EQ(store->ingest_record(r), IngestOutcome::stored);
    }
    ASSERT_EQ(store->set_review(k, ReviewDecision{ReviewStatus::pending, ReviewStatus::confirmed,
                                                  ReviewStage::first, "alice", UtcTime{5000}, ""}),
              ReviewOutcome::applied);
  }
  // Back to schema 3: the reviewer columns and the four-status CHECK of migration 3.
  exec(
      "ALTER TABLE records DROP COLUMN first_reviewer, DROP COLUMN first_reviewed_at_ms, DROP "
      "COLUMN second_reviewer, DROP COLUMN second_reviewed_at_ms, DROP CONSTRAINT "
      "records_review_status_check, ADD CONSTRAINT records_review_status_check CHECK "
      "(review_status IN ('none', 'pending', 'confirmed', 'rejected')); DELETE FROM "
      "schema_migrations WHERE version = 4");

  const auto store = open_postgres_store(connection());
  EXPECT_EQ(store->schema_version(), kPostgresSchemaVersion);
  const IngestedRecord confirmed = *store->record_by_key(k);
  EXPECT_EQ(confirmed.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(confirmed.first_reviewer, "");  // not recorded before schema 4
  EXPECT_EQ(confirmed.first_reviewed_at, UtcTime{5000});
  const std::string pending = fmt::format("{:032x}", 2);
  EXPECT_EQ(store->set_review(
                pending, ReviewDecision{ReviewStatus::pending, ReviewStatus::awaiting_second_review,
                                        ReviewStage::first, "alice", UtcTime{6000}, ""}),
            ReviewOutcome::applied);
  EXPECT_EQ(store->record_by_key(pending)->review_status, ReviewStatus::awaiting_second_review);
}

TEST_F(PostgresStore, RejectsDatabaseOfAnotherApplicationAndLeavesItUnchanged) {
  exec("CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('x')");
  const std::string message = message_of<Corrupt>([&] { (void)open_postgres_store(connection()); });
  EXPECT_TRUE(contains(message, "not a roadwarden store")) << message;
  EXPECT_EQ(value("SELECT COUNT(*) FROM customers"), "1");
  EXPECT_EQ(value("SELECT COUNT(*) FROM pg_tables WHERE tablename = 'schema_migrations'"), "0");
}

TEST_F(PostgresStore, WrongPasswordThrowsIoErrorNamingHostAndDatabaseButNoPassword) {
  const std::string real_password = password_of(connection());
  ASSERT_FALSE(real_password.empty());
  const std::string wrong = "Wrong-Secret-7f3a9c2e";
  const std::string message = message_of<IoError>(
      [&] { (void)open_postgres_store(testing::with_option(connection(), "password", wrong)); });
  EXPECT_FALSE(contains(message, wrong)) << message;
  EXPECT_FALSE(contains(message, real_password)) << message;
  EXPECT_TRUE(contains(message, "127.0.0.1")) << message;
  EXPECT_TRUE(contains(message, "rw_test_")) << message;
  EXPECT_TRUE(contains(message, "password authentication failed")) << message;  // libpq's reason

  // The same as a URI.
  const std::string uri_message = message_of<IoError>([&] {
    (void)open_postgres_store(
        fmt::format("postgresql://roadwarden:{}@127.0.0.1:1/postgres?connect_timeout=5", wrong));
  });
  EXPECT_FALSE(contains(uri_message, wrong)) << uri_message;
  EXPECT_TRUE(contains(uri_message, "127.0.0.1")) << uri_message;
}

TEST_F(PostgresStore, MalformedConnectionStringIsNotEchoed) {
  const std::string secret = "S3cret-in-a-broken-string";
  const std::string message = message_of<IoError>(
      [&] { (void)open_postgres_store(fmt::format("host=127.0.0.1 password='{}", secret)); });
  EXPECT_FALSE(contains(message, secret)) << message;
  EXPECT_TRUE(contains(message, "connection string")) << message;
}

TEST_F(PostgresStore, ConcurrentAuditAppendsFromSeveralConnectionsFormOneChain) {
  constexpr int kWriters = 4;
  constexpr int kEach = 15;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kWriters; ++i) stores.push_back(open_postgres_store(connection()));
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        for (int k = 0; k < kEach; ++k) {
          AuditEntry e;
          e.time = UtcTime{1'764'449'742'000 + k};
          e.actor = fmt::format("writer{}", w);
          e.role = "system";
          e.action = "search";
          e.target = fmt::format("plate {}", k);
          e.outcome = "ok";
          stores[static_cast<std::size_t>(w)]->append_audit(e);
        }
      });
    }
  }  // joined
  const auto entries = stores[0]->audit_entries(0, 1000);
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kWriters * kEach));
  std::string prev(kAuditGenesisHash);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(entries[i].seq, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(entries[i].prev_hash, prev);
    EXPECT_EQ(entries[i].hash, audit_entry_hash(entries[i]));
    prev = entries[i].hash;
  }
}

TEST_F(PostgresStore, AuditLogRefusesUpdateAndDelete) {
  const auto store = open_postgres_store(connection());
  AuditEntry e;
  e.actor = "system";
  e.role = "system";
  e.action = "purge";
  e.outcome = "ok";
  store->append_audit(e);
  EXPECT_THROW(exec("UPDATE audit_log SET outcome = 'denied'"), pqxx::sql_error);
  EXPECT_THROW(exec("DELETE FROM audit_log"), pqxx::sql_error);
  EXPECT_THROW(exec("TRUNCATE audit_log"), pqxx::sql_error);
  EXPECT_EQ(value("SELECT outcome FROM audit_log"), "ok");
}

}  // namespace
}  // namespace roadwarden::store
