// Frames from a live camera stream: RTSP (rtsp://, rtsps://) or HTTP(S) MJPEG, decoded with
// FFmpeg's libraries (codec::VideoDecoder), with reconnection.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <opencv2/core.hpp>

#include "codec/video_decoder.hpp"
#include "core/time.hpp"
#include "video/backoff.hpp"
#include "video/frame.hpp"
#include "video/stop_signal.hpp"

namespace roadwarden::video {

/// Options of StreamFrameSource, validated by its constructor (InvalidInput names the field).
struct StreamSourceOptions {
  /// rtsp://, rtsps://, http:// or https:// (HTTP(S) multipart MJPEG). Other schemes are
  /// rejected. May carry credentials (rtsp://user:pass@host/…); they are never shown.
  std::string url;
  /// Longest wait to open the stream (connect, handshake, first packets), milliseconds (> 0);
  /// codec::VideoDecoderOptions::open_timeout_ms. Default 10000.
  int open_timeout_ms = 10000;
  /// No frame for this long = stream lost, milliseconds (> 0);
  /// codec::VideoDecoderOptions::read_timeout_ms. Default 5000.
  int read_timeout_ms = 5000;
  /// Reconnect delay before the first retry, milliseconds; doubles each failed attempt … (> 0).
  /// Default 500.
  int backoff_initial_ms = 500;
  /// … up to this, milliseconds (>= backoff_initial_ms). Default 30000.
  int backoff_max_ms = 30000;
  /// Each delay is multiplied by a uniform factor in [1 - jitter, 1 + jitter]; in [0, 1).
  /// Default 0.2.
  double jitter = 0.2;
  /// Jitter RNG seed; 0 = std::random_device. Default 0.
  std::uint64_t seed = 0;
  /// Sequence number of the first frame; later frames count up from it (lets a restarted
  /// agent continue a camera's sequence). Default 0.
  std::int64_t first_sequence = 0;
};

/// A live camera stream that never ends on its own: when the stream fails to open, stops
/// delivering frames for read_timeout_ms, or ends, the source reports `lost` (attempt n) and
/// reconnects after an exponential backoff with jitter (see BackoffPolicy), then reports
/// `reconnected` with the outage in gap_ms. The first successful open reports `connected`.
///
/// Frames: BGR 8-bit H×W×3. `sequence` = first_sequence + `index`; `index` counts frames since
/// the source was created, across reconnects. `capture_time`: at the first frame of each
/// connection the stream timestamp (codec::VideoDecoder::position_ms(), pts0) is mapped to
/// clock.now() (wall0); each later frame gets wall0 + (pts - pts0), so a slow consumer does not
/// shift capture times. Streams without usable timestamps (negative, non-finite or non-increasing
/// pts — e.g. HTTP MJPEG, which carries none) fall back to clock.now() when the frame is read, for
/// the rest of that connection. `position_ms` = capture_time minus the first frame's capture_time.
///
/// Transport: RTSP is opened with FFmpeg's `rtsp_flags=prefer_tcp` (what OpenCV 4.6 passed by
/// default), so it uses TCP-interleaved RTP when the camera allows it. One decoder thread per
/// camera. HTTPS/RTSPS use FFmpeg's TLS, which does not verify server certificates unless
/// FFmpeg is told to (tls_verify) — only use them on networks you control.
///
/// Threading: next() from one thread (the camera's reader thread); stop() and describe() from
/// any thread. stop() ends a backoff wait at once, and an FFmpeg open or read in progress at the
/// decoder's next interrupt check (FFmpeg polls it while waiting on the network, typically
/// every 100 ms or less).
class StreamFrameSource final : public FrameSource {
 public:
  /// Validates `options` (InvalidInput for an unsupported scheme or an out-of-range field; the
  /// message shows the URL without credentials). Does not connect: the first next() does.
  /// `clock` must outlive the source; `health` is called on the next() thread.
  StreamFrameSource(StreamSourceOptions options, const Clock& clock, HealthSink health = {});

  /// Blocks until the next frame, reconnecting as often as needed; nullopt only after stop().
  [[nodiscard]] std::optional<Frame> next() override;
  /// Makes next() return nullopt (at once when waiting to reconnect). Thread-safe.
  void stop() override;
  /// The URL without user name, password or credential-like query values.
  [[nodiscard]] std::string describe() const override { return description_; }

 private:
  bool open();
  Frame make_frame(cv::Mat image, double pts_ms, UtcTime now);
  void mark_lost(std::string detail);
  void emit(HealthEvent::Kind kind, std::string detail, std::int64_t gap_ms = 0, int attempt = 0);

  StreamSourceOptions options_;
  const Clock& clock_;
  HealthSink health_;
  std::string description_;
  Backoff backoff_;
  StopSignal stop_;
  codec::VideoDecoder decoder_;

  // State of the reader thread (only next() touches it).
  bool ever_connected_ = false;
  bool ended_ = false;
  int failures_ = 0;                   // failed attempts since the last frame
  std::optional<UtcTime> lost_since_;  // set while the stream is lost
  std::optional<UtcTime> last_frame_;  // clock.now() when the last frame was read
  std::int64_t next_index_ = 0;
  std::optional<std::int64_t> first_capture_ms_;
  struct Connection {
    bool has_frame = false;
    bool pts_usable = true;
    UtcTime wall0;
    double pts0 = 0;
    double last_pts = 0;
  } connection_;
};

/// `url` with the user-info part (user:password@) removed and the values of credential-like
/// query parameters (user, password, pass, pwd, token, key, auth, secret, signature …)
/// replaced by "***", for logs and health events. Never throws.
/// User-info is everything between "://" and the LAST '@' of the URL, so a password holding an
/// unencoded '/', '?', '#' or '@' (rtsp://admin:Adm1n#2024@10.0.0.21/s) is never printed; a URL
/// whose path or query holds an '@' loses the text before it too (over-redaction, not a leak).
[[nodiscard]] std::string redact_url(std::string_view url);

}  // namespace roadwarden::video
