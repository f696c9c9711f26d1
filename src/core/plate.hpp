// Plate-level value types shared by the reader, the store and the output formats.
#pragma once

#include <string>
#include <vector>

#include "core/geometry.hpp"

namespace roadwarden {

/// One possible reading of a plate.
struct Candidate {
  /// Normalised text: upper-case A-Z and 0-9 only, no spaces or separators.
  std::string text;
  /// Recogniser confidence in [0, 1] (product of per-character confidences).
  double confidence = 0;
  /// Id of the country format this text matches (e.g. "uz.private"), empty if none.
  std::string format;
  /// True when this candidate was produced by format correction of confusable glyphs
  /// rather than read literally by the recogniser.
  bool corrected = false;
  friend bool operator==(const Candidate&, const Candidate&) = default;
};

/// The result of reading one plate in one image (or frame).
struct PlateResult {
  /// Plate region in the source image, clockwise from top-left, pixels.
  Quad corners;
  /// Plate detector confidence in [0, 1].
  double detector_confidence = 0;
  /// Best text (the first candidate's), possibly empty when the plate is unreadable.
  std::string text;
  /// Confidence of `text` in [0, 1].
  double confidence = 0;
  /// Per-character confidences of the literal read, one per character of its text.
  std::vector<double> char_confidences;
  /// Ranked candidates, best first; the first equals `text`. At most top-N entries.
  std::vector<Candidate> candidates;
  /// Country code whose formats were applied ("uz", "eu", "us", "br"), or "" when none matched.
  std::string country;
  /// Id of the format matched by `text`, or "" when none.
  std::string format;
};

}  // namespace roadwarden
