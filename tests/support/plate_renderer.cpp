#include "support/plate_renderer.hpp"

#include <cmath>
#include <stdexcept>

#include <opencv2/freetype.hpp>
#include <opencv2/imgproc.hpp>

namespace roadwarden::testing {

cv::Mat render_plate(const std::string& text, const PlateStyle& style) {
  cv::Mat plate(style.height, style.width, CV_8UC3, style.paper);
  cv::rectangle(plate, {2, 2}, {style.width - 3, style.height - 3}, style.ink, 4);
  const cv::Ptr<cv::freetype::FreeType2> ft = cv::freetype::createFreeType2();
  ft->loadFontData(style.font, 0);
  // One line per '\n'-separated part, stacked and centred.
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(text.substr(start, nl - start));
  }
  lines.push_back(text.substr(start));
  const int n = static_cast<int>(lines.size());
  const int band = style.height / n;
  for (int i = 0; i < n; ++i) {
    int font_height = static_cast<int>(band * 0.72);
    int baseline = 0;
    cv::Size size = ft->getTextSize(lines[static_cast<std::size_t>(i)], font_height, -1, &baseline);
    while (size.width > style.width * 0.9 && font_height > 8) {
      --font_height;
      size = ft->getTextSize(lines[static_cast<std::size_t>(i)], font_height, -1, &baseline);
    }
    const cv::Point origin((style.width - size.width) / 2, band * i + (band + size.height) / 2);
    ft->putText(plate, lines[static_cast<std::size_t>(i)], origin, font_height, style.ink, -1,
                cv::LINE_AA, true);
  }
  return plate;
}

Scene render_scene(const std::string& text, cv::Size size, int plate_width, double roll_deg,
                   int seed, const PlateStyle& style, double yaw_deg) {
  cv::RNG rng(static_cast<std::uint64_t>(seed));
  Scene s;
  s.image = cv::Mat(size, CV_8UC3);
  // Road-grey background with noise and a darker car body around the plate.
  rng.fill(s.image, cv::RNG::NORMAL, cv::Scalar(110, 110, 110), cv::Scalar(18, 18, 18));
  cv::GaussianBlur(s.image, s.image, {5, 5}, 0);
  const cv::Point2d centre(size.width / 2.0, size.height * 0.6);
  const int body_w = plate_width * 3, body_h = plate_width * 1;
  cv::rectangle(s.image,
                cv::Rect(static_cast<int>(centre.x - body_w / 2.0),
                         static_cast<int>(centre.y - body_h * 0.6), body_w, body_h),
                cv::Scalar(60 + rng.uniform(0, 40), 50, 40 + rng.uniform(0, 60)), cv::FILLED);

  const cv::Mat plate = render_plate(text, style);
  const double scale = static_cast<double>(plate_width) / plate.cols;
  const double a = roll_deg * CV_PI / 180.0;
  const double w = plate.cols * scale / 2, h = plate.rows * scale / 2;
  const double dx[4] = {-w, w, w, -w}, dy[4] = {-h, -h, h, h};
  cv::Point2f src[4] = {{0, 0},
                        {static_cast<float>(plate.cols), 0},
                        {static_cast<float>(plate.cols), static_cast<float>(plate.rows)},
                        {0, static_cast<float>(plate.rows)}};
  cv::Point2f dst[4];
  const double yaw = yaw_deg * CV_PI / 180.0, z0 = 4 * w;
  for (int i = 0; i < 4; ++i) {
    const double depth = z0 / (z0 + dx[i] * std::sin(yaw));  // pinhole foreshortening
    const double px = dx[i] * std::cos(yaw) * depth, py = dy[i] * depth;
    const double x = centre.x + px * std::cos(a) - py * std::sin(a);
    const double y = centre.y + px * std::sin(a) + py * std::cos(a);
    dst[i] = cv::Point2f(static_cast<float>(x), static_cast<float>(y));
    s.plate.corners[i] = Point{x, y};
  }
  const cv::Mat m = cv::getPerspectiveTransform(src, dst);
  cv::Mat warped, mask;
  cv::warpPerspective(plate, warped, m, size, cv::INTER_LINEAR);
  cv::warpPerspective(cv::Mat(plate.size(), CV_8UC1, cv::Scalar(255)), mask, m, size,
                      cv::INTER_NEAREST);
  warped.copyTo(s.image, mask);
  return s;
}

}  // namespace roadwarden::testing
