// Shared SQLite plumbing for roadwarden's embedded databases (the SQLite Store,
// src/store/sqlite/sqlite_store.cpp, and the edge spool, src/edge/spool.cpp): one open
// connection, prepared statements with bound parameters and typed column reads, write
// transactions, and versioned schema migrations. Rules every user follows:
//   - data reaches SQL only through bound parameters, never pasted into the text;
//   - writes run in a Transaction (BEGIN IMMEDIATE), so two writers never deadlock;
//   - a column value of an unexpected type means the file was altered: Corrupt.
// What prepare_schema() sets up (WAL, synchronous=FULL, schema_migrations) is described in
// docs/store.md and docs/spool.md.
//
// Errors: every call that fails throws roadwarden::Corrupt when the file is not a SQLite
// database, is damaged, or holds data this build cannot read; roadwarden::IoError for any
// other SQLite or OS failure (can't open, disk full, lock timeout). Messages name the
// database by its DatabaseName and its path.
//
// Thread safety: none of these classes is thread-safe. A Connection is opened
// SQLITE_OPEN_NOMUTEX; its owner serialises every use of it, and of the Statements and
// Transactions made on it, under one mutex of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace roadwarden::store::sqlite {

/// How long a call waits for another connection's lock before failing, milliseconds.
inline constexpr int kBusyTimeoutMs = 5000;

/// How error messages name a database.
struct DatabaseName {
  /// The kind of database, as written before its path in mid-sentence, e.g. "SQLite store" or
  /// "spool database" (capitalised automatically at the start of a sentence).
  std::string_view noun;
  /// What a foreign file (tables but no schema_migrations) is said not to be, e.g.
  /// "roadwarden store" in "SQLite database '…' is not a roadwarden store".
  std::string_view owner;
};

/// An open sqlite3 connection (closed on destruction) with the database's path and name for
/// messages. Owns the handle; not copyable or movable. Not thread-safe (see file comment).
class Connection {
 public:
  /// Opens or creates the database file at `path`, read-write, with the busy timeout
  /// kBusyTimeoutMs. Throws IoError when it cannot be opened, or only read-only; Corrupt when
  /// it is not a SQLite database (SQLite may only notice on first use, e.g. prepare_schema()).
  Connection(const std::filesystem::path& path, DatabaseName name);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// The raw handle, owned by this Connection; for sqlite3 calls these classes do not wrap.
  [[nodiscard]] sqlite3* handle() const { return db_.get(); }
  /// The file name as given to the constructor.
  [[nodiscard]] const std::string& path() const { return path_; }
  /// The name used in messages (as given to the constructor).
  [[nodiscard]] const DatabaseName& name() const { return name_; }

  /// Runs static SQL that returns no rows (may hold several statements). Never paste data
  /// into `sql`. `what` completes "cannot ..." in the error thrown on failure.
  void exec(const char* sql, std::string_view what) const;

  /// The rowid of the last row inserted on this connection (sqlite3_last_insert_rowid).
  [[nodiscard]] std::int64_t last_insert_rowid() const;

  /// Throws the error for SQLite result code `rc` (Corrupt or IoError, see file comment),
  /// with this connection's sqlite3_errmsg; `what` completes "cannot ...".
  [[noreturn]] void fail(int rc, std::string_view what) const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::string path_;
  DatabaseName name_;
  std::unique_ptr<sqlite3, Closer> db_;
};

/// A prepared statement (finalised on destruction) on a Connection that must outlive it.
/// Parameters are bound, never pasted. Indexes: parameters from 1 (?1), columns from 0.
class Statement {
 public:
  /// How long the statement is meant to live; a hint to SQLite's memory allocator.
  enum class Lifetime {
    kOnce,    ///< run once or a few times, then dropped
    kCached,  ///< kept and reused for the life of the connection (SQLITE_PREPARE_PERSISTENT)
  };

  /// Prepares the first SQL statement in `sql`. Throws IoError (e.g. no such table) or Corrupt.
  Statement(const Connection& conn, const char* sql, Lifetime lifetime = Lifetime::kOnce);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind parameter `index` (from 1). Throws IoError, e.g. for an index out of range.
  void bind_int64(int index, std::int64_t value);
  void bind_double(int index, double value);
  /// Copies `value` (UTF-8).
  void bind_text(int index, std::string_view value);
  /// Binds SQL NULL (for nullable columns).
  void bind_null(int index);

  /// Runs to the next row: true when a row is ready to read, false when done. Throws on
  /// failure; `what` completes "cannot ..." in the message.
  bool step(std::string_view what);

  /// Makes the statement ready to run again and clears its bindings. Never throws.
  void reset();

  // Column readers for the current row (column from 0). A value of another type, NULL
  // included, means the file was altered: Corrupt naming the column.
  [[nodiscard]] std::int64_t column_int64(int col) const;
  [[nodiscard]] double column_double(int col) const;
  [[nodiscard]] std::string column_text(int col) const;
  /// True when the column of the current row is NULL (for nullable columns).
  [[nodiscard]] bool column_is_null(int col) const;

 private:
  void check_bind(int rc) const;
  void expect_type(int col, int type, std::string_view type_name) const;

  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const;
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

/// A write transaction on a Connection that must outlive it, rolled back on destruction
/// unless commit() succeeded. BEGIN IMMEDIATE takes the write lock up front (waiting up to
/// the busy timeout, then IoError), so two writers never deadlock. Not nestable.
class Transaction {
 public:
  /// Begins the transaction. Throws IoError when the write lock is not granted in time.
  explicit Transaction(const Connection& conn);
  /// Rolls back unless committed (errors ignored: SQLite rolls back on its own if needed).
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  /// Commits; with WAL and synchronous=FULL the commit is on disk when this returns.
  /// Throws IoError (nothing committed) on failure.
  void commit();

 private:
  const Connection& conn_;
  bool committed_ = false;
};

/// One schema migration. Migrations are applied once each, in order of `version`, each in
/// its own transaction together with its schema_migrations row. A released migration is
/// never edited; a schema change is a new migration appended to the list.
struct Migration {
  int version;
  const char* description;
  /// Static DDL only: never built from data.
  const char* sql;
};

/// True when `migrations` is non-empty and numbered 1, 2, 3, ... in order; callers
/// static_assert it on their constant list.
constexpr bool numbered_from_one(std::span<const Migration> migrations) {
  if (migrations.empty()) return false;
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}

/// Makes `conn` ready for use with the schema of `migrations` (whose last version is the
/// schema version this build creates and understands), in this order:
///   1. before changing anything, checks the file is empty or has schema_migrations (else
///      Corrupt: "... is not a <owner>"), and that the recorded versions are 1..n (else
///      Corrupt: damaged) with n no newer than this build's (else Corrupt: newer);
///   2. sets journal_mode=WAL (IoError when the file system refuses), synchronous=FULL,
///      foreign_keys=ON;
///   3. applies each pending migration in its own transaction with its schema_migrations row
///      (safe against another process migrating the same file at the same time).
/// Returns the schema version now recorded. Throws InternalError when `migrations` is not
/// numbered_from_one. Call once, right after opening, before any other use.
int prepare_schema(const Connection& conn, std::span<const Migration> migrations);

}  // namespace roadwarden::store::sqlite
