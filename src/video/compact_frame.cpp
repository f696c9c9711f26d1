#include "video/compact_frame.hpp"

#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::video {

CompactFrame CompactFrame::from_bgr(const cv::Mat& bgr) {
  CompactFrame f;
  if (bgr.empty()) return f;
  if (bgr.type() != CV_8UC3) throw InvalidInput("a compact frame is made from a BGR 8-bit image");
  f.size_ = bgr.size();
  if (bgr.cols % 2 == 0 && bgr.rows % 2 == 0) {
    cv::cvtColor(bgr, f.data_, cv::COLOR_BGR2YUV_I420);
  } else {
    f.data_ = bgr.clone();
  }
  return f;
}

CompactFrame CompactFrame::share_bgr(const cv::Mat& bgr) {
  CompactFrame f;
  if (bgr.empty()) return f;
  if (bgr.type() != CV_8UC3) throw InvalidInput("a compact frame is made from a BGR 8-bit image");
  f.size_ = bgr.size();
  f.data_ = bgr;
  return f;
}

cv::Mat CompactFrame::to_bgr() const {
  cv::Mat bgr;
  if (data_.empty()) return bgr;
  if (data_.type() == CV_8UC3) return data_.clone();
  cv::cvtColor(data_, bgr, cv::COLOR_YUV2BGR_I420);
  return bgr;
}

}  // namespace roadwarden::video
