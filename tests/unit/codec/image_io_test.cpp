#include "codec/image_io.hpp"

#include <fstream>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::codec {
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
                                 0,    0,   0,   13,  'I',  'H',  'D',  'R'};
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

// Largest per-channel difference between `m` and the constant colour `c`.
double max_difference(const cv::Mat& m, const cv::Scalar& c) {
  return cv::norm(m, cv::Mat(m.size(), m.type(), c), cv::NORM_INF);
}

TEST(ImageIo, PngAndBmpDecodeToTheExactPixelsInBgrOrder) {
  cv::Mat img = gradient(64, 48);
  img(cv::Rect(4, 4, 8, 8)).setTo(cv::Scalar(255, 0, 0));  // pure blue block
  for (const char* ext : {".png", ".bmp"}) {
    const cv::Mat out = decode_image(encode(img, ext));
    ASSERT_EQ(out.size(), img.size()) << ext;
    EXPECT_EQ(cv::norm(out, img, cv::NORM_INF), 0) << ext;
    EXPECT_EQ(out.at<cv::Vec3b>(6, 6), cv::Vec3b(255, 0, 0)) << ext;
  }
}

TEST(ImageIo, BmpsLeptonicaWouldMisreadAreRefused) {
  // 32-bit BMPs come out of Leptonica 1.82 with red and blue swapped: refused, not mis-coloured.
  const cv::Mat bgra(20, 30, CV_8UC4, cv::Scalar(10, 20, 30, 255));
  EXPECT_THAT(message_of(encode(bgra, ".bmp")), HasSubstr("32 bits per pixel is not read"));
  // 16-bit (RGB555) would come out grey: refused. The 24-bit header with the count patched.
  std::vector<std::uint8_t> bmp = encode(gradient(32, 32), ".bmp");
  bmp[28] = 16;
  EXPECT_THAT(message_of(bmp), HasSubstr("16 bits per pixel is not read"));
}

TEST(ImageIo, GreyAndAlphaPngsBecomeThreeChannelColour) {
  cv::Mat grey(20, 30, CV_8UC1);
  for (int y = 0; y < grey.rows; ++y)
    for (int x = 0; x < grey.cols; ++x)
      grey.at<std::uint8_t>(y, x) = static_cast<std::uint8_t>(8 * x);
  const cv::Mat from_grey = decode_image(encode(grey, ".png"));
  ASSERT_EQ(from_grey.type(), CV_8UC3);
  EXPECT_EQ(from_grey.at<cv::Vec3b>(5, 10), cv::Vec3b(80, 80, 80));

  cv::Mat bgra(20, 30, CV_8UC4, cv::Scalar(10, 20, 30, 0));  // fully transparent: alpha dropped
  const cv::Mat from_bgra = decode_image(encode(bgra, ".png"));
  ASSERT_EQ(from_bgra.type(), CV_8UC3);
  EXPECT_EQ(from_bgra.at<cv::Vec3b>(3, 3), cv::Vec3b(10, 20, 30));
}

TEST(ImageIo, EncodedJpegDecodesCloseToTheOriginalAt420) {
  cv::Mat img(64, 96, CV_8UC3, cv::Scalar(40, 120, 200));
  img(cv::Rect(16, 16, 32, 32)).setTo(cv::Scalar(230, 230, 230));
  const std::vector<std::uint8_t> jpeg = encode_jpeg(img, 95);
  EXPECT_EQ(sniff_image(jpeg).format, ImageFormat::Jpeg);
  const cv::Mat back = decode_image(jpeg);
  ASSERT_EQ(back.size(), img.size());
  EXPECT_LT(cv::norm(back(cv::Rect(20, 20, 24, 24)), img(cv::Rect(20, 20, 24, 24)), cv::NORM_INF),
            6);
  // A region of interest (row stride larger than its width) encodes only its own pixels.
  const cv::Mat roi = img(cv::Rect(16, 16, 32, 32));
  const cv::Mat roi_back = decode_image(encode_jpeg(roi, 95));
  ASSERT_EQ(roi_back.size(), roi.size());
  EXPECT_LT(max_difference(roi_back(cv::Rect(4, 4, 24, 24)), cv::Scalar(230, 230, 230)), 6);
  // Lower quality: smaller file.
  EXPECT_LT(encode_jpeg(gradient(96, 64), 50).size(), encode_jpeg(gradient(96, 64), 95).size());
}

TEST(ImageIo, EncodeJpegTakesGreyAndRefusesWhatItCannotEncode) {
  const cv::Mat grey(32, 32, CV_8UC1, cv::Scalar(77));
  const cv::Mat back = decode_image(encode_jpeg(grey, 90));
  EXPECT_LT(max_difference(back, cv::Scalar(77, 77, 77)), 3);
  EXPECT_THROW((void)encode_jpeg(cv::Mat(), 90), InvalidInput);
  EXPECT_THROW((void)encode_jpeg(cv::Mat(8, 8, CV_32FC3), 90), InvalidInput);
  EXPECT_THROW((void)encode_jpeg(cv::Mat(8, 8, CV_8UC4), 90), InvalidInput);
  EXPECT_THROW((void)encode_jpeg(grey, 0), InvalidInput);
  EXPECT_THROW((void)encode_jpeg(grey, 101), InvalidInput);
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

TEST(ImageIo, RejectsEmptyBytes) {
  EXPECT_THAT(message_of({}), HasSubstr("empty"));
}

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
}  // namespace roadwarden::codec
