// The PostgreSQL Store: roadwarden::store::Store over libpqxx, with versioned schema
// migrations applied under an advisory lock. Schema and rules: docs/store.md ("PostgreSQL").
#include "store/postgres/postgres_store.hpp"

#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "store/plate_read_rules.hpp"
#include "store/record_rules.hpp"
#include "store/server_records.hpp"
#include "store/store.hpp"

namespace roadwarden::store {
namespace {

/// One schema migration: applied once, in its own transaction, with its schema_migrations row.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

/// The store's schema, oldest first. A released migration is never edited; a schema change is
/// a new migration appended here (and kPostgresSchemaVersion raised). Text is ordered with
/// COLLATE "C" in queries (byte order, as in SQLite), whatever the database's collation.
constexpr std::array kMigrations{
    Migration{1, "create plate_reads", R"sql(
CREATE TABLE plate_reads (
  id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  read_at_ms          BIGINT           NOT NULL,
  clock_source        TEXT             NOT NULL,
  source              TEXT             NOT NULL,
  frame               BIGINT           NOT NULL CHECK (frame >= -1),
  text                TEXT             NOT NULL,
  confidence          DOUBLE PRECISION NOT NULL,
  detector_confidence DOUBLE PRECISION NOT NULL,
  tl_x DOUBLE PRECISION NOT NULL, tl_y DOUBLE PRECISION NOT NULL,
  tr_x DOUBLE PRECISION NOT NULL, tr_y DOUBLE PRECISION NOT NULL,
  br_x DOUBLE PRECISION NOT NULL, br_y DOUBLE PRECISION NOT NULL,
  bl_x DOUBLE PRECISION NOT NULL, bl_y DOUBLE PRECISION NOT NULL,
  char_confidences    JSON             NOT NULL CHECK (json_typeof(char_confidences) = 'array'),
  candidates          JSON             NOT NULL CHECK (json_typeof(candidates) = 'array'),
  country             TEXT             NOT NULL,
  format              TEXT             NOT NULL,
  created_at_ms       BIGINT           NOT NULL
);
CREATE INDEX plate_reads_by_read_at ON plate_reads (read_at_ms);
CREATE INDEX plate_reads_by_text ON plate_reads (text);
)sql"},
    Migration{2, "create central server records", R"sql(
CREATE TABLE users (
  id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username        TEXT    NOT NULL UNIQUE,
  role            TEXT    NOT NULL,
  password_hash   TEXT    NOT NULL,
  totp_secret     TEXT    NOT NULL,
  totp_last_step  BIGINT  NOT NULL,
  failed_logins   INTEGER NOT NULL,
  locked_until_ms BIGINT,
  disabled        BOOLEAN NOT NULL,
  created_at_ms   BIGINT  NOT NULL
);
CREATE TABLE sessions (
  token_hash    TEXT   PRIMARY KEY,
  user_id       BIGINT NOT NULL REFERENCES users (id),
  csrf_token    TEXT   NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_seen_ms  BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE sites (
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  timezone TEXT NOT NULL
);
CREATE TABLE cameras (
  id        TEXT             PRIMARY KEY,
  site_id   TEXT             NOT NULL REFERENCES sites (id),
  name      TEXT             NOT NULL,
  latitude  DOUBLE PRECISION NOT NULL,
  longitude DOUBLE PRECISION NOT NULL,
  active    BOOLEAN          NOT NULL
);
CREATE TABLE devices (
  serial             TEXT   PRIMARY KEY,
  camera_id          TEXT   NOT NULL REFERENCES cameras (id),
  cert_sha256        TEXT   NOT NULL UNIQUE,
  signing_public_key TEXT   NOT NULL,
  issued_at_ms       BIGINT NOT NULL,
  revoked_at_ms      BIGINT
);
CREATE TABLE records (
  id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key            TEXT    NOT NULL UNIQUE,
  kind           TEXT    NOT NULL,
  violation      BOOLEAN NOT NULL,
  camera_id      TEXT    NOT NULL REFERENCES cameras (id),
  device_serial  TEXT    NOT NULL,
  created_at_ms  BIGINT  NOT NULL,
  received_at_ms BIGINT  NOT NULL,
  manifest       TEXT    NOT NULL,
  signature      TEXT    NOT NULL,
  content_sha256 TEXT    NOT NULL,
  plate_text     TEXT    NOT NULL,
  plate_skeleton TEXT    NOT NULL,
  read_at_ms     BIGINT,
  violation_kind TEXT    NOT NULL
);
CREATE INDEX records_by_plate_text ON records (plate_text, read_at_ms);
CREATE INDEX records_by_plate_skeleton ON records (plate_skeleton, read_at_ms);
CREATE INDEX records_by_camera ON records (camera_id, read_at_ms);
CREATE INDEX records_by_read_at ON records (read_at_ms);
CREATE INDEX records_by_received_at ON records (received_at_ms);
CREATE TABLE evidence_files (
  id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_id    BIGINT NOT NULL REFERENCES records (id),
  name         TEXT   NOT NULL,
  media_type   TEXT   NOT NULL,
  size         BIGINT NOT NULL,
  sha256       TEXT   NOT NULL,
  storage_path TEXT   NOT NULL
);
CREATE INDEX evidence_files_by_record ON evidence_files (record_id);
CREATE TABLE key_tombstones (
  key          TEXT   PRIMARY KEY,
  purged_at_ms BIGINT NOT NULL
);
CREATE INDEX key_tombstones_by_purged_at ON key_tombstones (purged_at_ms);
CREATE TABLE audit_log (
  seq          BIGINT PRIMARY KEY,
  time_ms      BIGINT NOT NULL,
  actor        TEXT   NOT NULL,
  role         TEXT   NOT NULL,
  action       TEXT   NOT NULL,
  target       TEXT   NOT NULL,
  purpose      TEXT   NOT NULL,
  case_number  TEXT   NOT NULL,
  result_count BIGINT NOT NULL,
  outcome      TEXT   NOT NULL,
  prev_hash    TEXT   NOT NULL,
  hash         TEXT   NOT NULL
);
CREATE INDEX audit_log_by_action_time ON audit_log (action, time_ms);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql"},
    Migration{3, "review status of violation records", R"sql(
ALTER TABLE records
  ADD COLUMN review_status TEXT NOT NULL DEFAULT 'none'
    CHECK (review_status IN ('none', 'pending', 'confirmed', 'rejected')),
  ADD COLUMN reviewed_at_ms BIGINT,
  ADD COLUMN review_reason TEXT NOT NULL DEFAULT '';
UPDATE records SET review_status = 'pending' WHERE violation;
CREATE INDEX records_by_review ON records (review_status, reviewed_at_ms);
)sql"},
    Migration{4, "second review: awaiting_second_review and the reviewers of each stage", R"sql(
ALTER TABLE records
  DROP CONSTRAINT records_review_status_check,
  ADD CONSTRAINT records_review_status_check
    CHECK (review_status IN ('none', 'pending', 'confirmed', 'rejected',
                             'awaiting_second_review')),
  ADD COLUMN first_reviewer TEXT NOT NULL DEFAULT '',
  ADD COLUMN first_reviewed_at_ms BIGINT,
  ADD COLUMN second_reviewer TEXT NOT NULL DEFAULT '',
  ADD COLUMN second_reviewed_at_ms BIGINT;
UPDATE records SET first_reviewed_at_ms = reviewed_at_ms WHERE reviewed_at_ms IS NOT NULL;
)sql"},
};

constexpr bool numbered_from_one() {
  for (std::size_t i = 0; i < kMigrations.size(); ++i) {
    if (kMigrations[i].version != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(numbered_from_one(), "migrations are numbered 1, 2, 3, ... in order");
static_assert(kMigrations.back().version == kPostgresSchemaVersion,
              "kPostgresSchemaVersion must name the last migration");

// ---- Parameters and values -------------------------------------------------------------

/// Statement parameters, bound as text values (never spliced into SQL).
class Params {
 public:
  /// A text value; `field` names it in the error when it holds a NUL byte, which PostgreSQL's
  /// text type cannot store (InvalidInput).
  Params& text(std::string_view field, const std::string& value) {
    if (value.find('\0') != std::string::npos) {
      throw InvalidInput(fmt::format(
          "{} contains a NUL byte, which the PostgreSQL store cannot keep; nothing was changed.",
          field));
    }
    return add(value);
  }
  Params& integer(std::int64_t value) { return add(std::to_string(value)); }
  /// The shortest text that PostgreSQL parses back to the same double.
  Params& real(double value) { return add(fmt::format("{}", value)); }
  Params& boolean(bool value) { return add(value ? "t" : "f"); }
  Params& time(UtcTime value) { return integer(value.unix_ms); }
  Params& time(const std::optional<UtcTime>& value) {
    return value ? integer(value->unix_ms) : null();
  }
  Params& null() {
    values_.emplace_back();
    nonnull_.push_back(false);
    return *this;
  }

  /// Runs `sql` with these parameters in `tx`.
  pqxx::result exec(pqxx::transaction_base& tx, const char* sql) const {
    std::vector<const char*> pointers;
    pointers.reserve(values_.size());
    for (std::size_t i = 0; i < values_.size(); ++i) {
      pointers.push_back(nonnull_[i] ? values_[i].c_str() : nullptr);
    }
    return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
  }

 private:
  Params& add(std::string value) {
    values_.push_back(std::move(value));
    nonnull_.push_back(true);
    return *this;
  }
  std::deque<std::string> values_;  // deque: c_str() pointers stay valid while adding
  std::vector<bool> nonnull_;
};

/// Reads the columns of one result row, throwing Corrupt (naming the store, table and
/// column) when a value does not decode.
class Columns {
 public:
  Columns(pqxx::row row, std::string_view store, std::string_view table)
      : row_(std::move(row)), store_(store), table_(table) {}

  [[nodiscard]] std::string text(int col) const {
    const pqxx::field f = field(col);
    return std::string(f.c_str(), f.size());
  }
  [[nodiscard]] std::int64_t integer(int col) const {
    const pqxx::field f = field(col);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(f.c_str(), f.c_str() + f.size(), value);
    if (ec != std::errc() || end != f.c_str() + f.size()) bad(col, "is not an integer");
    return value;
  }
  [[nodiscard]] double real(int col) const {
    const pqxx::field f = field(col);
    double value = 0;
    const auto [end, ec] = std::from_chars(f.c_str(), f.c_str() + f.size(), value);
    if (ec != std::errc() || end != f.c_str() + f.size()) bad(col, "is not a finite number");
    return value;
  }
  [[nodiscard]] bool boolean(int col) const {
    const std::string value = text(col);
    if (value != "t" && value != "f") bad(col, "is not a boolean");
    return value == "t";
  }
  [[nodiscard]] UtcTime time(int col) const { return UtcTime{integer(col)}; }
  [[nodiscard]] std::optional<UtcTime> optional_time(int col) const {
    if (row_[col].is_null()) return std::nullopt;
    return time(col);
  }
  [[nodiscard]] ReviewStatus review_status(int col) const {
    const std::optional<ReviewStatus> status = parse_review_status(text(col));
    if (!status) bad(col, "is not a review status");
    return *status;
  }
  [[nodiscard]] Role role(int col) const {
    const std::optional<Role> role = parse_role(text(col));
    if (!role) bad(col, "is not a role name");
    return *role;
  }
  /// "<table> row in <store>", for messages of other decoders.
  [[nodiscard]] std::string where() const { return fmt::format("A {} row in {}", table_, store_); }

 private:
  [[nodiscard]] pqxx::field field(int col) const {
    const pqxx::field f = row_[col];
    if (f.is_null()) bad(col, "is NULL");
    return f;
  }
  [[noreturn]] void bad(int col, std::string_view problem) const {
    throw Corrupt(
        fmt::format("Column {} of a {} row in {} {}.", row_[col].name(), table_, store_, problem));
  }
  pqxx::row row_;  // holds its result alive
  std::string_view store_;
  std::string_view table_;
};

/// The first line of a libpq / server message (the DETAIL lines may quote row values).
std::string first_line(std::string_view message) {
  const std::size_t end = message.find('\n');
  return std::string(message.substr(0, end));
}

/// `message` with every occurrence of `secret` replaced by "********".
std::string redact(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  for (std::size_t at = message.find(secret); at != std::string::npos;
       at = message.find(secret, at)) {
    message.replace(at, secret.size(), "********");
  }
  return message;
}

/// A comma-separated SQL array literal of ids ("{1,2,3}"), bound as one bigint[] parameter.
std::string id_array(const std::vector<std::int64_t>& ids) {
  return fmt::format("{{{}}}", fmt::join(ids, ","));
}

// ---- Connection ------------------------------------------------------------------------

/// What the connection string names, for messages (never the password).
struct Target {
  std::string label;     ///< "PostgreSQL database 'db' on host 'h' port p"
  std::string password;  ///< only to redact it from libpq messages; never shown
};

/// Parses `connection` with libpq's own parser. Throws IoError (without echoing the string,
/// which may hold a password) when libpq cannot parse it.
Target parse_target(const std::string& connection) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(connection.c_str(), &error), &PQconninfoFree);
  if (error != nullptr) PQfreemem(error);  // may quote the string: not shown
  if (!options) {
    throw IoError(
        "Cannot connect to the PostgreSQL store: libpq cannot parse the connection string (not "
        "shown, as it may hold a password); expected e.g. "
        "postgresql://roadwarden@127.0.0.1:5432/roadwarden.");
  }
  auto value = [&](std::string_view keyword, const char* env) -> std::string {
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
      if (keyword == o->keyword && o->val != nullptr && *o->val != '\0') return o->val;
    }
    if (env != nullptr) {
      if (const char* from_env = std::getenv(env); from_env != nullptr && *from_env != '\0') {
        return from_env;
      }
    }
    return {};
  };
  Target target;
  std::string host = value("host", "PGHOST");
  if (host.empty()) host = value("hostaddr", "PGHOSTADDR");
  std::string dbname = value("dbname", "PGDATABASE");
  if (dbname.empty()) dbname = value("user", "PGUSER");
  const std::string port = value("port", "PGPORT");
  target.label = fmt::format(
      "PostgreSQL database '{}' on host '{}'{}", dbname.empty() ? "(default)" : dbname,
      host.empty() ? "(default socket)" : host, port.empty() ? "" : fmt::format(" port {}", port));
  target.password = value("password", nullptr);
  return target;
}

/// Connects and sets the session up. Throws IoError naming the target, never the password.
std::unique_ptr<pqxx::connection> connect(const std::string& connection, const Target& target) {
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(connection);
    conn->set_client_encoding("UTF8");
    // Durable on return, whatever the server's default; exact doubles in text output.
    // set_variable: libpqxx restores these if it reconnects after a lost connection.
    conn->set_variable("synchronous_commit", "on");
    conn->set_variable("extra_float_digits", "3");
    pqxx::nontransaction setup(*conn);
    const std::string encoding = setup.exec1("SHOW server_encoding")[0].c_str();
    if (encoding != "UTF8") {
      throw IoError(fmt::format(
          "Cannot use {} as a roadwarden store: its encoding is {}, expected UTF8 (CREATE "
          "DATABASE ... ENCODING 'UTF8').",
          target.label, encoding));
    }
  } catch (const pqxx::failure& e) {
    throw IoError(fmt::format("Cannot connect to {}: {}.", target.label,
                              redact(first_line(e.what()), target.password)));
  }
  return conn;
}

// ---- Row decoders ----------------------------------------------------------------------

constexpr const char* kUserColumns =
    "id, username, role, password_hash, totp_secret, totp_last_step, failed_logins, "
    "locked_until_ms, disabled, created_at_ms";

User decode_user(const Columns& c) {
  User u;
  u.id = c.integer(0);
  u.username = c.text(1);
  u.role = c.role(2);
  u.password_hash = c.text(3);
  u.totp_secret = c.text(4);
  u.totp_last_step = c.integer(5);
  u.failed_logins = static_cast<int>(c.integer(6));
  u.locked_until = c.optional_time(7);
  u.disabled = c.boolean(8);
  u.created_at = c.time(9);
  return u;
}

constexpr const char* kSessionColumns =
    "token_hash, user_id, csrf_token, created_at_ms, last_seen_ms";

Session decode_session(const Columns& c) {
  return Session{c.text(0), c.integer(1), c.text(2), c.time(3), c.time(4)};
}

constexpr const char* kCameraColumns = "id, site_id, name, latitude, longitude, active";

Camera decode_camera(const Columns& c) {
  return Camera{c.text(0), c.text(1), c.text(2), c.real(3), c.real(4), c.boolean(5)};
}

constexpr const char* kDeviceColumns =
    "serial, camera_id, cert_sha256, signing_public_key, issued_at_ms, revoked_at_ms";

Device decode_device(const Columns& c) {
  return Device{c.text(0), c.text(1), c.text(2), c.text(3), c.time(4), c.optional_time(5)};
}

constexpr const char* kRecordColumns =
    "id, key, kind, violation, camera_id, device_serial, created_at_ms, received_at_ms, "
    "manifest, signature, content_sha256, plate_text, plate_skeleton, read_at_ms, "
    "violation_kind, review_status, reviewed_at_ms, review_reason, first_reviewer, "
    "first_reviewed_at_ms, second_reviewer, second_reviewed_at_ms";

IngestedRecord decode_record(const Columns& c) {
  IngestedRecord r;
  r.id = c.integer(0);
  r.key = c.text(1);
  r.kind = c.text(2);
  r.violation = c.boolean(3);
  r.camera_id = c.text(4);
  r.device_serial = c.text(5);
  r.created_at = c.time(6);
  r.received_at = c.time(7);
  r.manifest = c.text(8);
  r.signature = c.text(9);
  r.content_sha256 = c.text(10);
  r.plate_text = c.text(11);
  r.plate_skeleton = c.text(12);
  r.read_at = c.optional_time(13);
  r.violation_kind = c.text(14);
  r.review_status = c.review_status(15);
  r.reviewed_at = c.optional_time(16);
  r.review_reason = c.text(17);
  r.first_reviewer = c.text(18);
  r.first_reviewed_at = c.optional_time(19);
  r.second_reviewer = c.text(20);
  r.second_reviewed_at = c.optional_time(21);
  return r;
}

constexpr const char* kFileColumns = "record_id, id, name, media_type, size, sha256, storage_path";

constexpr const char* kAuditColumns =
    "seq, time_ms, actor, role, action, target, purpose, case_number, result_count, outcome, "
    "prev_hash, hash";

AuditEntry decode_audit(const Columns& c) {
  AuditEntry e;
  e.seq = c.integer(0);
  e.time = c.time(1);
  e.actor = c.text(2);
  e.role = c.text(3);
  e.action = c.text(4);
  e.target = c.text(5);
  e.purpose = c.text(6);
  e.case_number = c.text(7);
  e.result_count = c.integer(8);
  e.outcome = c.text(9);
  e.prev_hash = c.text(10);
  e.hash = c.text(11);
  return e;
}

/// Columns written by add_plate_reads, in parameter order $1..$20.
constexpr const char* kInsertRead = R"sql(
INSERT INTO plate_reads (
  read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
  tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
  char_confidences, candidates, country, format, created_at_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
RETURNING id
)sql";

/// Columns read by plate_reads, in result order 0..19.
constexpr const char* kSelectReads = R"sql(
SELECT id, read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
       tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
       char_confidences, candidates, country, format
FROM plate_reads ORDER BY id
)sql";

/// Read-only snapshot transaction: several statements see one consistent state.
using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// ---- The store -------------------------------------------------------------------------

/// The Store over one PostgreSQL connection.
class PostgresStore final : public Store {
 public:
  PostgresStore(std::unique_ptr<pqxx::connection> conn, std::string label)
      : label_(std::move(label)), conn_(std::move(conn)), schema_version_(migrate()) {}

  std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) override {
    for (std::size_t i = 0; i < reads.size(); ++i) {
      validate_plate_read(reads[i], i);
      check_no_nul(reads[i], i);
    }
    std::vector<std::int64_t> ids;
    if (reads.empty()) return ids;
    ids.reserve(reads.size());
    const std::int64_t created_at_ms = SystemClock().now().unix_ms;
    return guarded("store plate reads", [&] {
      pqxx::work tx(*conn_);
      for (const StoredPlateRead& read : reads) {
        const PlateResult& plate = read.plate;
        Params p;
        p.time(read.read_at)
            .text("clock_source", read.clock_source)
            .text("source", replace_invalid_utf8(read.source))
            .integer(read.frame)
            .text("text", plate.text)
            .real(plate.confidence)
            .real(plate.detector_confidence);
        for (const Point& corner : plate.corners.corners) p.real(corner.x).real(corner.y);
        p.text("char_confidences", encode_char_confidences(plate.char_confidences))
            .text("candidates", encode_candidates(plate.candidates))
            .text("country", plate.country)
            .text("format", plate.format)
            .integer(created_at_ms);
        ids.push_back(Columns(p.exec(tx, kInsertRead).at(0), label_, "plate_reads").integer(0));
      }
      tx.commit();
      return ids;
    });
  }

  [[nodiscard]] std::vector<StoredPlateRead> plate_reads() const override {
    return guarded("read plate reads", [&] {
      pqxx::read_transaction tx(*conn_);  // one statement: one consistent snapshot
      std::vector<StoredPlateRead> out;
      for (const pqxx::row& row : tx.exec(kSelectReads)) {
        const Columns c(row, label_, "plate_reads");
        StoredPlateRead read;
        read.id = c.integer(0);
        read.read_at = c.time(1);
        read.clock_source = c.text(2);
        read.source = c.text(3);
        read.frame = c.integer(4);
        PlateResult& plate = read.plate;
        plate.text = c.text(5);
        plate.confidence = c.real(6);
        plate.detector_confidence = c.real(7);
        for (int i = 0; i < 4; ++i) {
          plate.corners.corners[static_cast<std::size_t>(i)] =
              Point{c.real(8 + 2 * i), c.real(9 + 2 * i)};
        }
        const std::string where = fmt::format("Plate read {} in {}", read.id, label_);
        plate.char_confidences = decode_char_confidences(c.text(16), where);
        plate.candidates = decode_candidates(c.text(17), where);
        plate.country = c.text(18);
        plate.format = c.text(19);
        out.push_back(std::move(read));
      }
      return out;
    });
  }

  // ---- Users and sessions ---------------------------------------------------------------

  std::int64_t add_user(const User& user) override {
    check_username(user.username);
    check_person_role(user.role);
    return guarded("add a user", [&] {
      pqxx::work tx(*conn_);
      const pqxx::result r = Params()
                                 .text("username", user.username)
                                 .text("role", to_string(user.role))
                                 .text("password_hash", user.password_hash)
                                 .text("totp_secret", user.totp_secret)
                                 .integer(user.totp_last_step)
                                 .integer(user.failed_logins)
                                 .time(user.locked_until)
                                 .boolean(user.disabled)
                                 .time(user.created_at)
                                 .exec(tx, R"sql(
INSERT INTO users (username, role, password_hash, totp_secret, totp_last_step, failed_logins,
                   locked_until_ms, disabled, created_at_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (username) DO NOTHING RETURNING id)sql");
      if (r.empty()) {
        throw InvalidInput(
            fmt::format("Username '{}' is taken; no user was added.", user.username));
      }
      const std::int64_t id = Columns(r[0], label_, "users").integer(0);
      tx.commit();
      return id;
    });
  }

  [[nodiscard]] std::optional<User> user_by_name(const std::string& username) const override {
    return guarded("read a user", [&] {
      pqxx::read_transaction tx(*conn_);
      const pqxx::result r =
          Params()
              .text("username", username)
              .exec(tx,
                    fmt::format("SELECT {} FROM users WHERE username = $1", kUserColumns).c_str());
      return r.empty() ? std::nullopt
                       : std::optional<User>(decode_user(Columns(r[0], label_, "users")));
    });
  }

  [[nodiscard]] std::optional<User> user_by_id(std::int64_t id) const override {
    return guarded("read a user", [&] {
      pqxx::read_transaction tx(*conn_);
      const pqxx::result r = Params().integer(id).exec(
          tx, fmt::format("SELECT {} FROM users WHERE id = $1", kUserColumns).c_str());
      return r.empty() ? std::nullopt
                       : std::optional<User>(decode_user(Columns(r[0], label_, "users")));
    });
  }

  [[nodiscard]] std::vector<User> users() const override {
    return guarded("read users", [&] {
      pqxx::read_transaction tx(*conn_);
      std::vector<User> out;
      for (const pqxx::row& row :
           tx.exec(fmt::format("SELECT {} FROM users ORDER BY id", kUserColumns))) {
        out.push_back(decode_user(Columns(row, label_, "users")));
      }
      return out;
    });
  }

  void update_user(const User& user) override {
    check_person_role(user.role);
    guarded("update a user", [&] {
      pqxx::work tx(*conn_);
      const pqxx::result r = Params()
                                 .integer(user.id)
                                 .text("role", to_string(user.role))
                                 .text("password_hash", user.password_hash)
                                 .text("totp_secret", user.totp_secret)
                                 .integer(user.totp_last_step)
                                 .integer(user.failed_logins)
                                 .time(user.locked_until)
                                 .boolean(user.disabled)
                                 .exec(tx, R"sql(
UPDATE users SET role = $2, password_hash = $3, totp_secret = $4, totp_last_step = $5,
                 failed_logins = $6, locked_until_ms = $7, disabled = $8
WHERE id = $1)sql");
      if (r.affected_rows() == 0) {
        throw InvalidInput(fmt::format("No user has id {}; nothing was updated.", user.id));
      }
      tx.commit();
    });
  }

  void add_session(const Session& session) override {
    guarded("add a session", [&] {
      pqxx::work tx(*conn_);
      if (Params()
              .integer(session.user_id)
              .exec(tx, "SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE")
              .empty()) {
        throw InvalidInput(
            fmt::format("No user has id {}; the session was not added.", session.user_id));
      }
      const pqxx::result r = Params()
                                 .text("token_hash", session.token_hash)
                                 .integer(session.user_id)
                                 .text("csrf_token", session.csrf_token)
                                 .time(session.created_at)
                                 .time(session.last_seen)
                                 .exec(tx, R"sql(
INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_ms, last_seen_ms)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_hash) DO NOTHING RETURNING 1)sql");
      if (r.empty()) {
        throw InvalidInput("A session with this token hash exists; the session was not added.");
      }
      tx.commit();
    });
  }

  [[nodiscard]] std::optional<Session> session(const std::string& token_hash) const override {
    return guarded("read a session", [&] {
      pqxx::read_transaction tx(*conn_);
      const pqxx::result r =
          Params()
              .text("token_hash", token_hash)
              .exec(tx,
                    fmt::format("SELECT {} FROM sessions WHERE token_hash = $1", kSessionColumns)
                        .c_str());
      return r.empty() ? std::nullopt
                       : std::optional<Session>(decode_session(Columns(r[0], label_, "sessions")));
    });
  }

  void touch_session(const std::string& token_hash, UtcTime last_seen) override {
    write("touch a session", [&](pqxx::work& tx) {
      Params()
          .text("token_hash", token_hash)
          .time(last_seen)
          .exec(tx, "UPDATE sessions SET last_seen_ms = $2 WHERE token_hash = $1");
    });
  }

  void delete_session(const std::string& token_hash) override {
    write("delete a session", [&](pqxx::work& tx) {
      Params()
          .text("token_hash", token_hash)
          .exec(tx, "DELETE FROM sessions WHERE token_hash = $1");
    });
  }

  void delete_user_sessions(std::int64_t user_id) override {
    write("delete sessions", [&](pqxx::work& tx) {
      Params().integer(user_id).exec(tx, "DELETE FROM sessions WHERE user_id = $1");
    });
  }

  // ---- Sites, cameras, devices ----------------------------------------------------------

  void put_site(const Site& site) override {
    check_entity_id("site", site.id);
    write("store a site", [&](pqxx::work& tx) {
      Params()
          .text("site id", site.id)
          .text("site name", site.name)
          .text("site timezone", site.timezone)
          .exec(tx, R"sql(
INSERT INTO sites (id, name, timezone) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone)sql");
    });
  }

  [[nodiscard]] std::vector<Site> sites() const override {
    return guarded("read sites", [&] {
      pqxx::read_transaction tx(*conn_);
      std::vector<Site> out;
      for (const pqxx::row& row :
           tx.exec("SELECT id, name, timezone FROM sites ORDER BY id COLLATE \"C\"")) {
        const Columns c(row, label_, "sites");
        out.push_back(Site{c.text(0), c.text(1), c.text(2)});
      }
      return out;
    });
  }

  void put_camera(const Camera& camera) override {
    check_entity_id("camera", camera.id);
    write("store a camera", [&](pqxx::work& tx) {
      if (Params()
              .text("site id", camera.site_id)
              .exec(tx, "SELECT 1 FROM sites WHERE id = $1 FOR KEY SHARE")
              .empty()) {
        throw InvalidInput(fmt::format("Camera '{}' names unknown site '{}'; nothing was changed.",
                                       camera.id, camera.site_id));
      }
      Params()
          .text("camera id", camera.id)
          .text("site id", camera.site_id)
          .text("camera name", camera.name)
          .real(camera.latitude)
          .real(camera.longitude)
          .boolean(camera.active)
          .exec(tx, R"sql(
INSERT INTO cameras (id, site_id, name, latitude, longitude, active)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET site_id = EXCLUDED.site_id, name = EXCLUDED.name,
  latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude, active = EXCLUDED.active)sql");
    });
  }

  [[nodiscard]] std::optional<Camera> camera(const std::string& id) const override {
    return guarded("read a camera", [&] {
      pqxx::read_transaction tx(*conn_);
      const pqxx::result r =
          Params()
              .text("camera id", id)
              .exec(tx,
                    fmt::format("SELECT {} FROM cameras WHERE id = $1", kCameraColumns).c_str());
      return r.empty() ? std::nullopt
                       : std::optional<Camera>(decode_camera(Columns(r[0], label_, "cameras")));
    });
  }

  [[nodiscard]] std::vector<Camera> cameras() const override {
    return guarded("read cameras", [&] {
      pqxx::read_transaction tx(*conn_);
      std::vector<Camera> out;
      for (const pqxx::row& row : tx.exec(
               fmt::format("SELECT {} FROM cameras ORDER BY id COLLATE \"C\"", kCameraColumns))) {
        out.push_back(decode_camera(Columns(row, label_, "cameras")));
      }
      return out;
    });
  }

  void add_device(const Device& device) override {
    write("enrol a device", [&](pqxx::work& tx) {
      if (Params()
              .text("camera id", device.camera_id)
              .exec(tx, "SELECT 1 FROM cameras WHERE id = $1 FOR KEY SHARE")
              .empty()) {
        throw InvalidInput(
            fmt::format("Device '{}' names unknown camera '{}'; it was not enrolled.",
                        device.serial, device.camera_id));
      }
      const pqxx::result r = Params()
                                 .text("device serial", device.serial)
                                 .text("camera id", device.camera_id)
                                 .text("certificate hash", device.cert_sha256)
                                 .text("signing key", device.signing_public_key)
                                 .time(device.issued_at)
                                 .time(device.revoked_at)
                                 .exec(tx, R"sql(
INSERT INTO devices (serial, camera_id, cert_sha256, signing_public_key, issued_at_ms,
                     revoked_at_ms)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1)sql");
      if (r.empty()) {
        throw InvalidInput(fmt::format(
            "Device '{}' was not enrolled: its serial or certificate is already enrolled.",
            device.serial));
      }
    });
  }

  [[nodiscard]] std::optional<Device> device_by_cert(
      const std::string& cert_sha256) const override {
    return guarded("read a device", [&] {
      pqxx::read_transaction tx(*conn_);
      const pqxx::result r =
          Params()
              .text("certificate hash", cert_sha256)
              .exec(tx, fmt::format("SELECT {} FROM devices WHERE cert_sha256 = $1", kDeviceColumns)
                            .c_str());
      return r.empty() ? std::nullopt
                       : std::optional<Device>(decode_device(Columns(r[0], label_, "devices")));
    });
  }

  [[nodiscard]] std::vector<Device> devices() const override {
    return guarded("read devices", [&] {
      pqxx::read_transaction tx(*conn_);
      std::vector<Device> out;
      for (const pqxx::row& row :
           tx.exec(fmt::format("SELECT {} FROM devices ORDER BY issued_at_ms, serial COLLATE \"C\"",
                               kDeviceColumns))) {
        out.push_back(decode_device(Columns(row, label_, "devices")));
      }
      return out;
    });
  }

  bool revoke_device(const std::string& serial, UtcTime when) override {
    return guarded("revoke a device", [&] {
      pqxx::work tx(*conn_);
      const pqxx::result r = Params()
                                 .text("device serial", serial)
                                 .time(when)
                                 .exec(tx,
                                       "UPDATE devices SET revoked_at_ms = $2 WHERE serial = $1 "
                                       "AND revoked_at_ms IS NULL");
      tx.commit();
      return r.affected_rows() == 1;
    });
  }

  // ---- Ingested records -----------------------------------------------------------------

  IngestOutcome ingest_record(IngestedRecord& record) override {
    if (!valid_record_key(record.key)) {
      throw InvalidInput(
          "The record key is not 32 lower-case hex digits; the record was not stored.");
    }
    return guarded("store an ingested record", [&] {
      pqxx::work tx(*conn_);
      if (const auto known = known_key(tx, record)) return *known;
      if (Params()
              .text("camera id", record.camera_id)
              .exec(tx, "SELECT 1 FROM cameras WHERE id = $1 FOR KEY SHARE")
              .empty()) {
        throw InvalidInput(fmt::format("Record {} names unknown camera '{}'; it was not stored.",
                                       record.key, record.camera_id));
      }
      const ReviewStatus review = record.violation ? ReviewStatus::pending : ReviewStatus::none;
      const pqxx::result inserted = Params()
                                        .text("record key", record.key)
                                        .text("record kind", record.kind)
                                        .boolean(record.violation)
                                        .text("camera id", record.camera_id)
                                        .text("device serial", record.device_serial)
                                        .time(record.created_at)
                                        .time(record.received_at)
                                        .text("manifest", record.manifest)
                                        .text("signature", record.signature)
                                        .text("content hash", record.content_sha256)
                                        .text("plate text", record.plate_text)
                                        .text("plate skeleton", record.plate_skeleton)
                                        .time(record.read_at)
                                        .text("violation kind", record.violation_kind)
                                        .text("review status", to_string(review))
                                        .exec(tx, R"sql(
INSERT INTO records (key, kind, violation, camera_id, device_serial, created_at_ms,
                     received_at_ms, manifest, signature, content_sha256, plate_text,
                     plate_skeleton, read_at_ms, violation_kind, review_status)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT (key) DO NOTHING RETURNING id)sql");
      if (inserted.empty()) {
        // Another connection stored this key after our check and has committed (ON CONFLICT
        // waited for it): answer as for a key seen before.
        if (const auto known = known_key(tx, record)) return *known;
        throw InternalError(fmt::format("Record {} vanished while being stored.", record.key));
      }
      const std::int64_t id = Columns(inserted[0], label_, "records").integer(0);
      std::vector<std::int64_t> file_ids;
      for (const EvidenceFile& file : record.files) {
        const pqxx::result f = Params()
                                   .integer(id)
                                   .text("file name", file.name)
                                   .text("media type", file.media_type)
                                   .integer(file.size)
                                   .text("file hash", file.sha256)
                                   .text("storage path", file.storage_path)
                                   .exec(tx, R"sql(
INSERT INTO evidence_files (record_id, name, media_type, size, sha256, storage_path)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id)sql");
        file_ids.push_back(Columns(f[0], label_, "evidence_files").integer(0));
      }
      tx.commit();
      record.id = id;
      for (std::size_t i = 0; i < file_ids.size(); ++i) record.files[i].id = file_ids[i];
      record.review_status = review;
      record.reviewed_at.reset();
      record.review_reason.clear();
      record.first_reviewer.clear();
      record.first_reviewed_at.reset();
      record.second_reviewer.clear();
      record.second_reviewed_at.reset();
      return IngestOutcome::stored;
    });
  }

  [[nodiscard]] std::optional<IngestedRecord> record_by_key(const std::string& key) const override {
    return guarded("read a record", [&] {
      Snapshot tx(*conn_);
      auto records = with_files(
          tx,
          Params()
              .text("record key", key)
              .exec(tx,
                    fmt::format("SELECT {} FROM records WHERE key = $1", kRecordColumns).c_str()));
      return records.empty() ? std::nullopt
                             : std::optional<IngestedRecord>(std::move(records.front()));
    });
  }

  [[nodiscard]] std::optional<IngestedRecord> record_by_id(std::int64_t id) const override {
    return guarded("read a record", [&] {
      Snapshot tx(*conn_);
      auto records = with_files(
          tx, Params().integer(id).exec(
                  tx, fmt::format("SELECT {} FROM records WHERE id = $1", kRecordColumns).c_str()));
      return records.empty() ? std::nullopt
                             : std::optional<IngestedRecord>(std::move(records.front()));
    });
  }

  ReviewOutcome set_review(const std::string& key, const ReviewDecision& decision) override {
    check_review_decision(decision);
    check_no_nul("reviewer", decision.reviewer);
    check_no_nul("review reason", decision.reason);
    return guarded("record a review", [&] {
      pqxx::work tx(*conn_);
      // FOR UPDATE: a concurrent reviewer of the same record waits here, then sees this
      // decision's status, so the compare below is a compare-and-set.
      const pqxx::result found =
          Params()
              .text("record key", key)
              .exec(tx,
                    "SELECT violation, review_status, first_reviewer FROM records "
                    "WHERE key = $1 FOR UPDATE");
      if (found.empty()) return ReviewOutcome::not_found;
      const Columns row(found[0], label_, "records");
      const ReviewOutcome outcome =
          check_review_of(key, row.boolean(0), row.review_status(1), row.text(2), decision);
      if (outcome != ReviewOutcome::applied) return outcome;
      const pqxx::result changed =
          Params()
              .text("record key", key)
              .text("review status", to_string(decision.expected))
              .text("review status", to_string(decision.status))
              .time(decision.at)
              .text("review reason", decision.reason)
              .text("reviewer", decision.reviewer)
              .exec(tx, decision.stage == ReviewStage::first
                            ? "UPDATE records SET review_status = $3, reviewed_at_ms = $4, "
                              "review_reason = $5, first_reviewer = $6, first_reviewed_at_ms = "
                              "$4, second_reviewer = '', second_reviewed_at_ms = NULL "
                              "WHERE key = $1 AND review_status = $2 RETURNING id"
                            : "UPDATE records SET review_status = $3, reviewed_at_ms = $4, "
                              "review_reason = $5, second_reviewer = $6, second_reviewed_at_ms = "
                              "$4 WHERE key = $1 AND review_status = $2 RETURNING id");
      if (changed.size() != 1) {
        throw InternalError(fmt::format("The review of record {} changed no row.", key));
      }
      tx.commit();
      return ReviewOutcome::applied;
    });
  }

  [[nodiscard]] std::vector<IngestedRecord> search_reads(const ReadQuery& query) const override {
    if (query.limit <= 0) return {};
    Params p;
    if (query.plate_text.empty()) {
      p.null();
    } else {
      p.text("plate text", query.plate_text);
    }
    if (query.plate_skeleton.empty()) {
      p.null();
    } else {
      p.text("plate skeleton", query.plate_skeleton);
    }
    p.time(query.from).time(query.to);
    if (query.camera_ids.empty()) {
      p.null();
    } else {
      for (const std::string& id : query.camera_ids) check_no_nul("camera id", id);
      p.text("camera ids", nlohmann::json(query.camera_ids)
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    p.integer(query.limit);
    return guarded("search plate reads", [&] {
      Snapshot tx(*conn_);
      return with_files(tx, p.exec(tx, fmt::format(R"sql(
SELECT {} FROM records
WHERE read_at_ms IS NOT NULL
  AND ($1::text IS NULL OR plate_text = $1::text)
  AND ($2::text IS NULL OR plate_skeleton = $2::text)
  AND ($3::bigint IS NULL OR read_at_ms >= $3::bigint)
  AND ($4::bigint IS NULL OR read_at_ms < $4::bigint)
  AND ($5::json IS NULL OR camera_id IN (SELECT json_array_elements_text($5::json)))
ORDER BY read_at_ms, id
LIMIT $6)sql",
                                                   kRecordColumns)
                                           .c_str()));
    });
  }

  [[nodiscard]] std::vector<IngestedRecord> review_queue(
      int limit, const std::string& not_first_reviewer) const override {
    if (limit <= 0) return {};
    check_no_nul("reviewer", not_first_reviewer);
    return guarded("read the review queue", [&] {
      Snapshot tx(*conn_);
      return with_files(
          tx, Params()
                  .integer(limit)
                  .text("reviewer", not_first_reviewer)
                  .exec(tx, fmt::format("SELECT {} FROM records WHERE review_status = 'pending' "
                                        "OR (review_status = 'awaiting_second_review' AND "
                                        "($2::text = '' OR first_reviewer <> $2::text)) "
                                        "ORDER BY received_at_ms, id LIMIT $1",
                                        kRecordColumns)
                                .c_str()));
    });
  }

  // ---- Audit ----------------------------------------------------------------------------

  AuditEntry append_audit(AuditEntry entry) override {
    return guarded("append an audit entry", [&] {
      pqxx::work tx(*conn_);
      // EXCLUSIVE: concurrent appenders queue here; readers (ACCESS SHARE) are not blocked.
      tx.exec("LOCK TABLE audit_log IN EXCLUSIVE MODE");
      const pqxx::result last =
          tx.exec("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      if (last.empty()) {
        entry.seq = 1;
        entry.prev_hash = std::string(kAuditGenesisHash);
      } else {
        const Columns c(last[0], label_, "audit_log");
        entry.seq = c.integer(0) + 1;
        entry.prev_hash = c.text(1);
      }
      entry.hash = audit_entry_hash(entry);
      Params()
          .integer(entry.seq)
          .time(entry.time)
          .text("audit actor", entry.actor)
          .text("audit role", entry.role)
          .text("audit action", entry.action)
          .text("audit target", entry.target)
          .text("audit purpose", entry.purpose)
          .text("audit case number", entry.case_number)
          .integer(entry.result_count)
          .text("audit outcome", entry.outcome)
          .text("audit prev_hash", entry.prev_hash)
          .text("audit hash", entry.hash)
          .exec(tx, R"sql(
INSERT INTO audit_log (seq, time_ms, actor, role, action, target, purpose, case_number,
                       result_count, outcome, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12))sql");
      tx.commit();
      return entry;
    });
  }

  [[nodiscard]] std::vector<AuditEntry> audit_entries(std::int64_t after_seq,
                                                      int limit) const override {
    if (limit <= 0) return {};
    return guarded("read the audit log", [&] {
      pqxx::read_transaction tx(*conn_);
      std::vector<AuditEntry> out;
      for (const pqxx::row& row : Params().integer(after_seq).integer(limit).exec(
               tx, fmt::format("SELECT {} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                               kAuditColumns)
                       .c_str())) {
        out.push_back(decode_audit(Columns(row, label_, "audit_log")));
      }
      return out;
    });
  }

  // ---- Retention and transparency -------------------------------------------------------

  std::vector<IngestedRecord> purge_records(UtcTime non_violation_before, UtcTime violation_before,
                                            UtcTime rejected_before) override {
    const std::int64_t now_ms = SystemClock().now().unix_ms;
    return guarded("purge expired records", [&] {
      pqxx::work tx(*conn_);
      std::vector<IngestedRecord> purged = with_files(tx, Params()
                                                              .time(non_violation_before)
                                                              .time(violation_before)
                                                              .time(rejected_before)
                                                              .exec(tx, fmt::format(R"sql(
SELECT {} FROM records
WHERE (NOT violation AND received_at_ms < $1) OR (violation AND received_at_ms < $2)
   OR (review_status = 'rejected' AND reviewed_at_ms < $3)
ORDER BY id FOR UPDATE)sql",
                                                                                    kRecordColumns)
                                                                            .c_str()));
      if (purged.empty()) return purged;
      std::vector<std::int64_t> ids;
      for (const IngestedRecord& r : purged) ids.push_back(r.id);
      const std::string id_list = id_array(ids);
      Params().text("ids", id_list).integer(now_ms).exec(tx, R"sql(
INSERT INTO key_tombstones (key, purged_at_ms)
SELECT key, $2 FROM records WHERE id = ANY($1::bigint[])
ON CONFLICT (key) DO NOTHING)sql");
      Params()
          .text("ids", id_list)
          .exec(tx, "DELETE FROM evidence_files WHERE record_id = ANY($1::bigint[])");
      Params().text("ids", id_list).exec(tx, "DELETE FROM records WHERE id = ANY($1::bigint[])");
      tx.commit();
      return purged;
    });
  }

  std::int64_t purge_tombstones(UtcTime before) override {
    return guarded("purge tombstones", [&] {
      pqxx::work tx(*conn_);
      const pqxx::result r =
          Params().time(before).exec(tx, "DELETE FROM key_tombstones WHERE purged_at_ms < $1");
      tx.commit();
      return static_cast<std::int64_t>(r.affected_rows());
    });
  }

  [[nodiscard]] TransparencyCounts transparency_counts(UtcTime from, UtcTime to) const override {
    return guarded("count for the transparency report", [&] {
      Snapshot tx(*conn_);
      TransparencyCounts counts;
      Params range;
      range.time(from).time(to);
      counts.plate_reads = Columns(range
                                       .exec(tx, R"sql(
SELECT COUNT(*) FROM records
WHERE kind = 'plate_read' AND received_at_ms >= $1 AND received_at_ms < $2)sql")
                                       .at(0),
                                   label_, "records")
                               .integer(0);
      for (const pqxx::row& row : range.exec(tx, R"sql(
SELECT violation_kind, COUNT(*) FROM records
WHERE violation AND received_at_ms >= $1 AND received_at_ms < $2
GROUP BY violation_kind ORDER BY violation_kind COLLATE "C")sql")) {
        const Columns c(row, label_, "records");
        counts.violations_by_kind.emplace_back(c.text(0), c.integer(1));
      }
      for (const pqxx::row& row : range.exec(tx, R"sql(
SELECT purpose, COUNT(*) FROM audit_log
WHERE action = 'search' AND time_ms >= $1 AND time_ms < $2
GROUP BY purpose ORDER BY purpose COLLATE "C")sql")) {
        const Columns c(row, label_, "audit_log");
        counts.searches_by_purpose.emplace_back(c.text(0), c.integer(1));
      }
      const Columns purges(range
                               .exec(tx, R"sql(
SELECT COUNT(*), COALESCE(SUM(result_count), 0) FROM audit_log
WHERE action = 'purge' AND time_ms >= $1 AND time_ms < $2)sql")
                               .at(0),
                           label_, "audit_log");
      counts.purges = purges.integer(0);
      counts.purged_records = purges.integer(1);
      return counts;
    });
  }

  [[nodiscard]] int schema_version() const override { return schema_version_; }

 private:
  /// Runs `fn` holding the lock, converting libpqxx errors to roadwarden errors (IoError for
  /// storage failures, Corrupt for undecodable values); `what` completes "Cannot ...".
  template <typename F>
  std::invoke_result_t<F&> guarded(std::string_view what, F&& fn) const {
    const std::lock_guard lock(mutex_);
    try {
      return fn();
    } catch (const Error&) {
      throw;
    } catch (const pqxx::broken_connection& e) {
      throw IoError(fmt::format("Cannot {} in {}: the connection failed: {}.", what, label_,
                                first_line(e.what())));
    } catch (const pqxx::sql_error& e) {
      throw IoError(fmt::format("Cannot {} in {}: {} (SQLSTATE {}).", what, label_,
                                first_line(e.what()), e.sqlstate()));
    } catch (const pqxx::in_doubt_error& e) {
      throw IoError(fmt::format(
          "Cannot {} in {}: the connection failed during commit; the change may or may not be "
          "stored: {}.",
          what, label_, first_line(e.what())));
    } catch (const pqxx::failure& e) {
      throw IoError(fmt::format("Cannot {} in {}: {}.", what, label_, first_line(e.what())));
    } catch (const pqxx::conversion_error& e) {
      throw Corrupt(fmt::format("Cannot {} in {}: a stored value does not decode: {}.", what,
                                label_, first_line(e.what())));
    }
  }

  /// One write transaction running `fn(tx)`, committed when `fn` returns.
  template <typename F>
  void write(std::string_view what, F&& fn) {
    guarded(what, [&] {
      pqxx::work tx(*conn_);
      fn(tx);
      tx.commit();
    });
  }

  /// Applies pending migrations, each in its own transaction under the advisory lock, and
  /// returns the schema version. Throws Corrupt for a database of another application, one
  /// whose versions are not 1..n, or one newer than this build.
  int migrate() {
    for (;;) {
      const int version = guarded("migrate the schema", [&]() -> int {
        pqxx::work tx(*conn_);
        Params().integer(kPostgresMigrationLock).exec(tx, "SELECT pg_advisory_xact_lock($1)");
        const bool has_migrations =
            !tx.exec(
                   "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() "
                   "AND tablename = 'schema_migrations'")
                 .empty();
        if (!has_migrations) {
          if (!tx.exec("SELECT 1 FROM pg_tables WHERE schemaname = current_schema()").empty()) {
            throw Corrupt(fmt::format(
                "{} is not a roadwarden store: its schema has tables but no schema_migrations; "
                "it was left unchanged.",
                label_));
          }
          tx.exec(R"sql(
CREATE TABLE schema_migrations (
  version       INTEGER PRIMARY KEY,
  description   TEXT    NOT NULL,
  applied_at_ms BIGINT  NOT NULL
))sql");
        }
        const Columns c(
            tx.exec("SELECT COUNT(*), COALESCE(MIN(version), 1), COALESCE(MAX(version), 0) "
                    "FROM schema_migrations")
                .at(0),
            label_, "schema_migrations");
        const std::int64_t count = c.integer(0);
        const std::int64_t min = c.integer(1);
        const std::int64_t max = c.integer(2);
        if (max > kPostgresSchemaVersion) {
          throw Corrupt(fmt::format(
              "{} has schema version {}, newer than this build knows ({}); upgrade roadwarden. "
              "It was left unchanged.",
              label_, max, kPostgresSchemaVersion));
        }
        if (min != 1 || max != count) {
          throw Corrupt(fmt::format(
              "{} has schema_migrations versions that are not 1..{}; it was left unchanged.",
              label_, max));
        }
        if (max == kPostgresSchemaVersion) return static_cast<int>(max);
        const Migration& m = kMigrations[static_cast<std::size_t>(max)];
        tx.exec(m.sql);
        Params()
            .integer(m.version)
            .text("description", m.description)
            .integer(SystemClock().now().unix_ms)
            .exec(tx,
                  "INSERT INTO schema_migrations (version, description, applied_at_ms) "
                  "VALUES ($1, $2, $3)");
        tx.commit();
        return -1;  // applied one: look again
      });
      if (version >= 0) return version;
    }
  }

  /// The outcome for a record whose key was seen before (stored or purged), or nullopt.
  std::optional<IngestOutcome> known_key(pqxx::work& tx, const IngestedRecord& record) const {
    const pqxx::result existing =
        Params()
            .text("record key", record.key)
            .exec(tx, "SELECT content_sha256 FROM records WHERE key = $1");
    if (!existing.empty()) {
      return Columns(existing[0], label_, "records").text(0) == record.content_sha256
                 ? IngestOutcome::duplicate
                 : IngestOutcome::conflict;
    }
    if (!Params()
             .text("record key", record.key)
             .exec(tx, "SELECT 1 FROM key_tombstones WHERE key = $1")
             .empty()) {
      return IngestOutcome::duplicate;
    }
    return std::nullopt;
  }

  /// The records of `rows` (kRecordColumns) with their evidence files, read in `tx`.
  std::vector<IngestedRecord> with_files(pqxx::transaction_base& tx,
                                         const pqxx::result& rows) const {
    std::vector<IngestedRecord> records;
    std::vector<std::int64_t> ids;
    for (const pqxx::row& row : rows) {
      records.push_back(decode_record(Columns(row, label_, "records")));
      ids.push_back(records.back().id);
    }
    if (records.empty()) return records;
    std::size_t next = 0;  // files come ordered by the records' position, then id
    for (const pqxx::row& row :
         Params()
             .text("ids", id_array(ids))
             .exec(tx, fmt::format(R"sql(
SELECT {} FROM evidence_files f
JOIN unnest($1::bigint[]) WITH ORDINALITY AS wanted (id, position) ON f.record_id = wanted.id
ORDER BY wanted.position, f.id)sql",
                                   "f.record_id, f.id, f.name, f.media_type, f.size, f.sha256, "
                                   "f.storage_path")
                           .c_str())) {
      const Columns c(row, label_, "evidence_files");
      const std::int64_t record_id = c.integer(0);
      while (next < records.size() && records[next].id != record_id) ++next;
      if (next == records.size()) {
        throw InternalError("Evidence files came back out of record order.");
      }
      records[next].files.push_back(
          EvidenceFile{c.integer(1), c.text(2), c.text(3), c.integer(4), c.text(5), c.text(6)});
    }
    return records;
  }

  /// InvalidInput naming `field` when `value` holds a NUL byte (PostgreSQL text cannot).
  static void check_no_nul(std::string_view field, const std::string& value) {
    (void)Params().text(field, value);
  }

  /// InvalidInput when a string of `read` holds a NUL byte (PostgreSQL text cannot).
  static void check_no_nul(const StoredPlateRead& read, std::size_t index) {
    auto check = [&](std::string_view field, const std::string& value) {
      if (value.find('\0') != std::string::npos) {
        reject_plate_read(index, fmt::format("{} contains a NUL byte, which the PostgreSQL "
                                             "store cannot keep",
                                             field));
      }
    };
    check("clock_source", read.clock_source);
    check("source", read.source);
    check("text", read.plate.text);
    check("country", read.plate.country);
    check("format", read.plate.format);
    // Candidate strings go into a JSON column, where NUL is escaped as \u0000: json accepts
    // it, so nothing more to check.
  }

  static void check_username(const std::string& username) {
    if (!valid_username(username)) {
      throw InvalidInput(
          "The username must be 1 to 64 characters of a-z, 0-9, '_', '.', '-'; no user was "
          "added.");
    }
  }

  static void check_person_role(Role role) {
    if (role == Role::device) {
      throw InvalidInput("A person cannot have the role 'device'; nothing was changed.");
    }
  }

  static void check_entity_id(std::string_view kind, const std::string& id) {
    if (!valid_entity_id(id)) {
      throw InvalidInput(fmt::format(
          "A {} id must be 1 to 64 characters of A-Z, a-z, 0-9, '_', '.', '-'; nothing was "
          "changed.",
          kind));
    }
  }

  /// How messages name the database (never the password).
  const std::string label_;
  /// Serialises every use of conn_ (a libpqxx connection is not thread-safe).
  mutable std::mutex mutex_;
  /// Guarded by mutex_.
  std::unique_ptr<pqxx::connection> conn_;
  /// Set once by the constructor; read without the lock.
  const int schema_version_;
};

}  // namespace

std::unique_ptr<Store> open_postgres_store(const std::string& connection) {
  const Target target = parse_target(connection);
  return std::make_unique<PostgresStore>(connect(connection, target), target.label);
}

}  // namespace roadwarden::store
