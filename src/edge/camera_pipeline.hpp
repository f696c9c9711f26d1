// One camera's processing: frames → plate reader (every k-th frame) → tracker → vehicle passes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "alpr/alpr.hpp"
#include "edge/bounded_queue.hpp"
#include "edge/red_light_camera.hpp"
#include "edge/site_config.hpp"
#include "video/frame.hpp"
#include "video/pass_merger.hpp"
#include "video/tracker.hpp"

namespace roadwarden::edge {

/// `t` with TrackerOptions::valid_text set, unless already set, to "matches a class-fixing
/// format of `country`" (alpr/formats; hint-only formats accept almost any text and are not
/// used). Throws InvalidInput for an unknown country.
[[nodiscard]] video::TrackerOptions with_format_voting(video::TrackerOptions t,
                                                       const std::string& country);

/// The per-frame work of one camera, on the caller's thread: the plate reader runs on every
/// `detect_every`-th frame (full-resolution frame in; the detector downscales internally and
/// the recogniser reads the full-resolution crop), the tracker follows plates in between, and
/// finished tracks come out as passes. Unless `tracker.valid_text` is set, reads matching a
/// class-fixing format of the reader's country outvote the others in each track (see
/// TrackerOptions::valid_text). Not thread-safe: one worker thread per camera.
class CameraWorker {
 public:
  /// `reader` must outlive the worker (Alpr::read is const and thread-safe, so one reader may
  /// serve every camera). Passes of one vehicle (the same text within `merge_window_ms` of
  /// capture time, a track broken on the spot, a second track on the same plate, a barely
  /// read fragment) are merged (video::PassMerger), so passes come out up to that much after
  /// the vehicle has gone. Throws InvalidInput for detect_every < 1, a negative window or bad tracker
  /// options.
  /// With `track` false (snapshot cameras: each image is a different moment, often a
  /// different vehicle) there is no tracking: every readable plate of every frame is a pass
  /// of its own (votes 1), and detect_every must be 1.
  CameraWorker(std::string camera, const alpr::Alpr& reader, int detect_every,
               video::TrackerOptions tracker, std::int64_t merge_window_ms = 3000,
               bool track = true);

  /// Processes one frame (in capture order); returns the passes it completed. Throws
  /// InvalidInput for an empty frame.
  [[nodiscard]] std::vector<video::Pass> process(const video::Frame& frame);
  /// End of the source: completes every live track.
  [[nodiscard]] std::vector<video::Pass> finish();

  /// Frames processed and frames on which the reader ran.
  [[nodiscard]] std::uint64_t frames() const { return frames_; }
  [[nodiscard]] std::uint64_t frames_read() const { return frames_read_; }

 private:
  const alpr::Alpr& reader_;
  std::string camera_;
  int detect_every_;
  bool track_;
  video::Tracker tracker_;
  video::PassMerger merger_;
  UtcTime last_time_;
  std::uint64_t frames_ = 0;
  std::uint64_t frames_read_ = 0;
};

/// Counters of a running camera pipeline (read at any time from any thread).
struct CameraStats {
  std::uint64_t frames_in = 0;       ///< frames delivered by the source
  std::uint64_t frames_dropped = 0;  ///< discarded because the queue was full (drop_oldest)
  std::uint64_t frames_read = 0;     ///< frames the plate reader ran on
  std::uint64_t passes = 0;          ///< vehicle passes handed to the sink
  std::uint64_t errors = 0;          ///< frames or passes that failed (logged)
  std::uint64_t violations = 0;      ///< red-light violation packages handed on
  std::uint64_t undecidable = 0;     ///< red-light decisions that were undecidable (logged)
  /// Capture time of the latest frame from the source, UTC ms; 0 before the first.
  std::int64_t last_frame_ms = 0;
};

/// Receives each finished pass on the camera's worker thread. May throw: the error is logged
/// and counted, the pipeline goes on.
using PassSink = std::function<void(video::Pass&& pass)>;

/// A camera's two threads: the reader pulls frames from the source into a bounded queue
/// (blocking or dropping the oldest when full, per CameraConfig::overflow), the worker runs a
/// CameraWorker and hands passes to the sink. With a RedLightCamera, the worker also gives it
/// every frame (before the plate reader) and every finished pass (before the sink), and calls
/// its finish() after the last pass; its errors are logged and counted, never stop the camera.
/// Threading: start(), stop() and join() are called from the agent's thread; stats() from any.
class CameraPipeline {
 public:
  /// `red_light` is optional (nullptr: no red-light rule at this camera); it is used only
  /// on the worker thread from start() on.
  CameraPipeline(CameraConfig config, std::unique_ptr<video::FrameSource> source,
                 const alpr::Alpr& reader, PassSink sink,
                 std::unique_ptr<RedLightCamera> red_light = nullptr);
  ~CameraPipeline();
  CameraPipeline(const CameraPipeline&) = delete;
  CameraPipeline& operator=(const CameraPipeline&) = delete;

  /// Starts both threads.
  void start();
  /// Asks the source to stop; the worker drains the queue and completes live tracks.
  void stop();
  /// Waits until the source has ended (end of file, or after stop()) and every queued frame
  /// and live track is processed.
  void join();
  [[nodiscard]] const CameraConfig& config() const { return config_; }
  [[nodiscard]] CameraStats stats() const;

 private:
  void read_loop();
  void work_loop();

  CameraConfig config_;
  std::unique_ptr<video::FrameSource> source_;
  const alpr::Alpr& reader_;
  PassSink sink_;
  std::unique_ptr<RedLightCamera> red_light_;  // worker thread only
  BoundedQueue<video::Frame> queue_;
  std::atomic<std::uint64_t> frames_in_{0};
  std::atomic<std::int64_t> last_frame_ms_{0};
  std::atomic<std::uint64_t> frames_read_{0};
  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> violations_{0};
  std::atomic<std::uint64_t> undecidable_{0};
  std::jthread reader_thread_;
  std::jthread worker_thread_;
};

}  // namespace roadwarden::edge
