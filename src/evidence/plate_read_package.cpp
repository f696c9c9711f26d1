#include "evidence/plate_read_package.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "alpr/read_result.hpp"
#include "codec/image_io.hpp"
#include "core/errors.hpp"

namespace roadwarden::evidence {
namespace {

cv::Rect clamp_rect(double x0, double y0, double x1, double y1, const cv::Size& size) {
  const int l = std::clamp(static_cast<int>(std::floor(x0)), 0, size.width);
  const int t = std::clamp(static_cast<int>(std::floor(y0)), 0, size.height);
  const int r = std::clamp(static_cast<int>(std::ceil(x1)), 0, size.width);
  const int b = std::clamp(static_cast<int>(std::ceil(y1)), 0, size.height);
  return {l, t, std::max(0, r - l), std::max(0, b - t)};
}

}  // namespace

nlohmann::json to_json(const PlateRead& r) {
  const nlohmann::json candidates = alpr::to_json(r.candidates);
  const nlohmann::json corners = alpr::to_json(r.best_corners);
  return {{"camera", r.camera},
          {"text", r.text},
          {"confidence", r.confidence},
          {"char_confidences", r.char_confidences},
          {"candidates", candidates},
          {"country", r.country},
          {"format", r.format},
          {"votes", r.votes},
          {"frames_read", r.frames_read},
          {"direction", r.direction},
          {"first_seen", to_iso8601(r.first_seen)},
          {"last_seen", to_iso8601(r.last_seen)},
          {"best_time", to_iso8601(r.best_time)},
          {"best_sequence", r.best_sequence},
          {"corners", corners},
          {"detector_confidence", r.detector_confidence}};
}

cv::Mat blur_outside_vehicle(const cv::Mat& frame, const Quad& plate) {
  if (frame.empty() || frame.type() != CV_8UC3)
    throw InvalidInput("blur_outside_vehicle needs a BGR 8-bit image");
  const Box pb = plate.bounding_box();
  const double w = std::max(plate.width(), 1.0);
  const double cx = pb.x + pb.width / 2;
  const double cy = pb.y + pb.height / 2;
  const cv::Rect vehicle = clamp_rect(cx - 2 * w, cy - 3 * w, cx + 2 * w, cy + w, frame.size());
  // Blur at reduced size: a 1/8-scale box blur enlarged again leaves nothing legible and
  // costs a few ms even at 4K.
  cv::Mat small;
  cv::resize(frame, small, cv::Size(std::max(1, frame.cols / 8), std::max(1, frame.rows / 8)), 0, 0,
             cv::INTER_AREA);
  cv::GaussianBlur(small, small, cv::Size(0, 0), 3.0);
  cv::Mat out;
  cv::resize(small, out, frame.size(), 0, 0, cv::INTER_LINEAR);
  frame(vehicle).copyTo(out(vehicle));
  const cv::Rect plate_rect =
      clamp_rect(pb.x, pb.y, pb.x + pb.width, pb.y + pb.height, frame.size());
  frame(plate_rect).copyTo(out(plate_rect));
  return out;
}

Package build_plate_read_package(const PlateRead& read, const cv::Mat& frame,
                                 const PackageOptions& options) {
  if (frame.empty() || frame.type() != CV_8UC3)
    throw InvalidInput("an evidence frame must be a non-empty BGR 8-bit image");
  if (options.jpeg_quality < 50 || options.jpeg_quality > 100)
    throw InvalidInput(
        fmt::format("jpeg_quality must be in 50..100, got {}", options.jpeg_quality));
  Package p;
  p.metadata = {{"type", "plate_read"},
                {"site", options.site_id},
                {"timezone", options.timezone},
                {"clock_source", options.clock_source},
                {"engine", options.engine},
                {"frame_size", {frame.cols, frame.rows}},
                {"read", to_json(read)},
                {"privacy", {{"blurred_outside_vehicle", options.blur_outside_vehicle}}}};
  const cv::Mat overview =
      options.blur_outside_vehicle ? blur_outside_vehicle(frame, read.best_corners) : frame;
  p.files.push_back(
      {"frame.jpg", "image/jpeg", codec::encode_jpeg(overview, options.jpeg_quality)});
  const Box b = read.best_corners.bounding_box();
  const double mx = 0.15 * b.width;
  const double my = 0.15 * b.height;
  const cv::Rect cut =
      clamp_rect(b.x - mx, b.y - my, b.x + b.width + mx, b.y + b.height + my, frame.size());
  if (cut.area() > 0) {
    p.files.push_back(
        {"plate.jpg", "image/jpeg", codec::encode_jpeg(frame(cut), options.jpeg_quality)});
  }
  return p;
}

}  // namespace roadwarden::evidence
