#include "alpr/nms.hpp"

#include <algorithm>

namespace roadwarden::alpr {

double containment(const Box& a, const Box& b) {
  const double ix = std::max(0.0, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  const double iy =
      std::max(0.0, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  const double smaller = std::min(a.area(), b.area());
  return smaller > 0 ? ix * iy / smaller : 0.0;
}

std::vector<PlateRegion> non_max_suppression(std::vector<PlateRegion> regions, double max_iou,
                                             int max_count, double max_containment) {
  std::stable_sort(regions.begin(), regions.end(),
                   [](const PlateRegion& a, const PlateRegion& b) {
                     return a.confidence > b.confidence;
                   });
  std::vector<PlateRegion> kept;
  for (PlateRegion& r : regions) {
    if (static_cast<int>(kept.size()) >= max_count) break;
    const Box box = r.corners.bounding_box();
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const PlateRegion& k) {
      const Box kept_box = k.corners.bounding_box();
      return iou(box, kept_box) > max_iou || containment(box, kept_box) > max_containment;
    });
    if (!overlaps) kept.push_back(std::move(r));
  }
  return kept;
}

}  // namespace roadwarden::alpr
