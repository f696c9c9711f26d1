// The learned plate detector: a small single-stage network (training/detector/) run with
// OpenCV DNN, predicting a plate-centre heatmap and the plate's four corners per cell.
//
// Method: Zhou, Wang & Krähenbühl, "Objects as Points" (CenterNet, arXiv:1904.07850, 2019):
// objects are the local maxima (3×3) of a per-cell centre heatmap, and their geometry is
// regressed at the peak cell; here the geometry is the plate's four corners, so a rolled
// or perspective plate gets a tight quad. Overlapping peaks are merged by greedy NMS
// (alpr/nms.hpp).
#pragma once

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/dnn.hpp>

#include "alpr/learned/onnx_net.hpp"
#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// The detector's model sidecar (models/plate_detector.json), written by
/// training/detector/export.py from training/constants.py.
struct DetectorMetadata {
  int input_width = 0;   ///< training input, pixels (the default long side is the larger)
  int input_height = 0;  ///< training input, pixels
  /// The network is fully convolutional: it runs on any input whose width and height are
  /// multiples of this (its coarsest stride, 32 for PlateNet).
  int size_multiple = 0;
  /// Normalisation: input = (BGR value - mean) * scale, channels in BGR order.
  double scale = 0;
  std::array<double, 3> mean{};
  /// Letterbox fill (all three channels, 0..255): the scaled frame is placed at the top-left
  /// corner of the network input and the rest filled with this.
  int pad_value = 0;
  int stride = 0;          ///< input pixels per output cell
  double corner_scale = 0; ///< corner offsets are in units of this many input pixels
  int grid_width = 0;      ///< output cells across at the training input (input_width / stride)
  int grid_height = 0;     ///< output cells down at the training input (input_height / stride)
  /// Smallest heatmap peak kept as a plate when OnnxDetectorOptions::score_threshold is 0:
  /// the sidecar's optional `score_threshold` (chosen end to end on validation scenes, its
  /// `score_threshold_source` says how), in (0, 1); 0.4 when the sidecar has none.
  double score_threshold = 0.4;
};

/// Reads and validates a detector sidecar. Throws IoError naming the file when it cannot be
/// read, InvalidInput naming the file when a key is missing or a value is out of range or
/// inconsistent (output grid != input / stride, 9 output channels expected, input sizes not
/// multiples of size_multiple, stride not dividing size_multiple).
[[nodiscard]] DetectorMetadata load_detector_metadata(const std::filesystem::path& path);

/// Options of the OnnxPlateDetector; validated by its constructor.
struct OnnxDetectorOptions {
  /// ONNX model (models/plate_detector.onnx) and its sidecar JSON (models/plate_detector.json).
  std::filesystem::path model_path;
  std::filesystem::path metadata_path;
  /// Smallest heatmap peak kept as a plate, in (0, 1); 0 (default) = the sidecar's
  /// DetectorMetadata::score_threshold.
  double score_threshold = 0;
  /// Long side of the network input, pixels: the frame is scaled so that its longer side is
  /// this long, and the network runs on the scaled frame padded right and down to the next
  /// multiple of DetectorMetadata::size_multiple (a 16:9 frame at 640 runs on 640×384, not
  /// on a 640×640 letterbox). 0 (default) = the training size, max(input_width,
  /// input_height) = 640; else a multiple of size_multiple in [128, 2048]. Larger finds
  /// smaller plates at a cost that grows with the pixel count (a 1080p frame at 960 makes a
  /// plate half as tall again as at 640).
  int input_long_side = 0;
  /// Most plates returned per frame, 1..256; default 16.
  int max_plates = 16;
  /// NMS: a region whose bounding box overlaps a more confident one with IoU above this is
  /// dropped, [0, 1]; default 0.4.
  double nms_iou = 0.4;
  /// NMS: a region lying inside a more confident one by more than this fraction of its own
  /// area is dropped (a part of a plate is the same plate), (0, 1]; default 0.8.
  double nms_containment = 0.8;
};

/// Runs the learned detector on a frame: the frame is scaled (down, or up when smaller) to
/// the input long side and padded to the network's size multiple, the output decoded, and
/// corners mapped back to full-resolution pixels. Confidence = heatmap peak value.
///
/// Thread-safe: only the network's forward pass is serialised (OnnxNet); pre- and
/// post-processing run concurrently. Called per frame from a worker thread.
class OnnxPlateDetector final : public PlateDetector {
 public:
  /// Loads the sidecar and the model and checks, with one forward pass on a size_multiple ×
  /// size_multiple input, that the model's output is [1, 9, input / stride, input / stride].
  /// Throws InvalidInput for an out-of-range
  /// option or a bad/mismatched sidecar, IoError naming the file when the model or sidecar
  /// cannot be loaded.
  explicit OnnxPlateDetector(const OnnxDetectorOptions& options);

  /// Plate regions in `bgr` (BGR 8-bit H×W×3), best first, corners in `bgr`'s pixels (may
  /// lie slightly outside the image). Throws InvalidInput for an empty or non-BGR image.
  [[nodiscard]] std::vector<PlateRegion> detect(const cv::Mat& bgr) const override;

  [[nodiscard]] const DetectorMetadata& metadata() const { return meta_; }

  /// The network input size, pixels, for a frame of `frame` pixels (each side >= 1).
  [[nodiscard]] cv::Size input_size_for(cv::Size frame) const;

 private:
  OnnxDetectorOptions options_;
  DetectorMetadata meta_;
  double score_threshold_ = 0;  // options_.score_threshold, or the sidecar's
  int long_side_ = 0;  // options_.input_long_side, or the training size
  OnnxNet net_;
};

}  // namespace roadwarden::alpr
