// Frames and the sources that produce them (files, RTSP / HTTP MJPEG streams, image folders).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "core/time.hpp"

namespace roadwarden::video {

/// One decoded frame.
struct Frame {
  /// BGR 8-bit H×W×3, full resolution (up to 4K).
  cv::Mat image;
  /// Zero-based index of the frame in its source (file: frame number; stream: frames decoded
  /// since the source was opened, across reconnects).
  std::int64_t index = 0;
  /// Presentation time from the start of the source, milliseconds (file: container time).
  double position_ms = 0;
  /// Per-camera sequence number: strictly increasing, never reused, also across reconnects.
  std::int64_t sequence = 0;
  /// When the camera captured the frame, UTC. Streams: the stream timestamp mapped to the
  /// wall clock once per connection (never the time the frame was processed). Files: the
  /// configured start time of the recording plus `position_ms`. Image folders: the file's
  /// modification time.
  UtcTime capture_time;
};

/// A camera-health event (connection state of a frame source), for the spool and the console.
struct HealthEvent {
  enum class Kind {
    connected,     ///< first successful open
    lost,          ///< the stream stopped delivering frames or failed to open
    reconnected,   ///< frames again after `lost`; `gap_ms` is the outage
    decode_error,  ///< a frame (or a still image) could not be decoded; skipped
    ended,         ///< the source ended for good (end of file, stop())
  };
  Kind kind = Kind::connected;
  /// When the event was observed, UTC (from the source's Clock).
  UtcTime time;
  /// The source's description (URL without credentials, or path).
  std::string source;
  /// Human-readable reason, e.g. FFmpeg's error or "no frame for 5000 ms".
  std::string detail;
  /// For `reconnected`: milliseconds without frames. Otherwise 0.
  std::int64_t gap_ms = 0;
  /// For `lost`: the reconnect attempt number (1, 2, …). Otherwise 0.
  int attempt = 0;
};

/// "connected", "lost", "reconnected", "decode_error" or "ended".
[[nodiscard]] const char* to_string(HealthEvent::Kind kind);

/// Receives health events. Called on the source's thread; must not block for long.
using HealthSink = std::function<void(const HealthEvent&)>;

/// A source of frames: a video file, a live stream, or a watched folder of images.
/// Threading: next() is called from one thread (the camera's reader thread); stop() may be
/// called from any thread.
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Blocks until the next frame. Returns nullopt when the source has ended for good (end of
  /// a file, or after stop()). Live streams never end on their own: loss is handled inside
  /// (reconnect with backoff) and reported as HealthEvents. Throws IoError / InvalidInput
  /// only for errors that retrying cannot fix (e.g. a missing file).
  [[nodiscard]] virtual std::optional<Frame> next() = 0;
  /// Asks a blocked or later next() to return nullopt promptly (within about 1 s).
  virtual void stop() = 0;
  /// The source for logs and health events, with any credentials removed from URLs.
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace roadwarden::video
