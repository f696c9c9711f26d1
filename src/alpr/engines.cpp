#include "alpr/engines.hpp"

#include <fmt/format.h>

#include "alpr/classic/classic_detector.hpp"
#include "alpr/classic/tesseract_recognizer.hpp"
#include "alpr/perspective_rectifier.hpp"
#include "core/errors.hpp"

namespace roadwarden::alpr {

std::unique_ptr<Alpr> make_engine(const std::string& engine, const AlprOptions& options) {
  if (engine == "classic") {
    return std::make_unique<Alpr>(std::make_unique<ClassicDetector>(),
                                  std::make_unique<PerspectiveRectifier>(),
                                  std::make_unique<TesseractRecognizer>(), options);
  }
  throw InvalidInput(fmt::format("unknown engine '{}' (valid: {})", engine, kEngineNames));
}

}  // namespace roadwarden::alpr
