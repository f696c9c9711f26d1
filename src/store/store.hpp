// The Store: durable storage of roadwarden's records behind one interface, with versioned
// schema migrations. SQLite (WAL) is the embedded default; see docs/store.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/plate.hpp"
#include "core/time.hpp"
#include "store/server_records.hpp"

namespace roadwarden::store {

/// One plate read as stored: where and when it was read, and what was read.
struct StoredPlateRead {
  /// Row id assigned by the store (> 0 once stored; ignored on insert).
  std::int64_t id = 0;
  /// When the read was made, UTC.
  UtcTime read_at;
  /// Clock that produced `read_at` (Clock::source()), e.g. "system".
  std::string clock_source;
  /// Source of the image: file path, or camera id. UTF-8 (invalid bytes replaced): the
  /// store replaces each invalid UTF-8 sequence with U+FFFD, since file paths may be any bytes.
  std::string source;
  /// Frame index within a video source, or -1 for a still image.
  std::int64_t frame = -1;
  /// What was read (corners, text, confidence, candidates, country, format).
  PlateResult plate;
};

/// Storage of roadwarden records.
///
/// Thread safety: one Store object may be used from several threads; calls are serialised
/// internally. Several processes may open the same SQLite file (WAL mode).
class Store {
 public:
  virtual ~Store() = default;

  /// Stores `reads` in one transaction and returns their ids in order. Durable on return:
  /// once this returns, a crash or kill -9 of the process loses none of them. All or none
  /// are stored. Ids ascend and are never reused. An empty batch stores nothing and returns
  /// no ids. Throws InvalidInput (nothing stored) when a read breaks PlateResult's rules
  /// (a confidence outside [0, 1] or NaN, a non-finite corner, frame < -1, a string other
  /// than `source` that is not valid UTF-8), naming the read and field; IoError on a storage
  /// failure (nothing stored); Corrupt when the file turns out damaged.
  virtual std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) = 0;

  /// All stored plate reads, ordered by id, read from one consistent snapshot. Throws
  /// IoError on a storage failure, Corrupt when a stored row does not decode.
  [[nodiscard]] virtual std::vector<StoredPlateRead> plate_reads() const = 0;

  // ---- Central server records (store/server_records.hpp) --------------------------------
  // Every method below is atomic (one transaction) and durable on return. Errors: IoError on
  // a storage failure (nothing changed), Corrupt when stored data does not decode,
  // InvalidInput for a broken rule named in the method's comment (nothing changed).

  /// Adds a person; returns the new id. InvalidInput when the username is taken or not
  /// 1–64 of [a-z0-9_.-], or the role is Role::device.
  virtual std::int64_t add_user(const User& user) = 0;
  /// The user with this name / id, or std::nullopt.
  [[nodiscard]] virtual std::optional<User> user_by_name(const std::string& username) const = 0;
  [[nodiscard]] virtual std::optional<User> user_by_id(std::int64_t id) const = 0;
  /// Every user, ordered by id.
  [[nodiscard]] virtual std::vector<User> users() const = 0;
  /// Replaces every field of the user with `user.id` except id, username and created_at.
  /// InvalidInput when no such user exists or the role is Role::device.
  virtual void update_user(const User& user) = 0;

  /// Stores a new session. InvalidInput when the token hash exists or the user does not.
  virtual void add_session(const Session& session) = 0;
  /// The session with this token hash, or std::nullopt.
  [[nodiscard]] virtual std::optional<Session> session(const std::string& token_hash) const = 0;
  /// Sets last_seen of the session (no-op when it does not exist).
  virtual void touch_session(const std::string& token_hash, UtcTime last_seen) = 0;
  /// Deletes one session / every session of a user (no-op when none).
  virtual void delete_session(const std::string& token_hash) = 0;
  virtual void delete_user_sessions(std::int64_t user_id) = 0;

  /// Adds or replaces a site (by id). InvalidInput for a malformed id.
  virtual void put_site(const Site& site) = 0;
  [[nodiscard]] virtual std::vector<Site> sites() const = 0;  ///< ordered by id
  /// Adds or replaces a camera (by id). InvalidInput for a malformed id or unknown site.
  virtual void put_camera(const Camera& camera) = 0;
  [[nodiscard]] virtual std::optional<Camera> camera(const std::string& id) const = 0;
  [[nodiscard]] virtual std::vector<Camera> cameras() const = 0;  ///< ordered by id

  /// Registers an enrolled device. InvalidInput when the serial or certificate hash exists
  /// or the camera does not.
  virtual void add_device(const Device& device) = 0;
  /// The device whose certificate has this SHA-256 (revoked ones included), or std::nullopt.
  [[nodiscard]] virtual std::optional<Device> device_by_cert(
      const std::string& cert_sha256) const = 0;
  [[nodiscard]] virtual std::vector<Device> devices() const = 0;  ///< ordered by issued_at, serial
  /// Marks the device revoked at `when`; false when no such serial (or already revoked).
  virtual bool revoke_device(const std::string& serial, UtcTime when) = 0;

  /// Stores an ingested record and its evidence file rows in one transaction, unless its
  /// key is known: same content_sha256 → duplicate; different → conflict; a key purged by
  /// retention (tombstone) → duplicate. The store sets the review fields, whatever the
  /// caller put there: review_status pending for a violation, none otherwise; no reviewed_at,
  /// empty review_reason. Sets record.id, the files' ids and those review fields when stored.
  /// InvalidInput for a malformed key (not 32 lower-case hex digits) or unknown camera.
  virtual IngestOutcome ingest_record(IngestedRecord& record) = 0;
  /// The record with this key / id, with its files (ordered by id), or std::nullopt.
  [[nodiscard]] virtual std::optional<IngestedRecord> record_by_key(
      const std::string& key) const = 0;
  [[nodiscard]] virtual std::optional<IngestedRecord> record_by_id(std::int64_t id) const = 0;
  /// Records a review decision on the violation with this key, as a compare-and-set: in one
  /// transaction, when the record's review_status is still `decision.expected`, sets
  /// review_status = decision.status, reviewed_at = decision.at, review_reason =
  /// decision.reason and the stage's reviewer: stage first sets first_reviewer /
  /// first_reviewed_at and clears the second reviewer (a fresh decision); stage second sets
  /// second_reviewer / second_reviewed_at. So of two reviewers deciding from the same status
  /// at once exactly one is applied; the other gets status_changed.
  /// Returns not_found (no record has this key), status_changed (its status is no longer
  /// `expected`), same_reviewer (a second-stage confirmation by the first reviewer) — nothing
  /// changed in these three — or applied. InvalidInput (nothing changed) when the decision
  /// breaks check_review_decision (store/record_rules.hpp: status none or pending, a
  /// rejection without a reason, no reviewer, a move not allowed) or the record is not a
  /// violation. Rejected violations are purged sooner (purge_records).
  virtual ReviewOutcome set_review(const std::string& key, const ReviewDecision& decision) = 0;
  /// Plate reads (records with a read_at) matching `query`, with their files. Query values
  /// are bound as parameters, never spliced into SQL.
  [[nodiscard]] virtual std::vector<IngestedRecord> search_reads(const ReadQuery& query) const = 0;
  /// Violations awaiting review — review_status pending, or awaiting_second_review unless
  /// their first_reviewer is `not_first_reviewer` (a person never sees their own first
  /// review; "" excludes nobody) — with their files, oldest first (received_at ascending,
  /// then id); at most `limit` rows, none when limit <= 0. The review queue of
  /// server/review_routes.cpp.
  [[nodiscard]] virtual std::vector<IngestedRecord> review_queue(
      int limit, const std::string& not_first_reviewer) const = 0;

  /// Appends an audit entry: sets seq (last + 1), prev_hash (the last entry's hash, or 64
  /// zeros) and hash (audit_entry_hash) atomically, so concurrent appends form one chain.
  /// Returns the entry as stored.
  virtual AuditEntry append_audit(AuditEntry entry) = 0;
  /// Up to `limit` entries with seq > after_seq, ordered by seq.
  [[nodiscard]] virtual std::vector<AuditEntry> audit_entries(std::int64_t after_seq,
                                                              int limit) const = 0;

  /// Deletes, in one transaction, every record that retention has expired: non-violation
  /// records with received_at < non_violation_before; pending, awaiting_second_review and
  /// confirmed violations with received_at < violation_before; rejected violations with reviewed_at
  /// < rejected_before or received_at < violation_before (a rejected record never outlives a
  /// confirmed one). Their keys stay as tombstones (ingest answers duplicate). Returns the deleted
  /// records, ordered by id, with their files, so the caller deletes the files (after this returns)
  /// and audits the purge.
  virtual std::vector<IngestedRecord> purge_records(UtcTime non_violation_before,
                                                    UtcTime violation_before,
                                                    UtcTime rejected_before) = 0;
  /// Forgets tombstones of keys purged before `before`; returns how many.
  virtual std::int64_t purge_tombstones(UtcTime before) = 0;

  /// Aggregate counts over [from, to) for the transparency report (no personal data).
  [[nodiscard]] virtual TransparencyCounts transparency_counts(UtcTime from, UtcTime to) const = 0;

  /// The schema version after migrations (the number of the last migration applied).
  [[nodiscard]] virtual int schema_version() const = 0;
};

/// Opens (creating if needed) a SQLite store at `path`, in WAL mode with synchronous=FULL,
/// and applies any pending schema migrations in order, each in its own transaction.
/// Throws IoError when the file cannot be opened or created for writing (message names the
/// file and the OS reason), Corrupt when it is not a SQLite database, is a SQLite database
/// of something else (tables but no schema_migrations), or its schema is newer than this
/// build knows; a rejected file is left unchanged. Parent folders are not created.
[[nodiscard]] std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path);

/// Connects to a PostgreSQL database (libpqxx) with a libpq connection string or URI, e.g.
/// "postgresql://roadwarden@127.0.0.1:5432/roadwarden" (the password from the URI, PGPASSWORD
/// or ~/.pgpass; never logged), and applies pending schema migrations in order, each in its
/// own transaction, under an advisory lock so that concurrent openers migrate once. Same
/// contract as the SQLite store. Throws IoError when it cannot connect (the message names
/// host and database, never the password), Corrupt when the schema is newer than this build.
[[nodiscard]] std::unique_ptr<Store> open_postgres_store(const std::string& connection);

}  // namespace roadwarden::store
