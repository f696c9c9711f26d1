// The colour a camera sees on a signal head: the video side of the red-light rule's
// cross-check against the controller feed (rules/red_light.hpp).
#pragma once

#include <string_view>

#include <opencv2/core.hpp>

namespace roadwarden::rules {

/// The lit colour of a signal head in one frame. `dark`: nothing lit (lamp failure, the
/// off-phase of a flash, or the region is not the signal head); `unknown`: lit, but no single
/// colour dominates (glare, occlusion, several lamps).
enum class SignalColour { red, amber, green, dark, unknown };

/// "red", "amber", "green", "dark" or "unknown".
[[nodiscard]] std::string_view to_string(SignalColour colour);

/// Thresholds of classify_signal_colour. Hue in OpenCV's 8-bit HSV scale (0–179, i.e.
/// degrees / 2), saturation and value 0–255.
struct SignalColourOptions {
  /// A pixel is lit when its value (brightness) is >= this and its saturation >=
  /// `min_saturation`; defaults 150 and 90 (lit LED lamps are bright and saturated; the
  /// housing, sky and unlit lenses are dark or grey).
  int min_value = 150;
  int min_saturation = 90;
  /// Hue ranges, inclusive: red wraps around 0 ([red_high, 179] ∪ [0, red_low]); defaults
  /// red <= 10 or >= 160, amber 11–35 (amber/orange-yellow lamps, ~22–70°), green 40–100
  /// (traffic-signal green is bluish, ~80–200°). Hues between the ranges count as no colour.
  int red_low = 10;
  int red_high = 160;
  int amber_low = 11;
  int amber_high = 35;
  int green_low = 40;
  int green_high = 100;
  /// The region is dark when fewer than this fraction of its pixels are lit, (0, 1];
  /// default 0.02 (a lamp covers a few percent of a head crop that includes housing).
  double min_lit_fraction = 0.02;
  /// The winning colour must hold at least this fraction of the lit pixels, (0.5, 1];
  /// default 0.6; otherwise the result is unknown.
  double min_dominance = 0.6;
};

/// Classifies the lit colour of a signal-head crop: BGR 8-bit H×W×3 (CV_8UC3), non-empty
/// (InvalidInput otherwise, or when `options` are out of range: a value outside 0–255 /
/// 0–179, a fraction outside its range). Method: count lit pixels (HSV value and saturation
/// thresholds) per hue range; dark below the lit fraction, else the dominant colour or
/// unknown. Thread-safe (pure function).
[[nodiscard]] SignalColour classify_signal_colour(const cv::Mat& bgr_roi,
                                                  const SignalColourOptions& options = {});

}  // namespace roadwarden::rules
