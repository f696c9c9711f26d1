// Benchmark manifests and their scoring, the same way ../shared/tools/score_alpr.py does:
// a truth plate is detected when a predicted box overlaps it with IoU >= 0.3 (greedy, each
// prediction used once), and read when that prediction's top text equals the truth after
// normalisation (A-Z0-9 only).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "alpr/read_result.hpp"
#include "core/geometry.hpp"

namespace roadwarden::eval {

/// One ground-truth plate of a manifest row.
struct TruthPlate {
  /// Image path as written in the manifest, relative to the manifest's folder.
  std::string image;
  std::string source;
  std::string country;
  /// Corners clockwise from top-left, pixels.
  Quad corners;
  /// Normalised text (A-Z0-9), possibly empty.
  std::string text;
};

/// A manifest: CSV with header `image,source,country,x1,y1,x2,y2,x3,y3,x4,y4,text`.
struct Manifest {
  /// Folder the image paths are relative to (the manifest's folder).
  std::filesystem::path root;
  std::vector<TruthPlate> plates;
  /// Distinct image paths in first-seen order.
  [[nodiscard]] std::vector<std::string> images() const;
};

/// Loads a manifest. Throws IoError when the file cannot be read, InvalidInput naming the
/// line for a wrong header, a wrong field count or a non-numeric corner.
[[nodiscard]] Manifest load_manifest(const std::filesystem::path& path);

/// Headline figures of a scored run.
struct Score {
  int plates = 0;
  int detected = 0;
  int read = 0;
  int images_without_output = 0;
  int unmatched_predictions = 0;
  /// Median processing time per image, ms; nullopt when no prediction had a time.
  std::optional<double> ms_median;
  [[nodiscard]] double detected_pct() const { return plates ? 100.0 * detected / plates : 0.0; }
  [[nodiscard]] double read_pct() const { return plates ? 100.0 * read / plates : 0.0; }
};

/// Scores `predictions` (matched to truth by file name) against `manifest`.
/// A truth plate is detected when a prediction's box overlaps it with IoU >= `min_iou`.
[[nodiscard]] Score score(const Manifest& manifest,
                          const std::vector<alpr::ReadResult>& predictions,
                          double min_iou = 0.3);

}  // namespace roadwarden::eval
