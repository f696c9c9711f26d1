// Renders synthetic licence plates and scenes with known text and corners, so tests know
// the truth without any shared data.
#pragma once

#include <string>

#include <opencv2/core.hpp>

#include "core/geometry.hpp"

namespace roadwarden::testing {

/// How a synthetic plate looks.
struct PlateStyle {
  /// Plate size in pixels before placement (EU/UZ 520 × 110 mm ≈ 4.7:1).
  int width = 470;
  int height = 100;
  /// Text colour and background (BGR).
  cv::Scalar ink{20, 20, 20};
  cv::Scalar paper{235, 235, 235};
  /// Spaces in `text` are drawn as gaps; the truth is the text without spaces. The font is a
  /// stand-in for DIN 1451 / FE-Schrift, the typeface of most European and Uzbek plates
  /// (Nimbus Sans Narrow Bold, Debian package fonts-urw-base35).
  std::string font = "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf";
};

/// A flat plate image (BGR 8-bit, style.height × style.width) with a dark border. A '\n' in
/// `text` starts a second line (two-line plates).
/// Throws std::runtime_error when the font cannot be loaded.
[[nodiscard]] cv::Mat render_plate(const std::string& text, const PlateStyle& style = {});

/// A synthetic scene: a plate placed on a textured car-like background.
struct Scene {
  cv::Mat image;  ///< BGR 8-bit
  Quad plate;     ///< the plate's corners in `image`, clockwise from TL
};

/// Renders `text` on a plate scaled to `plate_width` pixels, turned by `yaw_deg` about its
/// vertical axis (pinhole projection, camera two plate widths away: the far side shrinks),
/// then rotated by `roll_deg` in the image plane, centred horizontally at 60 % of the
/// height of a `size` scene. Deterministic for a given `seed`.
[[nodiscard]] Scene render_scene(const std::string& text, cv::Size size, int plate_width,
                                 double roll_deg = 0, int seed = 1, const PlateStyle& style = {},
                                 double yaw_deg = 0);

}  // namespace roadwarden::testing
