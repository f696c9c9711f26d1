#include "alpr/image_io.hpp"

#include <fstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::alpr {
namespace {

using ::testing::HasSubstr;

std::vector<std::uint8_t> encode(const cv::Mat& m, const std::string& ext) {
  std::vector<std::uint8_t> out;
  cv::imencode(ext, m, out);
  return out;
}

cv::Mat gradient(int w, int h) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(x % 256, y % 256, 128);
  return m;
}

// A PNG signature and IHDR chunk claiming width × height, with no pixel data.
std::vector<std::uint8_t> png_header(std::uint32_t w, std::uint32_t h) {
  std::vector<std::uint8_t> b = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
                                 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (std::uint32_t v : {w, h}) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
  }
  b.insert(b.end(), {8, 2, 0, 0, 0, 0, 0, 0, 0});
  return b;
}

std::string message_of(const std::vector<std::uint8_t>& bytes) {
  try {
    (void)decode_image(bytes);
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(ImageIo, DecodesJpegPngAndBmpToBgr) {
  const cv::Mat img = gradient(64, 48);
  for (const char* ext : {".jpg", ".png", ".bmp"}) {
    const cv::Mat out = decode_image(encode(img, ext));
    EXPECT_EQ(out.cols, 64) << ext;
    EXPECT_EQ(out.rows, 48) << ext;
    EXPECT_EQ(out.type(), CV_8UC3) << ext;
  }
}

TEST(ImageIo, SniffReadsDimensionsWithoutDecoding) {
  const ImageHeader h = sniff_image(encode(gradient(70, 30), ".jpg"));
  EXPECT_EQ(h.format, ImageFormat::Jpeg);
  EXPECT_EQ(h.width, 70);
  EXPECT_EQ(h.height, 30);
  const ImageHeader p = sniff_image(png_header(20000, 20000));
  EXPECT_EQ(p.format, ImageFormat::Png);
  EXPECT_EQ(p.width, 20000);
}

TEST(ImageIo, RejectsEmptyBytes) { EXPECT_THAT(message_of({}), HasSubstr("empty")); }

TEST(ImageIo, RejectsTextContent) {
  const std::string text = "this is a text file, not a JPEG\n";
  EXPECT_THAT(message_of({text.begin(), text.end()}), HasSubstr("not an image"));
}

TEST(ImageIo, RejectsTruncatedJpeg) {
  std::vector<std::uint8_t> jpg = encode(gradient(200, 100), ".jpg");
  jpg.resize(jpg.size() / 2);
  EXPECT_THAT(message_of(jpg), HasSubstr("truncated"));
}

TEST(ImageIo, RejectsTruncatedJpegEvenWithAnEndMarkerAppended) {
  // A cut file that still ends in FF D9 passes the header check; the decoder must catch it.
  std::vector<std::uint8_t> jpg = encode(gradient(400, 300), ".jpg");
  jpg.resize(jpg.size() / 2);
  jpg.push_back(0xFF);
  jpg.push_back(0xD9);
  EXPECT_THAT(message_of(jpg), HasSubstr("corrupt"));
}

TEST(ImageIo, RejectsTruncatedPng) {
  std::vector<std::uint8_t> png = encode(gradient(200, 100), ".png");
  png.resize(png.size() / 2);
  EXPECT_THAT(message_of(png), HasSubstr("decode"));
}

TEST(ImageIo, RejectsHugePngHeaderBeforeAllocating) {
  EXPECT_THAT(message_of(png_header(20000, 20000)), HasSubstr("too large: 20000x20000"));
}

TEST(ImageIo, RejectsOnePixelImage) {
  EXPECT_THAT(message_of(encode(gradient(1, 1), ".png")), HasSubstr("too small: 1x1"));
}

TEST(ImageIo, LoadImageReportsMissingAndEmptyFiles) {
  testing::TempDir dir;
  const auto missing = dir.path() / "missing.jpg";
  EXPECT_THROW((void)load_image(missing), IoError);
  const auto zero = dir.path() / "zero.jpg";
  std::ofstream(zero).close();
  try {
    (void)load_image(zero);
    FAIL() << "no error for a 0-byte file";
  } catch (const InvalidInput& e) {
    EXPECT_THAT(e.what(), HasSubstr("empty"));
  }
}

}  // namespace
}  // namespace roadwarden::alpr
