// Short video clips (evidence clips) encoded with FFmpeg's libavcodec/libavformat, in place of
// OpenCV's video writer: H.264 in MP4 when an H.264 encoder is available, else Motion JPEG in
// AVI.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace roadwarden::codec {

/// Options of ClipEncoder.
struct ClipEncoderOptions {
  /// Try H.264 first (libx264, libopenh264, then any other H.264 encoder FFmpeg has that takes
  /// yuv420p). false: always Motion JPEG in AVI. Default true.
  bool allow_h264 = true;
  /// H.264 constant rate factor (libx264 `crf`, 0 = lossless … 51; lower = better, bigger).
  /// Default 20 (visually close to the source; evidence, not streaming).
  int h264_crf = 20;
  /// Motion JPEG quantiser scale, 2 (best, biggest) … 31. Default 3.
  int mjpeg_qscale = 3;
  /// Encoder threads, >= 1. Default 1 (the camera agent budgets one core per camera).
  int threads = 1;
};

/// A finished clip.
struct EncodedClip {
  /// The whole file: MP4 (moov atom first: `movflags=+faststart`) or AVI.
  std::vector<std::uint8_t> bytes;
  /// "clip.mp4" or "clip.avi".
  std::string file;
  /// "video/mp4" or "video/x-msvideo".
  std::string media_type;
  /// "h264" or "mjpeg".
  std::string codec;
  /// Encoded frame size, pixels: the input size with an odd width or height padded by one
  /// pixel (the last column/row repeated), as 4:2:0 chroma needs even sizes.
  cv::Size size;
  /// Frames written.
  std::int64_t frames = 0;
};

/// Encodes BGR frames of one size at a constant frame rate, one frame at a time (a clip never
/// has to sit decoded in memory). Writes through a private temporary folder (mkdtemp, mode
/// 0700, removed by the destructor) because MP4's faststart rewrites the file at the end.
/// Frame k has presentation time k / fps seconds. Not thread-safe: one thread per encoder.
class ClipEncoder {
 public:
  /// Prepares the encoder for frames of `size` (width and height >= 2 pixels) at `fps` frames
  /// per second (finite, > 0): H.264/MP4 when options.allow_h264 and an H.264 encoder opens,
  /// else MJPEG/AVI. Throws InvalidInput for a bad size, fps or option; IoError when the
  /// temporary folder cannot be created; InternalError when no encoder can be opened.
  ClipEncoder(cv::Size size, double fps, const ClipEncoderOptions& options = {});
  ~ClipEncoder();
  ClipEncoder(const ClipEncoder&) = delete;
  ClipEncoder& operator=(const ClipEncoder&) = delete;

  /// Encodes one frame: BGR 8-bit H×W×3 of the constructor's size. Throws InvalidInput for
  /// another size or type, InternalError when encoding fails, std::logic_error after finish().
  void add(const cv::Mat& bgr);
  /// Flushes the encoder, finishes the container and returns the file. Throws InvalidInput when
  /// no frame was added, InternalError/IoError when the file cannot be finished or read back;
  /// std::logic_error when called twice.
  [[nodiscard]] EncodedClip finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Encodes `frames` (BGR 8-bit H×W×3, all one size, at least one) at `fps` with a ClipEncoder.
/// Throws as ClipEncoder (InvalidInput for an empty list or frames of different sizes).
[[nodiscard]] EncodedClip encode_clip(std::span<const cv::Mat> frames, double fps,
                                      const ClipEncoderOptions& options = {});

}  // namespace roadwarden::codec
