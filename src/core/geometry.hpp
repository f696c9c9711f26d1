// Plane geometry in image pixel coordinates: x grows right, y grows down, origin at the
// top-left corner of the top-left pixel.
#pragma once

#include <array>

namespace roadwarden {

/// A point in pixels (sub-pixel precision).
struct Point {
  double x = 0;
  double y = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

/// An axis-aligned box in pixels: [x, x+width) × [y, y+height).
struct Box {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;

  /// Area in square pixels; 0 for an empty or inverted box.
  [[nodiscard]] double area() const;
  friend bool operator==(const Box&, const Box&) = default;
};

/// Intersection over union of two boxes, in [0, 1]; 0 when either is empty.
[[nodiscard]] double iou(const Box& a, const Box& b);

/// The four corners of a plate region, clockwise from top-left: TL, TR, BR, BL.
/// This is the order used by the benchmark manifests and the JSON output.
struct Quad {
  std::array<Point, 4> corners{};

  /// Smallest axis-aligned box containing the four corners.
  [[nodiscard]] Box bounding_box() const;
  /// Mean of the top and bottom edge lengths, in pixels.
  [[nodiscard]] double width() const;
  /// Mean of the left and right edge lengths, in pixels.
  [[nodiscard]] double height() const;
  /// Builds the quad of an axis-aligned box (TL, TR, BR, BL).
  [[nodiscard]] static Quad from_box(const Box& box);
  /// Reorders four arbitrary points of a convex quad into TL, TR, BR, BL: clockwise on
  /// screen from the corner with the smallest x + y. Correct for rolls below 45°.
  [[nodiscard]] static Quad ordered(const std::array<Point, 4>& points);
  friend bool operator==(const Quad&, const Quad&) = default;
};

}  // namespace roadwarden
