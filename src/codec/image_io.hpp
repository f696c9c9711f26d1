// Still images at the edge of the process: decoding camera input (JPEG, PNG, BMP) with the
// checks a camera system needs — a broken file is an error with a clear message, never an
// empty road — and encoding evidence JPEGs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include <opencv2/core.hpp>

namespace roadwarden::codec {

/// Limits applied before any pixel is decoded.
struct ImageLimits {
  /// Largest accepted image, in pixels (width × height). Default 100 MP: an 8K frame is
  /// 33 MP, so anything larger is a corrupt or hostile header.
  std::int64_t max_pixels = 100'000'000;
  /// Smallest accepted width and height, in pixels. Default 16: no plate fits below it, and
  /// a tiny frame from a camera means the camera is broken.
  int min_side = 16;
  /// Largest accepted file, in bytes. Default 256 MiB.
  std::uintmax_t max_file_bytes = 256ull << 20;
};

/// Image container formats recognised by their magic bytes (never by file extension).
enum class ImageFormat { Jpeg, Png, Bmp };

/// Width and height in pixels and the container, read from the header only.
struct ImageHeader {
  ImageFormat format = ImageFormat::Jpeg;
  int width = 0;
  int height = 0;
};

/// Reads the container and dimensions from an encoded image's header without decoding.
/// Throws InvalidInput when the bytes are not a JPEG, PNG or BMP, the header is cut short,
/// or a JPEG lacks its end-of-image marker (a truncated file).
[[nodiscard]] ImageHeader sniff_image(std::span<const std::uint8_t> bytes);

/// Decodes an encoded image (JPEG, PNG or BMP) to BGR 8-bit H×W×3.
/// Checks the header against `limits` before decoding. JPEGs are decoded by libjpeg-turbo
/// with every decoder warning treated as an error, so a damaged file is never returned as a
/// partly grey image; PNG and BMP by Leptonica (alpha dropped; BMP only uncompressed with 1, 4, 8
/// or 24 bits per pixel). No other decoder ever sees the bytes: camera input is never handed to a
/// general image library's format zoo. Throws InvalidInput with the reason (empty, not an image,
/// truncated, corrupt, too large, too small, undecodable).
[[nodiscard]] cv::Mat decode_image(std::span<const std::uint8_t> bytes,
                                   const ImageLimits& limits = {});

/// Encodes an 8-bit BGR (H×W×3) or grey (H×W) image as a baseline JPEG with libjpeg-turbo:
/// chroma subsampled 4:2:0 (the IJG and OpenCV default), `quality` 1–100 on the IJG scale.
/// Any row stride is accepted. Throws InvalidInput for an empty image, another depth or channel
/// count, or a quality outside 1–100; InternalError when libjpeg-turbo fails.
[[nodiscard]] std::vector<std::uint8_t> encode_jpeg(const cv::Mat& image, int quality);

/// Reads and decodes an image file to BGR 8-bit H×W×3. Throws IoError when the file is
/// missing or unreadable, InvalidInput as decode_image. Messages give the reason only; the
/// caller names the file.
[[nodiscard]] cv::Mat load_image(const std::filesystem::path& path, const ImageLimits& limits = {});

}  // namespace roadwarden::codec
