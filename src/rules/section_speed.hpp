// Average speed over a section: two cameras a known road distance apart.
//
// The entry camera's reads wait in a pending table until the same vehicle is read by the
// exit camera in the same lane group; speed = distance / transit time, judged against the
// limit plus a tolerance. Reads are matched by a keyed pseudonym of the plate,
// HMAC-SHA-256(key, normalised plate text) (crypto::hmac_sha256_hex), never by the plain
// text: the pending table, which holds every vehicle that entered the section, contains no
// plate text, and without the key the pseudonyms cannot be turned back into plates by
// hashing candidate plates. Entries nobody exits for within the maximum plausible transit
// time are dropped (expire()).
//
// Clocks. Each read carries its camera's clock offset against the reference clock (camera
// clock minus reference, ms, as measured by the agent's time synchronisation around the
// capture time; positive = camera ahead) and the uncertainty of that measurement. Capture
// times are corrected to the reference clock (captured - offset) before the transit time is
// taken, and the verdict uses the longest transit time the uncertainties allow (transit +
// entry uncertainty + exit uncertainty), i.e. the lowest plausible speed, so a clock error
// within the stated bounds never makes a violation. Offsets, uncertainties and both
// corrected times are part of the decision (the evidence).
//
// Threshold. threshold = limit + max(tolerance_kmh, limit × tolerance_percent / 100),
// computed once in units of 0.001 km/h and rounded up (in the driver's favour). A pass is a
// violation when its judged speed is strictly greater than the threshold; the comparison is
// exact, in integers (distance in whole mm, times in whole ms): distance_mm × 3600 >
// threshold_0.001kmh × judged_transit_ms. Some jurisdictions deduct the tolerance from the
// measured value instead; express that by choosing the tolerance accordingly.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::rules {

/// Lanes that belong together across the section (e.g. one carriageway direction): an exit
/// read matches an entry only when the entry's lane and the exit's lane are in the same group.
struct SectionLaneGroup {
  /// Name recorded in decisions, e.g. "eastbound". Non-empty, unique in the section.
  std::string name;
  /// Lane numbers at the entry camera and at the exit camera (site configuration). Each
  /// non-empty; a lane belongs to at most one group per camera.
  std::vector<int> entry_lanes;
  std::vector<int> exit_lanes;
};

/// Options of a SectionSpeedRule, validated once by its constructor.
struct SectionSpeedOptions {
  /// Section id recorded in decisions. Non-empty.
  std::string section_id;
  /// Camera ids of the entry and the exit; non-empty and different.
  std::string entry_camera;
  std::string exit_camera;
  /// Road distance between the two cameras' capture lines, metres, (0, 100'000]; used to
  /// the millimetre (rounded to the nearest mm).
  double distance_m = 0;
  /// Speed limit on the section, km/h, (0, 300]; used to 0.001 km/h.
  double limit_kmh = 0;
  /// Tolerance added to the limit: the larger of an absolute one, km/h, [0, limit), and a
  /// share of the limit, percent, [0, 100). Default: none.
  double tolerance_kmh = 0;
  double tolerance_percent = 0;
  /// Lane groups; at least one.
  std::vector<SectionLaneGroup> lane_groups;
  /// Maximum plausible transit time, ms, (0, 24 h]: an entry with no exit read within this
  /// time (on the reference clock) is dropped and never matched.
  std::int64_t max_transit_ms = 0;
  /// Key of the plate pseudonyms (crypto::kHmacKeyBytes bytes; crypto::load_hmac_key).
  /// Never logged or put into an error message.
  crypto::HmacKey plate_key;
};

/// A plate read as the section rule sees it (one vehicle pass at one camera).
struct SectionRead {
  /// Camera id.
  std::string camera;
  /// Plate text (normalised by the rule: upper-case A-Z, 0-9 only).
  std::string plate;
  /// Capture time of the read's best frame by the camera's own clock, UTC.
  UtcTime captured;
  /// Camera clock minus reference clock at about the capture time, ms (positive: the
  /// camera's clock is ahead). The reference time of the capture is captured - offset.
  std::int64_t clock_offset_ms = 0;
  /// Uncertainty (±) of clock_offset_ms, ms, >= 0.
  std::int64_t clock_uncertainty_ms = 0;
  /// Lane number at this camera (site configuration).
  int lane = 0;
  /// Id of the read's evidence package (opaque to the rule; must not contain plate text,
  /// since it is kept in the pending table).
  std::string evidence_id;
};

/// One camera's part of the evidence of a section pass.
struct SectionPassEvidence {
  std::string camera;
  /// Capture time by the camera's clock, its offset and uncertainty (as in SectionRead),
  /// and the capture time on the reference clock (captured - offset).
  UtcTime captured;
  std::int64_t clock_offset_ms = 0;
  std::int64_t clock_uncertainty_ms = 0;
  UtcTime reference_time;
  int lane = 0;
  std::string evidence_id;
};

/// The verdict on one matched entry/exit pair.
struct SectionSpeedDecision {
  std::string section_id;
  /// Normalised plate text, only when `violation` (a pass within the limit keeps no plate).
  std::string plate;
  /// HMAC-SHA-256 pseudonym of the plate the two reads were matched by (64 hex digits).
  std::string plate_hmac;
  /// Lane group both reads were in.
  std::string lane_group;
  SectionPassEvidence entry;
  SectionPassEvidence exit;
  /// Distance used, metres (whole millimetres).
  double distance_m = 0;
  /// exit.reference_time - entry.reference_time, ms (> 0).
  std::int64_t transit_ms = 0;
  /// transit_ms + both clock uncertainties: the transit time the verdict uses, ms.
  std::int64_t judged_transit_ms = 0;
  /// distance / transit_ms and distance / judged_transit_ms, km/h (the latter is judged).
  double speed_kmh = 0;
  double judged_speed_kmh = 0;
  /// The limit and the threshold (limit + tolerance, rounded up to 0.001 km/h), km/h.
  double limit_kmh = 0;
  double threshold_kmh = 0;
  /// judged speed > threshold (exact integer comparison, see the file comment).
  bool violation = false;
};

/// One row of the pending-entry table, as pending() shows it: no plate text, only the
/// pseudonym. For diagnostics and tests.
struct SectionPendingEntry {
  std::string plate_hmac;
  std::string lane_group;
  SectionPassEvidence entry;
};

/// Average speed over one section. Thread-safe: every method may be called from any thread;
/// calls are serialised by one internal mutex (each is a map operation plus an HMAC).
class SectionSpeedRule {
 public:
  /// Validates `options` once; throws InvalidInput naming the option (never showing the key)
  /// for anything outside the documented ranges.
  explicit SectionSpeedRule(SectionSpeedOptions options);

  /// Records an entry read. Returns false (and stores nothing) when the read is not from the
  /// entry camera, its plate text is empty after normalisation, or its lane is in no lane
  /// group. A newer entry of the same plate in the same lane group replaces an older one (a
  /// vehicle that enters again left the section some other way). Throws InvalidInput for a
  /// negative clock uncertainty.
  bool on_entry(const SectionRead& read);

  /// Matches an exit read with the pending entry of the same plate pseudonym in the same
  /// lane group and returns the verdict; the entry is consumed. std::nullopt (nothing
  /// decided) when the read is not from the exit camera, has no plate text or no lane group,
  /// when there is no such entry (an exit with no entry), when the entry's reference time is
  /// not before the exit's (the entry is kept), or when the transit time exceeds
  /// max_transit_ms (the stale entry is dropped). Throws InvalidInput for a negative clock
  /// uncertainty.
  [[nodiscard]] std::optional<SectionSpeedDecision> on_exit(const SectionRead& read);

  /// Drops entries whose reference time + max_transit_ms is before `now` (reference clock).
  /// Returns how many were dropped.
  std::size_t expire(UtcTime now);

  /// A copy of the pending-entry table, ordered by pseudonym then lane group.
  [[nodiscard]] std::vector<SectionPendingEntry> pending() const;

  [[nodiscard]] const std::string& section_id() const { return options_.section_id; }

 private:
  struct Pending {
    std::string plate_hmac;
    std::string lane_group;
    SectionPassEvidence entry;
  };
  /// The lane group of `lane` at the entry (or exit) camera, or nullptr.
  [[nodiscard]] const SectionLaneGroup* group_of(int lane, bool at_entry) const;
  [[nodiscard]] SectionPassEvidence evidence_of(const SectionRead& read) const;

  SectionSpeedOptions options_;
  std::int64_t distance_mm_ = 0;
  std::int64_t limit_mkmh_ = 0;      // 0.001 km/h
  std::int64_t threshold_mkmh_ = 0;  // 0.001 km/h
  mutable std::mutex mutex_;
  /// Key: plate_hmac + '/' + lane group name. Guarded by mutex_.
  std::map<std::string, Pending> pending_;
};

}  // namespace roadwarden::rules
