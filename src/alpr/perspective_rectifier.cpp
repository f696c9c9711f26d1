#include "alpr/perspective_rectifier.hpp"

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::alpr {

PerspectiveRectifier::PerspectiveRectifier(const RectifierOptions& options) : options_(options) {
  if (options.width < 8 || options.width > 2048) {
    throw InvalidInput(fmt::format("rectifier width {} out of range 8..2048", options.width));
  }
  if (options.height < 8 || options.height > 1024) {
    throw InvalidInput(fmt::format("rectifier height {} out of range 8..1024", options.height));
  }
  if (!(options.margin >= 0 && options.margin <= 0.5)) {
    throw InvalidInput(fmt::format("rectifier margin {} out of range 0..0.5", options.margin));
  }
}

cv::Mat PerspectiveRectifier::rectify(const cv::Mat& bgr, const Quad& q) const {
  if (bgr.empty()) throw InvalidInput("rectify: empty image");
  // Grow the quad about its centre along its own axes by the margin.
  const auto& c = q.corners;
  const cv::Point2d centre((c[0].x + c[1].x + c[2].x + c[3].x) / 4,
                           (c[0].y + c[1].y + c[2].y + c[3].y) / 4);
  const double grow = 1.0 + 2.0 * options_.margin;
  cv::Point2f src[4];
  for (int i = 0; i < 4; ++i) {
    src[i] = cv::Point2f(static_cast<float>(centre.x + (c[i].x - centre.x) * grow),
                         static_cast<float>(centre.y + (c[i].y - centre.y) * grow));
  }
  const auto w = static_cast<float>(options_.width), h = static_cast<float>(options_.height);
  const cv::Point2f dst[4] = {{0, 0}, {w, 0}, {w, h}, {0, h}};
  const cv::Mat m = cv::getPerspectiveTransform(src, dst);
  cv::Mat out;
  cv::warpPerspective(bgr, out, m, cv::Size(options_.width, options_.height), cv::INTER_LINEAR,
                      cv::BORDER_REPLICATE);
  return out;
}

}  // namespace roadwarden::alpr
