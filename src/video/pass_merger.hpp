// Pass grouping: one vehicle whose plate the tracker lost for a while (hidden behind another
// vehicle, a gap in detection) comes out of the tracker as two passes with the same text.
#pragma once

#include <cstdint>
#include <vector>

#include "video/tracker.hpp"

namespace roadwarden::video {

/// Holds each finished pass for `window_ms` of capture time; a pass of the same text that
/// starts within the window after a held one ends is merged into it (one vehicle, one read).
/// The merged read keeps the evidence (best frame, corners, candidates, direction) of the
/// part with more votes, sums votes and frames_read, spans both parts' first/last seen, and
/// joins both parts' paths (Pass::path) in sequence order.
/// Two different vehicles with the same plate text within seconds of each other at one camera
/// would be a cloned plate — one read with both time spans is still what the evidence shows.
/// Not thread-safe: one merger per camera, on the camera's worker thread.
class PassMerger {
 public:
  /// `window_ms` >= 0 (0 disables merging: passes go straight through); default 3000 ms.
  /// Throws InvalidInput for a negative window.
  explicit PassMerger(std::int64_t window_ms = 3000);

  /// Adds the passes the tracker finished at capture time `now` and returns those whose
  /// window has closed (last_seen + window < now), oldest first.
  [[nodiscard]] std::vector<Pass> add(std::vector<Pass> passes, UtcTime now);
  /// End of the source: every held pass.
  [[nodiscard]] std::vector<Pass> finish();

 private:
  std::int64_t window_ms_;
  std::vector<Pass> held_;
};

}  // namespace roadwarden::video
