#include "alpr/nms.hpp"

#include <algorithm>

namespace roadwarden::alpr {

std::vector<PlateRegion> non_max_suppression(std::vector<PlateRegion> regions, double max_iou,
                                             int max_count) {
  std::stable_sort(regions.begin(), regions.end(),
                   [](const PlateRegion& a, const PlateRegion& b) {
                     return a.confidence > b.confidence;
                   });
  std::vector<PlateRegion> kept;
  for (PlateRegion& r : regions) {
    if (static_cast<int>(kept.size()) >= max_count) break;
    const Box box = r.corners.bounding_box();
    const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const PlateRegion& k) {
      return iou(box, k.corners.bounding_box()) > max_iou;
    });
    if (!overlaps) kept.push_back(std::move(r));
  }
  return kept;
}

}  // namespace roadwarden::alpr
