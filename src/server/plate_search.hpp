// Plate text for searching. The functions moved to src/core/plate_text.hpp so that the rules
// (hotlists) share the same confusable folding; the server keeps these names for its callers.
#pragma once

#include "core/plate_text.hpp"

namespace roadwarden::server {

/// See roadwarden::plate_skeleton (core/plate_text.hpp): the confusable-folded plate text.
using roadwarden::plate_skeleton;
/// See roadwarden::normalise_plate_query (core/plate_text.hpp): validates a typed plate.
using roadwarden::normalise_plate_query;

}  // namespace roadwarden::server
