// The audit log: every login, search, evidence view, export, configuration change and purge
// becomes one append-only, hash-chained entry (store::AuditEntry; hash rules in
// docs/store.md). Besides the store, the head of the chain (seq and hash of the last entry)
// is written to DATA_DIR/audit.head after each append, so that deleting the newest entries
// from the database is detected too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace roadwarden::server {

/// Appends audit entries. Thread-safe (one mutex serialises append + head write).
class AuditLog {
 public:
  /// `store` and `clock` outlive the log; `head_file` is DATA_DIR/audit.head.
  AuditLog(store::Store& store, const Clock& clock, std::filesystem::path head_file);
  /// Appends one entry stamped clock.now(); returns it as stored. Throws what the store
  /// throws, IoError when the head file cannot be written (the entry is then stored but the
  /// head is stale: verify_audit reports it).
  store::AuditEntry append(store::AuditEntry entry);

 private:
  store::Store& store_;
  const Clock& clock_;
  std::filesystem::path head_file_;
  std::mutex mutex_;  // guards appends and head_file_ writes
};

/// Runs `read` (a query of personal data returning a container of results) and appends
/// `entry` with outcome "ok" and result_count = the number of results, or outcome "failed"
/// when `read` throws (the exception is then rethrown): a read is never unaudited.
template <typename Read>
auto audited_read(AuditLog& audit, store::AuditEntry entry, Read&& read) {
  try {
    auto results = read();
    entry.result_count = static_cast<std::int64_t>(results.size());
    entry.outcome = "ok";
    audit.append(std::move(entry));
    return results;
  } catch (...) {
    entry.outcome = "failed";
    audit.append(std::move(entry));
    throw;
  }
}

/// One problem found by verify_audit.
struct AuditProblem {
  std::int64_t seq = 0;  ///< entry where the chain breaks (0 for the head file)
  std::string what;      ///< e.g. "hash does not match the entry (edited)"
};

/// A chain head recorded outside the data directory (published with the transparency
/// report, printed by verify-audit, kept by an auditor): entry `seq` had hash `hash`.
/// Someone who can write the data directory can rewrite the whole chain and the head file
/// alike; an anchor kept elsewhere makes that visible.
struct AuditAnchor {
  std::int64_t seq = 0;
  std::string hash;  ///< 64 lower-case hex
};

/// Parses "SEQ:HASH" (e.g. "84:9f3c…", 64 hex digits). InvalidInput when malformed.
[[nodiscard]] AuditAnchor parse_audit_anchor(std::string_view text);

/// Re-computes the whole chain: seq without gaps from 1, each prev_hash equal to the
/// previous hash, each hash equal to audit_entry_hash, the last entry equal to the head
/// file, and each of `anchors` still present with its hash (else "missing: truncated" or
/// "differs: rewritten"). Empty result = intact. Used by `roadwarden admin verify-audit`
/// and the audit page.
[[nodiscard]] std::vector<AuditProblem> verify_audit(const store::Store& store,
                                                     const std::filesystem::path& head_file,
                                                     const std::vector<AuditAnchor>& anchors = {});

}  // namespace roadwarden::server
