#include "core/geometry.hpp"

#include <algorithm>
#include <cmath>

namespace roadwarden {

double Box::area() const { return (width > 0 && height > 0) ? width * height : 0.0; }

double iou(const Box& a, const Box& b) {
  const double ix = std::max(0.0, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  const double iy =
      std::max(0.0, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  const double inter = ix * iy;
  const double uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

Box Quad::bounding_box() const {
  double x0 = corners[0].x, y0 = corners[0].y, x1 = x0, y1 = y0;
  for (const Point& p : corners) {
    x0 = std::min(x0, p.x);
    y0 = std::min(y0, p.y);
    x1 = std::max(x1, p.x);
    y1 = std::max(y1, p.y);
  }
  return Box{x0, y0, x1 - x0, y1 - y0};
}

namespace {
double distance(const Point& a, const Point& b) { return std::hypot(a.x - b.x, a.y - b.y); }
}  // namespace

double Quad::width() const {
  return 0.5 * (distance(corners[0], corners[1]) + distance(corners[3], corners[2]));
}

double Quad::height() const {
  return 0.5 * (distance(corners[0], corners[3]) + distance(corners[1], corners[2]));
}

Quad Quad::from_box(const Box& b) {
  return Quad{{Point{b.x, b.y}, Point{b.x + b.width, b.y}, Point{b.x + b.width, b.y + b.height},
               Point{b.x, b.y + b.height}}};
}

Quad Quad::ordered(const std::array<Point, 4>& points) {
  // Sort by angle about the centroid (clockwise on screen, since y grows down), then start
  // at the corner nearest the top-left (smallest x + y): right for any roll below 45°.
  double cx = 0, cy = 0;
  for (const Point& p : points) {
    cx += p.x / 4;
    cy += p.y / 4;
  }
  std::array<Point, 4> p = points;
  std::sort(p.begin(), p.end(), [&](const Point& a, const Point& b) {
    return std::atan2(a.y - cy, a.x - cx) < std::atan2(b.y - cy, b.x - cx);
  });
  const auto first = std::min_element(p.begin(), p.end(), [](const Point& a, const Point& b) {
    return a.x + a.y < b.x + b.y;
  });
  std::rotate(p.begin(), first, p.end());
  return Quad{p};
}

}  // namespace roadwarden
