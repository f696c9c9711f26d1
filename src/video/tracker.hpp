// Plate tracking across the frames of one camera: per-frame plate results (Alpr::read) are
// grouped into tracks, one per vehicle pass, and each finished track becomes one PlateRead
// with its best evidence frame.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <opencv2/core.hpp>

#include "core/plate.hpp"
#include "video/compact_frame.hpp"
#include "video/frame.hpp"

namespace roadwarden::video {

/// Options of the Tracker; validated once by its constructor (InvalidInput naming the option).
///
/// Association: a plate result may join a track only if all three gates pass —
///   * IoU of its bounding box with the track's motion-predicted box >= `min_iou` (not
///     applied while the track has a single observation and so no velocity yet: a fast
///     vehicle with sparse detection may move more than its plate width between two
///     detections),
///   * centre distance to the predicted centre <= `max_centre_jump` plate widths (the
///     track's last plate width),
///   * normalised edit distance of its text to the track's reference text (the character
///     vote over its reads so far) <= `max_text_distance` (skipped when either text is empty,
///     and while fewer than `min_votes` reads of the reference's length stand behind it: one
///     partial read of a small plate, "Z44N" of "ZG454HE", must not split the track when the
///     plate grows readable).
/// Among the pairs that pass, the cost is
///   (1 - IoU) + centre_jump / max_centre_jump + text_weight * text_distance
/// and pairs are taken greedily, cheapest first (each track and each result used once).
struct TrackerOptions {
  /// Lowest IoU of a result's bounding box with the predicted box of a track, [0, 1);
  /// default 0.05 (a plate that moved up to ~0.9 plate widths more than predicted still
  /// associates).
  double min_iou = 0.05;
  /// Largest distance of a result's centre from the predicted centre of a track, in plate
  /// widths, > 0; default 1.5.
  double max_centre_jump = 1.5;
  /// Weight of the text distance (normalised edit distance, [0, 1]) in the association cost,
  /// >= 0; default 1.0. 0 associates by position only.
  double text_weight = 1.0;
  /// Largest normalised edit distance between a result's text and the track's reference
  /// text for the two to associate, [0, 1]; default 0.5 (4 of 8 characters may differ).
  /// Two different vehicles close together in the image stay two tracks through this gate.
  double max_text_distance = 0.5;
  /// Smoothing of the constant-velocity motion model: new velocity = alpha * measured +
  /// (1 - alpha) * previous, (0, 1]; default 0.6.
  double velocity_alpha = 0.6;
  /// Consecutive frames on which detection ran (update()) without a match after which a
  /// track finishes, >= 1; default 12 (about 0.5 s at 25 fps with detection on every frame).
  /// Frames passed to skip() do not count.
  int max_missed_frames = 12;
  /// A track also finishes when its last match is more than this many milliseconds older
  /// (capture time) than the current frame, whatever the frame count (sparse detection,
  /// stream stalls), >= 1; default 3000.
  std::int64_t max_gap_ms = 3000;
  /// A track finishes (and yields its pass) after this many matched frames, so a vehicle
  /// standing in view does not grow a track without bound, >= 2; default 1500 (60 s at
  /// 25 fps).
  int max_track_frames = 1500;
  /// A track yields a pass only if at least this many of its frames have a non-empty read,
  /// >= 1; default 2. Tracks with fewer time out silently.
  int min_votes = 2;
  /// The plate is fully in view when every corner lies at least this many pixels inside the
  /// frame, >= 0; default 4. The best frame is chosen among fully-visible frames first.
  double edge_margin_px = 4.0;
  /// Direction of travel: "approaching"/"receding" when the plate height changed by at least
  /// this factor between the start and the end of the track, > 1; default 1.2.
  double direction_min_growth = 1.2;
  /// Direction of travel: "left"/"right" when the plate centre moved sideways at least this
  /// many (mean) plate widths, > 0; default 1.0. When both the growth and the lateral motion
  /// pass their thresholds, the larger relative to its threshold wins.
  double direction_min_lateral = 1.0;
  /// Candidates kept in a PlateRead, >= 1; default 10.
  int max_candidates = 10;
  /// Optional plate-validity test of a read's text (e.g. "matches a country format that fixes
  /// each character's class"). When set and at least `min_votes` frames of a track read
  /// valid text, only those frames vote: a misread that adds or drops a character (a border,
  /// bolt or flag read as a glyph) cannot outvote reads that form a real plate. Must be
  /// thread-safe and cheap; default none (every read votes). The camera agent sets it from
  /// the configured country's formats (edge/camera_pipeline.hpp).
  std::function<bool(std::string_view text)> valid_text;
};

/// Where a track's plate was on one frame it was matched on (detection frames only: frames
/// given to Tracker::skip() have no observation).
struct PathPoint {
  /// Capture time of the frame, UTC ms (Frame::capture_time).
  UtcTime time;
  /// Camera sequence number of the frame (Frame::sequence).
  std::int64_t sequence = 0;
  /// Plate corners (TL, TR, BR, BL) in full-resolution pixels of that frame.
  Quad corners;
  /// Axis-aligned bounding box of `corners`, pixels.
  Box box;
  /// The reference point where the vehicle meets the road as far as the plate shows it: the
  /// bottom centre of `box` (x + width / 2, y + height), pixels. This is the point the
  /// red-light rule follows (rules::TrackObservation allows the plate box when only the plate
  /// is tracked).
  [[nodiscard]] Point bottom_centre() const { return {box.x + box.width / 2, box.y + box.height}; }
};

/// One finished vehicle pass with its evidence frame.
struct Pass {
  /// The plate read; `camera` is the tracker's camera id.
  PlateRead read;
  /// The full-resolution frame the best read came from, held as I420 (half the bytes of BGR;
  /// CompactFrame says why nothing the evidence has is lost); best_frame.to_bgr() gives the
  /// BGR 8-bit H×W×3 image. Not shared with the frame source; shared (read-only) with the
  /// other passes whose best read came from the same frame. `read.best_sequence`,
  /// `read.best_time` and `read.best_corners` describe this frame.
  CompactFrame best_frame;
  /// The track's path: one point per matched frame, in capture order (strictly increasing
  /// sequence and time). At most TrackerOptions::max_track_frames points per track (a
  /// PassMerger joins two tracks' paths). A snapshot pass (no tracking) has exactly one point.
  /// About 100 bytes per point.
  std::vector<PathPoint> path;
};

/// Groups the per-frame plate results of one camera into tracks (one per vehicle pass) and
/// turns each finished track into one Pass.
///
/// Method (tracking-by-detection with a constant-velocity box model and greedy association,
/// in the spirit of SORT, Bewley et al. 2016, with the text distance added to the cost):
///   * each track predicts its bounding box (centre, width, height) at the new frame's
///     sequence number from its last match and a smoothed per-frame velocity;
///   * results are associated to tracks greedily by cost (see TrackerOptions); unmatched
///     results start new tracks; unmatched tracks count a miss;
///   * a finished track's text is chosen by character-level voting: the reads of the modal
///     length (the most common length among non-empty reads) vote per position with their
///     confidence as weight; empty (unreadable) reads do not vote.
///
/// Best frame and memory: at most ONE full-resolution frame is kept per track, as I420
/// (CompactFrame: 3.1 MB at 1080p), and tracks that take their best read on the same frame
/// share one copy. A new frame replaces it when it is better by, in order: its read equals
/// the track's running vote, the plate is fully in view (TrackerOptions::edge_margin_px),
/// higher read confidence, larger plate region (more pixels on the characters). When the
/// final vote differs from the running vote at the time the kept frame arrived (rare), the
/// kept frame is still reported and `best_*` describe that frame.
///
/// Threading: not thread-safe. One Tracker per camera, called only from that camera's
/// worker thread (every update()/skip() per frame, finish() once at end of the source).
class Tracker {
 public:
  /// Throws InvalidInput naming the option when an option is out of range, or when
  /// `camera` is empty.
  explicit Tracker(std::string camera, TrackerOptions options = {});
  ~Tracker();
  Tracker(Tracker&&) noexcept;
  Tracker& operator=(Tracker&&) noexcept;
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  /// A frame on which detection + recognition ran; `reads` are Alpr::read() results for it
  /// (full-resolution coordinates of `frame.image`). Returns the passes this frame completed
  /// (tracks that timed out), in the order they finished.
  /// Throws InvalidInput when `frame.image` is empty or `frame.sequence` is not greater than
  /// that of the previous frame given to update()/skip().
  [[nodiscard]] std::vector<Pass> update(const Frame& frame, const std::vector<PlateResult>& reads);

  /// A frame on which detection was skipped (detect every k-th frame to save CPU): advances
  /// time and motion prediction only; tracks can finish here through
  /// TrackerOptions::max_gap_ms. `frame.image` may be empty.
  /// Throws InvalidInput when `frame.sequence` is not greater than the previous frame's.
  [[nodiscard]] std::vector<Pass> skip(const Frame& frame);

  /// End of the source: every live track completes; those with at least
  /// TrackerOptions::min_votes reads become passes. The tracker is empty afterwards and may
  /// be used again (e.g. after a new file).
  [[nodiscard]] std::vector<Pass> finish();

  /// Number of live (unfinished) tracks, for tests and health reporting.
  [[nodiscard]] std::size_t live_tracks() const;
  /// Capture time of the first frame of the oldest live track; none when no track is live.
  /// A PassMerger holds finished passes while a live track may still join them.
  [[nodiscard]] std::optional<UtcTime> earliest_live_start() const;
  [[nodiscard]] const TrackerOptions& options() const { return options_; }
  [[nodiscard]] const std::string& camera() const { return camera_; }

 private:
  struct Track;
  std::vector<Pass> advance(const Frame& frame);
  std::vector<Pass> retire_if(const std::vector<bool>& done);
  std::optional<Pass> conclude(Track& track) const;

  std::string camera_;
  TrackerOptions options_;
  std::vector<std::unique_ptr<Track>> tracks_;
  std::int64_t last_sequence_ = 0;
  bool have_frame_ = false;
};

/// Normalised edit distance of two strings: Levenshtein distance / length of the longer, in
/// [0, 1]; 0 for two empty strings. Exposed for tests and the benchmarks.
[[nodiscard]] double text_distance(const std::string& a, const std::string& b);

}  // namespace roadwarden::video
