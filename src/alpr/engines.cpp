#include "alpr/engines.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include <fmt/format.h>

#include "alpr/classic/classic_detector.hpp"
#include "alpr/classic/tesseract_recognizer.hpp"
#include "alpr/learned/ctc_recognizer.hpp"
#include "alpr/learned/onnx_detector.hpp"
#include "alpr/perspective_rectifier.hpp"
#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDetectorModel = "plate_detector";
constexpr const char* kRecognizerModel = "plate_recognizer";

bool has_models(const fs::path& dir) {
  std::error_code ec;
  return !dir.empty() && fs::exists(dir / fmt::format("{}.onnx", kDetectorModel), ec);
}

std::unique_ptr<Alpr> make_learned(const AlprOptions& options, fs::path dir) {
  if (dir.empty()) dir = find_models_dir();
  if (!has_models(dir)) {
    throw IoError(fmt::format(
        "learned models not found (looked in {}); pass --models DIR or use --engine classic",
        dir.empty() ? "$ROADWARDEN_MODELS, models/ beside the executable and "
                      "/usr/share/roadwarden/models"
                    : dir.string()));
  }
  OnnxDetectorOptions det;
  det.model_path = dir / fmt::format("{}.onnx", kDetectorModel);
  det.metadata_path = dir / fmt::format("{}.json", kDetectorModel);
  det.input_long_side = options.detector_input;
  CtcRecognizerOptions rec;
  rec.model_path = dir / fmt::format("{}.onnx", kRecognizerModel);
  rec.metadata_path = dir / fmt::format("{}.json", kRecognizerModel);
  auto recognizer = std::make_unique<CtcRecognizer>(rec);
  const RecognizerMetadata& meta = recognizer->metadata();
  AlprOptions with_floor = options;
  with_floor.min_read_confidence = std::max(options.min_read_confidence, meta.unreadable_below);
  if (options.crop_scales == std::vector<double>{1.0}) {
    with_floor.crop_scales = meta.crop_scales;
    if (options.crop_stop_confidence == 1.0) {
      with_floor.crop_stop_confidence = meta.crop_stop_confidence;
    }
  }
  with_floor.formats.calibrated_literals = true;  // candidates come from a CTC beam search
  std::unique_ptr<PlateDetector> zoom;
  if (options.zoom_input != 0) {
    if (const std::string error = input_side_error(options.zoom_input); !error.empty()) {
      throw InvalidInput("zoom_input: " + error);
    }
    OnnxDetectorOptions zoom_det = det;
    zoom_det.input_long_side = options.zoom_input;
    zoom = std::make_unique<OnnxPlateDetector>(zoom_det);
  }
  return std::make_unique<Alpr>(
      std::make_unique<OnnxPlateDetector>(det),
      std::make_unique<PerspectiveRectifier>(
          RectifierOptions{meta.input_width, meta.input_height, meta.rectifier_margin}),
      std::move(recognizer), with_floor, std::move(zoom));
}

}  // namespace

fs::path find_models_dir() {
  if (const char* env = std::getenv("ROADWARDEN_MODELS"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& dir : {exe.parent_path() / "models", exe.parent_path().parent_path() / "models"}) {
      if (has_models(dir)) return dir;
    }
  }
  const fs::path system = "/usr/share/roadwarden/models";
  return has_models(system) ? system : fs::path{};
}

std::unique_ptr<Alpr> make_engine(const std::string& engine, const AlprOptions& options,
                                  const fs::path& models_dir) {
  if (engine == "learned") return make_learned(options, models_dir);
  if (engine == "classic") {
    return std::make_unique<Alpr>(std::make_unique<ClassicDetector>(),
                                  std::make_unique<PerspectiveRectifier>(),
                                  std::make_unique<TesseractRecognizer>(), options);
  }
  throw InvalidInput(fmt::format("unknown engine '{}' (valid: {})", engine, kEngineNames));
}

}  // namespace roadwarden::alpr
