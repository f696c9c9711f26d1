// Hotlists: lists of plates (stolen, wanted, ...) that raise an alert the moment a camera
// reads one of them.
//
//   * import: a CSV file (format in docs/hotlist.md) is validated and normalised line by line
//     into HotlistEntry values; a bad line is reported with its line number and reason and
//     never stops the good lines;
//   * matching: Hotlist::match says which rule fired for each entry a read matches: "exact"
//     (same text), "confusable" (same skeleton, core/plate_text.hpp) or, when enabled,
//     "near" (skeletons one edit apart); expired entries never match;
//   * alerts: HotlistMonitor turns plate reads into HotlistAlerts as they arrive, with
//     AlertDeduplicator suppressing repeats keyed by (camera, rule, plate) within a window.
//
// Time is the read's capture time (UTC), never the host clock, so replays and tests are
// deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/plate.hpp"
#include "core/time.hpp"

namespace roadwarden::rules {

/// One plate on one list.
struct HotlistEntry {
  /// Normalised plate: 2–16 characters of 0-9 A-Z (normalise_hotlist_plate).
  std::string plate;
  /// List name: 1–32 characters of a-z 0-9 '_' '-', lower-cased on import (e.g. "stolen").
  std::string list;
  /// Why the plate is listed, shown to the officer with the alert: 1–200 printable
  /// characters (UTF-8 allowed, no control characters), surrounding spaces trimmed.
  std::string reason;
  /// The entry matches reads captured strictly before this instant (UTC); none = no expiry.
  std::optional<UtcTime> expires;
  /// 1-based line of the import file the entry came from (header = line 1); 0 when built
  /// in code.
  int line = 0;
  friend bool operator==(const HotlistEntry&, const HotlistEntry&) = default;
};

/// Why one line of a hotlist file was not imported.
struct HotlistImportError {
  /// 1-based line number in the file.
  int line = 0;
  /// A complete sentence naming the field and the problem; never repeats the plate text.
  std::string reason;
  friend bool operator==(const HotlistImportError&, const HotlistImportError&) = default;
};

/// The result of importing a hotlist file: the good entries in file order and one error per
/// rejected line, in file order.
struct HotlistImport {
  std::vector<HotlistEntry> entries;
  std::vector<HotlistImportError> errors;
};

/// Normalises a plate of a hotlist entry: spaces and dashes (separators as printed on plates)
/// are removed, a-z upper-cased; what remains must be 2–16 characters of 0-9 A-Z. Throws
/// InvalidInput for any other character (dots, slashes, non-ASCII, ...) or a length outside
/// 2–16; the message never repeats the input. Thread-safe.
[[nodiscard]] std::string normalise_hotlist_plate(std::string_view text);

/// Parses an RFC 3339 timestamp in UTC: "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (upper-case T and
/// Z; no other offset; fraction 1–9 digits, truncated to milliseconds; seconds 0–59, leap
/// seconds are rejected). Throws InvalidInput naming the problem. Thread-safe.
[[nodiscard]] UtcTime parse_rfc3339_utc(std::string_view text);

/// Imports a hotlist CSV file (docs/hotlist.md): an optional UTF-8 byte order mark, LF or
/// CRLF line ends, the header `plate,list,reason,expires`, then one entry per line; empty
/// lines are skipped; fields may be double-quoted (RFC 4180, "" inside quotes for a quote;
/// a record cannot span lines). A line that fails validation, and a repeat of an earlier
/// (plate, list) pair, becomes a HotlistImportError; every other line an entry.
/// Throws InvalidInput when the header is missing or different (the whole file is then
/// unreadable; nothing is imported). Thread-safe.
[[nodiscard]] HotlistImport import_hotlist_csv(std::string_view text);

/// How a read matched a hotlist entry, from strongest to weakest.
enum class HotlistRule {
  /// The read's normalised text equals the entry's plate.
  exact,
  /// Different text, same skeleton (core/plate_text.hpp): the texts differ only by
  /// look-alike glyphs, e.g. "O1A123BC" for "01A123BC".
  confusable,
  /// Skeletons one edit apart (one character inserted, deleted or substituted; Levenshtein
  /// distance 1), both at least HotlistOptions::near_min_length long. Only when enabled.
  near,
};

/// The rule's name as used in alerts, de-duplication keys and JSON: "exact", "confusable",
/// "near".
[[nodiscard]] std::string_view to_string(HotlistRule rule);

/// One entry a read matched, and the rule that fired.
struct HotlistMatch {
  HotlistEntry entry;
  HotlistRule rule = HotlistRule::exact;
};

/// Matching options; validated once by Hotlist's constructor (InvalidInput naming the option).
struct HotlistOptions {
  /// Also report "near" matches (skeleton edit distance 1). Default false: a near match
  /// is a lead for an officer, not an identification, and raises more false alerts.
  bool near_matches = false;
  /// Shortest skeleton, in characters, for which "near" matches are tried (on both the read
  /// and the entry), [4, 16]; default 6. One edit on a short plate matches too many others.
  std::size_t near_min_length = 6;
};

/// An immutable set of hotlist entries with indexes for matching.
///
/// Matching costs O(L) hash look-ups for exact and confusable matches and O(L) more for near
/// matches (L = read length; a one-deletion index, as in SymSpell), independent of the
/// number of entries. Thread-safe: every method is const; share one Hotlist between
/// threads and replace it as a whole (e.g. std::shared_ptr<const Hotlist>) on re-import.
class Hotlist {
 public:
  /// Builds the indexes. Entries must be normalised (normalise_hotlist_plate) with a valid
  /// list name; throws InvalidInput naming the option or the entry's line otherwise.
  explicit Hotlist(std::vector<HotlistEntry> entries, HotlistOptions options = {});

  /// Every entry the read `text` matches at capture time `at`, each once with the strongest
  /// rule that fired; sorted by rule (exact first), then plate, then list. `text` is
  /// normalised leniently (upper-cased, characters outside 0-9 A-Z dropped); an empty text
  /// matches nothing. Entries with `expires <= at` never match.
  [[nodiscard]] std::vector<HotlistMatch> match(std::string_view text, UtcTime at) const;

  /// All entries, in the order given to the constructor.
  [[nodiscard]] const std::vector<HotlistEntry>& entries() const { return entries_; }
  [[nodiscard]] const HotlistOptions& options() const { return options_; }

 private:
  std::vector<HotlistEntry> entries_;
  HotlistOptions options_;
  std::vector<std::string> skeletons_;  // skeletons_[i] = plate_skeleton(entries_[i].plate)
  std::unordered_map<std::string, std::vector<std::size_t>> by_skeleton_;
  // Every skeleton with one character deleted → entries (near matches only).
  std::unordered_map<std::string, std::vector<std::size_t>> by_deletion_;
};

/// Suppresses repeated alerts: an alert keyed (camera, rule, plate) is raised when no alert
/// with the same key was raised within the window before it, else suppressed. The window
/// runs from the last *raised* alert (a suppressed repeat does not extend it), so a
/// hotlisted vehicle parked in view re-alerts once per window. Different keys never
/// suppress each other: two different plates on one camera give two alerts.
///
/// Times are capture times; an alert earlier than the last raised one with the same key
/// (out-of-order delivery) is suppressed when it lies within the window of it.
/// Memory: keys whose window has passed are forgotten (amortised O(1) per call).
/// Thread-safe (an internal mutex guards the key table).
class AlertDeduplicator {
 public:
  /// `window_ms` in [1, 86'400'000] (1 ms to 24 h); throws InvalidInput naming it otherwise.
  explicit AlertDeduplicator(std::int64_t window_ms);

  /// Decides one alert and records it when raised: true = raise it, false = suppress it.
  /// `plate` should be normalised (the hotlist entry's plate).
  [[nodiscard]] bool admit(std::string_view camera, HotlistRule rule, std::string_view plate,
                           UtcTime at);

  [[nodiscard]] std::int64_t window_ms() const { return window_ms_; }

 private:
  using Key = std::tuple<std::string, HotlistRule, std::string>;
  void forget_expired(UtcTime at);  // requires mutex_

  const std::int64_t window_ms_;
  std::mutex mutex_;
  std::map<Key, UtcTime> last_raised_;  // guarded by mutex_
  std::size_t next_sweep_ = 64;         // guarded by mutex_
};

/// An alert for officers: one read of one camera matched hotlist entries of one plate by one
/// rule.
struct HotlistAlert {
  /// Camera that read the plate.
  std::string camera;
  /// The rule that fired.
  HotlistRule rule = HotlistRule::exact;
  /// The hotlisted plate (normalised entry plate).
  std::string plate;
  /// The text the camera read (may differ from `plate` for confusable and near matches).
  std::string read_text;
  /// Capture time of the read's best frame, UTC.
  UtcTime at;
  /// The matched entries of `plate` (one per list it is on), sorted by list.
  std::vector<HotlistEntry> entries;
};

/// Real-time hotlist checking: call on_read for each plate read as it arrives (once per
/// vehicle pass); it returns the alerts to raise now, already de-duplicated.
/// Thread-safe: on_read may run concurrently from several ingest or camera threads.
class HotlistMonitor {
 public:
  /// `dedup_window_ms` as in AlertDeduplicator (InvalidInput when out of range).
  HotlistMonitor(Hotlist hotlist, std::int64_t dedup_window_ms);

  /// Matches `read.text` at `read.best_time` and returns one alert per (plate, rule) that
  /// the de-duplicator admits, sorted by rule then plate. An empty read matches nothing.
  [[nodiscard]] std::vector<HotlistAlert> on_read(const PlateRead& read);

  [[nodiscard]] const Hotlist& hotlist() const { return hotlist_; }

 private:
  const Hotlist hotlist_;
  AlertDeduplicator dedup_;
};

}  // namespace roadwarden::rules
