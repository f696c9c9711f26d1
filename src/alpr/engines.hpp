// Ready-made pipelines: the stages of each engine wired into an Alpr facade.
#pragma once

#include <memory>
#include <string>

#include "alpr/alpr.hpp"

namespace roadwarden::alpr {

/// Names accepted by make_engine().
inline constexpr const char* kEngineNames = "classic";

/// Builds the pipeline named `engine` ("classic": Haar + morphology detector, perspective
/// rectifier, Tesseract recogniser). Throws InvalidInput for an unknown engine name (valid
/// names listed), and whatever the stages throw when their resources cannot load.
[[nodiscard]] std::unique_ptr<Alpr> make_engine(const std::string& engine,
                                                const AlprOptions& options);

}  // namespace roadwarden::alpr
