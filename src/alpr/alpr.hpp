// The Alpr facade: detection → rectification → recognition → country formats, on one frame.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alpr/formats/plate_format.hpp"
#include "alpr/stages.hpp"
#include "core/plate.hpp"

namespace roadwarden::alpr {

/// Options of the Alpr facade; validated by its constructor.
struct AlprOptions {
  /// Country whose formats re-rank candidates: "uz", "eu", "us", "br" or "auto" (default).
  std::string country = "auto";
  /// Plate geometry gate: regions whose width / height (Quad::width() / Quad::height()) lies
  /// outside [min_aspect, max_aspect] are not plates (badges, signs, livery) and are not
  /// read. Defaults 0.8 and 8.0 cover square two-line plates (≈1.4) to EU plates (≈4.7).
  double min_aspect = 0.8;
  double max_aspect = 8.0;
  /// Regions less than this many pixels tall cannot hold legible characters, >= 1; default 6.
  double min_plate_height = 6.0;
  /// Candidates kept per plate, 1..50; default 10.
  int top_n = 10;
  /// Regions below this detector confidence are not read, [0, 1]; default 0.
  double min_detector_confidence = 0.0;
  /// A read shorter than this many characters is not a plate and is dropped, 1..12;
  /// default 4 (shortest common plates: 4 characters).
  int min_characters = 4;
  /// A read longer than this is not a plate and is dropped, min_characters..16; default 10.
  int max_characters = 10;
  /// A plate whose best candidate is less confident than this is reported unreadable: its
  /// `text` is empty (its candidates are kept for review), [0, 1]; default 0 (never).
  double min_read_confidence = 0.0;
  /// Drop reads without any digit, default true: text without digits is far more often a
  /// badge, sign or livery than a plate. Personalised plates without digits (e.g. Uzbek
  /// auction plates) are then not reported; set false where they matter.
  bool require_digit = true;
  /// Two results whose boxes overlap with IoU above this are one plate (the more confident
  /// read is kept), (0, 1]; default 0.3.
  double duplicate_iou = 0.3;
  /// Format re-ranking options.
  FormatOptions formats;
  /// Test-time augmentation of the crop: each region is read through its quad scaled about
  /// the corners' centroid by each of these factors, and the read whose best candidate after
  /// format ranking has the highest ranking_score() is kept (a detector's quad that is a little
  /// loose takes in frame edges and bolts that the recogniser may read as characters). Each factor
  /// in [0.5, 1.5], 1..4 of them; default {1.0} (one read). The learned engine takes them from the
  /// recogniser's sidecar (`crop_scales`).
  std::vector<double> crop_scales{1.0};
  /// Early stop of the crop loop: once a crop's best candidate (after format ranking) has a
  /// confidence above this, the remaining crop_scales are not read (the later crops mend loose
  /// or tight quads, whose reads are rarely that sure), [0, 1]; default 1 (every crop is
  /// read). The learned engine takes it from the recogniser's sidecar (`crop_stop_confidence`).
  double crop_stop_confidence = 1.0;
  /// Second look (only with a zoom detector, see Alpr::Alpr): a region whose best read has a
  /// confidence of at most zoom_max_confidence ([0, 1]; default 0.99, for the shipped
  /// recogniser's confidences; 1 = every plate-like read) is detected again in a window of
  /// the frame about its box's centre, zoom_window times the box's width wide and
  /// zoom_window times its height or half its width (whichever is more) tall, clamped to the
  /// frame; [1.5, 8], default 2. The zoom detector's region overlapping
  /// the first box most, with IoU at least zoom_min_iou ((0, 1], default 0.3), is read like a
  /// region, and its read replaces the first one when its ranking_score() is higher (the
  /// result then reports that quad, and the first detection's detector_confidence). Regions
  /// with no plate-like read get no second look. Defaults chosen on the validation scenes
  /// (models/MODEL_CARD-plate_recognizer.md).
  double zoom_max_confidence = 0.99;
  double zoom_window = 2.0;
  double zoom_min_iou = 0.3;
  /// Learned engine only (make_engine): long side of the zoom detector's network input,
  /// pixels, a multiple of 32 in [128, 2048]; 0 = no second look. Default 448.
  int zoom_input = 448;
  /// Learned engine only (make_engine): long side of the detector's network input, pixels
  /// (OnnxDetectorOptions::input_long_side); 0 (default) = the model's training size (640),
  /// else a multiple of 32 in [128, 2048]. Raise it where plates are small in large frames
  /// (a camera agent at 1080p: 960 turns a 24 px plate into 12 px at the input, not 8).
  int detector_input = 0;
};

/// The check of a network input side, AlprOptions::detector_input or zoom_input: 0 (the
/// model's size, or off) or a multiple of 32 (the detector's stride multiple) in
/// [128, 2048]. Returns "" when `side` is valid, else the reason, e.g. "must be 0 or a
/// multiple of 32 in 128..2048, got 450". The CLI, the site file and make_engine share it.
[[nodiscard]] std::string input_side_error(int side);

/// Reads the licence plates in one frame. The facade receives its stages and owns them.
/// Thread safety: read() is const and safe to call concurrently if the stages are (all
/// stages in roadwarden are).
class Alpr {
 public:
  /// `zoom_detector` (optional) finds a plate again in a window around a region read less
  /// surely than AlprOptions::zoom_max_confidence; null = no second look. Throws InvalidInput for a
  /// null stage or an out-of-range option (the option is named).
  Alpr(std::unique_ptr<PlateDetector> detector, std::unique_ptr<Rectifier> rectifier,
       std::unique_ptr<Recognizer> recognizer, AlprOptions options = {},
       std::unique_ptr<PlateDetector> zoom_detector = nullptr);

  /// Plates read in `bgr` (BGR 8-bit H×W×3), most confident first. A frame without
  /// plates gives an empty vector. Throws InvalidInput for an empty or non-BGR image.
  [[nodiscard]] std::vector<PlateResult> read(const cv::Mat& bgr) const;

  [[nodiscard]] const AlprOptions& options() const { return options_; }
  /// Whether plates read at most zoom_max_confidence surely get a second look (a zoom
  /// detector was given).
  [[nodiscard]] bool takes_second_look() const { return zoom_detector_ != nullptr; }

 private:
  /// One quad read through each crop scale: the best crop's ranked candidates (empty when no
  /// crop read anything plate-like), its ranking_score() and its per-character confidences.
  struct QuadRead {
    std::vector<Candidate> ranked;
    double score = -1;
    std::vector<double> char_confidences;
  };
  [[nodiscard]] QuadRead read_quad(const cv::Mat& bgr, const Quad& corners) const;
  /// The detector-confidence and geometry gates a region must pass to be read.
  [[nodiscard]] bool plate_shaped(const PlateRegion& region) const;
  /// The zoom detector's quad for the plate at `corners`, in frame pixels; none if it finds
  /// no plate-shaped region overlapping `corners` by zoom_min_iou.
  [[nodiscard]] std::optional<Quad> zoom(const cv::Mat& bgr, const Quad& corners) const;

  std::unique_ptr<PlateDetector> detector_;
  std::unique_ptr<Rectifier> rectifier_;
  std::unique_ptr<Recognizer> recognizer_;
  std::unique_ptr<PlateDetector> zoom_detector_;
  AlprOptions options_;
};

}  // namespace roadwarden::alpr
