// Shared SQLite plumbing for roadwarden's embedded databases; contract in sqlite_db.hpp.
#include "store/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.hpp"
#include "core/time.hpp"

namespace roadwarden::store::sqlite {
namespace {

/// `noun` with its first letter upper-case, for the start of a sentence.
std::string sentence_start(std::string_view noun) {
  std::string out(noun);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

/// Throws the roadwarden error for SQLite result `rc`: Corrupt for a file that is not a
/// database or a damaged one, IoError otherwise. `what` completes "cannot ...".
[[noreturn]] void throw_sqlite_error(sqlite3* db, int rc, std::string_view what,
                                     const std::string& path, const DatabaseName& name) {
  std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xff;
  const bool os_failure = primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR;
  if (db != nullptr && os_failure && sqlite3_system_errno(db) != 0) {
    detail += fmt::format(" ({})", std::generic_category().message(sqlite3_system_errno(db)));
  }
  const std::string noun = sentence_start(name.noun);
  switch (primary) {
    case SQLITE_NOTADB:
      throw Corrupt(fmt::format("{} '{}' is not a SQLite database ({}).", noun, path, detail));
    case SQLITE_CORRUPT:
      throw Corrupt(fmt::format("{} '{}' is corrupt: cannot {}: {}.", noun, path, what, detail));
    default:
      throw IoError(
          fmt::format("{} '{}': cannot {}: {} (SQLite code {}).", noun, path, what, detail, rc));
  }
}

constexpr const char* kCreateSchemaMigrations = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER PRIMARY KEY,
  description   TEXT    NOT NULL,
  applied_at_ms INTEGER NOT NULL
) STRICT;
)sql";

/// The schema version recorded in schema_migrations (0 when empty). Throws Corrupt when the
/// versions are not 1..n or n is newer than `known`.
int recorded_version(const Connection& conn, int known) {
  Statement query(conn,
                  "SELECT COUNT(*), COALESCE(MIN(version), 0), COALESCE(MAX(version), 0) "
                  "FROM schema_migrations");
  query.step("read the schema version");
  const std::int64_t count = query.column_int64(0);
  const std::int64_t min = query.column_int64(1);
  const std::int64_t max = query.column_int64(2);
  const std::string noun = sentence_start(conn.name().noun);
  if (count > 0 && (min != 1 || max != count)) {
    throw Corrupt(fmt::format(
        "{} '{}' has a damaged schema_migrations table: {} versions from {} to {}, expected 1 "
        "to {}.",
        noun, conn.path(), count, min, max, count));
  }
  if (max > known) {
    throw Corrupt(fmt::format(
        "{} '{}' has schema version {}, newer than the {} this build of roadwarden knows; open "
        "it with a newer roadwarden.",
        noun, conn.path(), max, known));
  }
  return static_cast<int>(max);
}

/// Checks, before changing anything in the file, that it is a SQLite database that is empty
/// or ours (has schema_migrations) with a schema this build knows. Throws Corrupt.
void check_is_roadwarden_database(const Connection& conn, int known) {
  Statement tables(conn,
                   "SELECT name FROM sqlite_schema WHERE type = 'table' "
                   "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  std::vector<std::string> names;
  while (tables.step("read the list of tables")) names.push_back(tables.column_text(0));
  if (names.empty()) return;  // new or empty file
  for (const std::string& name : names) {
    if (name == "schema_migrations") {
      recorded_version(conn, known);  // throws when newer or damaged
      return;
    }
  }
  throw Corrupt(
      fmt::format("SQLite database '{}' is not a {}: it has tables ({}) but no schema_migrations.",
                  conn.path(), conn.name().owner, fmt::join(names, ", ")));
}

/// Sets the connection's durability and integrity settings.
void configure(const Connection& conn) {
  {
    Statement journal(conn, "PRAGMA journal_mode = WAL");
    journal.step("switch to WAL journal mode");
    const std::string mode = journal.column_text(0);
    if (mode != "wal") {
      throw IoError(fmt::format(
          "Cannot switch {} '{}' to WAL journal mode (it stays in '{}' mode); the file system "
          "may not support shared memory.",
          conn.name().noun, conn.path(), mode));
    }
  }
  conn.exec("PRAGMA synchronous = FULL", "set synchronous = FULL");
  conn.exec("PRAGMA foreign_keys = ON", "enable foreign keys");
}

/// Applies pending migrations, each in its own transaction; returns the schema version.
/// Safe against another process migrating the same file at the same time.
int migrate(const Connection& conn, std::span<const Migration> migrations) {
  const int known = migrations.back().version;
  {
    Transaction tx(conn);
    conn.exec(kCreateSchemaMigrations, "create the schema_migrations table");
    tx.commit();
  }
  int version = recorded_version(conn, known);
  for (const Migration& migration : migrations) {
    if (migration.version <= version) continue;
    Transaction tx(conn);
    if (recorded_version(conn, known) >= migration.version) {
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

}  // namespace

// --- Connection ---------------------------------------------------------------------------

void Connection::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Connection::Connection(const std::filesystem::path& path, DatabaseName name)
    : path_(path.string()), name_(name) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(
      path_.c_str(), &raw,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  db_.reset(raw);  // sqlite3_open_v2 may return a handle even on failure; it must be closed
  if (rc != SQLITE_OK) fail(rc, "open the database");
  if (sqlite3_db_readonly(raw, "main") == 1) {
    throw IoError(
        fmt::format("Cannot open {} '{}' for writing: the file or its folder is read-only.",
                    name_.noun, path_));
  }
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
}

Connection::~Connection() = default;

void Connection::exec(const char* sql, std::string_view what) const {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail(rc, what);
}

std::int64_t Connection::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}

void Connection::fail(int rc, std::string_view what) const {
  throw_sqlite_error(db_.get(), rc, what, path_, name_);
}

// --- Statement ----------------------------------------------------------------------------

void Statement::Finalizer::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

Statement::Statement(const Connection& conn, const char* sql, Lifetime lifetime) : conn_(&conn) {
  sqlite3_stmt* raw = nullptr;
  const unsigned int flags = lifetime == Lifetime::kCached ? SQLITE_PREPARE_PERSISTENT : 0U;
  const int rc = sqlite3_prepare_v3(conn.handle(), sql, -1, flags, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) conn.fail(rc, "prepare a statement");
}

Statement::~Statement() = default;

void Statement::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_.get(), index, value));
}

void Statement::bind_double(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_.get(), index, value));
}

void Statement::bind_text(int index, std::string_view value) {
  check_bind(sqlite3_bind_text64(stmt_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8));
}

bool Statement::step(std::string_view what) {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  conn_->fail(rc, what);
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());  // returns the last step's error, already reported
  sqlite3_clear_bindings(stmt_.get());
}

std::int64_t Statement::column_int64(int col) const {
  expect_type(col, SQLITE_INTEGER, "INTEGER");
  return sqlite3_column_int64(stmt_.get(), col);
}

double Statement::column_double(int col) const {
  expect_type(col, SQLITE_FLOAT, "REAL");
  return sqlite3_column_double(stmt_.get(), col);
}

std::string Statement::column_text(int col) const {
  expect_type(col, SQLITE_TEXT, "TEXT");
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_.get(), col));
  const int bytes = sqlite3_column_bytes(stmt_.get(), col);
  return text == nullptr ? std::string() : std::string(text, static_cast<std::size_t>(bytes));
}

void Statement::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_.get(), index));
}

bool Statement::column_is_null(int col) const {
  return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL;
}

void Statement::check_bind(int rc) const {
  if (rc != SQLITE_OK) conn_->fail(rc, "bind a statement parameter");
}

void Statement::expect_type(int col, int type, std::string_view type_name) const {
  if (sqlite3_column_type(stmt_.get(), col) != type) {
    throw Corrupt(fmt::format("{} '{}' holds a non-{} value in column {}.",
                              sentence_start(conn_->name().noun), conn_->path(), type_name,
                              sqlite3_column_name(stmt_.get(), col)));
  }
}

// --- Transaction --------------------------------------------------------------------------

Transaction::Transaction(const Connection& conn) : conn_(conn) {
  conn_.exec("BEGIN IMMEDIATE", "begin a transaction");
}

Transaction::~Transaction() {
  if (!committed_ && sqlite3_get_autocommit(conn_.handle()) == 0) {
    sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  conn_.exec("COMMIT", "commit a transaction");
  committed_ = true;
}

// --- Schema -------------------------------------------------------------------------------

int prepare_schema(const Connection& conn, std::span<const Migration> migrations) {
  if (!numbered_from_one(migrations)) {
    throw InternalError(
        fmt::format("The migrations of {} '{}' are not numbered 1, 2, 3, ... in order.",
                    conn.name().noun, conn.path()));
  }
  check_is_roadwarden_database(conn, migrations.back().version);
  configure(conn);
  return migrate(conn, migrations);
}

}  // namespace roadwarden::store::sqlite
