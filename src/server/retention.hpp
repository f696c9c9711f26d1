// Retention: plate reads that are not violations are kept for
// options.non_violation_retention, violations for options.violation_retention (from when the
// server received them) and rejected violations for options.rejected_violation_retention
// (from their rejection, never longer than a confirmed one), then deleted from the store and
// the disk, with one audit entry per purge. Keys of purged records stay as tombstones for 30
// days so a late retry from a camera does not recreate purged data (docs/edge-upload.md).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "server/audit.hpp"
#include "server/context.hpp"

namespace roadwarden::server {

/// What one retention pass did.
struct RetentionResult {
  std::int64_t records_purged = 0;     ///< records deleted from the store
  std::int64_t files_failed = 0;       ///< evidence folders that could not be deleted (logged)
  std::int64_t tombstones_purged = 0;  ///< keys forgotten (purged more than 30 days ago)
};

/// Runs retention once on demand (run_once) or every options.purge_interval on a
/// background thread (start/stop). `context` and `audit` outlive the worker.
class RetentionWorker {
 public:
  /// How long a purged key is remembered (tombstone) before it is forgotten.
  static constexpr std::int64_t kTombstoneDays = 30;

  RetentionWorker(ServerContext& context, AuditLog& audit);
  /// Stops the thread when running.
  ~RetentionWorker();
  RetentionWorker(const RetentionWorker&) = delete;
  RetentionWorker& operator=(const RetentionWorker&) = delete;

  /// One pass, with cutoffs from context.clock.now(): store.purge_records(now −
  /// non_violation_retention, now − violation_retention, now − rejected_violation_retention);
  /// the purged records' evidence files and emptied folders deleted (after the rows: a crash
  /// in between leaves unreferenced encrypted files, never rows without files); one audit
  /// entry (actor "system", action "purge", result_count = records purged) when at least one
  /// record was purged; then store.purge_tombstones(now − 30 days). Throws what the store
  /// throws. Runs on the caller's thread; safe to call while the background thread runs
  /// (passes are serialised).
  RetentionResult run_once();

  /// Starts the background thread: a pass now, then one every options.purge_interval.
  /// Errors of a pass are logged and the next pass runs on schedule. No-op when running.
  void start();
  /// Stops the thread promptly (wakes it; waits only for a pass in progress). Idempotent.
  void stop();

 private:
  void loop();

  ServerContext& context_;
  AuditLog& audit_;
  std::mutex pass_mutex_;  // serialises run_once
  std::mutex mutex_;       // guards stopping_ and thread_
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mutex_
  std::thread thread_;     // guarded by mutex_ (start/stop)
};

}  // namespace roadwarden::server
