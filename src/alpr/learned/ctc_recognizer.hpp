// The learned plate recogniser: a convolution-only CTC network (training/recognizer/) run
// with OpenCV DNN, reading one- and two-line plates.
//
// CTC: Graves et al., "Connectionist Temporal Classification", ICML 2006. Top-N candidates by
// CTC prefix beam search (Hannun et al., "First-Pass Large Vocabulary Continuous Speech
// Recognition using Bi-Directional Recurrent DNNs", 2014, Algorithm 1, without a language
// model).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "alpr/learned/onnx_net.hpp"
#include "alpr/stages.hpp"

namespace roadwarden::alpr {

/// The recogniser's model sidecar (models/plate_recognizer.json), written by
/// training/recognizer/export.py from training/constants.py.
struct RecognizerMetadata {
  int input_height = 0;       ///< pixels
  int input_width = 0;        ///< pixels
  std::string alphabet;       ///< class k (k >= 1) is alphabet[k - 1]; class 0 is the blank
  int rows = 0;               ///< output rows (2: top line / one line, bottom line)
  int steps = 0;              ///< time steps per row
  double rectifier_margin = 0;  ///< margin the crops were trained with (PerspectiveRectifier)
  /// Reads less confident than this are better reported unreadable: chosen at export on the
  /// training data's validation split (the sidecar's `unreadable_below_source` gives the share
  /// of kept reads that are correct there); 0 if absent.
  double unreadable_below = 0;
  /// Quad scale factors to read each region through (AlprOptions::crop_scales), chosen on the
  /// end-to-end validation scenes; {1.0} if absent.
  std::vector<double> crop_scales{1.0};
  /// A crop read more surely than this ends the crop loop (AlprOptions::crop_stop_confidence),
  /// chosen on the end-to-end validation scenes; 1 (every crop is read) if absent.
  double crop_stop_confidence = 1.0;
};

/// Reads and validates a recogniser sidecar. Throws IoError when the file cannot be read,
/// InvalidInput naming the file and key when a key is missing or out of range.
[[nodiscard]] RecognizerMetadata load_recognizer_metadata(const std::filesystem::path& path);

/// Options of the CtcRecognizer; validated by its constructor.
struct CtcRecognizerOptions {
  /// ONNX model and its sidecar JSON.
  std::filesystem::path model_path;
  std::filesystem::path metadata_path;
  /// Prefix beam width, >= 1; default 16. Candidates returned are at most min(top_n, beam).
  int beam_width = 16;
};

/// Runs the CTC recogniser on a rectified plate (any size; resized to the model input and
/// converted to grey). Thread-safe: the network's forward pass is serialised (OnnxNet).
class CtcRecognizer final : public Recognizer {
 public:
  /// Loads the model. Throws IoError when a file cannot be loaded, InvalidInput for a bad
  /// option or sidecar.
  explicit CtcRecognizer(const CtcRecognizerOptions& options);
  [[nodiscard]] Recognition recognize(const cv::Mat& plate, int top_n) const override;
  [[nodiscard]] const RecognizerMetadata& metadata() const { return meta_; }

 private:
  CtcRecognizerOptions options_;
  RecognizerMetadata meta_;
  OnnxNet net_;
};

/// Decodes per-step class probabilities (T × C, rows sum to 1, class 0 = blank) by CTC
/// prefix beam search. Returns up to `top_n` texts with their probabilities, best first.
/// Exposed for tests.
[[nodiscard]] std::vector<Candidate> ctc_beam_search(const cv::Mat& probs,
                                                     const std::string& alphabet, int beam_width,
                                                     int top_n);

}  // namespace roadwarden::alpr
