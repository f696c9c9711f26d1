// The server's active hotlist (docs/hotlist.md for the CSV format and matching): imported
// by a supervisor or admin through PUT /api/v1/hotlists (server/live_routes.cpp), kept in
// DATA_DIR/hotlist.json (written atomically and durably, so a restart keeps it), and
// matched against every ingested plate read with rules::HotlistMonitor (de-duplicated by
// (camera, rule, plate) within kDedupWindowMs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/plate.hpp"
#include "core/time.hpp"
#include "rules/hotlist.hpp"

namespace roadwarden::server {

/// What GET /api/v1/hotlists shows of the active hotlist: counts and provenance, no plates.
struct HotlistSummary {
  UtcTime imported_at;                       ///< server clock at the import, UTC
  std::string imported_by;                   ///< user name of the importer
  std::size_t entries = 0;                   ///< entries in force (all lists)
  std::size_t rejected_lines = 0;            ///< lines of the imported file that were refused
  std::map<std::string, std::size_t> lists;  ///< list name → entries on it
};

/// The outcome of one import: the per-line errors (line, reason; never the plate) and the
/// summary of the hotlist now active.
struct HotlistImportOutcome {
  std::vector<rules::HotlistImportError> errors;
  HotlistSummary summary;
};

/// The active hotlist and its de-duplicated matching. Thread-safe: imports are serialised by
/// a mutex; on_read runs concurrently from ingest threads against the hotlist active when it
/// starts (an import swaps the whole monitor, std::shared_ptr).
class HotlistService {
 public:
  /// Alerts for the same (camera, rule, plate) within this window are raised once
  /// (rules::AlertDeduplicator): 5 minutes, as long as a vehicle plausibly stays in view of
  /// one camera in slow traffic. A re-import starts a fresh window.
  static constexpr std::int64_t kDedupWindowMs = 5 * 60 * 1000;

  /// `file` is DATA_DIR/hotlist.json. Loads it when it exists; Corrupt naming the file when it
  /// cannot be parsed or holds an invalid entry (the server then does not start: a hotlist
  /// must never silently vanish); IoError when it cannot be read.
  explicit HotlistService(std::filesystem::path file);

  /// Imports a hotlist CSV (rules::import_hotlist_csv) and makes it the active hotlist,
  /// replacing the previous one as a whole, after writing it durably to the file. InvalidInput
  /// (nothing replaced) when the header is wrong, or when the file has data lines and every
  /// one of them was refused (an empty file — header only — clears the hotlist). IoError when
  /// the file cannot be written (nothing replaced).
  HotlistImportOutcome import_csv(std::string_view csv, const std::string& imported_by,
                                  UtcTime now);

  /// The active hotlist's summary; std::nullopt before the first import.
  [[nodiscard]] std::optional<HotlistSummary> summary() const;

  /// The alerts `read` raises (read.camera, read.text, read.best_time are used), already
  /// de-duplicated; empty when no hotlist is active or nothing matches.
  [[nodiscard]] std::vector<rules::HotlistAlert> on_read(const PlateRead& read);

 private:
  struct Active {
    Active(rules::Hotlist hotlist, HotlistSummary s)
        : monitor(std::move(hotlist), kDedupWindowMs), summary(std::move(s)) {}
    rules::HotlistMonitor monitor;
    HotlistSummary summary;
  };
  [[nodiscard]] std::shared_ptr<Active> active() const;

  std::filesystem::path file_;
  std::mutex import_mutex_;              // serialises import_csv (file write + swap)
  mutable std::mutex mutex_;             // guards active_
  std::shared_ptr<Active> active_;       // guarded by mutex_; null before the first import
};

}  // namespace roadwarden::server
