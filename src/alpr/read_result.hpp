// The result of reading one image or video frame, and its JSON form.
//
// JSON Lines format (one object per image/frame; every field always present):
//   {"image": str, "frame": int|null, "processing_ms": float, "error": str|null,
//    "plates": [{"text": str, "confidence": float, "detector_confidence": float,
//                "corners": [[x,y] ×4, clockwise from top-left, pixels],
//                "char_confidences": [float], "country": str, "format": str,
//                "candidates": [{"text": str, "confidence": float, "format": str,
//                                "corrected": bool}]}]}
// It is the prediction format of ../shared/tools/score_alpr.py, extended. Output is always
// valid UTF-8: invalid bytes in file names are replaced with U+FFFD.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plate.hpp"

namespace roadwarden::alpr {

/// Plates read in one image or one video frame, or the error that stopped it.
struct ReadResult {
  /// Path of the image or video file as given (bytes, may be invalid UTF-8).
  std::string image;
  /// Frame index within a video, or nullopt for a still image.
  std::optional<std::int64_t> frame;
  /// Wall time spent decoding and reading, in milliseconds.
  double processing_ms = 0;
  /// Plates read, most confident first (empty on error).
  std::vector<PlateResult> plates;
  /// Why the image could not be read, or nullopt on success.
  std::optional<std::string> error;
};

/// Plate corners as [[x, y] × 4], clockwise from top-left, pixels.
[[nodiscard]] nlohmann::json to_json(const Quad& corners);
/// Candidates as [{"text", "confidence", "format", "corrected"}], in order.
[[nodiscard]] nlohmann::json to_json(const std::vector<Candidate>& candidates);

/// The JSON object of one result (see the format above).
[[nodiscard]] nlohmann::json to_json(const ReadResult& result);

/// One JSON Lines line (no trailing newline), valid UTF-8 whatever the input bytes.
[[nodiscard]] std::string to_json_line(const ReadResult& result);

/// A short human-readable line, e.g. "img.jpg: 01A123BC 0.93 (uz.private)".
[[nodiscard]] std::string to_text_line(const ReadResult& result);

}  // namespace roadwarden::alpr
