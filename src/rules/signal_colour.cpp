#include "rules/signal_colour.hpp"

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::rules {

namespace {

void check(bool ok, std::string_view name, const std::string& what) {
  if (!ok) throw InvalidInput(fmt::format("signal_colour.{}: {}.", name, what));
}

void check_options(const SignalColourOptions& o) {
  const auto byte = [](int v) { return v >= 0 && v <= 255; };
  const auto hue = [](int v) { return v >= 0 && v <= 179; };
  check(byte(o.min_value), "min_value", fmt::format("{} is outside [0, 255]", o.min_value));
  check(byte(o.min_saturation), "min_saturation",
        fmt::format("{} is outside [0, 255]", o.min_saturation));
  check(hue(o.red_low) && hue(o.red_high) && o.red_low < o.red_high, "red_low/red_high",
        fmt::format("{}/{} are not hues 0-179 with red_low < red_high", o.red_low, o.red_high));
  check(hue(o.amber_low) && hue(o.amber_high) && o.amber_low <= o.amber_high,
        "amber_low/amber_high",
        fmt::format("{}/{} are not an ordered hue range in 0-179", o.amber_low, o.amber_high));
  check(hue(o.green_low) && hue(o.green_high) && o.green_low <= o.green_high,
        "green_low/green_high",
        fmt::format("{}/{} are not an ordered hue range in 0-179", o.green_low, o.green_high));
  check(o.min_lit_fraction > 0 && o.min_lit_fraction <= 1, "min_lit_fraction",
        fmt::format("{} is outside (0, 1]", o.min_lit_fraction));
  check(o.min_dominance > 0.5 && o.min_dominance <= 1, "min_dominance",
        fmt::format("{} is outside (0.5, 1]", o.min_dominance));
}

}  // namespace

std::string_view to_string(SignalColour colour) {
  switch (colour) {
    case SignalColour::red:
      return "red";
    case SignalColour::amber:
      return "amber";
    case SignalColour::green:
      return "green";
    case SignalColour::dark:
      return "dark";
    case SignalColour::unknown:
      return "unknown";
  }
  return "unknown";
}

SignalColour classify_signal_colour(const cv::Mat& bgr_roi, const SignalColourOptions& options) {
  check_options(options);
  if (bgr_roi.empty() || bgr_roi.type() != CV_8UC3) {
    throw InvalidInput(fmt::format(
        "signal_colour: the signal-head region must be a non-empty BGR 8-bit image (CV_8UC3), "
        "got {}x{} of type {}.",
        bgr_roi.cols, bgr_roi.rows, bgr_roi.type()));
  }
  cv::Mat hsv;
  cv::cvtColor(bgr_roi, hsv, cv::COLOR_BGR2HSV);
  std::size_t lit = 0, red = 0, amber = 0, green = 0;
  for (int r = 0; r < hsv.rows; ++r) {
    const auto* row = hsv.ptr<cv::Vec3b>(r);
    for (int c = 0; c < hsv.cols; ++c) {
      const int h = row[c][0], s = row[c][1], v = row[c][2];
      if (v < options.min_value || s < options.min_saturation) continue;
      ++lit;
      if (h <= options.red_low || h >= options.red_high) {
        ++red;
      } else if (h >= options.amber_low && h <= options.amber_high) {
        ++amber;
      } else if (h >= options.green_low && h <= options.green_high) {
        ++green;
      }
    }
  }
  const double total = static_cast<double>(hsv.total());
  if (static_cast<double>(lit) < options.min_lit_fraction * total) return SignalColour::dark;
  const auto dominant = [&](std::size_t n) {
    return static_cast<double>(n) >= options.min_dominance * static_cast<double>(lit);
  };
  if (dominant(red)) return SignalColour::red;
  if (dominant(amber)) return SignalColour::amber;
  if (dominant(green)) return SignalColour::green;
  return SignalColour::unknown;
}

}  // namespace roadwarden::rules
