// The classic plate detector: a Haar cascade plus a morphological text-band detector.
// It is the comparison baseline (`--engine classic`), kept simple on purpose.
//
// Methods: Viola & Jones, "Rapid object detection using a boosted cascade of simple
// features" (CVPR 2001), with OpenCV's haarcascade_russian_plate_number.xml (opencv-data);
// and the blackhat + horizontal-gradient + closing band search common in classic ALPR
// (e.g. OpenALPR's morphology stage).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <opencv2/objdetect.hpp>

#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// Options of the ClassicDetector; validated by its constructor.
struct ClassicDetectorOptions {
  /// Haar cascade XML. Default: the Russian plate cascade shipped by Debian's opencv-data.
  std::string cascade_path = "/usr/share/opencv4/haarcascades/haarcascade_russian_plate_number.xml";
  /// The frame is downscaled so its long side is at most this many pixels before detection
  /// (corners are mapped back to full resolution). 320..4096; default 1280.
  int detect_long_side = 1280;
  /// Most regions returned per frame, 1..64; default 8.
  int max_regions = 8;
  /// Smallest plate height searched, in pixels of the downscaled frame, 6..200; default 10.
  int min_plate_height = 10;
};

/// Haar cascade + morphology detector. Thread-safe: the cascade is guarded by a mutex
/// (cv::CascadeClassifier::detectMultiScale is not documented as thread-safe).
class ClassicDetector final : public PlateDetector {
 public:
  /// Throws InvalidInput for an out-of-range option, IoError when the cascade cannot load.
  explicit ClassicDetector(const ClassicDetectorOptions& options = {});
  [[nodiscard]] std::vector<PlateRegion> detect(const cv::Mat& bgr) const override;

 private:
  ClassicDetectorOptions options_;
  mutable std::mutex cascade_mutex_;
  mutable cv::CascadeClassifier cascade_;  // guarded by cascade_mutex_
};

}  // namespace roadwarden::alpr
