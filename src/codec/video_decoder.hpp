// Video decoding on FFmpeg's own libraries (libavformat, libavcodec, libswscale), in place of
// OpenCV's video I/O module: files and live camera streams (RTSP, HTTP(S) multipart MJPEG) to BGR
// frames.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace roadwarden::codec {

/// Options of VideoDecoder::open().
struct VideoDecoderOptions {
  /// Longest wait for avformat_open_input + stream probing (connect, RTSP handshake, first
  /// packets), milliseconds, > 0. Default 10000.
  int open_timeout_ms = 10000;
  /// Longest wait for one grab() (reading packets until a frame decodes), milliseconds, > 0.
  /// A stream that sends nothing for this long makes grab() return false. Default 5000.
  int read_timeout_ms = 5000;
  /// FFmpeg decoder threads, >= 1. Default 1: one core per camera, and each extra frame thread
  /// holds its own frame buffers (memory that grows with the frame size).
  int decoder_threads = 1;
  /// Comma-separated FFmpeg demuxer names a FILE may be read with (FFmpeg `format_whitelist`),
  /// e.g. "mov,avi,matroska"; empty = any. A file whose probed format is not listed fails to
  /// open. Stream URLs always use their own list (RTSP: rtsp; HTTP(S): mpjpeg, mjpeg).
  std::string format_whitelist;
  /// Polled during every blocking FFmpeg operation (open, read), on the calling thread; when it
  /// returns true the operation is abandoned and open()/grab() return false. Optional; must be
  /// cheap and thread-safe with whoever sets its condition (e.g. a stop flag).
  std::function<bool()> abort;
};

/// Decodes the best video stream of a file or URL to BGR frames, frame by frame: the part of
/// OpenCV's video capture class that roadwarden used (open / grab / retrieve / position / frame
/// count / fps), on libavformat + libavcodec with the send/receive API (FFmpeg 5.1).
///
/// Inputs: a file path (opened with FFmpeg's file protocol only), or an rtsp://, rtsps://,
/// http:// or https:// URL (only the network protocols that scheme needs are allowed; RTSP
/// with `rtsp_flags=prefer_tcp`, as OpenCV 4.6 passed by default). Every blocking step is
/// bounded by the options' timeouts through FFmpeg's interrupt callback, so a dead camera
/// cannot hang the reader. Never prints the URL (it may hold credentials); FFmpeg's own log is
/// set to errors only, once per process.
///
/// Codecs: only video codecs cameras and video files carry (H.264, H.265, MPEG-4 Part 2,
/// MJPEG, MPEG-1/2, H.263, VP8, VP9, AV1; FFmpeg `codec_whitelist`, also for stream probing).
/// FFmpeg's image decoders (PNG, TIFF, JPEG 2000, EXR …) are never run on camera input: a
/// container or stream holding them fails to open.
///
/// Frames: any pixel format FFmpeg decodes (yuv420p, yuvj422p from MJPEG, …), any width and
/// height (odd too); a frame size that changes mid-stream is followed.
/// Stream failures (cannot open, corrupt data, end, timeout) are `false` returns, never
/// exceptions; only allocation failures throw (std::bad_alloc, InternalError).
/// Not thread-safe: one decoder per thread. Movable, not copyable.
class VideoDecoder {
 public:
  VideoDecoder();
  ~VideoDecoder();
  VideoDecoder(VideoDecoder&&) noexcept;
  VideoDecoder& operator=(VideoDecoder&&) noexcept;
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  /// Opens `path_or_url` (see the class comment), releasing what was open before. False when it
  /// cannot be opened, has no decodable video stream, or open_timeout_ms passes. Throws
  /// InvalidInput for out-of-range options.
  bool open(const std::string& path_or_url, const VideoDecoderOptions& options = {});
  /// True between a successful open() and release().
  [[nodiscard]] bool is_open() const;
  /// Closes the input and frees every FFmpeg buffer. Idempotent.
  void release();

  /// Reads packets of the video stream until one frame decodes. At the end of the input the
  /// decoder is flushed so its delayed frames come out too. False at the end (every later call
  /// too), on a read error or timeout, or when a packet cannot be decoded (corrupt data: that
  /// packet is consumed, so the next grab() goes on with the packet after it).
  bool grab();
  /// The last grabbed frame as a NEWLY allocated BGR 8-bit H×W×3 cv::Mat (every call: the
  /// result may be moved into queues). Empty when nothing was grabbed or conversion fails.
  [[nodiscard]] cv::Mat retrieve_bgr();
  /// grab() + retrieve_bgr(): the next frame, or an empty Mat when grab() fails.
  [[nodiscard]] cv::Mat read_bgr();

  /// Timestamp of the last grabbed frame, milliseconds from the stream's start time: FFmpeg's
  /// best-effort timestamp minus the stream start_time, times the stream time base (what
  /// OpenCV's CAP_PROP_POS_MSEC reported). NaN when nothing was grabbed, the frame has no
  /// timestamp, or the format carries none (AVFMT_NOTIMESTAMPS: HTTP multipart MJPEG, raw
  /// elementary streams — FFmpeg would invent them from a guessed frame rate); may be negative
  /// for frames before the start time.
  [[nodiscard]] double position_ms() const;
  /// Frames in the stream as the container declares (nb_frames); else duration × frame rate,
  /// rounded (an estimate, may be off by a few frames); nullopt when neither is known.
  [[nodiscard]] std::optional<std::int64_t> frame_count() const;
  /// Frame rate, frames per second: the stream's avg_frame_rate, else r_frame_rate; nullopt when
  /// neither is known.
  [[nodiscard]] std::optional<double> fps() const;
  /// Size of the last grabbed frame, else the stream's declared size; 0×0 when not open.
  [[nodiscard]] cv::Size frame_size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadwarden::codec
