// Ready-made pipelines: the stages of each engine wired into an Alpr facade.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "alpr/alpr.hpp"

namespace roadwarden::alpr {

/// Names accepted by make_engine(), default first.
inline constexpr const char* kEngineNames = "learned, classic";

/// Where the learned models are looked up when no folder is given: $ROADWARDEN_MODELS, then
/// `models/` beside the executable and one level up (a build tree inside the repository),
/// then /usr/share/roadwarden/models. Returns the first folder holding
/// plate_detector.onnx, or an empty path when none does.
[[nodiscard]] std::filesystem::path find_models_dir();

/// Builds the pipeline named `engine`:
///  - "learned": OnnxPlateDetector (models/plate_detector.onnx) → PerspectiveRectifier
///    (size and margin from models/plate_recognizer.json) → CtcRecognizer
///    (models/plate_recognizer.onnx); `models_dir` empty = find_models_dir(); the
///    recogniser's own unreadable floor (RecognizerMetadata::unreadable_below) applies
///    unless options.min_read_confidence is higher, and its crop_scales and
///    crop_stop_confidence unless options.crop_scales differs from the default {1.0} (or
///    options.crop_stop_confidence from 1, for the stop alone); formats rank with
///    FormatOptions::calibrated_literals (the candidates come from a CTC beam search); the
///    detector keeps heatmap peaks from its sidecar's score_threshold;
///  - "classic": Haar + morphology detector → perspective rectifier → Tesseract.
/// Throws InvalidInput for an unknown engine name (valid names listed), IoError when the
/// learned models cannot be found or loaded (the folder searched is named).
[[nodiscard]] std::unique_ptr<Alpr> make_engine(const std::string& engine,
                                                const AlprOptions& options,
                                                const std::filesystem::path& models_dir = {});

}  // namespace roadwarden::alpr
