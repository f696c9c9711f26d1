// The spool: the camera agent's local store-and-forward queue of records (plate reads,
// health events, violations) with their evidence files, kept on local disk until the central
// server acknowledges them. Survives network loss, restarts and kill -9; a record is either
// stored whole (metadata and every file) or not at all. On-disk layout, the atomicity
// protocol and the recovery rules: docs/spool.md. Upload contract: docs/edge-upload.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"

namespace roadwarden::edge {

/// One evidence file handed to Spool::put().
struct EvidenceFile {
  /// File name inside the record: 1 to 64 characters of [a-z0-9_.-], not starting with '.',
  /// not "record" (the upload's metadata part), unique within the record, e.g. "frame.jpg",
  /// "plate.jpg", "clip.mp4".
  std::string name;
  /// IANA media type, e.g. "image/jpeg": "type/subtype" of letters, digits and !#$&^_.+-
  /// (no parameters, no spaces), at most 127 characters.
  std::string media_type;
  /// The file content (any size, including empty), copied to disk as is.
  std::vector<std::uint8_t> bytes;
};

/// An evidence file as stored in the spool (the content stays on disk; see Spool::read_file).
struct SpooledFile {
  std::string name, media_type;
  /// Content size, bytes.
  std::uint64_t size = 0;
  /// SHA-256 (FIPS 180-4) of the content, 64 lower-case hex digits.
  std::string sha256;
};

/// One spooled record.
struct SpoolEntry {
  /// Idempotency key and record id: 128 bits from a CSPRNG (OpenSSL RAND_bytes) as 32
  /// lower-case hex digits. Sent as the Idempotency-Key of the upload.
  std::string key;
  /// Record kind: "plate_read", "health", later "violation"; 1 to 32 of [a-z0-9_].
  std::string kind;
  /// True for violation evidence: never purged by retention before it has been uploaded.
  bool violation = false;
  /// When put() stored the record, UTC, from the spool's Clock.
  UtcTime created;
  /// Caller's JSON metadata (any JSON value), stored and returned unchanged.
  nlohmann::json metadata;
  /// The record's evidence files, in the order given to put().
  std::vector<SpooledFile> files;
  /// Failed upload attempts so far (0 for a new record).
  int attempts = 0;
  /// The record is due for upload when next_attempt <= now. put() sets it to `created`.
  UtcTime next_attempt;
  /// Reason of the last failed attempt, empty when none. Never holds secrets or image data.
  std::string last_error;
};

/// Options of a Spool, validated by its constructor (InvalidInput names the bad option).
struct SpoolOptions {
  /// Spool folder: a new folder (created with missing parents), an existing empty folder, or
  /// an existing spool (it holds spool.lock or spool.db). Its mode is set to 0700. Any other
  /// existing folder (e.g. ".", $HOME, /tmp, a config folder) is refused with InvalidInput
  /// and left untouched, as is a path that is not a folder. Must be on a local file system
  /// (fsync and rename are relied on).
  std::filesystem::path dir;
  /// Most bytes the spool may hold: the sum over records of their files' sizes plus their
  /// metadata's serialised size. put() refuses a record that would exceed it (IoError
  /// "spool full"). Must be > 0. Default 10 GiB.
  std::uint64_t quota_bytes = 10ull << 30;
  /// usage().alarm becomes true when bytes > alarm_fraction * quota_bytes. In (0, 1].
  double alarm_fraction = 0.8;
  /// Privacy retention: purge_expired() deletes non-violation records older than this, even
  /// if never uploaded. Violations are never purged unsent. Must be > 0. Default 72 h.
  std::chrono::seconds non_violation_max_age{72 * 3600};
};

/// Space used by a spool.
struct SpoolUsage {
  /// Bytes counted against the quota (files plus metadata; see SpoolOptions::quota_bytes).
  std::uint64_t bytes = 0;
  /// Records held.
  std::uint64_t entries = 0;
  /// True when bytes > alarm_fraction * quota_bytes: raise a health alarm.
  bool alarm = false;
};

/// The spool: a SQLite database (WAL, synchronous=FULL) of records plus one folder of
/// evidence files per record, in SpoolOptions::dir. See docs/spool.md.
///
/// Thread safety: every method may be called from any thread at the same time (database
/// access is serialised internally; put() writes its files outside the lock). One process
/// at a time may open a folder: the constructor takes an exclusive lock on `spool.lock`
/// (released by the kernel when the process dies) and throws IoError when another process
/// holds it. Open each folder once per process.
///
/// Errors: InvalidInput for bad arguments (nothing stored), IoError for file-system or
/// database failures (the message names the path and the OS reason), Corrupt when stored
/// data fails an integrity check.
class Spool {
 public:
  /// Stage names passed to the crash hook, in the order put() reaches them.
  static constexpr std::string_view kStageFilesStaged = "files_staged";
  static constexpr std::string_view kStageFilesMoved = "files_moved";
  static constexpr std::string_view kStageCommitted = "committed";

  /// Opens or creates the spool in options.dir and recovers from a crash: removes everything
  /// under tmp/ (staging leftovers) and every evidence/<key>/ folder without a committed
  /// row, so no half record survives. `clock` (must outlive the Spool) timestamps records.
  /// `crash_hook`, for fault-injection tests only, is called by put() with a stage name
  /// (kStage*) after that stage is durable; a hook that kills the process simulates a crash
  /// there. Throws InvalidInput for bad options or a non-empty folder that is not a spool
  /// (nothing in it changed; see SpoolOptions::dir), IoError when the folder or database cannot
  /// be created or is locked by another process, Corrupt when the database is not a spool
  /// or has a newer schema than this build knows.
  Spool(SpoolOptions options, const Clock& clock,
        std::function<void(std::string_view stage)> crash_hook = {});
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  /// Stores a record atomically and durably and returns its new key. Protocol
  /// (docs/spool.md): files are written to tmp/<key>/ and fsynced, the folder is renamed to
  /// evidence/<key>/ and the parents fsynced, then the row is committed; after a crash at any
  /// point the spool holds either the whole record with all its files or nothing of it.
  /// `kind` is 1 to 32 of [a-z0-9_]; `metadata` any JSON value (serialised with strict
  /// UTF-8). The record is due at once (next_attempt = created = clock.now()).
  /// Throws InvalidInput (bad kind, file name or media type, duplicate file name, metadata
  /// not serialisable) and IoError ("spool full" when usage().bytes plus this record would
  /// exceed the quota; disk errors), in both cases storing nothing.
  std::string put(std::string kind, nlohmann::json metadata, std::vector<EvidenceFile> files,
                  bool violation);

  /// Up to `limit` (>= 0) records with next_attempt <= now, oldest created first (ties in
  /// put() order). Throws InvalidInput for a negative limit, IoError, Corrupt.
  [[nodiscard]] std::vector<SpoolEntry> due(UtcTime now, int limit) const;

  /// The content of file `name` of record `key`, checked against its stored SHA-256.
  /// Throws InvalidInput for a malformed key or name, IoError when the record, the file
  /// entry or the file on disk is missing or unreadable, Corrupt when the content's hash or
  /// size differs from the stored one (tampered or damaged evidence).
  [[nodiscard]] std::vector<std::uint8_t> read_file(const std::string& key,
                                                    const std::string& name) const;

  /// The server acknowledged record `key`: deletes its row (committed), then its files.
  /// Idempotent: an unknown key is no error. A crash between the two leaves an orphan folder
  /// that the next open removes. Throws InvalidInput (malformed key), IoError.
  void acknowledge(const std::string& key);

  /// An upload of `key` failed: attempts + 1, next_attempt and last_error set (error is
  /// truncated to 1000 bytes; never pass secrets). No effect for an unknown key.
  /// Throws InvalidInput (malformed key), IoError.
  void defer(const std::string& key, UtcTime next_attempt, std::string error);

  /// Retention: deletes every non-violation record created before
  /// now - non_violation_max_age (uploaded or not) with its files; returns how many.
  /// Violations are never purged. Throws IoError.
  int purge_expired(UtcTime now);

  /// Current usage against the quota, including every put() that has returned. O(1): reads
  /// two counters kept in memory under the spool's mutex (no database query, no file-system
  /// access; the counters are summed from the database once, on open, then updated by put(),
  /// acknowledge() and purge_expired() in the same critical section as their commit). It can
  /// wait only while another thread holds that mutex for one database statement or commit.
  /// Meant to be called after every put(): usage().alarm is true from the put() that takes
  /// bytes above alarm_fraction * quota_bytes. Never throws.
  [[nodiscard]] SpoolUsage usage() const;

  /// The spool folder (as given in the options).
  [[nodiscard]] const std::filesystem::path& dir() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadwarden::edge
