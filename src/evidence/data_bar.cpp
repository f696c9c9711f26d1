#include "evidence/data_bar.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::evidence {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

/// Font scale for a frame `width` pixels wide: 1.0 at 1600 px, never below 0.4.
double font_scale(int width) {
  return std::max(0.4, width / 1600.0);
}

int thickness(double scale) {
  return std::max(1, static_cast<int>(std::lround(scale * 1.5)));
}

/// Text height (cap height + descent) and the gap between lines, pixels.
int line_height(double scale) {
  int baseline = 0;
  const cv::Size s = cv::getTextSize("Ag", kFont, scale, thickness(scale), &baseline);
  return s.height + baseline + static_cast<int>(std::ceil(8 * scale));
}

std::string ascii_only(const std::string& line) {
  std::string out = line;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

}  // namespace

int data_bar_height(int frame_width, int line_count) {
  if (frame_width < 1 || line_count < 0)
    throw InvalidInput("data_bar_height needs a frame width >= 1 and a line count >= 0");
  const double scale = font_scale(frame_width);
  const int margin = static_cast<int>(std::ceil(10 * scale));
  return 2 * margin + line_count * line_height(scale);
}

cv::Mat with_data_bar(const cv::Mat& frame, const std::vector<std::string>& lines) {
  if (frame.empty() || (frame.type() != CV_8UC3 && frame.type() != CV_8UC1))
    throw InvalidInput("a data bar needs a non-empty 8-bit BGR or grey image");
  const double scale = font_scale(frame.cols);
  const int band = data_bar_height(frame.cols, static_cast<int>(lines.size()));
  cv::Mat out(frame.rows + band, frame.cols, CV_8UC3, cv::Scalar(0, 0, 0));
  if (frame.type() == CV_8UC3) {
    frame.copyTo(out(cv::Rect(0, 0, frame.cols, frame.rows)));
  } else {
    cv::Mat roi = out(cv::Rect(0, 0, frame.cols, frame.rows));
    cv::cvtColor(frame, roi, cv::COLOR_GRAY2BGR);
  }
  const int margin = static_cast<int>(std::ceil(10 * scale));
  const int lh = line_height(scale);
  int baseline = 0;
  const int cap = cv::getTextSize("Ag", kFont, scale, thickness(scale), &baseline).height;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int y = frame.rows + margin + static_cast<int>(i) * lh + cap;
    cv::putText(out, ascii_only(lines[i]), cv::Point(margin, y), kFont, scale,
                cv::Scalar(255, 255, 255), thickness(scale), cv::LINE_AA);
  }
  return out;
}

}  // namespace roadwarden::evidence
