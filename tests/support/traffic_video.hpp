// Synthetic traffic video with known truth, for tracker / camera-agent tests and benchmarks:
//   * procedurally drawn road scenes with vehicles carrying rendered plates (plate_renderer)
//     that move, grow (approach) or shrink, change lanes and occlude each other;
//   * real photos with known, located plates (../shared/data/plates-train, uz_izzatullo_scene
//     rows: corners + text) animated as a vehicle approaching the camera.
// Clips are written as MP4 (FFmpeg 'mp4v') with a truth record per vehicle.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include "core/geometry.hpp"
#include "support/plate_renderer.hpp"

namespace roadwarden::testing {

/// One vehicle of a synthetic clip. Its plate centre moves linearly and its plate height
/// changes geometrically: at frame f (first_frame <= f < first_frame + frames)
///   centre = start + velocity * (f - first_frame), height = plate_height * growth^(f -
///   first_frame).
/// The body (a car-like rear/front: body, windscreen, lights, bumper) is drawn around the plate.
struct VehicleSpec {
  /// Plate text as rendered: spaces are gaps, '\n' starts a second line. The truth text is this
  /// without spaces and newlines.
  std::string text;
  /// Plate look; its width/height give the plate's aspect ratio.
  PlateStyle style;
  /// First frame the vehicle exists on (it may start outside the frame), >= 0.
  int first_frame = 0;
  /// Number of frames it exists for, >= 1.
  int frames = 50;
  /// Plate centre at first_frame, pixels (may be outside the frame).
  cv::Point2d start{0, 0};
  /// Plate centre motion, pixels per frame.
  cv::Point2d velocity{0, 0};
  /// Plate height at first_frame, pixels, >= 2.
  double plate_height = 30;
  /// Plate height factor per frame, > 0: > 1 approaching, < 1 receding, 1 constant.
  double growth = 1.0;
  /// Body colour (BGR).
  cv::Scalar body_colour{60, 50, 140};
};

/// A synthetic clip: a road background and its vehicles.
struct TrafficClipSpec {
  /// Frame size, pixels (1920×1080 default; 3840×2160 for 4K).
  cv::Size size{1920, 1080};
  /// Frames in the clip, >= 1.
  int frames = 100;
  /// Frame rate written into the MP4, frames per second, > 0.
  double fps = 25;
  /// Seed of the background texture and the sensor noise.
  int seed = 1;
  /// Motion blur as the fraction of a frame interval the shutter is open, [0, 1]: the blur
  /// length in pixels is |velocity| × shutter. Default 0.5.
  double shutter = 0.5;
  /// Standard deviation of per-frame Gaussian sensor noise, grey levels, >= 0; default 2.
  double noise_sigma = 2.0;
  std::vector<VehicleSpec> vehicles;
};

/// Where one vehicle's plate is on one frame.
struct PlateInFrame {
  int frame = 0;
  /// Plate corners in the frame (TL, TR, BR, BL), pixels; may lie partly outside the frame.
  Quad corners;
  /// True when every corner is inside the frame and no nearer vehicle covers the plate.
  bool visible = false;
};

/// Truth of one vehicle in a clip.
struct VehicleTruth {
  /// Normalised plate text (no spaces, no newlines).
  std::string text;
  /// First and last frame on which the plate is visible (see PlateInFrame::visible); -1 when
  /// it never is. Between them it may be hidden for a while (occlusion).
  int first_visible = -1;
  int last_visible = -1;
  /// "approaching" (plate grows by >= 1.2× over its frames), "receding", "left" or "right".
  std::string direction;
  /// One entry per frame on which any part of the vehicle is drawn, in frame order.
  std::vector<PlateInFrame> plates;
};

/// Truth of a whole clip.
struct ClipTruth {
  cv::Size size;
  int frames = 0;
  double fps = 0;
  std::vector<VehicleTruth> vehicles;
};

/// The static background: sky, verges and a three-lane road with dashed lane markings drawn in
/// perspective (vanishing point at the horizon, 30 % of the height; a lane is 42 % of the
/// frame width at the bottom edge). BGR 8-bit `size`.
[[nodiscard]] cv::Mat render_road(cv::Size size, int seed);

/// Renders the frames of a TrafficClipSpec one at a time (a 4K clip never sits in memory).
/// Throws roadwarden::InvalidInput for an out-of-range field (named) and std::runtime_error
/// when a plate font cannot be loaded. Not thread-safe.
class TrafficRenderer {
 public:
  explicit TrafficRenderer(TrafficClipSpec spec);
  /// Frame `index` (0 <= index < spec.frames): BGR 8-bit spec.size. Deterministic.
  [[nodiscard]] cv::Mat frame(int index) const;
  /// The truth of every vehicle (computed without rendering).
  [[nodiscard]] const ClipTruth& truth() const { return truth_; }
  [[nodiscard]] const TrafficClipSpec& spec() const { return spec_; }

 private:
  TrafficClipSpec spec_;
  cv::Mat road_;
  std::vector<cv::Mat> plates_;  // rendered plate per vehicle, at style size
  ClipTruth truth_;
};

/// The clip several end-to-end tests share: 1280×720 at 25 fps, `frames` frames, one car with
/// plate "01 A 123 BC" (Uzbek private format) in view from `first_frame` for 60 frames (2.4 s),
/// approaching the camera in the middle lane: the bottom of its plate moves from y ≈ 349 to
/// ≈ 536 px (so a stop line at y = 420 is crossed about 0.9 s after it appears).
[[nodiscard]] TrafficClipSpec one_car_approaching_clip(int frames = 60, int first_frame = 0);

/// Writes the clip to `mp4` (FFmpeg 'mp4v' at spec.fps) and returns its truth.
/// Throws std::runtime_error when the writer cannot be opened.
ClipTruth write_traffic_clip(const TrafficClipSpec& spec, const std::filesystem::path& mp4);

/// A plausible random scene: `vehicles` vehicles spread over the clip in three lanes, most
/// approaching from afar (plate height from ~0.7 % to ~2.6 % of the frame height: 7 → 28 px
/// at 1080p; plate size consistent with the lane width at its depth), some
/// receding, some changing lanes, one in five crossing laterally; random texts in Uzbek, EU
/// and Brazilian layouts. Deterministic for a seed.
/// `plate_zoom` scales every plate (and so its vehicle) as a longer lens would: 2 gives
/// 14 → 56 px plates at 1080p, the range an enforcement camera is installed for.
[[nodiscard]] TrafficClipSpec random_traffic_scene(int seed, cv::Size size = {1920, 1080},
                                                   int frames = 250, int vehicles = 6,
                                                   double plate_zoom = 1.0);

/// A random plate text in one of several layouts (with spaces as rendered, e.g. "01 A 123 BC").
[[nodiscard]] std::string random_plate_text(cv::RNG& rng);

/// A real photo with one located, text-labelled plate (a row of plates-train/manifest.csv).
struct PhotoPlate {
  std::filesystem::path image;  ///< absolute path of the photo
  Quad corners;                 ///< plate corners in the photo, pixels
  std::string text;             ///< normalised text
  std::string source;           ///< manifest source, e.g. "uz_izzatullo_scene"
};

/// Rows of `<plates_train>/manifest.csv` that locate a plate in a scene photo AND give its text
/// (sources ending in "_crop" are plate crops, not scenes, and are left out). Throws
/// roadwarden::IoError when the manifest cannot be read, roadwarden::InvalidInput for a
/// malformed row. Never reads ../shared/data/benchmarks (held out).
[[nodiscard]] std::vector<PhotoPlate> load_located_plates(
    const std::filesystem::path& plates_train);

/// How a real photo is animated as an approaching vehicle.
struct PhotoClipSpec {
  PhotoPlate plate;
  /// Output frame size, pixels.
  cv::Size size{1920, 1080};
  /// Clip length, seconds (2-4 s is a typical pass), > 0; and frame rate.
  double seconds = 3.0;
  double fps = 25;
  /// Plate width in the output at the start and the end, pixels: the photo is scaled so the
  /// plate grows from start_plate_width to end_plate_width with perspective-correct timing
  /// (1 / scale linear in time: constant approach speed).
  double start_plate_width = 70;
  double end_plate_width = 260;
  /// Plate centre path in the output, as fractions of the frame size.
  cv::Point2d start_centre{0.52, 0.42};
  cv::Point2d end_centre{0.45, 0.80};
  /// Motion blur as the shutter fraction of the frame interval, [0, 1]; default 0.5.
  double shutter = 0.5;
  /// Each frame is JPEG-compressed at this quality before the MP4 encoder, 10..100; default
  /// 70 (camera JPEG/MJPEG artefacts on top of MP4's).
  int jpeg_quality = 70;
  int seed = 1;
};

/// Writes the animated photo to `mp4` (FFmpeg 'mp4v') and returns its truth (one vehicle: the
/// labelled plate; other plates in the photo are not annotated). Throws roadwarden::IoError
/// when the photo cannot be read, std::runtime_error when the writer cannot be opened.
ClipTruth write_photo_clip(const PhotoClipSpec& spec, const std::filesystem::path& mp4);

/// JSON of a clip's truth:
/// {"width", "height", "frames", "fps", "vehicles": [{"text", "first_visible", "last_visible",
///   "direction", "plates": [{"frame", "visible", "corners": [[x, y] × 4]}]}]}
[[nodiscard]] nlohmann::json to_json(const ClipTruth& truth);

}  // namespace roadwarden::testing
