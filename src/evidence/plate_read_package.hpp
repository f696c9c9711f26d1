// The evidence package of one plate read: JSON metadata and the images a reviewer (or a
// court) sees — the best frame of the vehicle pass and the plate cut from it.
// The edge agent spools it (src/edge/spool.hpp); signing and encryption at rest come with the
// server (issue 5). The metadata fields are listed in docs/edge-upload.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/plate.hpp"

namespace roadwarden::evidence {

/// Options of build_plate_read_package().
struct PackageOptions {
  /// Site id and its IANA time zone, recorded in the metadata.
  std::string site_id;
  std::string timezone = "UTC";
  /// Name of the clock the capture times came from (Clock::source()).
  std::string clock_source = "system";
  /// Reader engine name ("learned" or "classic"), recorded for the record.
  std::string engine;
  /// JPEG quality of the images, 50..100.
  int jpeg_quality = 90;
  /// Blur everything outside the plate and the estimated vehicle region of the overview
  /// frame (see blur_outside_vehicle()).
  bool blur_outside_vehicle = false;
};

/// One file of a package.
struct PackageFile {
  std::string name;        ///< "frame.jpg" or "plate.jpg"
  std::string media_type;  ///< "image/jpeg"
  std::vector<std::uint8_t> bytes;
};

/// Metadata plus files, ready for the spool.
struct Package {
  nlohmann::json metadata;
  std::vector<PackageFile> files;
};

/// The plate read as JSON (the "read" object of the metadata): text, confidence,
/// char_confidences, candidates, country, format, votes, frames_read, direction, first_seen,
/// last_seen, best_time (RFC 3339 UTC with ms), best_sequence, corners ([[x,y]×4], pixels of
/// the best frame), detector_confidence, camera.
[[nodiscard]] nlohmann::json to_json(const PlateRead& read);

/// Builds the package of `read` whose best frame is `frame` (BGR 8-bit H×W×3, full
/// resolution): metadata {"type":"plate_read","site","timezone","clock_source","engine",
/// "frame_size":[w,h],"read":to_json(read),"privacy":{"blurred_outside_vehicle":bool}} and
/// files frame.jpg (the overview frame, blurred outside the vehicle when configured) and
/// plate.jpg (an axis-aligned cut of the plate with a 15 % margin, not warped, so it shows
/// exactly the captured pixels). Throws InvalidInput for an empty frame or out-of-range
/// options; InternalError if JPEG encoding fails.
[[nodiscard]] Package build_plate_read_package(const PlateRead& read, const cv::Mat& frame,
                                               const PackageOptions& options);

/// A copy of `frame` with everything outside the plate and an estimated vehicle region blurred
/// beyond recognition (other vehicles, pedestrians, faces on the pavement). Without a vehicle
/// detector the vehicle region is estimated from the plate: 2 plate widths either side of the
/// plate centre and 3 plate widths above to 1 below it (a car is ≈ 3.5 plate widths wide —
/// 1.8 m against a 0.52 m plate). The plate itself is never blurred.
[[nodiscard]] cv::Mat blur_outside_vehicle(const cv::Mat& frame, const Quad& plate);

}  // namespace roadwarden::evidence
