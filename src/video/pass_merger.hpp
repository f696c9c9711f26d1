// Pass grouping: one vehicle whose plate the tracker lost for a while (hidden behind another
// vehicle, a gap in detection) comes out of the tracker as two passes with the same text.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "video/tracker.hpp"

namespace roadwarden::video {

/// Holds each finished pass for `window_ms` of capture time and merges into a held pass (one
/// vehicle, one read):
///  * a pass of the same text that starts within the window after the held one ends (the
///    plate was hidden for a while);
///  * a continuation: a pass that starts at most kContinuationGapMs after the held one ends,
///    where the held one's last plate box was (its centre within kContinuationJump box
///    widths), with a compatible text (either unreadable, or text_distance <=
///    kContinuationTextDistance). This is one track broken on the spot, typically while the
///    plate was still small and its partial reads ("M99X" of "VM299XP") could not hold the
///    association; two vehicles one behind the other are not continuations (the second
///    plate appears far from where the first was last seen);
///  * a coincident pass: on frames at most kCoincidentFrames apart the two passes' plate boxes
///    overlap by at least half of the smaller box, with a compatible text as above (a part of
///    one plate detected on its own, read as "ZO13HMN" of "20136HMN", made a short second
///    track). The text condition keeps apart two vehicles whose plates cross the same spot
///    (one passing in front of the other, a lane change);
///  * a fragment: a pass whose text was read on at most kFragmentVotes frames, within the
///    window of a pass read on at least kFragmentOtherVotes frames whose text is within
///    kFragmentTextDistance of it (the plate, hidden for a while, came back too small or
///    blurred to read fully: "O384TTX" after "90384TTX"). A second vehicle with a plate that
///    close, within seconds, and read on two frames or fewer is counted with the first.
/// The merged read keeps the evidence (best frame, corners, candidates, direction) of the
/// part with more votes, sums votes and frames_read, spans both parts' first/last seen, and
/// joins both parts' paths (Pass::path) in sequence order.
/// Two different vehicles with the same plate text within seconds of each other at one camera
/// would be a cloned plate — one read with both time spans is still what the evidence shows.
/// Not thread-safe: one merger per camera, on the camera's worker thread.
class PassMerger {
 public:
  /// Longest gap between a pass's last and the next pass's first sighting for the next to
  /// be a continuation, capture-time ms (half a second at 25 fps is 12 frames, the tracker's
  /// default miss limit; 1000 allows for detection every 2nd frame and a slow stream).
  static constexpr std::int64_t kContinuationGapMs = 1000;
  /// Largest distance between the two sightings' box centres, in widths of the larger box.
  static constexpr double kContinuationJump = 2.0;
  /// Largest normalised edit distance between two readable texts of a continuation (the
  /// tracker's default association gate, TrackerOptions::max_text_distance).
  static constexpr double kContinuationTextDistance = 0.5;
  /// Coincidence rule: frames (sequence numbers) apart that may still hold one plate.
  static constexpr int kCoincidentFrames = 2;
  /// Fragment rule: most exact reads of a fragment, fewest of the pass it joins, and the
  /// largest normalised edit distance between their texts (2 of 8 characters).
  static constexpr int kFragmentVotes = 2;
  static constexpr int kFragmentOtherVotes = 5;
  static constexpr double kFragmentTextDistance = 0.25;

  /// `window_ms` >= 0 (0 disables merging: passes go straight through); default 3000 ms.
  /// Throws InvalidInput for a negative window.
  explicit PassMerger(std::int64_t window_ms = 3000);

  /// Adds the passes the tracker finished at capture time `now` and returns those whose
  /// window has closed, oldest first: last_seen + window < now, and, when `live_since` (the
  /// first sighting of the tracker's oldest live track, Tracker::earliest_live_start()) is
  /// given, last_seen + window < live_since — a track that began within the window may still
  /// finish as a pass of the same vehicle, however long it lasts. A pass is so held at most
  /// the window plus the longest track (TrackerOptions::max_track_frames).
  [[nodiscard]] std::vector<Pass> add(std::vector<Pass> passes, UtcTime now,
                                      std::optional<UtcTime> live_since = std::nullopt);
  /// End of the source: every held pass.
  [[nodiscard]] std::vector<Pass> finish();

 private:
  std::int64_t window_ms_;
  std::vector<Pass> held_;
};

}  // namespace roadwarden::video
