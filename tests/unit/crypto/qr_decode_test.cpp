// Reads a terminal QR drawing back into modules and hands the picture to OpenCV's QR
// detector: the finder patterns must be found where the code is drawn.
// (Debian's OpenCV is built without the quirc decoder, so only detection is checked.)
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>
#include <string>
#include <vector>

#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

/// The drawing as a grayscale image, `scale` pixels per module, light = 255, dark = 0, on a
/// light margin (a white screen around the terminal's dark background is not assumed).
cv::Mat render(const std::string& drawing, int scale) {
  std::vector<std::vector<bool>> light_rows;  // per module row
  std::vector<bool> top;
  std::vector<bool> bottom;
  const auto end_line = [&] {
    light_rows.push_back(top);
    light_rows.push_back(bottom);
    top.clear();
    bottom.clear();
  };
  for (std::size_t i = 0; i < drawing.size();) {
    if (drawing[i] == '\n') {
      end_line();
      ++i;
      continue;
    }
    if (drawing[i] == ' ') {
      top.push_back(false);
      bottom.push_back(false);
      ++i;
      continue;
    }
    const std::string glyph = drawing.substr(i, 3);
    top.push_back(glyph == "\u2580" || glyph == "\u2588");
    bottom.push_back(glyph == "\u2584" || glyph == "\u2588");
    i += 3;
  }
  end_line();
  const int rows = static_cast<int>(light_rows.size());
  const int cols = static_cast<int>(light_rows.front().size());
  cv::Mat image(rows * scale, cols * scale, CV_8UC1, cv::Scalar(0));
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      if (light_rows[y][x]) {
        image(cv::Rect(x * scale, y * scale, scale, scale)).setTo(255);
      }
    }
  }
  cv::Mat framed;
  cv::copyMakeBorder(image, framed, 4 * scale, 4 * scale, 4 * scale, 4 * scale, cv::BORDER_CONSTANT,
                     cv::Scalar(255));
  return framed;
}

TEST(TerminalQr, DrawingIsDetectedAsAQrCode) {
  for (const std::string& text :
       {std::string("hello"),
        otpauth_uri("roadwarden", "jane doe@example.org", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")}) {
    constexpr int kScale = 8;
    const cv::Mat image = render(terminal_qr(text), kScale);
    cv::QRCodeDetector detector;
    std::vector<cv::Point2f> corners;
    ASSERT_TRUE(detector.detect(image, corners)) << text;
    ASSERT_EQ(corners.size(), 4u);
    // The code (without quiet zone) spans the drawing minus 2 modules each side, plus the
    // 4-module frame: its corners lie within a module of those positions.
    const cv::Rect box = cv::boundingRect(corners);
    const int code_px = image.cols - 2 * (4 + 2) * kScale;
    EXPECT_NEAR(box.x, (4 + 2) * kScale, kScale) << text;
    EXPECT_NEAR(box.y, (4 + 2) * kScale, kScale) << text;
    EXPECT_NEAR(box.width, code_px, 2 * kScale) << text;
  }
}

}  // namespace
}  // namespace roadwarden::crypto
