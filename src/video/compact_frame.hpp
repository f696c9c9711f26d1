// A held video frame at half the bytes (I420), for the frames the agent keeps as evidence while
// a vehicle pass is still open.
#pragma once

#include <cstddef>

#include <opencv2/core.hpp>

namespace roadwarden::video {

/// A BGR frame held as I420: planar YUV 4:2:0, luma at full resolution and both chroma planes
/// at half width and half height (cv::COLOR_BGR2YUV_I420, ITU-R BT.601 coefficients, full
/// range). A 1080p frame takes 3.1 MB instead of 6.2 MB.
///
/// Why this loses nothing the evidence has: camera video is coded 4:2:0 (the H.264 / H.265
/// profiles IP cameras stream, and baseline JPEG stills), and the evidence JPEGs are encoded
/// 4:2:0 again (codec::encode_jpeg), so chroma at half resolution is all any stored
/// evidence image carries. The round trip changes pixel values by rounding only (a grey pixel
/// comes back within 1 level); plate text lives in the luma, which is kept at full resolution.
/// Frames with an odd width or height are kept as BGR (a copy) rather than padded; share_bgr()
/// keeps a frame as BGR without copying.
///
/// Copies share the pixels, like cv::Mat; the pixels are never written after construction, so
/// a CompactFrame may be shared freely between passes and threads.
class CompactFrame {
 public:
  /// An empty frame.
  CompactFrame() = default;
  /// Converts (copies) `bgr`, an 8-bit H×W×3 image; an empty image gives an empty frame.
  /// Throws InvalidInput for any other type.
  [[nodiscard]] static CompactFrame from_bgr(const cv::Mat& bgr);
  /// Holds `bgr`, an 8-bit H×W×3 image, as it is: shares its pixels, converts nothing. For a
  /// frame that becomes evidence at once (a snapshot camera's pass, made and spooled from the
  /// frame in hand), where the I420 round trip would cost time and save no memory. The caller
  /// must not write into `bgr` afterwards. An empty image gives an empty frame; throws
  /// InvalidInput for any other type.
  [[nodiscard]] static CompactFrame share_bgr(const cv::Mat& bgr);
  /// A new BGR 8-bit H×W×3 image of the frame (empty when the frame is empty); the caller owns
  /// it and may write into it.
  [[nodiscard]] cv::Mat to_bgr() const;
  [[nodiscard]] bool empty() const { return data_.empty(); }
  /// Width × height of the frame, pixels.
  [[nodiscard]] cv::Size size() const { return size_; }
  /// Bytes of pixel data held.
  [[nodiscard]] std::size_t bytes() const { return data_.total() * data_.elemSize(); }

 private:
  cv::Mat data_;  // I420: (H * 3 / 2) × W, CV_8UC1; or BGR H × W CV_8UC3 (odd sizes, share_bgr)
  cv::Size size_;
};

}  // namespace roadwarden::video
