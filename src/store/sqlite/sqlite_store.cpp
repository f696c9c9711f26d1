// The SQLite Store: roadwarden::store::Store over the sqlite3 C API, in WAL mode with
// synchronous=FULL, with versioned schema migrations. Schema and rules: docs/store.md.
#include "store/sqlite/sqlite_store.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "store/plate_read_rules.hpp"
#include "store/record_rules.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"

namespace roadwarden::store {
namespace {

using sqlite::Connection;
using sqlite::Migration;
using sqlite::ResetOnExit;
using sqlite::Statement;
using sqlite::Transaction;

/// How messages name the store's database file.
constexpr sqlite::DatabaseName kStoreName{"SQLite store", "roadwarden store"};

/// The store's schema, oldest first. A released migration is never edited; a schema change is
/// a new migration appended here (and kSqliteSchemaVersion raised).
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
    Migration{2, "create central server records", R"sql(
CREATE TABLE users (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  username         TEXT    NOT NULL UNIQUE,
  role             TEXT    NOT NULL,
  password_hash    TEXT    NOT NULL,
  totp_secret      TEXT    NOT NULL,
  totp_last_step   INTEGER NOT NULL,
  failed_logins    INTEGER NOT NULL,
  locked_until_ms  INTEGER,
  disabled         INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at_ms    INTEGER NOT NULL
) STRICT;
CREATE TABLE sessions (
  token_hash    TEXT    PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users (id),
  csrf_token    TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  last_seen_ms  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE sites (
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  timezone TEXT NOT NULL
) STRICT;
CREATE TABLE cameras (
  id        TEXT    PRIMARY KEY,
  site_id   TEXT    NOT NULL REFERENCES sites (id),
  name      TEXT    NOT NULL,
  latitude  REAL    NOT NULL,
  longitude REAL    NOT NULL,
  active    INTEGER NOT NULL CHECK (active IN (0, 1))
) STRICT;
CREATE TABLE devices (
  serial             TEXT    PRIMARY KEY,
  camera_id          TEXT    NOT NULL REFERENCES cameras (id),
  cert_sha256        TEXT    NOT NULL UNIQUE,
  signing_public_key TEXT    NOT NULL,
  issued_at_ms       INTEGER NOT NULL,
  revoked_at_ms      INTEGER
) STRICT;
CREATE TABLE records (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  key            TEXT    NOT NULL UNIQUE,
  kind           TEXT    NOT NULL,
  violation      INTEGER NOT NULL CHECK (violation IN (0, 1)),
  camera_id      TEXT    NOT NULL REFERENCES cameras (id),
  device_serial  TEXT    NOT NULL,
  created_at_ms  INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  manifest       TEXT    NOT NULL,
  signature      TEXT    NOT NULL,
  content_sha256 TEXT    NOT NULL,
  plate_text     TEXT    NOT NULL,
  plate_skeleton TEXT    NOT NULL,
  read_at_ms     INTEGER,
  violation_kind TEXT    NOT NULL
) STRICT;
CREATE INDEX records_by_plate_text ON records (plate_text, read_at_ms);
CREATE INDEX records_by_plate_skeleton ON records (plate_skeleton, read_at_ms);
CREATE INDEX records_by_camera ON records (camera_id, read_at_ms);
CREATE INDEX records_by_received_at ON records (received_at_ms);
CREATE TABLE evidence_files (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id    INTEGER NOT NULL REFERENCES records (id),
  name         TEXT    NOT NULL,
  media_type   TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT    NOT NULL,
  storage_path TEXT    NOT NULL
) STRICT;
CREATE INDEX evidence_files_by_record ON evidence_files (record_id);
CREATE TABLE key_tombstones (
  key          TEXT    PRIMARY KEY,
  purged_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX key_tombstones_by_purged_at ON key_tombstones (purged_at_ms);
CREATE TABLE audit_log (
  seq          INTEGER PRIMARY KEY,
  time_ms      INTEGER NOT NULL,
  actor        TEXT    NOT NULL,
  role         TEXT    NOT NULL,
  action       TEXT    NOT NULL,
  target       TEXT    NOT NULL,
  purpose      TEXT    NOT NULL,
  case_number  TEXT    NOT NULL,
  result_count INTEGER NOT NULL,
  outcome      TEXT    NOT NULL,
  prev_hash    TEXT    NOT NULL,
  hash         TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_log_by_action_time ON audit_log (action, time_ms);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
    Migration{3, "review status of violation records", R"sql(
ALTER TABLE records ADD COLUMN review_status TEXT NOT NULL DEFAULT 'none'
  CHECK (review_status IN ('none', 'pending', 'confirmed', 'rejected'));
ALTER TABLE records ADD COLUMN reviewed_at_ms INTEGER;
ALTER TABLE records ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';
UPDATE records SET review_status = 'pending' WHERE violation = 1;
CREATE INDEX records_by_review ON records (review_status, reviewed_at_ms);
)sql"},
    // SQLite cannot change a CHECK constraint in place, so records is rebuilt (with
    // evidence_files, whose foreign key names it): copy, drop, rename, re-index, and carry
    // the AUTOINCREMENT high-water marks over so ids are never reused.
    Migration{4, "second review: awaiting_second_review and the reviewers of each stage", R"sql(
CREATE TABLE records_v4 (
  id                    INTEGER PRIMARY KEY AUTOINCREMENT,
  key                   TEXT    NOT NULL UNIQUE,
  kind                  TEXT    NOT NULL,
  violation             INTEGER NOT NULL CHECK (violation IN (0, 1)),
  camera_id             TEXT    NOT NULL REFERENCES cameras (id),
  device_serial         TEXT    NOT NULL,
  created_at_ms         INTEGER NOT NULL,
  received_at_ms        INTEGER NOT NULL,
  manifest              TEXT    NOT NULL,
  signature             TEXT    NOT NULL,
  content_sha256        TEXT    NOT NULL,
  plate_text            TEXT    NOT NULL,
  plate_skeleton        TEXT    NOT NULL,
  read_at_ms            INTEGER,
  violation_kind        TEXT    NOT NULL,
  review_status         TEXT    NOT NULL DEFAULT 'none'
    CHECK (review_status IN ('none', 'pending', 'confirmed', 'rejected',
                             'awaiting_second_review')),
  reviewed_at_ms        INTEGER,
  review_reason         TEXT    NOT NULL DEFAULT '',
  first_reviewer        TEXT    NOT NULL DEFAULT '',
  first_reviewed_at_ms  INTEGER,
  second_reviewer       TEXT    NOT NULL DEFAULT '',
  second_reviewed_at_ms INTEGER
) STRICT;
INSERT INTO records_v4 (id, key, kind, violation, camera_id, device_serial, created_at_ms,
                        received_at_ms, manifest, signature, content_sha256, plate_text,
                        plate_skeleton, read_at_ms, violation_kind, review_status,
                        reviewed_at_ms, review_reason, first_reviewed_at_ms)
SELECT id, key, kind, violation, camera_id, device_serial, created_at_ms, received_at_ms,
       manifest, signature, content_sha256, plate_text, plate_skeleton, read_at_ms,
       violation_kind, review_status, reviewed_at_ms, review_reason, reviewed_at_ms
FROM records ORDER BY id;
CREATE TABLE evidence_files_v4 (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  record_id    INTEGER NOT NULL REFERENCES records_v4 (id),
  name         TEXT    NOT NULL,
  media_type   TEXT    NOT NULL,
  size         INTEGER NOT NULL,
  sha256       TEXT    NOT NULL,
  storage_path TEXT    NOT NULL
) STRICT;
INSERT INTO evidence_files_v4 SELECT id, record_id, name, media_type, size, sha256, storage_path
FROM evidence_files ORDER BY id;
DELETE FROM sqlite_sequence WHERE name IN ('records_v4', 'evidence_files_v4');
INSERT INTO sqlite_sequence (name, seq)
  SELECT name || '_v4', seq FROM sqlite_sequence WHERE name IN ('records', 'evidence_files');
DROP TABLE evidence_files;
DROP TABLE records;
ALTER TABLE records_v4 RENAME TO records;
ALTER TABLE evidence_files_v4 RENAME TO evidence_files;
CREATE INDEX records_by_plate_text ON records (plate_text, read_at_ms);
CREATE INDEX records_by_plate_skeleton ON records (plate_skeleton, read_at_ms);
CREATE INDEX records_by_camera ON records (camera_id, read_at_ms);
CREATE INDEX records_by_received_at ON records (received_at_ms);
CREATE INDEX records_by_review ON records (review_status, reviewed_at_ms);
CREATE INDEX evidence_files_by_record ON evidence_files (record_id);
)sql"},
};

static_assert(sqlite::numbered_from_one(kMigrations),
              "migrations are numbered 1, 2, 3, ... in order");
static_assert(kMigrations.back().version == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must name the last migration");

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

// ---- Central server records -----------------------------------------------------------------

/// A read snapshot (deferred BEGIN … COMMIT) so a read of several statements sees one
/// consistent state even while another process writes. Not nestable with Transaction.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(const Connection& conn) : conn_(conn) {
    conn_.exec("BEGIN", "begin a read");
  }
  ~ReadSnapshot() {
    try {
      conn_.exec("COMMIT", "end a read");
    } catch (const Error&) {  // a read has nothing to lose; SQLite ends it on its own
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  const Connection& conn_;
};

/// Steps `stmt` to its end; returns how many rows it produced (e.g. rows a RETURNING
/// clause reports as changed).
std::int64_t run_to_end(Statement& stmt, std::string_view what) {
  std::int64_t rows = 0;
  while (stmt.step(what)) ++rows;
  return rows;
}

/// True when `stmt` (bound already) returns at least one row; the statement is finished.
bool has_row(Statement& stmt, std::string_view what) {
  return run_to_end(stmt, what) > 0;
}

void bind_optional_time(Statement& stmt, int index, const std::optional<UtcTime>& time) {
  if (time) {
    stmt.bind_int64(index, time->unix_ms);
  } else {
    stmt.bind_null(index);
  }
}

std::optional<UtcTime> column_optional_time(const Statement& stmt, int col) {
  if (stmt.column_is_null(col)) return std::nullopt;
  return UtcTime{stmt.column_int64(col)};
}

constexpr const char* kUserColumns =
    "id, username, role, password_hash, totp_secret, totp_last_step, failed_logins, "
    "locked_until_ms, disabled, created_at_ms";

User read_user(const Statement& q, const Connection& conn) {
  User user;
  user.id = q.column_int64(0);
  user.username = q.column_text(1);
  const std::optional<Role> role = parse_role(q.column_text(2));
  if (!role || *role == Role::device) {
    throw Corrupt(
        fmt::format("User {} in SQLite store '{}' has an unknown role.", user.id, conn.path()));
  }
  user.role = *role;
  user.password_hash = q.column_text(3);
  user.totp_secret = q.column_text(4);
  user.totp_last_step = q.column_int64(5);
  user.failed_logins = static_cast<int>(q.column_int64(6));
  user.locked_until = column_optional_time(q, 7);
  user.disabled = q.column_int64(8) != 0;
  user.created_at = UtcTime{q.column_int64(9)};
  return user;
}

Session read_session(const Statement& q) {
  return Session{q.column_text(0), q.column_int64(1), q.column_text(2), UtcTime{q.column_int64(3)},
                 UtcTime{q.column_int64(4)}};
}

Camera read_camera(const Statement& q) {
  return Camera{q.column_text(0),   q.column_text(1),   q.column_text(2),
                q.column_double(3), q.column_double(4), q.column_int64(5) != 0};
}

constexpr const char* kDeviceColumns =
    "serial, camera_id, cert_sha256, signing_public_key, issued_at_ms, revoked_at_ms";

Device read_device(const Statement& q) {
  return Device{q.column_text(0), q.column_text(1),           q.column_text(2),
                q.column_text(3), UtcTime{q.column_int64(4)}, column_optional_time(q, 5)};
}

constexpr const char* kRecordColumns =
    "id, key, kind, violation, camera_id, device_serial, created_at_ms, received_at_ms, "
    "manifest, signature, content_sha256, plate_text, plate_skeleton, read_at_ms, "
    "violation_kind, review_status, reviewed_at_ms, review_reason, first_reviewer, "
    "first_reviewed_at_ms, second_reviewer, second_reviewed_at_ms";

/// One records row (columns kRecordColumns), without its files. Corrupt when the review
/// status is not a known name.
IngestedRecord read_record(const Statement& q, const Connection& conn) {
  IngestedRecord r;
  r.id = q.column_int64(0);
  r.key = q.column_text(1);
  r.kind = q.column_text(2);
  r.violation = q.column_int64(3) != 0;
  r.camera_id = q.column_text(4);
  r.device_serial = q.column_text(5);
  r.created_at = UtcTime{q.column_int64(6)};
  r.received_at = UtcTime{q.column_int64(7)};
  r.manifest = q.column_text(8);
  r.signature = q.column_text(9);
  r.content_sha256 = q.column_text(10);
  r.plate_text = q.column_text(11);
  r.plate_skeleton = q.column_text(12);
  r.read_at = column_optional_time(q, 13);
  r.violation_kind = q.column_text(14);
  const std::optional<ReviewStatus> status = parse_review_status(q.column_text(15));
  if (!status) {
    throw Corrupt(fmt::format("Record {} in SQLite store '{}' has an unknown review status.", r.id,
                              conn.path()));
  }
  r.review_status = *status;
  r.reviewed_at = column_optional_time(q, 16);
  r.review_reason = q.column_text(17);
  r.first_reviewer = q.column_text(18);
  r.first_reviewed_at = column_optional_time(q, 19);
  r.second_reviewer = q.column_text(20);
  r.second_reviewed_at = column_optional_time(q, 21);
  return r;
}

constexpr const char* kAuditColumns =
    "seq, time_ms, actor, role, action, target, purpose, case_number, result_count, outcome, "
    "prev_hash, hash";

AuditEntry read_audit(const Statement& q) {
  AuditEntry e;
  e.seq = q.column_int64(0);
  e.time = UtcTime{q.column_int64(1)};
  e.actor = q.column_text(2);
  e.role = q.column_text(3);
  e.action = q.column_text(4);
  e.target = q.column_text(5);
  e.purpose = q.column_text(6);
  e.case_number = q.column_text(7);
  e.result_count = q.column_int64(8);
  e.outcome = q.column_text(9);
  e.prev_hash = q.column_text(10);
  e.hash = q.column_text(11);
  return e;
}

/// Counts per name from a (name TEXT, count INTEGER) query, sorted by name bytewise.
std::vector<std::pair<std::string, std::int64_t>> read_counts(Statement& q, std::string_view what) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (q.step(what)) out.emplace_back(q.column_text(0), q.column_int64(1));
  std::sort(out.begin(), out.end());
  return out;
}

/// The Store over one SQLite connection.
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::filesystem::path& path)
      : conn_(path, kStoreName),
        schema_version_(sqlite::prepare_schema(conn_, kMigrations)),
        insert_(conn_, kInsertRead, Statement::Lifetime::kCached) {}

  std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) override {
    for (std::size_t i = 0; i < reads.size(); ++i) validate_plate_read(reads[i], i);
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
      insert_.bind_text(16, encode_char_confidences(plate.char_confidences));
      insert_.bind_text(17, encode_candidates(plate.candidates));
      insert_.bind_text(18, plate.country);
      insert_.bind_text(19, plate.format);
      insert_.bind_int64(20, created_at_ms);
      insert_.step("store a plate read");
      ids.push_back(conn_.last_insert_rowid());
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
      const std::string where =
          fmt::format("Plate read {} in SQLite store '{}'", read.id, conn_.path());
      plate.char_confidences = decode_char_confidences(query.column_text(16), where);
      plate.candidates = decode_candidates(query.column_text(17), where);
      plate.country = query.column_text(18);
      plate.format = query.column_text(19);
      out.push_back(std::move(read));
    }
    return out;
  }

  // ---- Users and sessions ------------------------------------------------------------------

  std::int64_t add_user(const User& user) override {
    check_user_fields(user, "added");
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    {
      Statement taken(conn_, "SELECT 1 FROM users WHERE username = ?1");
      taken.bind_text(1, user.username);
      if (has_row(taken, "look up a username")) {
        throw InvalidInput("That username is already taken; the user was not added.");
      }
    }
    Statement insert(conn_, R"sql(
INSERT INTO users (username, role, password_hash, totp_secret, totp_last_step, failed_logins,
                   locked_until_ms, disabled, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))sql");
    insert.bind_text(1, user.username);
    insert.bind_text(2, to_string(user.role));
    insert.bind_text(3, user.password_hash);
    insert.bind_text(4, user.totp_secret);
    insert.bind_int64(5, user.totp_last_step);
    insert.bind_int64(6, user.failed_logins);
    bind_optional_time(insert, 7, user.locked_until);
    insert.bind_int64(8, user.disabled ? 1 : 0);
    insert.bind_int64(9, user.created_at.unix_ms);
    run_to_end(insert, "add a user");
    const std::int64_t id = conn_.last_insert_rowid();
    tx.commit();
    return id;
  }

  [[nodiscard]] std::optional<User> user_by_name(const std::string& username) const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_,
                fmt::format("SELECT {} FROM users WHERE username = ?1", kUserColumns).c_str());
    q.bind_text(1, username);
    if (!q.step("read a user")) return std::nullopt;
    return read_user(q, conn_);
  }

  [[nodiscard]] std::optional<User> user_by_id(std::int64_t id) const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_, fmt::format("SELECT {} FROM users WHERE id = ?1", kUserColumns).c_str());
    q.bind_int64(1, id);
    if (!q.step("read a user")) return std::nullopt;
    return read_user(q, conn_);
  }

  [[nodiscard]] std::vector<User> users() const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_, fmt::format("SELECT {} FROM users ORDER BY id", kUserColumns).c_str());
    std::vector<User> out;
    while (q.step("read users")) out.push_back(read_user(q, conn_));
    return out;
  }

  void update_user(const User& user) override {
    if (user.role == Role::device) {
      throw InvalidInput("A person cannot have the device role; the user was not updated.");
    }
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement update(conn_, R"sql(
UPDATE users SET role = ?2, password_hash = ?3, totp_secret = ?4, totp_last_step = ?5,
                 failed_logins = ?6, locked_until_ms = ?7, disabled = ?8
WHERE id = ?1 RETURNING id)sql");
    update.bind_int64(1, user.id);
    update.bind_text(2, to_string(user.role));
    update.bind_text(3, user.password_hash);
    update.bind_text(4, user.totp_secret);
    update.bind_int64(5, user.totp_last_step);
    update.bind_int64(6, user.failed_logins);
    bind_optional_time(update, 7, user.locked_until);
    update.bind_int64(8, user.disabled ? 1 : 0);
    if (run_to_end(update, "update a user") == 0) {
      throw InvalidInput(fmt::format("There is no user with id {}; nothing was updated.", user.id));
    }
    tx.commit();
  }

  void add_session(const Session& session) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    {
      Statement exists(conn_, "SELECT 1 FROM sessions WHERE token_hash = ?1");
      exists.bind_text(1, session.token_hash);
      if (has_row(exists, "look up a session")) {
        throw InvalidInput("A session with this token already exists; it was not added.");
      }
      Statement user(conn_, "SELECT 1 FROM users WHERE id = ?1");
      user.bind_int64(1, session.user_id);
      if (!has_row(user, "look up a user")) {
        throw InvalidInput(fmt::format("There is no user with id {}; the session was not added.",
                                       session.user_id));
      }
    }
    Statement insert(conn_, R"sql(
INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
VALUES (?1, ?2, ?3, ?4, ?5))sql");
    insert.bind_text(1, session.token_hash);
    insert.bind_int64(2, session.user_id);
    insert.bind_text(3, session.csrf_token);
    insert.bind_int64(4, session.created_at.unix_ms);
    insert.bind_int64(5, session.last_seen.unix_ms);
    run_to_end(insert, "add a session");
    tx.commit();
  }

  [[nodiscard]] std::optional<Session> session(const std::string& token_hash) const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_, R"sql(
SELECT token_hash, user_id, csrf_token, created_at_ms, last_seen_ms
FROM sessions WHERE token_hash = ?1)sql");
    q.bind_text(1, token_hash);
    if (!q.step("read a session")) return std::nullopt;
    return read_session(q);
  }

  void touch_session(const std::string& token_hash, UtcTime last_seen) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement update(conn_, "UPDATE sessions SET last_seen_ms = ?2 WHERE token_hash = ?1");
    update.bind_text(1, token_hash);
    update.bind_int64(2, last_seen.unix_ms);
    run_to_end(update, "update a session");
    tx.commit();
  }

  void delete_session(const std::string& token_hash) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement del(conn_, "DELETE FROM sessions WHERE token_hash = ?1");
    del.bind_text(1, token_hash);
    run_to_end(del, "delete a session");
    tx.commit();
  }

  void delete_user_sessions(std::int64_t user_id) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement del(conn_, "DELETE FROM sessions WHERE user_id = ?1");
    del.bind_int64(1, user_id);
    run_to_end(del, "delete sessions");
    tx.commit();
  }

  // ---- Sites, cameras, devices ---------------------------------------------------------------

  void put_site(const Site& site) override {
    if (!valid_entity_id(site.id)) {
      throw InvalidInput(
          "A site id must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'; the site was not "
          "stored.");
    }
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement upsert(conn_, R"sql(
INSERT INTO sites (id, name, timezone) VALUES (?1, ?2, ?3)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, timezone = excluded.timezone)sql");
    upsert.bind_text(1, site.id);
    upsert.bind_text(2, site.name);
    upsert.bind_text(3, site.timezone);
    run_to_end(upsert, "store a site");
    tx.commit();
  }

  [[nodiscard]] std::vector<Site> sites() const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_, "SELECT id, name, timezone FROM sites ORDER BY id");
    std::vector<Site> out;
    while (q.step("read sites")) {
      out.push_back(Site{q.column_text(0), q.column_text(1), q.column_text(2)});
    }
    return out;
  }

  void put_camera(const Camera& camera) override {
    if (!valid_entity_id(camera.id)) {
      throw InvalidInput(
          "A camera id must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'; the camera was "
          "not stored.");
    }
    if (!std::isfinite(camera.latitude) || !std::isfinite(camera.longitude)) {
      throw InvalidInput(fmt::format(
          "Camera '{}' has a non-finite position; the camera was not stored.", camera.id));
    }
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    {
      Statement site(conn_, "SELECT 1 FROM sites WHERE id = ?1");
      site.bind_text(1, camera.site_id);
      if (!has_row(site, "look up a site")) {
        throw InvalidInput(fmt::format(
            "Camera '{}' names an unknown site; the camera was not stored.", camera.id));
      }
    }
    Statement upsert(conn_, R"sql(
INSERT INTO cameras (id, site_id, name, latitude, longitude, active) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT (id) DO UPDATE SET site_id = excluded.site_id, name = excluded.name,
  latitude = excluded.latitude, longitude = excluded.longitude, active = excluded.active)sql");
    upsert.bind_text(1, camera.id);
    upsert.bind_text(2, camera.site_id);
    upsert.bind_text(3, camera.name);
    upsert.bind_double(4, camera.latitude);
    upsert.bind_double(5, camera.longitude);
    upsert.bind_int64(6, camera.active ? 1 : 0);
    run_to_end(upsert, "store a camera");
    tx.commit();
  }

  [[nodiscard]] std::optional<Camera> camera(const std::string& id) const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_,
                "SELECT id, site_id, name, latitude, longitude, active FROM cameras WHERE id = ?1");
    q.bind_text(1, id);
    if (!q.step("read a camera")) return std::nullopt;
    return read_camera(q);
  }

  [[nodiscard]] std::vector<Camera> cameras() const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_,
                "SELECT id, site_id, name, latitude, longitude, active FROM cameras ORDER BY id");
    std::vector<Camera> out;
    while (q.step("read cameras")) out.push_back(read_camera(q));
    return out;
  }

  void add_device(const Device& device) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    {
      Statement serial(conn_, "SELECT 1 FROM devices WHERE serial = ?1");
      serial.bind_text(1, device.serial);
      if (has_row(serial, "look up a device")) {
        throw InvalidInput("A device with this serial number exists; the device was not added.");
      }
      Statement cert(conn_, "SELECT 1 FROM devices WHERE cert_sha256 = ?1");
      cert.bind_text(1, device.cert_sha256);
      if (has_row(cert, "look up a device")) {
        throw InvalidInput("A device with this certificate exists; the device was not added.");
      }
      Statement camera(conn_, "SELECT 1 FROM cameras WHERE id = ?1");
      camera.bind_text(1, device.camera_id);
      if (!has_row(camera, "look up a camera")) {
        throw InvalidInput("The device names an unknown camera; the device was not added.");
      }
    }
    Statement insert(conn_, R"sql(
INSERT INTO devices (serial, camera_id, cert_sha256, signing_public_key, issued_at_ms,
                     revoked_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
    insert.bind_text(1, device.serial);
    insert.bind_text(2, device.camera_id);
    insert.bind_text(3, device.cert_sha256);
    insert.bind_text(4, device.signing_public_key);
    insert.bind_int64(5, device.issued_at.unix_ms);
    bind_optional_time(insert, 6, device.revoked_at);
    run_to_end(insert, "add a device");
    tx.commit();
  }

  [[nodiscard]] std::optional<Device> device_by_cert(
      const std::string& cert_sha256) const override {
    const std::lock_guard lock(mutex_);
    Statement q(
        conn_,
        fmt::format("SELECT {} FROM devices WHERE cert_sha256 = ?1", kDeviceColumns).c_str());
    q.bind_text(1, cert_sha256);
    if (!q.step("read a device")) return std::nullopt;
    return read_device(q);
  }

  [[nodiscard]] std::vector<Device> devices() const override {
    const std::lock_guard lock(mutex_);
    Statement q(conn_,
                fmt::format("SELECT {} FROM devices ORDER BY issued_at_ms, serial", kDeviceColumns)
                    .c_str());
    std::vector<Device> out;
    while (q.step("read devices")) out.push_back(read_device(q));
    return out;
  }

  bool revoke_device(const std::string& serial, UtcTime when) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement update(conn_, R"sql(
UPDATE devices SET revoked_at_ms = ?2 WHERE serial = ?1 AND revoked_at_ms IS NULL
RETURNING serial)sql");
    update.bind_text(1, serial);
    update.bind_int64(2, when.unix_ms);
    const bool revoked = run_to_end(update, "revoke a device") > 0;
    tx.commit();
    return revoked;
  }

  // ---- Ingested records ----------------------------------------------------------------------

  IngestOutcome ingest_record(IngestedRecord& record) override {
    if (!valid_record_key(record.key)) {
      throw InvalidInput(
          "A record key must be 32 lower-case hex digits; the record was not stored.");
    }
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    {
      Statement known(conn_, "SELECT content_sha256 FROM records WHERE key = ?1");
      known.bind_text(1, record.key);
      if (known.step("look up a record key")) {
        const bool same = known.column_text(0) == record.content_sha256;
        known.reset();
        return same ? IngestOutcome::duplicate : IngestOutcome::conflict;
      }
      Statement tombstone(conn_, "SELECT 1 FROM key_tombstones WHERE key = ?1");
      tombstone.bind_text(1, record.key);
      if (has_row(tombstone, "look up a purged key")) return IngestOutcome::duplicate;
      Statement camera(conn_, "SELECT 1 FROM cameras WHERE id = ?1");
      camera.bind_text(1, record.camera_id);
      if (!has_row(camera, "look up a camera")) {
        throw InvalidInput("The record names an unknown camera; the record was not stored.");
      }
    }
    Statement insert(conn_, R"sql(
INSERT INTO records (key, kind, violation, camera_id, device_serial, created_at_ms,
                     received_at_ms, manifest, signature, content_sha256, plate_text,
                     plate_skeleton, read_at_ms, violation_kind, review_status)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15))sql");
    const ReviewStatus review = record.violation ? ReviewStatus::pending : ReviewStatus::none;
    insert.bind_text(1, record.key);
    insert.bind_text(2, record.kind);
    insert.bind_int64(3, record.violation ? 1 : 0);
    insert.bind_text(4, record.camera_id);
    insert.bind_text(5, record.device_serial);
    insert.bind_int64(6, record.created_at.unix_ms);
    insert.bind_int64(7, record.received_at.unix_ms);
    insert.bind_text(8, record.manifest);
    insert.bind_text(9, record.signature);
    insert.bind_text(10, record.content_sha256);
    insert.bind_text(11, record.plate_text);
    insert.bind_text(12, record.plate_skeleton);
    bind_optional_time(insert, 13, record.read_at);
    insert.bind_text(14, record.violation_kind);
    insert.bind_text(15, to_string(review));
    run_to_end(insert, "store a record");
    const std::int64_t record_id = conn_.last_insert_rowid();

    std::vector<std::int64_t> file_ids;
    Statement file(conn_, R"sql(
INSERT INTO evidence_files (record_id, name, media_type, size, sha256, storage_path)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
    for (const EvidenceFile& f : record.files) {
      const ResetOnExit reset(file);
      file.bind_int64(1, record_id);
      file.bind_text(2, f.name);
      file.bind_text(3, f.media_type);
      file.bind_int64(4, f.size);
      file.bind_text(5, f.sha256);
      file.bind_text(6, f.storage_path);
      run_to_end(file, "store an evidence file");
      file_ids.push_back(conn_.last_insert_rowid());
    }
    tx.commit();
    record.id = record_id;
    for (std::size_t i = 0; i < file_ids.size(); ++i) record.files[i].id = file_ids[i];
    record.review_status = review;
    record.reviewed_at.reset();
    record.review_reason.clear();
    record.first_reviewer.clear();
    record.first_reviewed_at.reset();
    record.second_reviewer.clear();
    record.second_reviewed_at.reset();
    return IngestOutcome::stored;
  }

  [[nodiscard]] std::optional<IngestedRecord> record_by_key(const std::string& key) const override {
    const std::lock_guard lock(mutex_);
    const ReadSnapshot snapshot(conn_);
    return find_record(fmt::format("SELECT {} FROM records WHERE key = ?1", kRecordColumns),
                       [&](Statement& q) { q.bind_text(1, key); });
  }

  [[nodiscard]] std::optional<IngestedRecord> record_by_id(std::int64_t id) const override {
    const std::lock_guard lock(mutex_);
    const ReadSnapshot snapshot(conn_);
    return find_record(fmt::format("SELECT {} FROM records WHERE id = ?1", kRecordColumns),
                       [&](Statement& q) { q.bind_int64(1, id); });
  }

  ReviewOutcome set_review(const std::string& key, const ReviewDecision& decision) override {
    check_review_decision(decision);
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);  // BEGIN IMMEDIATE: the read and the write below are one step
    {
      Statement find(conn_,
                     "SELECT violation, review_status, first_reviewer FROM records WHERE key = ?1");
      find.bind_text(1, key);
      if (!find.step("look up a record to review")) return ReviewOutcome::not_found;
      const bool violation = find.column_int64(0) != 0;
      const std::optional<ReviewStatus> current = parse_review_status(find.column_text(1));
      const std::string first_reviewer = find.column_text(2);
      find.reset();
      if (!current) {
        throw Corrupt(fmt::format("Record {} in SQLite store '{}' has an unknown review status.",
                                  key, conn_.path()));
      }
      const ReviewOutcome outcome =
          check_review_of(key, violation, *current, first_reviewer, decision);
      if (outcome != ReviewOutcome::applied) return outcome;
    }
    const bool first = decision.stage == ReviewStage::first;
    Statement update(conn_, first ? R"sql(
UPDATE records SET review_status = ?3, reviewed_at_ms = ?4, review_reason = ?5,
  first_reviewer = ?6, first_reviewed_at_ms = ?4, second_reviewer = '', second_reviewed_at_ms = NULL
WHERE key = ?1 AND review_status = ?2 RETURNING id)sql"
                                  : R"sql(
UPDATE records SET review_status = ?3, reviewed_at_ms = ?4, review_reason = ?5,
  second_reviewer = ?6, second_reviewed_at_ms = ?4
WHERE key = ?1 AND review_status = ?2 RETURNING id)sql");
    update.bind_text(1, key);
    update.bind_text(2, to_string(decision.expected));
    update.bind_text(3, to_string(decision.status));
    update.bind_int64(4, decision.at.unix_ms);
    update.bind_text(5, decision.reason);
    update.bind_text(6, decision.reviewer);
    if (run_to_end(update, "record a review") != 1) {
      throw InternalError(fmt::format("The review of record {} changed no row.", key));
    }
    tx.commit();
    return ReviewOutcome::applied;
  }

  [[nodiscard]] std::vector<IngestedRecord> search_reads(const ReadQuery& query) const override {
    if (query.limit <= 0) return {};
    // Only fixed SQL fragments with numbered placeholders are appended; every value is bound.
    std::string sql =
        fmt::format("SELECT {} FROM records WHERE read_at_ms IS NOT NULL", kRecordColumns);
    int next = 1;
    const auto placeholder = [&] { return fmt::format("?{}", next++); };
    if (!query.plate_text.empty()) sql += " AND plate_text = " + placeholder();
    if (!query.plate_skeleton.empty()) sql += " AND plate_skeleton = " + placeholder();
    if (query.from) sql += " AND read_at_ms >= " + placeholder();
    if (query.to) sql += " AND read_at_ms < " + placeholder();
    if (!query.camera_ids.empty()) {
      sql += " AND camera_id IN (";
      for (std::size_t i = 0; i < query.camera_ids.size(); ++i) {
        sql += (i == 0 ? "" : ", ") + placeholder();
      }
      sql += ")";
    }
    sql += " ORDER BY read_at_ms, id LIMIT " + placeholder();

    const std::lock_guard lock(mutex_);
    const ReadSnapshot snapshot(conn_);
    std::vector<IngestedRecord> out;
    {
      Statement q(conn_, sql.c_str());
      int index = 1;
      if (!query.plate_text.empty()) q.bind_text(index++, query.plate_text);
      if (!query.plate_skeleton.empty()) q.bind_text(index++, query.plate_skeleton);
      if (query.from) q.bind_int64(index++, query.from->unix_ms);
      if (query.to) q.bind_int64(index++, query.to->unix_ms);
      for (const std::string& camera_id : query.camera_ids) q.bind_text(index++, camera_id);
      q.bind_int64(index, query.limit);
      while (q.step("search plate reads")) out.push_back(read_record(q, conn_));
    }
    for (IngestedRecord& r : out) r.files = files_of(r.id);
    return out;
  }

  [[nodiscard]] std::vector<IngestedRecord> review_queue(
      int limit, const std::string& not_first_reviewer) const override {
    if (limit <= 0) return {};
    const std::string sql = fmt::format(
        "SELECT {} FROM records WHERE review_status = 'pending' OR "
        "(review_status = 'awaiting_second_review' AND (?2 = '' OR first_reviewer <> ?2)) "
        "ORDER BY received_at_ms, id LIMIT ?1",
        kRecordColumns);
    const std::lock_guard lock(mutex_);
    const ReadSnapshot snapshot(conn_);
    std::vector<IngestedRecord> out;
    {
      Statement q(conn_, sql.c_str());
      q.bind_int64(1, limit);
      q.bind_text(2, not_first_reviewer);
      while (q.step("read the review queue")) out.push_back(read_record(q, conn_));
    }
    for (IngestedRecord& r : out) r.files = files_of(r.id);
    return out;
  }

  // ---- Audit log -----------------------------------------------------------------------------

  AuditEntry append_audit(AuditEntry entry) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);  // BEGIN IMMEDIATE: other processes' appends wait for this one
    {
      Statement last(conn_, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      if (last.step("read the last audit entry")) {
        entry.seq = last.column_int64(0) + 1;
        entry.prev_hash = last.column_text(1);
      } else {
        entry.seq = 1;
        entry.prev_hash = std::string(kAuditGenesisHash);
      }
    }
    entry.hash = audit_entry_hash(entry);
    Statement insert(conn_, R"sql(
INSERT INTO audit_log (seq, time_ms, actor, role, action, target, purpose, case_number,
                       result_count, outcome, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12))sql");
    insert.bind_int64(1, entry.seq);
    insert.bind_int64(2, entry.time.unix_ms);
    insert.bind_text(3, entry.actor);
    insert.bind_text(4, entry.role);
    insert.bind_text(5, entry.action);
    insert.bind_text(6, entry.target);
    insert.bind_text(7, entry.purpose);
    insert.bind_text(8, entry.case_number);
    insert.bind_int64(9, entry.result_count);
    insert.bind_text(10, entry.outcome);
    insert.bind_text(11, entry.prev_hash);
    insert.bind_text(12, entry.hash);
    run_to_end(insert, "append an audit entry");
    tx.commit();
    return entry;
  }

  [[nodiscard]] std::vector<AuditEntry> audit_entries(std::int64_t after_seq,
                                                      int limit) const override {
    if (limit <= 0) return {};
    const std::lock_guard lock(mutex_);
    Statement q(conn_, fmt::format("SELECT {} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                                   kAuditColumns)
                           .c_str());
    q.bind_int64(1, after_seq);
    q.bind_int64(2, limit);
    std::vector<AuditEntry> out;
    while (q.step("read audit entries")) out.push_back(read_audit(q));
    return out;
  }

  // ---- Retention and transparency ------------------------------------------------------------

  std::vector<IngestedRecord> purge_records(UtcTime non_violation_before, UtcTime violation_before,
                                            UtcTime rejected_before) override {
    const std::int64_t now_ms = SystemClock().now().unix_ms;
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    std::vector<IngestedRecord> purged;
    {
      Statement q(conn_, fmt::format(R"sql(SELECT {} FROM records
WHERE (violation = 0 AND received_at_ms < ?1) OR (violation = 1 AND received_at_ms < ?2)
   OR (review_status = 'rejected' AND reviewed_at_ms < ?3)
ORDER BY id)sql",
                                     kRecordColumns)
                             .c_str());
      q.bind_int64(1, non_violation_before.unix_ms);
      q.bind_int64(2, violation_before.unix_ms);
      q.bind_int64(3, rejected_before.unix_ms);
      while (q.step("find expired records")) purged.push_back(read_record(q, conn_));
    }
    Statement tombstone(conn_, "INSERT INTO key_tombstones (key, purged_at_ms) VALUES (?1, ?2)");
    Statement del_files(conn_, "DELETE FROM evidence_files WHERE record_id = ?1");
    Statement del_record(conn_, "DELETE FROM records WHERE id = ?1");
    for (IngestedRecord& r : purged) {
      r.files = files_of(r.id);
      {
        const ResetOnExit reset(tombstone);
        tombstone.bind_text(1, r.key);
        tombstone.bind_int64(2, now_ms);
        run_to_end(tombstone, "keep a purged key");
      }
      {
        const ResetOnExit reset(del_files);
        del_files.bind_int64(1, r.id);
        run_to_end(del_files, "delete evidence file rows");
      }
      {
        const ResetOnExit reset(del_record);
        del_record.bind_int64(1, r.id);
        run_to_end(del_record, "delete a record");
      }
    }
    tx.commit();
    return purged;
  }

  std::int64_t purge_tombstones(UtcTime before) override {
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement del(conn_, "DELETE FROM key_tombstones WHERE purged_at_ms < ?1 RETURNING key");
    del.bind_int64(1, before.unix_ms);
    const std::int64_t forgotten = run_to_end(del, "forget purged keys");
    tx.commit();
    return forgotten;
  }

  [[nodiscard]] TransparencyCounts transparency_counts(UtcTime from, UtcTime to) const override {
    const std::lock_guard lock(mutex_);
    const ReadSnapshot snapshot(conn_);
    TransparencyCounts counts;
    {
      Statement q(conn_, R"sql(SELECT count(*) FROM records
WHERE kind = 'plate_read' AND received_at_ms >= ?1 AND received_at_ms < ?2)sql");
      q.bind_int64(1, from.unix_ms);
      q.bind_int64(2, to.unix_ms);
      if (q.step("count plate reads")) counts.plate_reads = q.column_int64(0);
      q.reset();
    }
    {
      Statement q(conn_, R"sql(SELECT violation_kind, count(*) FROM records
WHERE violation = 1 AND received_at_ms >= ?1 AND received_at_ms < ?2 GROUP BY violation_kind)sql");
      q.bind_int64(1, from.unix_ms);
      q.bind_int64(2, to.unix_ms);
      counts.violations_by_kind = read_counts(q, "count violations");
    }
    {
      Statement q(conn_, R"sql(SELECT purpose, count(*) FROM audit_log
WHERE action = 'search' AND time_ms >= ?1 AND time_ms < ?2 GROUP BY purpose)sql");
      q.bind_int64(1, from.unix_ms);
      q.bind_int64(2, to.unix_ms);
      counts.searches_by_purpose = read_counts(q, "count searches");
    }
    {
      Statement q(conn_, R"sql(SELECT count(*), coalesce(sum(result_count), 0) FROM audit_log
WHERE action = 'purge' AND time_ms >= ?1 AND time_ms < ?2)sql");
      q.bind_int64(1, from.unix_ms);
      q.bind_int64(2, to.unix_ms);
      if (q.step("count purges")) {
        counts.purges = q.column_int64(0);
        counts.purged_records = q.column_int64(1);
      }
      q.reset();
    }
    return counts;
  }

  [[nodiscard]] int schema_version() const override { return schema_version_; }

 private:
  /// InvalidInput unless the username and role may be stored; `done` completes "the user
  /// was not ...".
  static void check_user_fields(const User& user, std::string_view done) {
    if (!valid_username(user.username)) {
      throw InvalidInput(fmt::format(
          "A username must be 1-64 characters of a-z, 0-9, '_', '.', '-'; the user was not {}.",
          done));
    }
    if (user.role == Role::device) {
      throw InvalidInput(
          fmt::format("A person cannot have the device role; the user was not {}.", done));
    }
  }

  /// The evidence files of record `record_id`, ordered by id. Caller holds mutex_.
  [[nodiscard]] std::vector<EvidenceFile> files_of(std::int64_t record_id) const {
    Statement q(conn_, R"sql(
SELECT id, name, media_type, size, sha256, storage_path FROM evidence_files
WHERE record_id = ?1 ORDER BY id)sql");
    q.bind_int64(1, record_id);
    std::vector<EvidenceFile> out;
    while (q.step("read evidence files")) {
      out.push_back(EvidenceFile{q.column_int64(0), q.column_text(1), q.column_text(2),
                                 q.column_int64(3), q.column_text(4), q.column_text(5)});
    }
    return out;
  }

  /// The one record `sql` (bound by `bind`) selects, with its files. Caller holds mutex_.
  template <typename Bind>
  [[nodiscard]] std::optional<IngestedRecord> find_record(const std::string& sql,
                                                          Bind&& bind) const {
    std::optional<IngestedRecord> record;
    {
      Statement q(conn_, sql.c_str());
      bind(q);
      if (q.step("read a record")) record = read_record(q, conn_);
    }
    if (record) record->files = files_of(record->id);
    return record;
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
