#include "alpr/image_io.hpp"

#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <turbojpeg.h>

#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

std::uint32_t be16(std::span<const std::uint8_t> b, std::size_t i) {
  return (std::uint32_t{b[i]} << 8) | b[i + 1];
}
std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t i) {
  return (be16(b, i) << 16) | be16(b, i + 2);
}
std::int32_t le32(std::span<const std::uint8_t> b, std::size_t i) {
  return static_cast<std::int32_t>(std::uint32_t{b[i]} | (std::uint32_t{b[i + 1]} << 8) |
                                   (std::uint32_t{b[i + 2]} << 16) |
                                   (std::uint32_t{b[i + 3]} << 24));
}

bool starts_with(std::span<const std::uint8_t> b, std::initializer_list<std::uint8_t> magic) {
  if (b.size() < magic.size()) return false;
  std::size_t i = 0;
  for (std::uint8_t m : magic) {
    if (b[i++] != m) return false;
  }
  return true;
}

// JPEG (ITU-T T.81): walk the marker segments to the first start-of-frame (SOFn).
ImageHeader sniff_jpeg(std::span<const std::uint8_t> b) {
  std::size_t i = 2;
  while (i + 4 <= b.size()) {
    if (b[i] != 0xFF) throw InvalidInput("corrupt JPEG: bad marker structure");
    const std::uint8_t marker = b[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      i += 2;
      continue;
    }
    const std::size_t len = be16(b, i + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 &&
                     marker != 0xCC;
    if (sof) {
      if (i + 9 > b.size()) break;
      ImageHeader h{ImageFormat::Jpeg, static_cast<int>(be16(b, i + 7)),
                    static_cast<int>(be16(b, i + 5))};
      // A complete JPEG ends with the end-of-image marker (FF D9); tolerate a little
      // trailing padding some cameras append.
      const std::size_t tail = std::min<std::size_t>(b.size(), 4096);
      bool eoi = false;
      for (std::size_t k = b.size() - tail; k + 1 < b.size(); ++k) {
        if (b[k] == 0xFF && b[k + 1] == 0xD9) eoi = true;
      }
      if (!eoi) throw InvalidInput("truncated JPEG: no end-of-image marker");
      return h;
    }
    i += 2 + len;
  }
  throw InvalidInput("truncated JPEG: no frame header");
}

// Decodes a JPEG with libjpeg-turbo, treating every libjpeg warning (corrupt or missing
// entropy-coded data, premature end of data) as an error: OpenCV's decoder only prints such
// warnings and returns a partly grey image, which would look like an empty road.
cv::Mat decode_jpeg_strict(std::span<const std::uint8_t> bytes) {
  const std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
  if (!tj) throw InternalError("cannot initialise libjpeg-turbo");
  int width = 0, height = 0, subsampling = 0, colourspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), &width,
                          &height, &subsampling, &colourspace) != 0) {
    throw InvalidInput(fmt::format("corrupt JPEG: {}", tjGetErrorStr2(tj.get())));
  }
  cv::Mat image(height, width, CV_8UC3);
  if (tjDecompress2(tj.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), image.data,
                    width, static_cast<int>(image.step), height, TJPF_BGR,
                    TJFLAG_STOPONWARNING) != 0) {
    throw InvalidInput(fmt::format("corrupt or truncated JPEG: {}", tjGetErrorStr2(tj.get())));
  }
  return image;
}

}  // namespace

ImageHeader sniff_image(std::span<const std::uint8_t> b) {
  if (b.empty()) throw InvalidInput("empty file (0 bytes)");
  if (starts_with(b, {0xFF, 0xD8, 0xFF})) return sniff_jpeg(b);
  if (starts_with(b, {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})) {
    if (b.size() < 24) throw InvalidInput("truncated PNG: header cut short");
    return ImageHeader{ImageFormat::Png, static_cast<int>(be32(b, 16) & 0x7FFFFFFF),
                       static_cast<int>(be32(b, 20) & 0x7FFFFFFF)};
  }
  if (starts_with(b, {'B', 'M'})) {
    if (b.size() < 26) throw InvalidInput("truncated BMP: header cut short");
    if (le32(b, 14) == 12) {  // OS/2 BITMAPCOREHEADER: 16-bit width and height
      return ImageHeader{ImageFormat::Bmp, static_cast<int>(b[18] | (b[19] << 8)),
                         static_cast<int>(b[20] | (b[21] << 8))};
    }
    const std::int32_t w = le32(b, 18), h = le32(b, 22);
    return ImageHeader{ImageFormat::Bmp, w, h < 0 ? -h : h};
  }
  throw InvalidInput("not an image: content is not JPEG, PNG or BMP");
}

cv::Mat decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  const ImageHeader h = sniff_image(bytes);
  const std::int64_t pixels = std::int64_t{h.width} * h.height;
  if (h.width <= 0 || h.height <= 0) throw InvalidInput("image header has zero size");
  if (pixels > limits.max_pixels) {
    throw InvalidInput(fmt::format("image too large: {}x{} exceeds the limit of {} pixels",
                                   h.width, h.height, limits.max_pixels));
  }
  if (h.width < limits.min_side || h.height < limits.min_side) {
    throw InvalidInput(fmt::format("image too small: {}x{} (minimum {}x{})", h.width, h.height,
                                   limits.min_side, limits.min_side));
  }
  if (h.format == ImageFormat::Jpeg) return decode_jpeg_strict(bytes);
  cv::Mat image;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    image = cv::imdecode(raw, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw InvalidInput(fmt::format("could not decode image: {}", e.what()));
  }
  if (image.empty()) throw InvalidInput("could not decode image (corrupt or truncated data)");
  return image;
}

cv::Mat load_image(const std::filesystem::path& path, const ImageLimits& limits) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw IoError("no such file");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw InvalidInput("is a directory");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw IoError(fmt::format("cannot read size: {}", ec.message()));
  if (size > limits.max_file_bytes) {
    throw InvalidInput(fmt::format("file too large ({} bytes, limit {})", size,
                                   limits.max_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open for reading");
  std::vector<std::uint8_t> bytes(size);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()),
                           static_cast<std::streamsize>(size))) {
    throw IoError("read failed");
  }
  return decode_image(bytes, limits);
}

}  // namespace roadwarden::alpr
