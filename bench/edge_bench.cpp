// End-to-end benchmark of the camera agent's per-camera work (decode → plate reader → tracker),
// on clips whose truth is known. One command prints every figure with its baseline:
//
//   build/bench/edge_bench accuracy [--clips 6] [--photo-clips 10] [--shutter 0.5]
//       per-pass read accuracy and duplicate passes (tracker, detection every frame) against
//       per-frame accuracy (every frame read on its own) on the same clips: synthetic road
//       scenes and, when ../shared/data/plates-train is present, real photos animated as an
//       approaching vehicle (reported separately). Only legible plates are scored (at least
//       24 px tall, motion blur within Milestone's plate-reading shutter rule, see legible());
//       vehicles never legible are counted apart as too small or too blurred;
//   build/bench/edge_bench throughput [--seconds 10]
//       frames per second on ONE core, 1080p and 4K, detection every 2nd and 3rd frame with
//       tracking in between, against detection on every frame (the baseline, same command);
//   build/bench/edge_bench render-soak-clip PATH
//       writes the 1080p clip build/bench/edge_soak loops (the memory soak lives there, linked
//       as the agent is: this binary carries the test renderer's libraries).
//
// Clips are rendered by tests/support/traffic_video into a temporary folder and deleted
// (`accuracy --keep-clips DIR` keeps them).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>

#include "alpr/engines.hpp"
#include "core/geometry.hpp"
#include "core/malloc_tuning.hpp"
#include "edge/camera_pipeline.hpp"
#include "support/paths.hpp"
#include "support/traffic_video.hpp"
#include "video/file_source.hpp"
#include "video/pass_merger.hpp"
#include "video/tracker.hpp"

namespace fs = std::filesystem;
using namespace roadwarden;

namespace {

double iou_quads(const Quad& a, const Quad& b) {
  return iou(a.bounding_box(), b.bounding_box());
}

/// Index in v.plates of vehicle `v`'s truth plate on `frame`, if it is visible there.
std::optional<std::size_t> plate_on(const testing::VehicleTruth& v, int frame) {
  for (std::size_t k = 0; k < v.plates.size(); ++k)
    if (v.plates[k].frame == frame)
      return v.plates[k].visible ? std::optional<std::size_t>(k) : std::nullopt;
  return std::nullopt;
}

/// Plates smaller than this are outside what an enforcement camera is installed for: a plate
/// 24 px tall has characters about 17 px tall, and ANPR installation guides ask for 15-20 px
/// characters. Vehicles whose plate never reaches it are counted apart ("too small").
constexpr double kReadableHeightPx = 24.0;

/// Motion blur beyond this many plate heights makes a plate illegible, to a reader or a person:
/// Milestone's XProtect LPR manual ("Lens and shutter speed") sets the longest shutter time for
/// plate reading at 1 s / (11 x speed in km/h), which lets a vehicle move 1/(3.6 x 11) m = 25 mm
/// while the shutter is open: 0.23 of a 110 mm (EU) plate's height. Vehicles whose plate is
/// never that sharp on 10 frames at a readable size are counted apart ("too blurred").
constexpr double kLegibleBlurPlateHeights = 0.23;

/// Whether the truth plate `p` of `v` is legible: visible, at least kReadableHeightPx tall, and
/// blurred by at most kLegibleBlurPlateHeights. The blur is the plate centre's motion from the
/// previous frame (the next one on its first frame) times `shutter` (the fraction of the frame
/// interval the shutter is open), as tests/support/traffic_video renders it.
bool legible(const testing::VehicleTruth& v, std::size_t k, double shutter) {
  const testing::PlateInFrame& p = v.plates[k];
  if (!p.visible || p.corners.height() < kReadableHeightPx) return false;
  const std::size_t other = k > 0 ? k - 1 : k + 1;
  if (other >= v.plates.size()) return true;
  const auto centre = [](const Quad& q) {
    Point c;
    for (const Point& corner : q.corners) {
      c.x += corner.x / 4;
      c.y += corner.y / 4;
    }
    return c;
  };
  const Point a = centre(p.corners), b = centre(v.plates[other].corners);
  const double frames_apart = std::abs(v.plates[other].frame - p.frame);
  const double blur = std::hypot(b.x - a.x, b.y - a.y) / std::max(1.0, frames_apart) * shutter;
  return blur <= kLegibleBlurPlateHeights * p.corners.height();
}

struct Score {
  // Per frame: legible truth plates (see legible()), and those read exactly.
  long frame_plates = 0;
  long frame_correct = 0;
  // Per pass: vehicles legible on >= 10 frames, those with a correct pass; vehicles left out
  // because their plate was not readable-size on 10 frames (too small) or, at that size, not
  // sharp enough on 10 (too blurred); passes, duplicate passes (a second pass of one vehicle)
  // and false passes (no vehicle).
  long vehicles = 0;
  long vehicles_correct = 0;
  long too_small = 0;
  long too_blurred = 0;
  long passes = 0;
  long duplicates = 0;
  long false_passes = 0;
  void add(const Score& o) {
    frame_plates += o.frame_plates;
    frame_correct += o.frame_correct;
    vehicles += o.vehicles;
    vehicles_correct += o.vehicles_correct;
    too_small += o.too_small;
    too_blurred += o.too_blurred;
    passes += o.passes;
    duplicates += o.duplicates;
    false_passes += o.false_passes;
  }
};

/// Reads every frame of `mp4` with `reader`, scores each frame's reads against the truth, and
/// feeds the same reads to a tracker to score its passes. A vehicle counts when its plate is
/// legible on at least 10 frames (`shutter` gives the blur, see legible()); a pass belongs to
/// the vehicle whose plate overlaps its best corners on its best frame (IoU >= 0.3).
Score score_clip(const fs::path& mp4, const testing::ClipTruth& truth, double shutter,
                 const alpr::Alpr& reader, bool verbose) {
  video::FileFrameSource source(mp4, video::FileSourceOptions{});
  video::Tracker tracker("bench", edge::with_format_voting({}, reader.options().country));
  video::PassMerger merger;  // as the camera agent does (CameraWorker)
  UtcTime last;
  std::vector<video::Pass> passes;
  Score s;
  // --verbose: per vehicle, the frames on which a read overlapped its plate and those reads'
  // texts ("?" = unreadable), to tell a detection miss from a recognition miss.
  std::map<std::size_t, int> frames_found_of;
  std::map<std::size_t, std::map<std::string, int>> frame_texts_of;
  while (std::optional<video::Frame> f = source.next()) {
    const int idx = static_cast<int>(f->index);
    const std::vector<PlateResult> reads = reader.read(f->image);
    for (std::size_t i = 0; i < truth.vehicles.size(); ++i) {
      const auto& v = truth.vehicles[i];
      const std::optional<std::size_t> k = plate_on(v, idx);
      if (!k || !legible(v, *k, shutter)) continue;
      const testing::PlateInFrame* p = &v.plates[*k];
      ++s.frame_plates;
      bool found = false;
      for (const PlateResult& r : reads) {
        if (iou_quads(r.corners, p->corners) < 0.3) continue;
        if (!found && verbose) ++frame_texts_of[i][r.text.empty() ? "?" : r.text];
        found = true;
        if (r.text == v.text) {
          ++s.frame_correct;
          break;
        }
      }
      frames_found_of[i] += found ? 1 : 0;
    }
    std::vector<video::Pass> done = tracker.update(*f, reads);
    for (video::Pass& p :
         merger.add(std::move(done), f->capture_time, tracker.earliest_live_start()))
      passes.push_back(std::move(p));
    last = f->capture_time;
  }
  for (video::Pass& p : merger.add(tracker.finish(), last)) passes.push_back(std::move(p));
  for (video::Pass& p : merger.finish()) passes.push_back(std::move(p));
  const double frame_ms = 1000.0 / truth.fps;
  const bool verbose_passes = verbose && std::getenv("EDGE_BENCH_ALL_PASSES") != nullptr;
  if (verbose_passes)
    for (std::size_t i = 0; i < truth.vehicles.size(); ++i)
      std::cerr << fmt::format("    vehicle {} {} visible frames {}-{}\n", i,
                               truth.vehicles[i].text, truth.vehicles[i].first_visible,
                               truth.vehicles[i].last_visible);
  std::map<std::size_t, int> passes_of;
  std::map<std::size_t, std::string> texts_of;  // the passes' texts per vehicle, for --verbose
  for (const video::Pass& p : passes) {
    const int best = static_cast<int>(
        std::lround(static_cast<double>(p.read.best_time.unix_ms) / frame_ms));  // start_time 0
    std::optional<std::size_t> owner;
    double best_iou = 0.3;
    for (std::size_t i = 0; i < truth.vehicles.size(); ++i) {
      for (const auto& tp : truth.vehicles[i].plates) {
        if (!tp.visible || std::abs(tp.frame - best) > 1) continue;
        const double o = iou_quads(tp.corners, p.read.best_corners);
        if (o >= best_iou) {
          best_iou = o;
          owner = i;
        }
      }
    }
    ++s.passes;
    if (verbose_passes)
      std::cerr << fmt::format(
          "    pass {} frames {}-{} votes {} best frame {} -> vehicle {} (IoU {:.2f})\n",
          p.read.text, p.read.first_seen.unix_ms / 40, p.read.last_seen.unix_ms / 40, p.read.votes,
          best, owner ? static_cast<long>(*owner) : -1L, owner ? best_iou : 0.0);
    if (!owner) {
      ++s.false_passes;
      continue;
    }
    texts_of[*owner] += fmt::format(
        " {} (frames {}-{}, {} votes)", p.read.text.empty() ? "(unreadable)" : p.read.text,
        std::lround(static_cast<double>(p.read.first_seen.unix_ms) / frame_ms),
        std::lround(static_cast<double>(p.read.last_seen.unix_ms) / frame_ms), p.read.votes);
    if (++passes_of[*owner] > 1) ++s.duplicates;
    if (p.read.text == truth.vehicles[*owner].text) passes_of[*owner] += 1000;  // correct mark
  }
  for (std::size_t i = 0; i < truth.vehicles.size(); ++i) {
    const auto& v = truth.vehicles[i];
    const long visible =
        std::count_if(v.plates.begin(), v.plates.end(), [](const auto& p) { return p.visible; });
    const long readable = std::count_if(v.plates.begin(), v.plates.end(), [](const auto& p) {
      return p.visible && p.corners.height() >= kReadableHeightPx;
    });
    long sharp = 0;
    for (std::size_t k = 0; k < v.plates.size(); ++k) sharp += legible(v, k, shutter) ? 1 : 0;
    if (visible < 10) continue;
    if (readable < 10) {
      ++s.too_small;
      continue;
    }
    if (sharp < 10) {
      ++s.too_blurred;
      if (verbose)
        std::cerr << fmt::format(
            "  {} {}: truth {} too blurred ({} of {} readable-size frames "
            "legible) -> passes:{}\n",
            mp4.filename().string(), i, v.text, sharp, readable,
            texts_of[i].empty() ? " none" : texts_of[i]);
      continue;
    }
    ++s.vehicles;
    if (passes_of[i] >= 1000) ++s.vehicles_correct;
    if (verbose && (passes_of[i] < 1000 || passes_of[i] > 1001)) {
      const double max_h = std::accumulate(
          v.plates.begin(), v.plates.end(), 0.0,
          [](double m, const auto& p) { return p.visible ? std::max(m, p.corners.height()) : m; });
      std::vector<std::pair<int, std::string>> by_count;
      for (const auto& [text, n] : frame_texts_of[i]) by_count.emplace_back(n, text);
      std::sort(by_count.rbegin(), by_count.rend());
      std::string frame_reads;
      for (std::size_t k = 0; k < by_count.size() && k < 4; ++k)
        frame_reads += fmt::format(" {}×{}", by_count[k].second, by_count[k].first);
      std::cerr << fmt::format(
          "  {} {}: truth {} ({} visible frames, {} with a plate >= {} px, plate up to {:.0f} px;"
          " found on {}:{}) -> passes:{}\n",
          mp4.filename().string(), i, v.text, visible, readable, kReadableHeightPx, max_h,
          frames_found_of[i], frame_reads, texts_of[i].empty() ? " none" : texts_of[i]);
    }
  }
  return s;
}

void print_score(const std::string& set, const Score& s) {
  const auto pct = [](long a, long b) { return b ? 100.0 * static_cast<double>(a) / b : 0.0; };
  fmt::print("| {} | {} | {:.1f}% ({}/{}) | {:.1f}% ({}/{}) | {:.1f}% ({}/{}) | {} | {} | {} |\n",
             set, s.vehicles, pct(s.frame_correct, s.frame_plates), s.frame_correct, s.frame_plates,
             pct(s.vehicles_correct, s.vehicles), s.vehicles_correct, s.vehicles,
             pct(s.duplicates, s.passes), s.duplicates, s.passes, s.false_passes, s.too_small,
             s.too_blurred);
}

/// The learned reader on one thread; `detector_input` and `zoom_input` are
/// AlprOptions::detector_input (0 = the model's 640) and AlprOptions::zoom_input (the second
/// look's input side; 0 = none).
std::unique_ptr<alpr::Alpr> make_reader(int detector_input, int zoom_input) {
  cv::setNumThreads(1);
  alpr::AlprOptions options;
  options.detector_input = detector_input;
  options.zoom_input = zoom_input;
  return alpr::make_engine("learned", options, testing::source_dir() / "models");
}

/// A synthetic scene as a fixed enforcement camera frames it: random_traffic_scene with
/// plates `zoom` times larger than its wide-angle default (an ANPR camera is zoomed so plates
/// are 20-60 px tall at 1080p).
testing::TrafficClipSpec enforcement_scene(int seed, cv::Size size, int frames, double zoom) {
  return testing::random_traffic_scene(seed, size, frames, 5, zoom);
}

int run_accuracy(int first, int clips, int photo_clips, double zoom, double shutter, bool verbose,
                 int detector_input, int zoom_input, const fs::path& keep_dir) {
  const auto reader = make_reader(detector_input, zoom_input);
  testing::TempDir tmp_dir;
  const fs::path& clip_dir = keep_dir.empty() ? tmp_dir.path() : keep_dir;
  Score synthetic;
  for (int k = first; k < first + clips; ++k) {
    testing::TrafficClipSpec spec = enforcement_scene(100 + k, {1920, 1080}, 250, zoom);
    spec.shutter = shutter;
    const fs::path mp4 = clip_dir / fmt::format("synthetic_{}.mp4", k);
    const testing::ClipTruth truth = testing::write_traffic_clip(spec, mp4);
    synthetic.add(score_clip(mp4, truth, shutter, *reader, verbose));
    std::cerr << "synthetic clip " << k + 1 - first << "/" << clips << " done\n";
  }
  Score photos;
  const std::optional<fs::path> shared = testing::shared_dir();
  int photo_done = 0;
  if (photo_clips > 0 && shared && fs::exists(*shared / "data" / "plates-train" / "manifest.csv")) {
    const auto plates = testing::load_located_plates(*shared / "data" / "plates-train");
    // Evenly spaced photos, so the choice does not depend on anything but the manifest order.
    for (int k = 0; k < photo_clips && !plates.empty(); ++k) {
      testing::PhotoClipSpec spec;
      spec.plate = plates[static_cast<std::size_t>(k) * plates.size() / photo_clips];
      spec.seed = k + 1;
      const fs::path mp4 = clip_dir / fmt::format("photo_{}.mp4", k);
      const testing::ClipTruth truth = testing::write_photo_clip(spec, mp4);
      photos.add(score_clip(mp4, truth, spec.shutter, *reader, verbose));
      ++photo_done;
    }
  }
  fmt::print(
      "\nPer-pass vs per-frame accuracy (learned reader, 1 thread, detector input long side {},"
      " second look {}; tracker on every frame; legible plates: >= {} px tall, motion blur <= {}"
      " plate heights)\n"
      "| clips | vehicles | per-frame read | per-pass read | duplicate passes | false passes | "
      "vehicles too small | vehicles too blurred |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- |\n",
      detector_input == 0 ? 640 : detector_input,
      zoom_input == 0 ? std::string("off") : fmt::format("at {} px", zoom_input),
      kReadableHeightPx, kLegibleBlurPlateHeights);
  print_score(fmt::format("synthetic 1080p, {} clips, plate zoom {}, shutter {} of a frame", clips,
                          zoom, shutter),
              synthetic);
  if (photo_done)
    print_score(fmt::format("real photos animated, {} clips", photo_done), photos);
  else if (photo_clips > 0)
    fmt::print("| real photos animated | skipped: ../shared/data/plates-train absent |\n");
  return 0;
}

/// Frames per second of decode + read + track over `mp4` with detection every k-th frame.
double measure_fps(const fs::path& mp4, const alpr::Alpr& reader, int detect_every, double seconds,
                   long* passes) {
  const auto t0 = std::chrono::steady_clock::now();
  long frames = 0;
  *passes = 0;
  for (;;) {
    video::FileFrameSource source(mp4, video::FileSourceOptions{});
    edge::CameraWorker worker("bench", reader, detect_every, {});
    while (std::optional<video::Frame> f = source.next()) {
      *passes += static_cast<long>(worker.process(*f).size());
      ++frames;
    }
    *passes += static_cast<long>(worker.finish().size());
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (elapsed >= seconds) return static_cast<double>(frames) / elapsed;
  }
}

/// Frames per second with detection every 1st, 2nd and 3rd frame, and (when the reader takes
/// a second look) every 2nd frame without it, each against every frame with it.
int run_throughput(double seconds, int detector_input, int zoom_input) {
  const auto reader = make_reader(detector_input, zoom_input);
  const auto no_zoom = zoom_input != 0 ? make_reader(detector_input, 0) : nullptr;
  testing::TempDir tmp;
  fmt::print(
      "Throughput, one core (cv::setNumThreads(1)), decode + detect + recognise + track; "
      "detector input long side {}, second look {}\n",
      detector_input == 0 ? 640 : detector_input,
      zoom_input == 0 ? std::string("off") : fmt::format("at {} px", zoom_input));
  fmt::print(
      "| frame | detection | fps | ms/frame | vs every frame |\n| --- | --- | --- | --- | --- |\n");
  for (const auto& [name, size] :
       {std::pair{"1080p", cv::Size(1920, 1080)}, std::pair{"4K", cv::Size(3840, 2160)}}) {
    const fs::path mp4 = tmp.path() / fmt::format("{}.mp4", name);
    (void)testing::write_traffic_clip(enforcement_scene(7, size, 150, 2.0), mp4);
    double baseline = 0;
    for (int k : {1, 2, 3}) {
      long passes = 0;
      const double fps = measure_fps(mp4, *reader, k, seconds, &passes);
      if (k == 1) baseline = fps;
      fmt::print("| {} | every {} frame{} | {:.1f} | {:.1f} | {:.2f}x |\n", name, k,
                 k == 1 ? "" : "s", fps, 1000.0 / fps, fps / baseline);
    }
    if (no_zoom) {
      long passes = 0;
      const double fps = measure_fps(mp4, *no_zoom, 2, seconds, &passes);
      fmt::print("| {} | every 2 frames, no second look | {:.1f} | {:.1f} | {:.2f}x |\n", name,
                 fps, 1000.0 / fps, fps / baseline);
    }
  }
  return 0;
}

/// The soak's 1080p clip: 500 frames of enforcement_scene(11).
testing::TrafficClipSpec soak_clip() {
  return enforcement_scene(11, {1920, 1080}, 500, 2.0);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Camera-agent benchmarks: per-pass accuracy, throughput (memory: edge_soak)"};
  app.require_subcommand(1);
  int clips = 6, photo_clips = 10;
  double seconds = 10, zoom = 2.0;
  CLI::App* acc = app.add_subcommand("accuracy", "per-pass vs per-frame accuracy");
  acc->add_option("--clips", clips, "synthetic clips")->check(CLI::Range(1, 100));
  int first_clip = 0;
  acc->add_option("--first-clip", first_clip,
                  "index of the first synthetic clip (clip k is scene seed 100 + k)")
      ->check(CLI::Range(0, 1000));
  acc->add_option("--photo-clips", photo_clips, "animated real photos")->check(CLI::Range(0, 500));
  acc->add_option("--zoom", zoom, "plate size factor over random_traffic_scene")
      ->check(CLI::Range(0.5, 6.0));
  double shutter = 0.5;
  acc->add_option("--shutter", shutter,
                  "synthetic clips' exposure as a fraction of the frame interval (motion blur "
                  "= speed x shutter); 0.5 = 1/50 s at 25 fps (default), 0.025 = 1/1000 s, a "
                  "typical ANPR camera's")
      ->check(CLI::Range(0.0, 1.0));
  fs::path keep_dir;
  acc->add_option("--keep-clips", keep_dir,
                  "write the clips into this existing folder and keep them (default: a temporary "
                  "folder, deleted)")
      ->check(CLI::ExistingDirectory);
  bool verbose = false;
  acc->add_flag("--verbose", verbose, "list every vehicle read wrongly or more than once (stderr)");
  CLI::App* thr = app.add_subcommand("throughput", "frames per second on one core");
  thr->add_option("--seconds", seconds, "seconds per measurement")->check(CLI::Range(1.0, 600.0));
  int detector_input = 0;
  app.add_option("--detector-input", detector_input,
                 "long side of the detector input, a multiple of 32 (0 = the model's 640)")
      ->check(CLI::Range(0, 2048));
  int zoom_input = alpr::AlprOptions{}.zoom_input;
  app.add_option("--zoom-input", zoom_input,
                 "long side of the second look's detector input, a multiple of 32 (0 = none)")
      ->check(CLI::Range(0, 2048))
      ->capture_default_str();
  fs::path clip_out;
  CLI::App* render = app.add_subcommand("render-soak-clip", "write the 1080p clip edge_soak loops");
  render->add_option("path", clip_out)->required();
  CLI11_PARSE(app, argc, argv);
  if (render->parsed()) {
    (void)testing::write_traffic_clip(soak_clip(), clip_out);
    return 0;
  }
  // As the agent does, before any thread starts (throughput and accuracy included).
  (void)tune_malloc_for_frames(kAgentMallocArenas);
  if (acc->parsed())
    return run_accuracy(first_clip, clips, photo_clips, zoom, shutter, verbose, detector_input,
                        zoom_input, keep_dir);
  return run_throughput(seconds, detector_input, zoom_input);
}
