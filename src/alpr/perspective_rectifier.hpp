// Perspective rectification of a plate quadrilateral (OpenCV getPerspectiveTransform).
#pragma once

#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// Options of the PerspectiveRectifier; validated by its constructor.
struct RectifierOptions {
  /// Output width in pixels, 8..2048. Default 300 (EU/UZ plates are 520 × 110 mm ≈ 4.7:1).
  int width = 300;
  /// Output height in pixels, 8..1024. Default 64.
  int height = 64;
  /// Fraction of the plate size added on every side before warping, 0..0.5. Default 0.04,
  /// so a detector box that clips the first or last character still keeps it.
  double margin = 0.04;
};

/// Maps the four corners onto the corners of a fixed-size rectangle (homography).
class PerspectiveRectifier final : public Rectifier {
 public:
  /// Throws InvalidInput when an option is out of range (the option is named).
  explicit PerspectiveRectifier(const RectifierOptions& options = {});
  [[nodiscard]] cv::Mat rectify(const cv::Mat& bgr, const Quad& corners) const override;

 private:
  RectifierOptions options_;
};

}  // namespace roadwarden::alpr
