#include "rules/seatbelt.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

void check_range(double value, double low, double high, bool low_open, const char* name,
                 const char* range) {
  const bool ok = std::isfinite(value) && (low_open ? value > low : value >= low) && value <= high;
  if (!ok) throw InvalidInput(fmt::format("Seatbelt option {} must be in {}.", name, range));
}

/// The pixel rectangle of `region` rounded outwards and clipped to `size` (may be empty).
cv::Rect clip_outwards(const Box& region, cv::Size size) {
  const double x0 = std::max(0.0, std::floor(region.x));
  const double y0 = std::max(0.0, std::floor(region.y));
  const double x1 = std::min(static_cast<double>(size.width), std::ceil(region.x + region.width));
  const double y1 = std::min(static_cast<double>(size.height), std::ceil(region.y + region.height));
  if (!(x1 > x0 && y1 > y0)) return {};
  return {static_cast<int>(x0), static_cast<int>(y0), static_cast<int>(x1 - x0),
          static_cast<int>(y1 - y0)};
}

}  // namespace

void validate_windshield_options(const WindshieldOptions& o) {
  check_range(o.width_ratio, 0, 10, true, "windshield.width_ratio", "(0, 10]");
  check_range(o.height_ratio, 0, 10, true, "windshield.height_ratio", "(0, 10]");
  check_range(o.gap_ratio, 0, 10, false, "windshield.gap_ratio", "[0, 10]");
  check_range(o.min_visible_fraction, 0, 1, true, "windshield.min_visible_fraction", "(0, 1]");
}

std::optional<Box> windshield_region(const Quad& plate_corners, cv::Size frame_size,
                                     const WindshieldOptions& options) {
  validate_windshield_options(options);
  if (frame_size.width <= 0 || frame_size.height <= 0) {
    throw InvalidInput("The frame size is empty; a windshield needs a frame.");
  }
  double cx = 0;
  for (const Point& p : plate_corners.corners) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      throw InvalidInput("The plate corners are not finite numbers.");
    }
    cx += p.x / 4;
  }
  const double plate_width = plate_corners.width();
  if (!(plate_width >= 1)) {
    throw InvalidInput("The plate is narrower than one pixel; no windshield can be estimated.");
  }
  const auto& c = plate_corners.corners;
  const double plate_top = (c[0].y + c[1].y) / 2;
  const double w = options.width_ratio * plate_width;
  const double h = options.height_ratio * plate_width;
  const Box estimate{cx - w / 2, plate_top - options.gap_ratio * plate_width - h, w, h};

  const double vis_w =
      std::min<double>(frame_size.width, estimate.x + w) - std::max(0.0, estimate.x);
  const double vis_h =
      std::min<double>(frame_size.height, estimate.y + h) - std::max(0.0, estimate.y);
  const double visible = std::max(0.0, vis_w) * std::max(0.0, vis_h) / (w * h);
  if (visible < options.min_visible_fraction) return std::nullopt;
  const cv::Rect r = clip_outwards(estimate, frame_size);
  if (r.empty()) return std::nullopt;
  return Box{static_cast<double>(r.x), static_cast<double>(r.y), static_cast<double>(r.width),
             static_cast<double>(r.height)};
}

ImageSide driver_side_in_front_view(Traffic traffic) {
  return traffic == Traffic::right_hand ? ImageSide::right : ImageSide::left;
}

cv::Mat occupant_crop(const cv::Mat& frame, const Box& region, ImageSide driver_side) {
  if (frame.empty()) throw InvalidInput("The frame is empty; nothing to crop.");
  if (frame.depth() != CV_8U || (frame.channels() != 1 && frame.channels() != 3)) {
    throw InvalidInput("The frame must be 8-bit with 1 or 3 channels (BGR).");
  }
  if (!std::isfinite(region.x) || !std::isfinite(region.y) || !std::isfinite(region.width) ||
      !std::isfinite(region.height)) {
    throw InvalidInput("The windshield region is not finite.");
  }
  const cv::Rect r = clip_outwards(region, frame.size());
  if (r.width < 2 || r.height < 1) {
    throw InvalidInput("The windshield region does not overlap the frame by 2x1 pixels.");
  }
  cv::Mat crop = frame(r).clone();
  const int driver_columns = r.width / 2;
  const int passenger_columns = r.width - driver_columns;
  const cv::Rect passenger = driver_side == ImageSide::right
                                 ? cv::Rect(0, 0, passenger_columns, r.height)
                                 : cv::Rect(driver_columns, 0, passenger_columns, r.height);
  crop(passenger).setTo(cv::Scalar::all(0));
  return crop;
}

std::string to_string(SeatbeltStatus status) {
  switch (status) {
    case SeatbeltStatus::unavailable:
      return "unavailable";
    case SeatbeltStatus::uncertain:
      return "uncertain";
    case SeatbeltStatus::belted:
      return "belted";
    case SeatbeltStatus::unbelted:
      return "unbelted";
  }
  throw InternalError("Unknown seatbelt status.");
}

SeatbeltRule::SeatbeltRule(SeatbeltOptions options,
                           std::shared_ptr<const SeatbeltClassifier> classifier)
    : options_(std::move(options)), classifier_(std::move(classifier)) {
  check_range(options_.min_confidence, 0.5, 1, false, "min_confidence", "[0.5, 1]");
  if (options_.traffic != Traffic::right_hand && options_.traffic != Traffic::left_hand) {
    throw InvalidInput("Seatbelt option traffic must be right_hand or left_hand.");
  }
  validate_windshield_options(options_.windshield);
}

SeatbeltDecision SeatbeltRule::evaluate(const cv::Mat& frame, const Quad& plate_corners) const {
  SeatbeltDecision d;
  if (!classifier_) {
    d.status = SeatbeltStatus::unavailable;
    d.reason = "No seatbelt model is configured; the rule does not judge without one.";
    return d;
  }
  d.classifier = classifier_->name();
  if (frame.empty()) throw InvalidInput("The frame is empty; nothing to judge.");
  d.windshield = windshield_region(plate_corners, frame.size(), options_.windshield);
  if (!d.windshield) {
    d.status = SeatbeltStatus::uncertain;
    d.reason = "The windshield is not in view above the plate.";
    return d;
  }
  const cv::Mat crop =
      occupant_crop(frame, *d.windshield, driver_side_in_front_view(options_.traffic));
  const SeatbeltResult result = classifier_->classify(crop);
  if (!(result.confidence >= 0 && result.confidence <= 1)) {
    throw InternalError(fmt::format(
        "Seatbelt classifier \"{}\" returned a confidence outside [0, 1].", d.classifier));
  }
  if (result.verdict != SeatbeltVerdict::belted && result.verdict != SeatbeltVerdict::unbelted) {
    throw InternalError(
        fmt::format("Seatbelt classifier \"{}\" returned an unknown verdict.", d.classifier));
  }
  d.confidence = result.confidence;
  if (result.confidence < options_.min_confidence) {
    d.status = SeatbeltStatus::uncertain;
    d.reason = fmt::format("The model's confidence {:.3f} is below the threshold {:.3f}.",
                           result.confidence, options_.min_confidence);
    return d;
  }
  const bool belted = result.verdict == SeatbeltVerdict::belted;
  d.status = belted ? SeatbeltStatus::belted : SeatbeltStatus::unbelted;
  d.reason =
      belted ? "The model sees a fastened seatbelt." : "The model sees no seatbelt on the driver.";
  return d;
}

}  // namespace roadwarden::rules
