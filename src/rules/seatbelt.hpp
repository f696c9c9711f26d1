// Seatbelt: is the driver wearing a seatbelt? From the violation frame, the windshield
// region is estimated above the plate, the passenger half is masked, and a SeatbeltClassifier
// judges the driver half.
//
// roadwarden ships no seatbelt model yet. With no classifier configured the rule reports
// "unavailable" and never a violation: it never guesses. What data a model needs, and how it
// is evaluated, is in docs/seatbelt.md.
//
// Geometry assumes a camera facing the front of the vehicle (the windshield is above the
// front plate in the image). Shapes: frames are 8-bit, 1 or 3 channels (BGR), HxW(x3).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "core/geometry.hpp"

namespace roadwarden::rules {

/// How the windshield box is estimated from the plate, in multiples of the plate's width in
/// the image (Quad::width). The defaults are rough estimates for a passenger car seen from
/// a front-facing camera mounted 5–7 m high, 15–30 m ahead, not measurements: a 520 mm plate,
/// a windshield about 1.4–1.5 m wide whose lower edge is about 0.5 m of projected bonnet
/// above the plate. Calibrate per site from a few frames. Validated once
/// (validate_windshield_options; InvalidInput naming the option).
struct WindshieldOptions {
  /// Windshield width / plate width, (0, 10]; default 3.0. The box is centred on the plate.
  double width_ratio = 3.0;
  /// Windshield height in the image / plate width, (0, 10]; default 1.4.
  double height_ratio = 1.4;
  /// Gap from the plate's top edge up to the windshield's lower edge / plate width,
  /// [0, 10]; default 1.0.
  double gap_ratio = 1.0;
  /// Smallest share of the estimated box that must lie inside the frame, (0, 1]; default
  /// 0.5. Below it there is no usable windshield in the frame (windshield_region is empty).
  double min_visible_fraction = 0.5;
};

/// Throws InvalidInput naming the first option out of range (or not finite).
void validate_windshield_options(const WindshieldOptions& options);

/// Estimates the windshield box of the vehicle whose plate has `plate_corners` (TL, TR, BR,
/// BL, pixels) in a frame of `frame_size` (pixels): width_ratio × plate width wide, centred
/// on the plate's horizontal centre, its lower edge gap_ratio × plate width above the
/// plate's top edge (mean of TL and TR y). The box is clipped to the frame and rounded
/// outwards to whole pixels. Returns nothing when less than min_visible_fraction of the
/// estimate lies inside the frame (the windshield is out of view) — an empty result, not an
/// error. Throws InvalidInput for invalid options, an empty frame size or a plate narrower
/// than 1 pixel or with non-finite corners. Thread-safe.
[[nodiscard]] std::optional<Box> windshield_region(const Quad& plate_corners, cv::Size frame_size,
                                                   const WindshieldOptions& options = {});

/// Which half of the windshield crop, in the image, shows the driver.
enum class ImageSide { left, right };

/// Traffic direction of the site, which fixes where the driver sits.
enum class Traffic {
  /// Vehicles keep right (most of the world, e.g. Uzbekistan): left-hand-drive cars.
  right_hand,
  /// Vehicles keep left (e.g. the UK, Japan): right-hand-drive cars.
  left_hand,
};

/// The image side of the driver for a camera facing the vehicle's front: the driver of a
/// left-hand-drive car (right-hand traffic) sits on the vehicle's left, which a camera facing
/// the car sees on the image's right; and the reverse for left-hand traffic.
[[nodiscard]] ImageSide driver_side_in_front_view(Traffic traffic);

/// A copy of `region` of `frame` (region clipped to the frame, rounded outwards to whole
/// pixels) with the passenger half filled with zeros (black), so no passenger pixel leaves
/// this function. Of a crop W pixels wide the driver keeps floor(W/2) columns on
/// `driver_side`; the passenger side, the middle column of an odd width included, is
/// masked. The frame is not modified. Throws InvalidInput when the frame is empty or not
/// 8-bit with 1 or 3 channels, or when the region does not overlap the frame by at least
/// 2×1 pixels. Thread-safe.
[[nodiscard]] cv::Mat occupant_crop(const cv::Mat& frame, const Box& region, ImageSide driver_side);

/// What a classifier saw.
enum class SeatbeltVerdict { belted, unbelted };

/// A classifier's answer: its verdict and its confidence in that verdict, in [0, 1].
struct SeatbeltResult {
  SeatbeltVerdict verdict = SeatbeltVerdict::belted;
  double confidence = 0;
};

/// A model judging one driver: the seam where a trained model plugs in (none ships yet; see
/// docs/seatbelt.md for the data it needs). Implementations must be thread-safe (classify is
/// const and may run concurrently on several frames).
class SeatbeltClassifier {
 public:
  virtual ~SeatbeltClassifier() = default;
  /// Judges the driver in `driver_crop`: an occupant_crop (windshield, passenger half black),
  /// 8-bit, 1 or 3 channels (BGR). Runs once per candidate vehicle pass, on a worker thread.
  /// Throws InvalidInput for an image it cannot use; never returns a guess for such input.
  [[nodiscard]] virtual SeatbeltResult classify(const cv::Mat& driver_crop) const = 0;
  /// Model name and version recorded with every decision, e.g. "seatbelt-cnn 2026-03".
  [[nodiscard]] virtual std::string name() const = 0;
};

/// The rule's answer for one vehicle.
enum class SeatbeltStatus {
  /// No classifier is configured: the rule cannot judge (never a violation).
  unavailable,
  /// A classifier ran but below the confidence threshold, or the windshield is not in view.
  uncertain,
  /// Confident: the driver wears a seatbelt.
  belted,
  /// Confident: the driver does not wear a seatbelt — the only status that is a violation.
  unbelted,
};

/// "unavailable", "uncertain", "belted", "unbelted" (as in evidence and JSON).
[[nodiscard]] std::string to_string(SeatbeltStatus status);

/// A decision, with what it rests on (for the evidence package and the reviewer).
struct SeatbeltDecision {
  SeatbeltStatus status = SeatbeltStatus::unavailable;
  /// The classifier's confidence in its verdict, [0, 1]; 0 when no classifier ran.
  double confidence = 0;
  /// SeatbeltClassifier::name(), or "" when none ran.
  std::string classifier;
  /// The windshield box judged, pixels; empty when none was estimated.
  std::optional<Box> windshield;
  /// A sentence saying why (e.g. "No seatbelt model is configured.").
  std::string reason;

  /// True only for a confident "unbelted".
  [[nodiscard]] bool is_violation() const { return status == SeatbeltStatus::unbelted; }
};

/// Options of the seatbelt rule; validated once by SeatbeltRule's constructor (InvalidInput
/// naming the option).
struct SeatbeltOptions {
  /// The classifier's verdict is reported only at or above this confidence, [0.5, 1];
  /// default 0.9. Below it the decision is "uncertain".
  double min_confidence = 0.9;
  /// Traffic direction of the site (driver side); default right-hand traffic.
  Traffic traffic = Traffic::right_hand;
  /// Windshield estimate from the plate.
  WindshieldOptions windshield{};
};

/// The seatbelt rule for one camera. Thread-safe: evaluate is const (the classifier must
/// be thread-safe too).
class SeatbeltRule {
 public:
  /// `classifier` may be null: the rule then reports "unavailable" for every vehicle.
  explicit SeatbeltRule(SeatbeltOptions options,
                        std::shared_ptr<const SeatbeltClassifier> classifier = nullptr);

  /// Judges the driver of the vehicle whose plate has `plate_corners` in `frame` (the
  /// violation frame, 8-bit 1 or 3 channels). Without a classifier: "unavailable" (the frame
  /// is not even cropped). With one: "uncertain" when the windshield is out of view or the
  /// confidence is below min_confidence, else the verdict. Throws InvalidInput for an
  /// unusable frame or plate, and InternalError when the classifier returns a confidence
  /// outside [0, 1] (a broken model must not pass as a judgement). Runs once per vehicle
  /// pass, on a worker thread.
  [[nodiscard]] SeatbeltDecision evaluate(const cv::Mat& frame, const Quad& plate_corners) const;

  [[nodiscard]] const SeatbeltOptions& options() const { return options_; }

 private:
  SeatbeltOptions options_;
  std::shared_ptr<const SeatbeltClassifier> classifier_;
};

}  // namespace roadwarden::rules
