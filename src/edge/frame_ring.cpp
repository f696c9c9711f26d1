#include "edge/frame_ring.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "codec/image_io.hpp"
#include "core/errors.hpp"

namespace roadwarden::edge {

FrameRing::FrameRing(FrameRingOptions options) : options_(options) {
  const FrameRingOptions& o = options_;
  if (o.long_side < 320 || o.long_side > 7680)
    throw InvalidInput(
        fmt::format("evidence_ring.long_side must be in 320..7680, got {}", o.long_side));
  if (o.jpeg_quality < 50 || o.jpeg_quality > 100)
    throw InvalidInput(
        fmt::format("evidence_ring.jpeg_quality must be in 50..100, got {}", o.jpeg_quality));
  if (o.span_ms < 1000 || o.span_ms > 120000)
    throw InvalidInput(
        fmt::format("evidence_ring.span_ms must be in 1000..120000, got {}", o.span_ms));
  if (o.max_bytes < (1ull << 20) || o.max_bytes > (8ull << 30))
    throw InvalidInput(
        fmt::format("evidence_ring.max_bytes must be in 1 MiB..8 GiB, got {}", o.max_bytes));
}

bool FrameRing::add(const video::Frame& frame) {
  if (frame.image.empty() || frame.image.type() != CV_8UC3)
    throw InvalidInput(
        fmt::format("frame ring: frame {} is not a BGR 8-bit image", frame.sequence));
  if (!frames_.empty() &&
      (frame.sequence <= frames_.back().sequence || frame.capture_time <= frames_.back().time)) {
    ++skipped_;
    return false;
  }
  RingFrame f;
  f.sequence = frame.sequence;
  f.time = frame.capture_time;
  const int longest = std::max(frame.image.cols, frame.image.rows);
  cv::Mat scaled = frame.image;
  if (longest > options_.long_side) {
    f.scale = static_cast<double>(options_.long_side) / longest;
    const cv::Size size(std::max(1, static_cast<int>(std::lround(frame.image.cols * f.scale))),
                        std::max(1, static_cast<int>(std::lround(frame.image.rows * f.scale))));
    cv::resize(frame.image, scaled, size, 0, 0, cv::INTER_AREA);
  }
  f.size = scaled.size();
  f.jpeg = codec::encode_jpeg(scaled, options_.jpeg_quality);
  bytes_ += f.jpeg.size();
  frames_.push_back(std::move(f));
  const std::int64_t oldest_kept = frames_.back().time.unix_ms - options_.span_ms;
  while (frames_.size() > 1 && frames_.front().time.unix_ms < oldest_kept) {
    bytes_ -= frames_.front().jpeg.size();
    frames_.pop_front();
  }
  while (frames_.size() > 1 && bytes_ > options_.max_bytes) {
    bytes_ -= frames_.front().jpeg.size();
    frames_.pop_front();
    ++dropped_for_memory_;
  }
  return true;
}

const RingFrame* FrameRing::find(std::int64_t sequence) const {
  const auto it =
      std::lower_bound(frames_.begin(), frames_.end(), sequence,
                       [](const RingFrame& f, std::int64_t s) { return f.sequence < s; });
  return it != frames_.end() && it->sequence == sequence ? &*it : nullptr;
}

std::vector<const RingFrame*> FrameRing::between(UtcTime from, UtcTime to) const {
  std::vector<const RingFrame*> out;
  auto it = std::lower_bound(frames_.begin(), frames_.end(), from,
                             [](const RingFrame& f, UtcTime t) { return f.time < t; });
  for (; it != frames_.end() && it->time <= to; ++it) out.push_back(&*it);
  return out;
}

std::optional<UtcTime> FrameRing::oldest_time() const {
  if (frames_.empty()) return std::nullopt;
  return frames_.front().time;
}

std::optional<UtcTime> FrameRing::newest_time() const {
  if (frames_.empty()) return std::nullopt;
  return frames_.back().time;
}

cv::Mat FrameRing::decode(const RingFrame& frame) {
  try {
    return codec::decode_image(frame.jpeg);
  } catch (const InvalidInput& e) {
    throw InternalError(
        fmt::format("frame ring: frame {} cannot be decoded: {}", frame.sequence, e.what()));
  }
}

}  // namespace roadwarden::edge
