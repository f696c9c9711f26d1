// Frames from a recorded video file, as a FrameSource (for tests, demos, and re-processing).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "video/frame.hpp"
#include "video/stop_signal.hpp"
#include "video/video_file.hpp"

namespace roadwarden::video {

/// Options of FileFrameSource, validated by its constructor.
struct FileSourceOptions {
  /// Capture time of the first frame, UTC; frame capture_time = start_time + position_ms.
  UtcTime start_time;
  /// Deliver every N-th frame (frames 0, N, 2N, …); >= 1. Default 1.
  int every = 1;
  /// Pace delivery at the file's frame rate (by container timestamps, real time), like a live
  /// camera; for demos and benchmarks. Default false: as fast as decoding allows.
  bool realtime = false;
  /// Sequence number of the first frame delivered; later frames count up from it (lets a
  /// restarted agent continue a camera's sequence). Default 0.
  std::int64_t first_sequence = 0;
};

/// A video file decoded with FFmpeg's libraries (codec::VideoDecoder, through VideoFileReader).
///
/// Frames: BGR 8-bit H×W×3; `index` = frame number in the file; `position_ms` = container
/// time (milliseconds from the start of the file); `capture_time` = start_time + position_ms
/// (rounded to the millisecond); `sequence` = first_sequence, first_sequence + 1, … .
/// Health events: `connected` at the first next(), `decode_error` for a frame FFmpeg could not
/// decode (skipped), `ended` once at the end of the file or after stop(). Event times come from
/// the system clock.
///
/// Corrupt data: when FFmpeg cannot read a frame before the container's frame count
/// (VideoFileReader::frame_count()) is reached, the source does not take it as the end of the
/// file: it reads on, and when frames come again it reports the stretch it skipped as one
/// `decode_error` ("frames A-B of N could not be decoded (corrupt data); skipped"). After
/// max(50, 2 s of video) frames in a row that cannot be read it gives up: `ended` with detail
/// "file truncated or corrupt at frame A of N …". Unreadable frames just before the frame count
/// end the file with `ended` "end of file (frames A-B of N could not be decoded)" — with an
/// estimated frame count they may not exist. Both endings are also reported as `decode_error`
/// (with the same detail, just before `ended`) when the file gave up or more than 5 frames are
/// missing at the end: the file is damaged. When the frame count is unknown, the first frame
/// that cannot be read ends the file ("end of file").
/// Threading: next() from one thread; stop() and describe() from any thread.
class FileFrameSource final : public FrameSource {
 public:
  /// Opens `path`. Throws IoError when the file is missing, InvalidInput when FFmpeg cannot
  /// open it as a video or `options.every` < 1; messages name the file.
  FileFrameSource(std::filesystem::path path, FileSourceOptions options, HealthSink health = {});

  /// The next selected frame; nullopt at the end of the file or after stop().
  [[nodiscard]] std::optional<Frame> next() override;
  /// Makes the current (pacing wait) or next call of next() return nullopt.
  void stop() override;
  /// The file path.
  [[nodiscard]] std::string describe() const override;

 private:
  void emit(HealthEvent::Kind kind, std::string detail);
  // A frame could not be grabbed: the `ended` detail when the source ends here, else nullopt.
  std::optional<std::string> on_unreadable(std::int64_t index);
  // Reports the stretch of unreadable frames that ended before a frame was read again.
  void report_skipped();

  std::filesystem::path path_;
  FileSourceOptions options_;
  HealthSink health_;
  VideoFileReader reader_;
  StopSignal stop_;
  SystemClock clock_;
  bool started_ = false;
  bool ended_ = false;
  std::int64_t delivered_ = 0;
  std::optional<std::int64_t> frame_count_;  // from the container, when known
  std::int64_t max_unreadable_run_ = 50;     // frames in a row before giving up
  // The current stretch of frames that could not be grabbed: first and last index.
  std::optional<std::int64_t> unreadable_from_;
  std::int64_t unreadable_to_ = 0;
  // realtime: steady time at which position 0 is due.
  std::chrono::steady_clock::time_point pace_origin_;
};

}  // namespace roadwarden::video
