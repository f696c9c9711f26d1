// Behaviour of the SQLite store: exact round trips, ids, migrations, rejection of files it
// must not touch, all-or-none batches, concurrent writers and durability across kill -9.
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "store/store.hpp"
#include "unit/store/plate_read_samples.hpp"

namespace roadwarden::store {
namespace {

namespace fs = std::filesystem;
using testing::expect_same_read;
using testing::make_read;

/// A fresh folder under the system temp folder, removed with its contents at scope end.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            fmt::format("rw_store_{}_{}_{:08x}", test->name(), getpid(), std::random_device{}());
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// A direct sqlite3 connection, to inspect or alter a store file behind the store's back.
class RawDb {
 public:
  explicit RawDb(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string());
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }
  /// Every row of `sql`, each column as text ("NULL" for null).
  std::vector<std::vector<std::string>> rows(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::vector<std::string>> out;
    int rc = 0;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      auto& row = out.emplace_back();
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        row.emplace_back(text == nullptr ? "NULL" : text);
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string(sql) + ": step failed");
    return out;
  }
  /// The single value returned by `sql`.
  std::string value(const char* sql) {
    const auto result = rows(sql);
    if (result.size() != 1 || result[0].size() != 1) throw std::runtime_error("not one value");
    return result[0][0];
  }

 private:
  sqlite3* db_ = nullptr;
};

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

TEST(SqliteStore, RoundTripsEveryFieldExactly) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";

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
  extreme.plate.char_confidences = {std::numeric_limits<double>::denorm_min()};
  const std::vector<StoredPlateRead> written{make_read(0), make_read(1), sparse, extreme};

  std::vector<std::int64_t> ids;
  {
    const auto store = open_sqlite_store(path);
    ids = store->add_plate_reads(written);
    const auto reads = store->plate_reads();
    ASSERT_EQ(reads.size(), written.size());
    for (std::size_t i = 0; i < reads.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_EQ(reads[i].id, ids[i]);
      expect_same_read(written[i], reads[i]);
    }
  }
  const auto reopened = open_sqlite_store(path)->plate_reads();  // from disk, new connection
  ASSERT_EQ(reopened.size(), written.size());
  for (std::size_t i = 0; i < reopened.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(reopened[i].id, ids[i]);
    expect_same_read(written[i], reopened[i]);
  }
}

TEST(SqliteStore, AssignsAscendingIdsAcrossBatches) {
  TempDir dir;
  const auto store = open_sqlite_store(dir.path() / "reads.db");
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

TEST(SqliteStore, EmptyBatchStoresNothingAndReturnsNoIds) {
  TempDir dir;
  const auto store = open_sqlite_store(dir.path() / "reads.db");
  EXPECT_TRUE(store->add_plate_reads({}).empty());
  EXPECT_TRUE(store->plate_reads().empty());
}

TEST(SqliteStore, AppliesMigrationsOnceAndReopenKeepsVersionAndData) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  {
    const auto store = open_sqlite_store(path);
    EXPECT_EQ(store->schema_version(), kSqliteSchemaVersion);
    store->add_plate_reads({make_read(0)});
  }
  std::vector<std::vector<std::string>> applied;
  {
    RawDb raw(path);
    applied = raw.rows(
        "SELECT version, description, applied_at_ms FROM schema_migrations "
        "ORDER BY version");
    ASSERT_EQ(applied.size(), static_cast<std::size_t>(kSqliteSchemaVersion));
    for (std::size_t i = 0; i < applied.size(); ++i) {
      EXPECT_EQ(applied[i][0], std::to_string(i + 1));
      EXPECT_FALSE(applied[i][1].empty());
      EXPECT_GT(std::stoll(applied[i][2]), 1'700'000'000'000);  // a real UTC ms time
    }
  }
  for (int reopen = 0; reopen < 2; ++reopen) {
    const auto store = open_sqlite_store(path);
    EXPECT_EQ(store->schema_version(), kSqliteSchemaVersion);
    const auto reads = store->plate_reads();
    ASSERT_EQ(reads.size(), 1U);
    expect_same_read(make_read(0), reads[0]);
  }
  RawDb raw(path);
  EXPECT_EQ(raw.rows("SELECT version, description, applied_at_ms FROM schema_migrations "
                     "ORDER BY version"),
            applied);
}

TEST(SqliteStore, KeepsFileInWalJournalMode) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  const auto store = open_sqlite_store(path);
  store->add_plate_reads({make_read(0)});
  EXPECT_EQ(RawDb(path).value("PRAGMA journal_mode"), "wal");
}

TEST(SqliteStore, RejectsDatabaseWithNewerSchemaAndLeavesItUnchanged) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  open_sqlite_store(path)->add_plate_reads({make_read(0)});
  const std::string newer = std::to_string(kSqliteSchemaVersion + 1);
  RawDb(path).exec(
      ("INSERT INTO schema_migrations VALUES (" + newer + ", 'from the future', 1800000000000)")
          .c_str());

  const std::string message = message_of<Corrupt>([&] { (void)open_sqlite_store(path); });
  EXPECT_TRUE(contains(message, path.string())) << message;
  EXPECT_TRUE(contains(message, "schema version " + newer)) << message;
  EXPECT_TRUE(contains(message, "newer")) << message;

  RawDb raw(path);
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM plate_reads"), "1");
  EXPECT_EQ(raw.value("SELECT MAX(version) FROM schema_migrations"), newer);
}

TEST(SqliteStore, RejectsFileThatIsNotADatabaseAndLeavesItUnchanged) {
  TempDir dir;
  const fs::path path = dir.path() / "plates.csv";
  const std::string contents =
      "plate,read_at\n01A123BC,2026-11-29T20:55:42.123Z\n40B456CD,2026-11-29T20:56:01.004Z\n";
  std::ofstream(path, std::ios::binary) << contents;

  const std::string message = message_of<Corrupt>([&] { (void)open_sqlite_store(path); });
  EXPECT_TRUE(contains(message, path.string())) << message;
  EXPECT_TRUE(contains(message, "not a SQLite database")) << message;

  std::ifstream in(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), contents);
  EXPECT_FALSE(fs::exists(path.string() + "-wal"));
}

TEST(SqliteStore, RejectsSqliteDatabaseOfAnotherApplication) {
  TempDir dir;
  const fs::path path = dir.path() / "other.db";
  RawDb(path).exec("CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('x')");

  const std::string message = message_of<Corrupt>([&] { (void)open_sqlite_store(path); });
  EXPECT_TRUE(contains(message, path.string())) << message;
  EXPECT_TRUE(contains(message, "not a roadwarden store")) << message;

  RawDb raw(path);
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM customers"), "1");
  EXPECT_EQ(raw.value("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'schema_migrations'"), "0");
  EXPECT_EQ(raw.value("PRAGMA journal_mode"), "delete");
}

TEST(SqliteStore, UnwritablePathThrowsIoErrorNamingFile) {
  TempDir dir;
  const fs::path regular_file = dir.path() / "notes.txt";
  std::ofstream(regular_file) << "a file, not a folder\n";
  const std::vector<fs::path> unwritable{
      regular_file / "reads.db",            // parent is a regular file
      dir.path() / "missing" / "reads.db",  // parent folder does not exist
      dir.path(),                           // a folder, not a file
  };
  for (const fs::path& path : unwritable) {
    SCOPED_TRACE(path.string());
    const std::string message = message_of<IoError>([&] { (void)open_sqlite_store(path); });
    EXPECT_TRUE(contains(message, path.string())) << message;
    EXPECT_TRUE(contains(message, "unable to open database file")) << message;  // errmsg
  }
  EXPECT_FALSE(fs::exists(dir.path() / "missing"));
}

TEST(SqliteStore, BatchIsAllOrNoneWhenStorageFailsMidway) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  const auto store = open_sqlite_store(path);
  const auto first = store->add_plate_reads({make_read(0)});

  // Make the storage itself fail on the second read of the next batch.
  RawDb raw(path);
  raw.exec(
      "CREATE TRIGGER fail_midway BEFORE INSERT ON plate_reads WHEN NEW.text = 'FAIL' "
      "BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END");
  std::vector<StoredPlateRead> batch{make_read(1), make_read(2), make_read(3)};
  batch[1].plate.text = "FAIL";
  const std::string message = message_of<IoError>([&] { (void)store->add_plate_reads(batch); });
  EXPECT_TRUE(contains(message, "injected storage failure")) << message;  // sqlite3_errmsg
  EXPECT_TRUE(contains(message, path.string())) << message;

  const auto after_failure = store->plate_reads();
  ASSERT_EQ(after_failure.size(), 1U);
  EXPECT_EQ(after_failure[0].id, first[0]);

  // The store is still usable, and the failed batch left no trace.
  raw.exec("DROP TRIGGER fail_midway");
  const auto ids = store->add_plate_reads(batch);
  ASSERT_EQ(ids.size(), 3U);
  EXPECT_GT(ids[0], first[0]);
  const auto reads = store->plate_reads();
  ASSERT_EQ(reads.size(), 4U);
  for (std::size_t i = 0; i < batch.size(); ++i) expect_same_read(batch[i], reads[i + 1]);
}

TEST(SqliteStore, RejectsInvalidReadAndStoresNothingOfItsBatch) {
  TempDir dir;
  const auto store = open_sqlite_store(dir.path() / "reads.db");
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

TEST(SqliteStore, ReplacesInvalidUtf8InSource) {
  TempDir dir;
  const auto store = open_sqlite_store(dir.path() / "reads.db");
  StoredPlateRead read = make_read(0);
  read.source = "/media/cam\xff\xfe-1/clip.mp4";  // a Latin-1 file name
  store->add_plate_reads({read});
  EXPECT_EQ(store->plate_reads().at(0).source,
            "/media/cam\xEF\xBF\xBD\xEF\xBF\xBD-1/clip.mp4");  // each bad byte -> U+FFFD
}

TEST(SqliteStore, TwoStoresOnOneFileSeeEachOthersReads) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  const auto a = open_sqlite_store(path);
  const auto b = open_sqlite_store(path);
  a->add_plate_reads({make_read(0)});
  b->add_plate_reads({make_read(1)});
  for (const auto* store : {a.get(), b.get()}) {
    const auto reads = store->plate_reads();
    ASSERT_EQ(reads.size(), 2U);
    expect_same_read(make_read(0), reads[0]);
    expect_same_read(make_read(1), reads[1]);
  }
}

TEST(SqliteStore, ConcurrentInsertsFromFourThreadsAllPresent) {
  TempDir dir;
  const auto store = open_sqlite_store(dir.path() / "reads.db");
  constexpr int kThreads = 4;
  constexpr int kBatches = 25;
  constexpr int kBatchSize = 2;
  std::vector<std::map<std::int64_t, std::int64_t>> written(kThreads);  // id -> read index
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&store, &written, t] {
        for (int b = 0; b < kBatches; ++b) {
          std::vector<std::int64_t> indices;
          std::vector<StoredPlateRead> batch;
          for (int k = 0; k < kBatchSize; ++k) {
            indices.push_back(t * 1000 + b * kBatchSize + k);
            batch.push_back(make_read(indices.back()));
          }
          const auto ids = store->add_plate_reads(batch);
          for (std::size_t k = 0; k < ids.size(); ++k) written[t][ids[k]] = indices[k];
        }
      });
    }
  }  // joined

  std::map<std::int64_t, std::int64_t> expected;
  for (const auto& per_thread : written) expected.insert(per_thread.begin(), per_thread.end());
  ASSERT_EQ(expected.size(), static_cast<std::size_t>(kThreads * kBatches * kBatchSize));
  const auto reads = store->plate_reads();
  ASSERT_EQ(reads.size(), expected.size());
  for (const StoredPlateRead& read : reads) {
    ASSERT_EQ(expected.count(read.id), 1U) << read.id;
    expect_same_read(make_read(expected.at(read.id)), read);
  }
}

// --- durability across kill -9 ----------------------------------------------------------

/// Batch b written by the child holds 1 + b % 3 reads, so a torn batch would show.
std::int64_t batch_size(std::int64_t b) {
  return 1 + b % 3;
}

/// Child process: adds make_read(0), make_read(1), ... one batch at a time, and after each
/// add returns writes the number of acknowledged reads to `fd`. Runs until killed; on an
/// error writes -1 and exits.
[[noreturn]] void write_reads_until_killed(const fs::path& path, int fd) {
  try {
    const auto store = open_sqlite_store(path);
    std::int64_t acknowledged = 0;
    for (std::int64_t b = 0;; ++b) {
      std::vector<StoredPlateRead> batch;
      for (std::int64_t k = 0; k < batch_size(b); ++k) batch.push_back(make_read(acknowledged + k));
      store->add_plate_reads(batch);
      acknowledged += static_cast<std::int64_t>(batch.size());
      if (write(fd, &acknowledged, sizeof acknowledged) != sizeof acknowledged) _exit(3);
    }
  } catch (...) {
    const std::int64_t failed = -1;
    if (write(fd, &failed, sizeof failed) != sizeof failed) _exit(4);
    _exit(2);
  }
}

/// One count from the child; nullopt at end of pipe or after `timeout_ms` of silence.
std::optional<std::int64_t> read_count(int fd, int timeout_ms) {
  std::int64_t value = 0;
  auto* bytes = reinterpret_cast<char*>(&value);
  std::size_t got = 0;
  while (got < sizeof value) {
    pollfd ready{fd, POLLIN, 0};
    if (poll(&ready, 1, timeout_ms) <= 0) return std::nullopt;
    const ssize_t n = read(fd, bytes + got, sizeof value - got);
    if (n <= 0) return std::nullopt;
    got += static_cast<std::size_t>(n);
  }
  return value;
}

/// Kills and reaps the child if the test ends before it did.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;
  /// Sends SIGKILL and returns the wait status.
  int kill_and_wait() {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_;
};

TEST(SqliteStore, CommittedReadsSurviveKillDashNine) {
  TempDir dir;
  const fs::path path = dir.path() / "reads.db";
  constexpr std::int64_t kAcknowledgedBeforeKill = 50;

  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t pid = fork();
  ASSERT_NE(pid, -1);
  if (pid == 0) {
    close(pipe_fds[0]);
    write_reads_until_killed(path, pipe_fds[1]);
  }
  close(pipe_fds[1]);
  ChildGuard child(pid);

  std::int64_t acknowledged = 0;
  while (acknowledged < kAcknowledgedBeforeKill) {
    const auto count = read_count(pipe_fds[0], 60'000);
    ASSERT_TRUE(count.has_value()) << "the writer stopped acknowledging";
    ASSERT_NE(*count, -1) << "the writer failed";
    acknowledged = *count;
  }
  const int status = child.kill_and_wait();  // most likely in the middle of the next commit
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  while (const auto count = read_count(pipe_fds[0], 5'000)) {  // acks sent before the kill
    ASSERT_NE(*count, -1);
    acknowledged = std::max(acknowledged, *count);
  }
  close(pipe_fds[0]);

  const auto reads = open_sqlite_store(path)->plate_reads();
  ASSERT_GE(static_cast<std::int64_t>(reads.size()), acknowledged);
  std::set<std::int64_t> batch_ends{0};
  for (std::int64_t b = 0, end = 0; end < static_cast<std::int64_t>(reads.size()); ++b) {
    batch_ends.insert(end += batch_size(b));
  }
  EXPECT_EQ(batch_ends.count(static_cast<std::int64_t>(reads.size())), 1U)
      << reads.size() << " reads stored: a batch was torn";
  for (std::size_t i = 0; i < reads.size(); ++i) {
    SCOPED_TRACE(i);
    expect_same_read(make_read(static_cast<std::int64_t>(i)), reads[i]);
  }
  EXPECT_EQ(RawDb(path).value("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace roadwarden::store
