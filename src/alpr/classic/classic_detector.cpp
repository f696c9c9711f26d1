#include "alpr/classic/classic_detector.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "alpr/nms.hpp"
#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Candidate bands of dark characters on a light plate: blackhat, horizontal gradient,
// closing, Otsu threshold, then rotated rectangles of plate-like shape.
std::vector<PlateRegion> morphology_regions(const cv::Mat& gray, int min_height) {
  cv::Mat blackhat, grad, closed, mask;
  const cv::Mat rect = cv::getStructuringElement(cv::MORPH_RECT, {15, 5});
  cv::morphologyEx(gray, blackhat, cv::MORPH_BLACKHAT, rect);
  cv::Sobel(blackhat, grad, CV_32F, 1, 0, 3);
  grad = cv::abs(grad);
  cv::normalize(grad, grad, 0, 255, cv::NORM_MINMAX);
  grad.convertTo(grad, CV_8U);
  cv::GaussianBlur(grad, grad, {5, 5}, 0);
  cv::morphologyEx(grad, closed, cv::MORPH_CLOSE, cv::getStructuringElement(cv::MORPH_RECT, {17, 5}));
  cv::threshold(closed, mask, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  cv::erode(mask, mask, cv::Mat(), {-1, -1}, 2);
  cv::dilate(mask, mask, cv::Mat(), {-1, -1}, 2);

  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  std::vector<PlateRegion> out;
  const double image_area = static_cast<double>(gray.total());
  for (const auto& contour : contours) {
    const cv::RotatedRect r = cv::minAreaRect(contour);
    double w = r.size.width, h = r.size.height;
    if (w < h) std::swap(w, h);
    if (h < min_height || w * h > 0.2 * image_area) continue;
    const double aspect = w / h;
    if (aspect < 1.8 || aspect > 7.0) continue;
    const double fill = cv::contourArea(contour) / (w * h);
    if (fill < 0.5) continue;
    cv::Point2f pts[4];
    r.points(pts);
    std::array<Point, 4> p;
    for (int i = 0; i < 4; ++i) p[i] = Point{pts[i].x, pts[i].y};
    const double aspect_score = 1.0 - std::min(1.0, std::abs(aspect - 4.0) / 4.0);
    out.push_back({Quad::ordered(p), 0.25 + 0.25 * fill + 0.2 * aspect_score});
  }
  return out;
}

}  // namespace

ClassicDetector::ClassicDetector(const ClassicDetectorOptions& options) : options_(options) {
  if (options.detect_long_side < 320 || options.detect_long_side > 4096) {
    throw InvalidInput(
        fmt::format("detect_long_side {} out of range 320..4096", options.detect_long_side));
  }
  if (options.max_regions < 1 || options.max_regions > 64) {
    throw InvalidInput(fmt::format("max_regions {} out of range 1..64", options.max_regions));
  }
  if (options.min_plate_height < 6 || options.min_plate_height > 200) {
    throw InvalidInput(
        fmt::format("min_plate_height {} out of range 6..200", options.min_plate_height));
  }
  if (!cascade_.load(options.cascade_path)) {
    throw IoError(fmt::format("cannot load Haar cascade {}", options.cascade_path));
  }
}

std::vector<PlateRegion> ClassicDetector::detect(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw InvalidInput("detect: expected a non-empty BGR 8-bit image");
  }
  const int long_side = std::max(bgr.cols, bgr.rows);
  const double scale = long_side > options_.detect_long_side
                           ? static_cast<double>(options_.detect_long_side) / long_side
                           : 1.0;
  cv::Mat small, gray;
  if (scale < 1.0) {
    cv::resize(bgr, small, {}, scale, scale, cv::INTER_AREA);
  } else {
    small = bgr;
  }
  cv::cvtColor(small, gray, cv::COLOR_BGR2GRAY);

  std::vector<PlateRegion> regions = morphology_regions(gray, options_.min_plate_height);
  {
    std::vector<cv::Rect> boxes;
    std::vector<int> levels;
    std::vector<double> weights;
    cv::Mat equalised;
    cv::equalizeHist(gray, equalised);
    const std::lock_guard lock(cascade_mutex_);
    cascade_.detectMultiScale(equalised, boxes, levels, weights, 1.1, 3, 0,
                              cv::Size(options_.min_plate_height * 3, options_.min_plate_height),
                              cv::Size(), true);
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      const cv::Rect& b = boxes[i];
      regions.push_back({Quad::from_box(Box{static_cast<double>(b.x), static_cast<double>(b.y),
                                            static_cast<double>(b.width),
                                            static_cast<double>(b.height)}),
                         0.5 + 0.5 * logistic(weights[i])});
    }
  }
  regions = non_max_suppression(std::move(regions), 0.3, options_.max_regions, 0.7);
  for (PlateRegion& r : regions) {
    for (Point& p : r.corners.corners) {
      p.x /= scale;
      p.y /= scale;
    }
  }
  return regions;
}

}  // namespace roadwarden::alpr
