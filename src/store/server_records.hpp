// Records of the central server (`roadwarden server`): people and their sessions, sites,
// cameras and enrolled devices, ingested records with their evidence files, the
// hash-chained audit log, retention and transparency counts. Stored through Store
// (store/store.hpp); both backends (SQLite, PostgreSQL) implement the same contract and
// pass the same test suite (tests/unit/store/server_store_suite.hpp). See docs/store.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace roadwarden::store {

/// A person's role. Least privilege: each role sees only what its work needs.
enum class Role {
  admin,         ///< users, sites, cameras, devices, configuration; never plate searches
  supervisor,    ///< oversees review; sees statistics
  reviewer,      ///< reviews violations
  investigator,  ///< searches plate reads (with a purpose and case number)
  auditor,       ///< audit log and statistics only
  device,        ///< a camera agent: upload only (never a person; identified by mTLS)
};

/// "admin", "supervisor", … (the enumerator's name).
[[nodiscard]] const char* to_string(Role role);
/// Parses a role name; std::nullopt when unknown.
[[nodiscard]] std::optional<Role> parse_role(std::string_view name);

/// A person who can log in. Password and TOTP are mandatory for every person.
struct User {
  std::int64_t id = 0;         ///< assigned by the store (> 0); ignored on insert
  std::string username;        ///< unique, 1–64 of [a-z0-9_.-]
  Role role = Role::reviewer;  ///< never Role::device
  std::string password_hash;   ///< argon2id encoded string (libsodium crypto_pwhash_str)
  std::string totp_secret;     ///< TOTP shared secret, RFC 4648 base32 (encrypted-at-rest is the
                               ///< server's job: this field holds what the server gives it)
  std::int64_t totp_last_step = -1;     ///< last accepted TOTP time step (replay protection)
  int failed_logins = 0;                ///< consecutive failed logins
  std::optional<UtcTime> locked_until;  ///< lockout end, when locked
  bool disabled = false;                ///< disabled accounts cannot log in
  UtcTime created_at;
};

/// A logged-in session. The store keeps only a hash of the bearer token / cookie.
struct Session {
  std::string token_hash;  ///< SHA-256 hex of the session token (the token itself is never stored)
  std::int64_t user_id = 0;
  std::string csrf_token;  ///< per-session CSRF token (cookie sessions send it back in a header)
  UtcTime created_at;
  UtcTime last_seen;  ///< idle lock counts from here
};

/// A site: a place with cameras.
struct Site {
  std::string id;  ///< 1–64 of [A-Za-z0-9_.-]
  std::string name;
  std::string timezone;  ///< IANA zone of the site's legal time
};

/// A camera of a site, with its position (for the movement map).
struct Camera {
  std::string id;  ///< globally unique, 1–64 of [A-Za-z0-9_.-]
  std::string site_id;
  std::string name;
  double latitude = 0, longitude = 0;  ///< WGS 84 degrees
  bool active = true;
};

/// An enrolled camera agent identity: one client certificate (mTLS) and one Ed25519 key
/// that signs its evidence manifests.
struct Device {
  std::string serial;              ///< X.509 serial number, lower-case hex; unique
  std::string camera_id;           ///< the camera this identity uploads for
  std::string cert_sha256;         ///< SHA-256 hex of the DER certificate; unique
  std::string signing_public_key;  ///< Ed25519 public key, 64 lower-case hex (32 bytes)
  UtcTime issued_at;
  std::optional<UtcTime> revoked_at;  ///< set once revoked; a revoked device is refused
};

/// One evidence file of an ingested record, encrypted at rest.
struct EvidenceFile {
  std::int64_t id = 0;       ///< assigned by the store; ignored on insert
  std::string name;          ///< e.g. "frame.jpg" (from the upload contract)
  std::string media_type;    ///< e.g. "image/jpeg"
  std::int64_t size = 0;     ///< plaintext bytes
  std::string sha256;        ///< SHA-256 hex of the plaintext
  std::string storage_path;  ///< path of the encrypted file, relative to the evidence root
};

/// Where a record stands in human review. Only violation records are reviewed; retention
/// keeps a rejected violation for a short period after its rejection and every other
/// violation for the legal period (Store::purge_records).
enum class ReviewStatus {
  none,                    ///< not a violation: never reviewed
  pending,                 ///< a violation awaiting review (every violation starts here)
  confirmed,               ///< a reviewer confirmed the violation (two when second review is on)
  rejected,                ///< a reviewer rejected it (with a reason)
  awaiting_second_review,  ///< one reviewer confirmed it; a second, different person must
                           ///< confirm it too (server option second_review)
};

/// "none", "pending", "confirmed", "rejected", "awaiting_second_review" (the enumerator's name).
[[nodiscard]] const char* to_string(ReviewStatus status);
/// Parses a review status name; std::nullopt when unknown.
[[nodiscard]] std::optional<ReviewStatus> parse_review_status(std::string_view name);

/// Which reviewer of a violation a review decision records (IngestedRecord::first_reviewer
/// or second_reviewer).
enum class ReviewStage {
  first,   ///< the first (or only) review: a fresh decision; clears the second reviewer
  second,  ///< the second review of a violation awaiting_second_review
};

/// One review decision for Store::set_review: a compare-and-set of the record's review status
/// from `expected` to `status`, by `reviewer` at `at`.
struct ReviewDecision {
  ReviewStatus expected = ReviewStatus::pending;  ///< the status the record must have now
  ReviewStatus status = ReviewStatus::confirmed;  ///< confirmed, rejected or awaiting_second_review
  ReviewStage stage = ReviewStage::first;         ///< which reviewer this decision records
  std::string reviewer;                           ///< the deciding person's username; not empty
  UtcTime at;                                     ///< when the decision was made
  std::string reason;  ///< mandatory for a rejection; optional for a confirmation
};

/// Result of Store::set_review.
enum class ReviewOutcome {
  applied,         ///< the record now holds the decision
  not_found,       ///< no record has the key: nothing changed
  status_changed,  ///< the record's status is no longer `expected` (someone else decided
                   ///< first): nothing changed
  same_reviewer,   ///< a second-stage confirmation by the first reviewer: nothing changed
};

/// One record uploaded by a camera agent (docs/edge-upload.md), as stored.
struct IngestedRecord {
  std::int64_t id = 0;  ///< assigned by the store (> 0); ignored on insert
  std::string key;      ///< idempotency key, 32 lower-case hex; unique
  std::string kind;     ///< "plate_read", "health", "violation", …
  bool violation = false;
  std::string camera_id;       ///< from the device certificate, never from the body
  std::string device_serial;   ///< the uploading device
  UtcTime created_at;          ///< when the agent spooled it
  UtcTime received_at;         ///< when the server stored it
  std::string manifest;        ///< the "record" JSON exactly as received (signed bytes)
  std::string signature;       ///< Ed25519 signature of `manifest`, 128 lower-case hex
  std::string content_sha256;  ///< SHA-256 hex of manifest (duplicate vs conflict check)
  // Fields extracted for search (empty / nullopt for kinds without a plate):
  std::string plate_text;          ///< as read, e.g. "01A123BC"
  std::string plate_skeleton;      ///< confusable-folded text (server/plate_search.hpp)
  std::optional<UtcTime> read_at;  ///< capture time of the plate read (best frame)
  std::string violation_kind;      ///< e.g. "red_light"; empty when not a violation
  std::vector<EvidenceFile> files;
  // Review (Store::set_review). Set by the store, never by the caller: ingest_record ignores
  // these fields and stores pending for a violation, none otherwise, with no review time,
  // reason or reviewers (and sets them so on the caller's record when stored).
  ReviewStatus review_status = ReviewStatus::none;
  std::optional<UtcTime> reviewed_at;  ///< when the last review decision was made
  std::string review_reason;           ///< the latest decision's reason (mandatory for a rejection)
  std::string first_reviewer;          ///< username of the first (or only) review; "" when none
                                       ///< (or decided before reviewers were recorded)
  std::optional<UtcTime> first_reviewed_at;   ///< when the first review was made
  std::string second_reviewer;                ///< username of the second review; "" when none
  std::optional<UtcTime> second_reviewed_at;  ///< when the second review was made
};

/// Result of Store::ingest_record.
enum class IngestOutcome {
  stored,     ///< new key: stored now (durable on return)
  duplicate,  ///< key seen before with the same content_sha256: nothing stored
  conflict,   ///< key seen before with different content: nothing changed
};

/// Search of ingested plate reads. Every field narrows the result; empty = no constraint.
struct ReadQuery {
  std::string plate_text;           ///< exact match on plate_text when set
  std::string plate_skeleton;       ///< match on plate_skeleton when set (confusable-aware search)
  std::optional<UtcTime> from, to;  ///< read_at in [from, to)
  std::vector<std::string> camera_ids;
  int limit = 1000;  ///< most rows returned, ordered by read_at ascending, then id;
                     ///< limit <= 0 returns nothing
};

/// One audit entry. Append-only; each entry's hash covers the previous entry's hash.
struct AuditEntry {
  std::int64_t seq = 0;  ///< assigned by the store: 1, 2, 3, … without gaps
  UtcTime time;
  std::string actor;        ///< username, "device:<serial>" or "system"
  std::string role;         ///< actor's role name, or "system"
  std::string action;       ///< e.g. "login", "login_failed", "search", "evidence_view",
                            ///< "export", "config_change", "purge"
  std::string target;       ///< what was acted on (query, record key, user name, …)
  std::string purpose;      ///< stated purpose (searches, evidence views); may be empty
  std::string case_number;  ///< case the purpose belongs to; may be empty
  std::int64_t result_count = 0;
  std::string outcome;    ///< "ok", "denied", "failed", …
  std::string prev_hash;  ///< hash of entry seq-1 (64 zeros for the first); set by the store
  std::string hash;       ///< SHA-256 hex over prev_hash and this entry (audit_entry_hash)
};

/// The hash of an audit entry: SHA-256 (hex) over `prev_hash` and every other field of
/// `entry` except `hash`, in a fixed, length-prefixed encoding (docs/store.md), so that any
/// edit, insertion or deletion breaks the chain. Thread-safe.
[[nodiscard]] std::string audit_entry_hash(const AuditEntry& entry);

/// Counts for the transparency report, over [from, to): records count by received_at,
/// audit entries by time.
struct TransparencyCounts {
  std::int64_t plate_reads = 0;  ///< ingested records of kind plate_read
  std::vector<std::pair<std::string, std::int64_t>> violations_by_kind;   ///< sorted by kind
  std::vector<std::pair<std::string, std::int64_t>> searches_by_purpose;  ///< sorted by purpose
  std::int64_t purges = 0;          ///< audit entries of action "purge"
  std::int64_t purged_records = 0;  ///< sum of their result_count
};

}  // namespace roadwarden::store
