// The stages of the plate reader, each behind a small interface so it can be replaced:
//   PlateDetector → Rectifier → Recognizer → country formats (formats/plate_format.hpp)
// The Alpr facade (alpr.hpp) receives its stages; it does not build them.
//
// Threading contract: every method here is const and called per frame (detector) or per
// plate region (rectifier, recognizer) from a worker thread; implementations must be safe to
// call concurrently from several threads on one object.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/geometry.hpp"
#include "core/plate.hpp"

namespace roadwarden::alpr {

/// A plate region found by a detector.
struct PlateRegion {
  /// Corners in the input image's pixels, clockwise from top-left.
  Quad corners;
  /// Detector confidence in [0, 1].
  double confidence = 0;
};

/// Finds licence plates in a frame.
class PlateDetector {
 public:
  virtual ~PlateDetector() = default;
  /// Plate regions in `bgr` (BGR 8-bit H×W×3), best first. An image without plates gives an
  /// empty vector; only a broken input (empty or wrong type) throws InvalidInput.
  [[nodiscard]] virtual std::vector<PlateRegion> detect(const cv::Mat& bgr) const = 0;
};

/// Warps a plate region to an upright crop of a fixed size.
class Rectifier {
 public:
  virtual ~Rectifier() = default;
  /// The plate at `corners` in `bgr` (BGR 8-bit H×W×3) warped to the rectifier's fixed
  /// size (BGR 8-bit). Corners may lie partly outside the image (border replicated).
  [[nodiscard]] virtual cv::Mat rectify(const cv::Mat& bgr, const Quad& corners) const = 0;
};

/// What a recogniser read on one rectified plate.
struct Recognition {
  /// Ranked literal candidates, best first (text normalised to A-Z0-9; may be empty when
  /// nothing legible was found).
  std::vector<Candidate> candidates;
  /// Per-character confidences in [0, 1] of the best candidate, one per character.
  std::vector<double> char_confidences;
};

/// Reads the characters of a rectified plate.
class Recognizer {
 public:
  virtual ~Recognizer() = default;
  /// Reads `plate` (BGR 8-bit, as produced by a Rectifier) and returns up to `top_n`
  /// literal candidates. Throws InvalidInput for an empty image or top_n < 1.
  [[nodiscard]] virtual Recognition recognize(const cv::Mat& plate, int top_n) const = 0;
};

}  // namespace roadwarden::alpr
