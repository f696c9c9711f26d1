// Greedy non-maximum suppression of plate regions.
#pragma once

#include <vector>

#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// Keeps the most confident regions, dropping any whose bounding box overlaps an already
/// kept one with IoU > `max_iou`; returns at most `max_count`, best first.
[[nodiscard]] std::vector<PlateRegion> non_max_suppression(std::vector<PlateRegion> regions,
                                                           double max_iou, int max_count);

}  // namespace roadwarden::alpr
