// Plate-level value types shared by the reader, the store and the output formats.
#pragma once

#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "core/time.hpp"

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

/// A plate read: one vehicle pass seen by one camera, the best of its frames. Produced by the
/// tracker from the per-frame PlateResults of one track.
struct PlateRead {
  /// Camera id (from the site configuration).
  std::string camera;
  /// Text chosen by character-level voting over the track's frames; empty when no frame
  /// gave a readable result (such tracks are normally dropped, not reported).
  std::string text;
  /// Mean confidence in [0, 1] of the frames that voted for `text`.
  double confidence = 0;
  /// Per-character share of the votes the winning character got, one per character of `text`.
  std::vector<double> char_confidences;
  /// Distinct candidate texts seen in the track, most votes first (the first equals `text`).
  std::vector<Candidate> candidates;
  /// Country and format id of `text` ("" when none matched).
  std::string country;
  std::string format;
  /// Frames whose read equals `text` exactly, and frames with any read in the track.
  int votes = 0;
  int frames_read = 0;
  /// Direction of travel in the image: "approaching" (plate grows), "receding" (shrinks),
  /// "left", "right" (lateral motion dominates) or "unknown".
  std::string direction = "unknown";
  /// Capture times of the first and the last frame of the track, UTC.
  UtcTime first_seen;
  UtcTime last_seen;
  /// The best frame: the one the winning read came from with the plate fully in view and the
  /// highest confidence; its capture time, sequence number and the plate corners in it.
  UtcTime best_time;
  std::int64_t best_sequence = 0;
  Quad best_corners;
  /// Detector confidence of the plate in the best frame, [0, 1].
  double detector_confidence = 0;
};

}  // namespace roadwarden
