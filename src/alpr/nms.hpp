// Greedy non-maximum suppression of plate regions.
#pragma once

#include <vector>

#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// Keeps the most confident regions, dropping any whose bounding box overlaps an already
/// kept one with IoU > `max_iou`, or lies inside it by more than `max_containment`
/// (intersection over the smaller box's area; a band of characters found inside a plate
/// is the same plate). Returns at most `max_count`, best first.
[[nodiscard]] std::vector<PlateRegion> non_max_suppression(std::vector<PlateRegion> regions,
                                                           double max_iou, int max_count,
                                                           double max_containment = 1.0);

/// Area of the intersection of `a` and `b` over the smaller one's area, in [0, 1].
[[nodiscard]] double containment(const Box& a, const Box& b);

}  // namespace roadwarden::alpr
