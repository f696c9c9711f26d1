// The SQLite Store: roadwarden::store::Store over the sqlite3 C API, in WAL mode with
// synchronous=FULL, with versioned schema migrations. Schema and rules: docs/store.md.
#include "store/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace roadwarden::store {
namespace {

using nlohmann::json;

/// How long a call waits for another connection's lock before failing, milliseconds.
constexpr int kBusyTimeoutMs = 5000;

/// One schema migration. Migrations are applied once each, in order of `version`, each in
/// its own transaction together with its schema_migrations row. A released migration is
/// never edited; a schema change is a new migration appended to kMigrations.
struct Migration {
  int version;
  const char* description;
  /// Static DDL only: never built from data.
  const char* sql;
};

constexpr std::array kMigrations{
    Migration{1, "create plate_reads", R"sql(
CREATE TABLE plate_reads (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  read_at_ms          INTEGER NOT NULL,
  clock_source        TEXT    NOT NULL,
  source              TEXT    NOT NULL,
  frame               INTEGER NOT NULL CHECK (frame >= -1),
  text                TEXT    NOT NULL,
  confidence          REAL    NOT NULL,
  detector_confidence REAL    NOT NULL,
  tl_x REAL NOT NULL, tl_y REAL NOT NULL,
  tr_x REAL NOT NULL, tr_y REAL NOT NULL,
  br_x REAL NOT NULL, br_y REAL NOT NULL,
  bl_x REAL NOT NULL, bl_y REAL NOT NULL,
  char_confidences    TEXT    NOT NULL CHECK (json_type(char_confidences) = 'array'),
  candidates          TEXT    NOT NULL CHECK (json_type(candidates) = 'array'),
  country             TEXT    NOT NULL,
  format              TEXT    NOT NULL,
  created_at_ms       INTEGER NOT NULL
) STRICT;
CREATE INDEX plate_reads_by_read_at ON plate_reads (read_at_ms);
CREATE INDEX plate_reads_by_text ON plate_reads (text);
)sql"},
};

constexpr bool migrations_numbered_from_one() {
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(migrations_numbered_from_one(), "migrations are numbered 1, 2, 3, ... in order");
static_assert(kMigrations.back().version == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must name the last migration");

constexpr const char* kCreateSchemaMigrations = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  description   TEXT    NOT NULL,
  applied_at_ms INTEGER NOT NULL
) STRICT;
)sql";

/// Columns written by add_plate_reads, in parameter order ?1..?20.
constexpr const char* kInsertRead = R"sql(
INSERT INTO plate_reads (
  read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
  tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
  char_confidences, candidates, country, format, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
)sql";

/// Columns read by plate_reads, in result order 0..19.
constexpr const char* kSelectReads = R"sql(
SELECT id, read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
       tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
       char_confidences, candidates, country, format
FROM plate_reads ORDER BY id
)sql";

/// Throws the roadwarden error for SQLite result `rc`: Corrupt for a file that is not a
/// database or a damaged one, IoError otherwise. `what` completes "cannot ...".
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view what,
                                     const std::string& path) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  const bool os_failure = primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR;
  if (db != nullptr && os_failure && sqlite3_system_errno(db) != 0) {
    detail += fmt::format(" ({})", std::generic_category().message(sqlite3_system_errno(db)));
  }
  switch (primary) {
    case SQLITE_NOTADB:
      throw Corrupt(fmt::format("'{}' is not a SQLite database ({}).", path, detail));
    case SQLITE_CORRUPT:
      throw Corrupt(
          fmt::format("SQLite store '{}' is corrupt: cannot {}: {}.", path, what, detail));
    default:
      throw IoError(fmt::format("SQLite store '{}': cannot {}: {} (SQLite code {}).", path, what,
                                detail, rc));
  }
}

/// An open sqlite3 connection (closed on destruction) and its file name for messages.
/// Not thread-safe by itself (opened SQLITE_OPEN_NOMUTEX): its owner serialises use.
class Connection {
 public:
  /// Opens or creates the database file. Throws IoError when it cannot be opened for writing.
  explicit Connection(const std::filesystem::path& path) : path_(path.string()) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(
        path_.c_str(), &raw,
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
        nullptr);
    db_.reset(raw);  // sqlite3_open_v2 may return a handle even on failure; it must be closed
    if (rc != SQLITE_OK) fail(rc, "open the database");
    if (sqlite3_db_readonly(raw, "main") == 1) {
      throw IoError(fmt::format(
          "Cannot open SQLite store '{}' for writing: the file or its folder is read-only.",
          path_));
    }
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] sqlite3* handle() const { return db_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }

  /// Runs static SQL that returns no rows. Never paste data into `sql`.
  void exec(const char* sql, std::string_view what) const {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(rc, what);
  }

  /// Throws the error for `rc` with sqlite3_errmsg of this connection.
  [[noreturn]] void fail(int rc, std::string_view what) const {
    throw_sqlite_error(db_.get(), rc, what, path_);
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::string path_;
  std::unique_ptr<sqlite3, Closer> db_;
};

/// A prepared statement (finalised on destruction). Parameters are bound, never pasted.
class Statement {
 public:
  Statement(const Connection& conn, const char* sql) : conn_(&conn) {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v3(conn.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    stmt_.reset(raw);
    if (rc != SQLITE_OK) conn.fail(rc, "prepare a statement");
  }

  void bind_int64(int index, std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_.get(), index, value));
  }
  void bind_double(int index, double value) {
    check_bind(sqlite3_bind_double(stmt_.get(), index, value));
  }
  void bind_text(int index, std::string_view value) {
    check_bind(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                                   SQLITE_UTF8));
  }

  /// Runs to the next row: true when a row is ready, false when done.
  bool step(std::string_view what) {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    conn_->fail(rc, what);
  }

  /// Makes the statement ready to run again and clears its bindings.
  void reset() {
    sqlite3_reset(stmt_.get());  // returns the last step's error, already reported
    sqlite3_clear_bindings(stmt_.get());
  }

  // Column readers; a value of another type means the file was altered: Corrupt.
  [[nodiscard]] std::int64_t column_int64(int col) const {
    expect_type(col, SQLITE_INTEGER, "INTEGER");
    return sqlite3_column_int64(stmt_.get(), col);
  }
  [[nodiscard]] double column_double(int col) const {
    expect_type(col, SQLITE_FLOAT, "REAL");
    return sqlite3_column_double(stmt_.get(), col);
  }
  [[nodiscard]] std::string column_text(int col) const {
    expect_type(col, SQLITE_TEXT, "TEXT");
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
    const int bytes = sqlite3_column_bytes(stmt_.get(), col);
    return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(bytes));
  }

 private:
  void check_bind(int rc) const {
    if (rc != SQLITE_OK) conn_->fail(rc, "bind a statement parameter");
  }
  void expect_type(int col, int type, std::string_view type_name) const {
    if (sqlite3_column_type(stmt_.get(), col) != type) {
      throw Corrupt(fmt::format("SQLite store '{}' holds a non-{} value in column {}.",
                                conn_->path(), type_name, sqlite3_column_name(stmt_.get(), col)));
    }
  }

  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };
  const Connection* conn_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

/// Resets a (cached) statement when the scope ends, so it never holds a read open.
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& stmt) : stmt_(stmt) {}
  ~ResetOnExit() { stmt_.reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  Statement& stmt_;
};

/// A write transaction, rolled back unless commit() succeeds. BEGIN IMMEDIATE takes the
/// write lock up front (waiting up to the busy timeout), so two writers never deadlock.
class Transaction {
 public:
  explicit Transaction(const Connection& conn) : conn_(conn) {
    conn_.exec("BEGIN IMMEDIATE", "begin a transaction");
  }
  ~Transaction() {
    if (!committed_ && sqlite3_get_autocommit(conn_.handle()) == 0) {
      sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// Commits; with WAL and synchronous=FULL the commit is on disk when this returns.
  void commit() {
    conn_.exec("COMMIT", "commit a transaction");
    committed_ = true;
  }

 private:
  const Connection& conn_;
  bool committed_ = false;
};

/// The schema version recorded in schema_migrations (0 when empty). Throws Corrupt when the
/// versions are not 1..n or n is newer than this build knows.
int recorded_version(const Connection& conn) {
  Statement query(conn,
                  "SELECT COUNT(*), COALESCE(MIN(version), 0), COALESCE(MAX(version), 0) "
                  "FROM schema_migrations");
  query.step("read the schema version");
  const std::int64_t count = query.column_int64(0);
  const std::int64_t min = query.column_int64(1);
  const std::int64_t max = query.column_int64(2);
  if (count > 0 && (min != 1 || max != count)) {
    throw Corrupt(fmt::format(
        "SQLite store '{}' has a damaged schema_migrations table: {} versions from {} to {}, "
        "expected 1 to {}.",
        conn.path(), count, min, max, count));
  }
  if (max > kSqliteSchemaVersion) {
    throw Corrupt(fmt::format(
        "SQLite store '{}' has schema version {}, newer than the {} this build of roadwarden "
        "knows; open it with a newer roadwarden.",
        conn.path(), max, kSqliteSchemaVersion));
  }
  return static_cast<int>(max);
}

/// Checks, before changing anything in the file, that it is a SQLite database that is empty
/// or roadwarden's (has schema_migrations) with a schema this build knows. Throws Corrupt.
void check_is_roadwarden_database(const Connection& conn) {
  Statement tables(conn,
                   "SELECT name FROM sqlite_schema WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  std::vector<std::string> names;
  while (tables.step("read the list of tables")) names.push_back(tables.column_text(0));
  if (names.empty()) return;  // new or empty file
  for (const std::string& name : names) {
    if (name == "schema_migrations") {
      recorded_version(conn);  // throws when newer or damaged
      return;
    }
  }
  throw Corrupt(
      fmt::format("SQLite database '{}' is not a roadwarden store: it has tables ({}) but no "
                  "schema_migrations.",
                  conn.path(), fmt::join(names, ", ")));
}

/// Sets the connection's durability and integrity settings (see docs/store.md).
void configure(const Connection& conn) {
  Statement journal(conn, "PRAGMA journal_mode = WAL");
  journal.step("switch to WAL journal mode");
  const std::string mode = journal.column_text(0);
  if (mode != "wal") {
    throw IoError(fmt::format(
        "Cannot switch SQLite store '{}' to WAL journal mode (it stays in '{}' mode); the "
        "file system may not support shared memory.",
        conn.path(), mode));
  }
  conn.exec("PRAGMA synchronous = FULL", "set synchronous = FULL");
  conn.exec("PRAGMA foreign_keys = ON", "enable foreign keys");
}

/// Applies pending migrations, each in its own transaction; returns the schema version.
/// Safe against another process migrating the same file at the same time.
int migrate(const Connection& conn) {
  {
    Transaction tx(conn);
    conn.exec(kCreateSchemaMigrations, "create the schema_migrations table");
    tx.commit();
  }
  int version = recorded_version(conn);
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    Transaction tx(conn);
    if (recorded_version(conn) >= migration.version) {
      version = migration.version;  // applied by another process meanwhile
      continue;
    }
    conn.exec(migration.sql, fmt::format("apply schema migration {} ({})", migration.version,
                                         migration.description));
    Statement record(conn,
                     "INSERT INTO schema_migrations (version, description, applied_at_ms) "
                     "VALUES (?1, ?2, ?3)");
    record.bind_int64(1, migration.version);
    record.bind_text(2, migration.description);
    record.bind_int64(3, SystemClock().now().unix_ms);
    record.step("record a schema migration");
    tx.commit();
    version = migration.version;
  }
  return version;
}

/// True when `s` is valid UTF-8 (nlohmann's strict decoder: no overlong forms, surrogates
/// or code points past U+10FFFF).
bool is_valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

/// `s` with each invalid UTF-8 sequence replaced by U+FFFD.
std::string replace_invalid_utf8(const std::string& s) {
  if (is_valid_utf8(s)) return s;
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

/// Throws InvalidInput naming read `index` of the batch and what is wrong with it.
[[noreturn]] void reject(std::size_t index, std::string_view problem) {
  throw InvalidInput(fmt::format(
      "Plate read {} of the batch cannot be stored: {}; nothing of the batch was stored.", index,
      problem));
}

void check_unit_interval(std::size_t index, std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {  // also rejects NaN
    reject(index, fmt::format("{} is {}, expected a number in [0, 1]", field, value));
  }
}

void check_utf8(std::size_t index, std::string_view field, const std::string& value) {
  if (!is_valid_utf8(value)) reject(index, fmt::format("{} is not valid UTF-8", field));
}

/// Checks one read before anything is written: InvalidInput when a value could not be
/// stored exactly (non-finite numbers become NULL in SQLite) or breaks PlateResult's rules.
void validate(const StoredPlateRead& read, std::size_t index) {
  const PlateResult& plate = read.plate;
  if (read.frame < -1) reject(index, fmt::format("frame is {}, expected >= -1", read.frame));
  check_utf8(index, "clock_source", read.clock_source);
  check_utf8(index, "text", plate.text);
  check_utf8(index, "country", plate.country);
  check_utf8(index, "format", plate.format);
  for (std::size_t i = 0; i < plate.corners.corners.size(); ++i) {
    const Point& p = plate.corners.corners[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      reject(index, fmt::format("corner {} is ({}, {}), expected finite pixels", i, p.x, p.y));
    }
  }
  check_unit_interval(index, "confidence", plate.confidence);
  check_unit_interval(index, "detector_confidence", plate.detector_confidence);
  for (std::size_t i = 0; i < plate.char_confidences.size(); ++i) {
    check_unit_interval(index, fmt::format("char_confidences[{}]", i), plate.char_confidences[i]);
  }
  for (std::size_t i = 0; i < plate.candidates.size(); ++i) {
    const Candidate& c = plate.candidates[i];
    check_utf8(index, fmt::format("candidates[{}].text", i), c.text);
    check_utf8(index, fmt::format("candidates[{}].format", i), c.format);
    check_unit_interval(index, fmt::format("candidates[{}].confidence", i), c.confidence);
  }
}

std::string encode_candidates(const std::vector<Candidate>& candidates) {
  json out = json::array();
  for (const Candidate& c : candidates) {
    out.push_back({{"text", c.text},
                   {"confidence", c.confidence},
                   {"format", c.format},
                   {"corrected", c.corrected}});
  }
  return out.dump();
}

std::vector<Candidate> decode_candidates(const std::string& text) {
  std::vector<Candidate> out;
  for (const json& c : json::parse(text).get<std::vector<json>>()) {
    out.push_back(Candidate{c.at("text").get<std::string>(), c.at("confidence").get<double>(),
                            c.at("format").get<std::string>(), c.at("corrected").get<bool>()});
  }
  return out;
}

std::vector<double> decode_numbers(const std::string& text) {
  return json::parse(text).get<std::vector<double>>();
}

/// The Store over one SQLite connection.
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::filesystem::path& path)
      : conn_(path), schema_version_(prepare_schema(conn_)), insert_(conn_, kInsertRead) {}

  std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) override {
    for (std::size_t i = 0; i < reads.size(); ++i) validate(reads[i], i);
    std::vector<std::int64_t> ids;
    if (reads.empty()) return ids;
    ids.reserve(reads.size());
    const std::int64_t created_at_ms = SystemClock().now().unix_ms;

    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    for (const StoredPlateRead& read : reads) {
      const ResetOnExit reset(insert_);
      const PlateResult& plate = read.plate;
      insert_.bind_int64(1, read.read_at.unix_ms);
      insert_.bind_text(2, read.clock_source);
      insert_.bind_text(3, replace_invalid_utf8(read.source));
      insert_.bind_int64(4, read.frame);
      insert_.bind_text(5, plate.text);
      insert_.bind_double(6, plate.confidence);
      insert_.bind_double(7, plate.detector_confidence);
      for (int i = 0; i < 4; ++i) {
        const Point& p = plate.corners.corners[static_cast<std::size_t>(i)];
        insert_.bind_double(8 + 2 * i, p.x);
        insert_.bind_double(9 + 2 * i, p.y);
      }
      insert_.bind_text(16, json(plate.char_confidences).dump());
      insert_.bind_text(17, encode_candidates(plate.candidates));
      insert_.bind_text(18, plate.country);
      insert_.bind_text(19, plate.format);
      insert_.bind_int64(20, created_at_ms);
      insert_.step("store a plate read");
      ids.push_back(sqlite3_last_insert_rowid(conn_.handle()));
    }
    tx.commit();
    return ids;
  }

  [[nodiscard]] std::vector<StoredPlateRead> plate_reads() const override {
    const std::lock_guard lock(mutex_);
    Statement query(conn_, kSelectReads);  // one statement: one consistent snapshot
    std::vector<StoredPlateRead> out;
    while (query.step("read plate reads")) {
      StoredPlateRead read;
      read.id = query.column_int64(0);
      read.read_at = UtcTime{query.column_int64(1)};
      read.clock_source = query.column_text(2);
      read.source = query.column_text(3);
      read.frame = query.column_int64(4);
      PlateResult& plate = read.plate;
      plate.text = query.column_text(5);
      plate.confidence = query.column_double(6);
      plate.detector_confidence = query.column_double(7);
      for (int i = 0; i < 4; ++i) {
        plate.corners.corners[static_cast<std::size_t>(i)] =
            Point{query.column_double(8 + 2 * i), query.column_double(9 + 2 * i)};
      }
      const char* column = "char_confidences";
      try {
        plate.char_confidences = decode_numbers(query.column_text(16));
        column = "candidates";
        plate.candidates = decode_candidates(query.column_text(17));
      } catch (const json::exception& e) {
        throw Corrupt(fmt::format("Plate read {} in SQLite store '{}' has malformed {}: {}.",
                                  read.id, conn_.path(), column, e.what()));
      }
      plate.country = query.column_text(18);
      plate.format = query.column_text(19);
      out.push_back(std::move(read));
    }
    return out;
  }

  [[nodiscard]] int schema_version() const override { return schema_version_; }

 private:
  static int prepare_schema(const Connection& conn) {
    check_is_roadwarden_database(conn);
    configure(conn);
    return migrate(conn);
  }

  /// Serialises every use of conn_ and insert_ (the connection is opened NOMUTEX).
  mutable std::mutex mutex_;
  /// Guarded by mutex_.
  Connection conn_;
  /// Set once by the constructor; read without the lock.
  const int schema_version_;
  /// Cached insert statement. Guarded by mutex_.
  Statement insert_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace roadwarden::store
