#include "codec/image_io.hpp"

#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <leptonica/allheaders.h>
#include <turbojpeg.h>

#include "core/errors.hpp"

namespace roadwarden::codec {
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
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
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

// Decodes a PNG or BMP with Leptonica (the image library under Tesseract) to BGR 8-bit. Any
// depth Leptonica reads (1–8 bit grey or palette, 16-bit PNG stripped to 8, RGB, RGBA) becomes
// three channels; an alpha channel is dropped, not composited, as OpenCV's IMREAD_COLOR did.
cv::Mat decode_png_or_bmp(std::span<const std::uint8_t> bytes, ImageFormat format) {
  if (format == ImageFormat::Bmp) {
    // Leptonica 1.82 reads 32-bit BMPs with red and blue swapped and 16-bit (RGB555) ones as
    // grey, without an error: only palette (1, 4, 8 bit) and 24-bit BMPs are taken.
    // Bits per pixel: offset 24 in an OS/2 core header (size 12), else 28 (Windows headers).
    const std::size_t at = le32(bytes, 14) == 12 ? 24 : 28;
    if (bytes.size() < at + 2) throw InvalidInput("truncated BMP: header cut short");
    const int bits = bytes[at] | (bytes[at + 1] << 8);
    if (bits != 1 && bits != 4 && bits != 8 && bits != 24) {
      throw InvalidInput(fmt::format(
          "BMP with {} bits per pixel is not read (only 1, 4, 8 and 24 bits are)", bits));
    }
  }
  static const bool quiet = [] {
    // Leptonica prints its own errors to stderr; ours carry the reason to the caller.
    setMsgSeverity(L_SEVERITY_NONE);
    return true;
  }();
  (void)quiet;
  using PixPtr = std::unique_ptr<PIX, void (*)(PIX*)>;
  const auto destroy = [](PIX* p) { pixDestroy(&p); };
  PixPtr pix(format == ImageFormat::Png ? pixReadMemPng(bytes.data(), bytes.size())
                                        : pixReadMemBmp(bytes.data(), bytes.size()),
             destroy);
  if (!pix) {
    throw InvalidInput(format == ImageFormat::Png
                           ? "could not decode PNG (corrupt or truncated data)"
                           : "could not decode BMP (corrupt, truncated, or RLE-compressed data)");
  }
  const PixPtr rgba(pixConvertTo32(pix.get()), destroy);
  if (!rgba) throw InvalidInput("could not convert the image to colour");
  const int width = static_cast<int>(pixGetWidth(rgba.get()));
  const int height = static_cast<int>(pixGetHeight(rgba.get()));
  const l_uint32* data = pixGetData(rgba.get());
  const int wpl = pixGetWpl(rgba.get());
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    const l_uint32* line = data + static_cast<std::ptrdiff_t>(y) * wpl;
    auto* out = image.ptr<std::uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      const l_uint32 word = line[x];  // Leptonica RGBA: red in the high byte
      out[3 * x + 0] = static_cast<std::uint8_t>(word >> L_BLUE_SHIFT);
      out[3 * x + 1] = static_cast<std::uint8_t>(word >> L_GREEN_SHIFT);
      out[3 * x + 2] = static_cast<std::uint8_t>(word >> L_RED_SHIFT);
    }
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
    throw InvalidInput(fmt::format("image too large: {}x{} exceeds the limit of {} pixels", h.width,
                                   h.height, limits.max_pixels));
  }
  if (h.width < limits.min_side || h.height < limits.min_side) {
    throw InvalidInput(fmt::format("image too small: {}x{} (minimum {}x{})", h.width, h.height,
                                   limits.min_side, limits.min_side));
  }
  if (h.format == ImageFormat::Jpeg) return decode_jpeg_strict(bytes);
  return decode_png_or_bmp(bytes, h.format);
}

std::vector<std::uint8_t> encode_jpeg(const cv::Mat& image, int quality) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 3 && image.channels() != 1)) {
    throw InvalidInput("JPEG encoding needs a non-empty 8-bit BGR or grey image");
  }
  if (quality < 1 || quality > 100) {
    throw InvalidInput(fmt::format("JPEG quality {} is outside 1..100", quality));
  }
  const std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitCompress(), tjDestroy);
  if (!tj) throw InternalError("cannot initialise libjpeg-turbo");
  const bool grey = image.channels() == 1;
  unsigned char* out = nullptr;
  unsigned long size = 0;
  if (tjCompress2(tj.get(), image.data, image.cols, static_cast<int>(image.step), image.rows,
                  grey ? TJPF_GRAY : TJPF_BGR, &out, &size, grey ? TJSAMP_GRAY : TJSAMP_420,
                  quality, 0) != 0) {
    const std::string reason = tjGetErrorStr2(tj.get());
    tjFree(out);
    throw InternalError(fmt::format("JPEG encoding failed: {}", reason));
  }
  std::vector<std::uint8_t> bytes(out, out + size);
  tjFree(out);
  return bytes;
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
    throw InvalidInput(
        fmt::format("file too large ({} bytes, limit {})", size, limits.max_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot open for reading");
  std::vector<std::uint8_t> bytes(size);
  if (size > 0 &&
      !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size))) {
    throw IoError("read failed");
  }
  return decode_image(bytes, limits);
}

}  // namespace roadwarden::codec
