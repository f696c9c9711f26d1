// Red-light running at one camera: every finished vehicle pass is judged against each of the
// camera's approaches (rules::RedLightRule, phases from the site's SignalFeed), and each
// violation becomes an evidence package (evidence/violation_package.hpp) cut from the
// camera's evidence frame ring. docs/red-light.md describes the method and the package.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>

#include "edge/frame_ring.hpp"
#include "edge/signal_feed.hpp"
#include "edge/site_config.hpp"
#include "evidence/plate_read_package.hpp"
#include "rules/red_light.hpp"
#include "video/frame.hpp"
#include "video/tracker.hpp"

namespace roadwarden::edge {

/// Site facts every red-light package records.
struct RedLightContext {
  std::string site_id;
  /// IANA zone of the site (local time in the data bar).
  std::string timezone = "UTC";
  std::string clock_source = "system";
  std::string engine;
  /// JPEG quality of stills and the plate crop, 50..100.
  int jpeg_quality = 90;
};

/// Receives each finished violation package (metadata + files), on the camera's worker
/// thread, or on the camera's evidence thread when packages are built in the background.
/// May throw: the error is logged and the violation counted as lost.
using ViolationSink = std::function<void(evidence::Package&& package)>;

/// Counters of one red-light camera.
struct RedLightStats {
  std::uint64_t judged = 0;       ///< (pass, approach) decisions
  std::uint64_t violations = 0;   ///< packages handed to the sink
  std::uint64_t undecidable = 0;  ///< decisions with outcome undecidable (each logged)
  std::uint64_t lost = 0;         ///< violations whose evidence could not be built (logged)
};

/// The red-light stage of one camera's worker.
///
/// Per frame: the frame goes into the FrameRing; for approaches with a signal_region the
/// signal head's colour is classified (rules::classify_signal_colour) and kept for the ring's
/// span. Per finished pass: its path (video::Pass::path; reference point = bottom centre of
/// the plate box) becomes rules::TrackObservations and is judged against every approach.
/// Undecidable decisions are logged (warn) with their reason, violations (info); the others
/// at debug level. A violation waits ("pending") until the ring holds a frame at or after
/// its clip end (crossing + clip_margin_ms), or until finish(); then its stills (the
/// decision's before / at_line / intersection frames, decoded from the ring) and its clip
/// (the ring frames in [clip_start, clip_end]) are packaged and handed to the sink. If the
/// ring no longer reaches back to clip_start the clip is shorter (clip.truncated_start); at
/// the end of the source it may end early (clip.truncated_end). A still that has left the
/// ring makes the violation impossible to prove: it is logged as an error and counted in
/// `lost`, never silently dropped.
///
/// Building a package (decoding the clip frames, H.264 encoding, three stills) takes seconds
/// for a 10 s 1080p clip. With `background` (the agent's choice) it runs on an evidence
/// thread of this camera, so the worker keeps reading frames (a live stream would otherwise
/// drop them, and with them the next vehicles): the worker only copies the stills (decoded)
/// and the clip's JPEG bytes into a job (≈ 260 KiB per 1080p frame: ~65 MiB for a ±5 s clip
/// at 25 fps). At most 4 jobs wait; a fifth is built on the worker thread (back-pressure,
/// never dropped). Without `background` (tests) it is built before the call returns.
///
/// Threading: frame(), pass(), finish() and pending() are called only by the camera's worker
/// thread (frame() per frame, pass() per finished pass, finish() once at the end of the
/// source; finish() returns after every package has been handed to the sink). stats() may be
/// called from any thread. The SignalFeed is shared between cameras (it is thread-safe).
class RedLightCamera {
 public:
  /// Builds one rule per approach (InvalidInput naming the option) and the ring
  /// (InvalidInput). `feed` must not be null; `sink` must be callable.
  RedLightCamera(std::string camera, const std::vector<RedLightApproachConfig>& approaches,
                 FrameRingOptions ring, std::shared_ptr<const SignalFeed> feed,
                 RedLightContext context, ViolationSink sink, bool background = false);
  ~RedLightCamera();
  RedLightCamera(const RedLightCamera&) = delete;
  RedLightCamera& operator=(const RedLightCamera&) = delete;

  /// One frame in capture order (BGR 8-bit, non-empty): into the ring, then every pending
  /// violation whose clip end is reached is packaged. Errors of a package are logged and
  /// counted (`lost`); InvalidInput only for a bad frame.
  void frame(const video::Frame& frame);
  /// One finished pass: judged against every approach (see the class comment).
  void pass(const video::Pass& pass);
  /// End of the source: every pending violation is packaged with the frames there are;
  /// returns when every package has been handed to the sink.
  void finish();

  /// A snapshot of the counters (any thread).
  [[nodiscard]] RedLightStats stats() const;
  [[nodiscard]] const FrameRing& ring() const { return ring_; }
  /// Pending violations (waiting for frames past their clip end).
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }

 private:
  struct Approach;
  struct Pending;
  struct Job;
  void emit(Pending& pending, bool source_ended);
  void emit_ready(bool source_ended);
  void build(Job& job);
  void evidence_loop();

  std::string camera_;
  std::vector<std::unique_ptr<Approach>> approaches_;
  FrameRing ring_;
  std::shared_ptr<const SignalFeed> feed_;
  RedLightContext context_;
  ViolationSink sink_;
  std::vector<std::unique_ptr<Pending>> pending_;  // worker thread only
  std::atomic<std::uint64_t> judged_{0};
  std::atomic<std::uint64_t> violations_{0};
  std::atomic<std::uint64_t> undecidable_{0};
  std::atomic<std::uint64_t> lost_{0};
  std::mutex mutex_;
  std::condition_variable changed_;        // guarded by mutex_
  std::deque<std::unique_ptr<Job>> jobs_;  // guarded by mutex_
  bool building_ = false;                  // guarded by mutex_
  bool stopping_ = false;                  // guarded by mutex_
  std::jthread evidence_thread_;           // last: joined first on destruction
};

/// The track of a pass as the red-light rule sees it: one observation per path point, at the
/// bottom centre of the plate box, with the point's capture time; points whose time is not
/// after the previous point's are left out (so times strictly increase). `sequences` (if not
/// null) receives the frame sequence of each observation.
[[nodiscard]] rules::TrackObservations track_observations(
    const std::vector<video::PathPoint>& path, std::vector<std::int64_t>* sequences = nullptr);

}  // namespace roadwarden::edge
