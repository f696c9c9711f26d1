// End-to-end benchmark of the camera agent's per-camera work (decode → plate reader → tracker),
// on clips whose truth is known. One command prints every figure with its baseline:
//
//   build/bench/edge_bench accuracy [--clips 6] [--photo-clips 10]
//       per-pass read accuracy and duplicate passes (tracker, detection every frame) against
//       per-frame accuracy (every frame read on its own) on the same clips: synthetic road
//       scenes and, when ../shared/data/plates-train is present, real photos animated as an
//       approaching vehicle (reported separately);
//   build/bench/edge_bench throughput [--seconds 10]
//       frames per second on ONE core, 1080p and 4K, detection every 2nd and 3rd frame with
//       tracking in between, against detection on every frame (the baseline, same command);
//   build/bench/edge_bench soak --minutes 30 [--streams 1] [--queue-frames 2]
//       resident memory over a long run of the agent's camera pipelines (reader thread, frame
//       queue, worker, evidence packages; the clip looped; N streams sharing one reader),
//       sampled every 10 s: baseline with the reader loaded, peak, per-stream share above the
//       baseline, and the least-squares slope after the first minute. Malloc tuned as the
//       agent tunes it (core/malloc_tuning.hpp; ROADWARDEN_MALLOC_TUNING=off: glibc's defaults);
//   build/bench/edge_bench soak --compare-malloc --minutes 3
//       the same soak twice, in two child processes: glibc's default malloc (the baseline)
//       and the agent's tuning; one table with both rows and the ratios.
//
// Clips are rendered by tests/support/traffic_video into a temporary folder and deleted.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
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
#include "evidence/plate_read_package.hpp"
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

/// Truth plate of vehicle `v` on `frame`, if it is visible there.
const testing::PlateInFrame* plate_on(const testing::VehicleTruth& v, int frame) {
  for (const auto& p : v.plates)
    if (p.frame == frame) return p.visible ? &p : nullptr;
  return nullptr;
}

/// Plates smaller than this are outside what an enforcement camera is installed for: a plate
/// 24 px tall has characters about 17 px tall, and ANPR installation guides ask for 15-20 px
/// characters. Vehicles whose plate never reaches it are counted apart ("too small").
constexpr double kReadableHeightPx = 24.0;

struct Score {
  // Per frame: visible truth plates at least kReadableHeightPx tall, and those read exactly.
  long frame_plates = 0;
  long frame_correct = 0;
  // Per pass: vehicles visible on >= 10 frames at a readable size, those with a correct pass;
  // vehicles left out because their plate was never readable-size on 10 frames; passes,
  // duplicate passes (a second pass of one vehicle) and false passes (no vehicle).
  long vehicles = 0;
  long vehicles_correct = 0;
  long too_small = 0;
  long passes = 0;
  long duplicates = 0;
  long false_passes = 0;
  void add(const Score& o) {
    frame_plates += o.frame_plates;
    frame_correct += o.frame_correct;
    vehicles += o.vehicles;
    vehicles_correct += o.vehicles_correct;
    too_small += o.too_small;
    passes += o.passes;
    duplicates += o.duplicates;
    false_passes += o.false_passes;
  }
};

/// Reads every frame of `mp4` with `reader`, scores each frame's reads against the truth, and
/// feeds the same reads to a tracker to score its passes. A vehicle counts when its plate is
/// visible on at least 10 frames; a pass belongs to the vehicle whose plate overlaps its best
/// corners on its best frame (IoU >= 0.3).
Score score_clip(const fs::path& mp4, const testing::ClipTruth& truth, const alpr::Alpr& reader,
                 bool verbose) {
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
      const testing::PlateInFrame* p = plate_on(v, idx);
      if (!p || p->corners.height() < kReadableHeightPx) continue;
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
  std::map<std::size_t, int> passes_of;
  std::map<std::size_t, std::string> texts_of;  // the passes' texts per vehicle, for --verbose
  for (const video::Pass& p : passes) {
    const int best = static_cast<int>(
        std::lround(static_cast<double>(p.read.best_time.unix_ms) / frame_ms));  // start_time 0
    std::optional<std::size_t> owner;
    double best_iou = 0.3;
    for (std::size_t i = 0; i < truth.vehicles.size(); ++i) {
      for (const auto& tp : truth.vehicles[i].plates) {
        if (std::abs(tp.frame - best) > 1) continue;
        const double o = iou_quads(tp.corners, p.read.best_corners);
        if (o >= best_iou) {
          best_iou = o;
          owner = i;
        }
      }
    }
    ++s.passes;
    if (verbose_passes)
      std::cerr << fmt::format("    pass {} frames {}-{} votes {} -> vehicle {}\n", p.read.text,
                               p.read.first_seen.unix_ms / 40, p.read.last_seen.unix_ms / 40,
                               p.read.votes, owner ? static_cast<long>(*owner) : -1L);
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
    if (visible < 10) continue;
    if (readable < 10) {
      ++s.too_small;
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
  fmt::print("| {} | {} | {:.1f}% ({}/{}) | {:.1f}% ({}/{}) | {:.1f}% ({}/{}) | {} | {} |\n", set,
             s.vehicles, pct(s.frame_correct, s.frame_plates), s.frame_correct, s.frame_plates,
             pct(s.vehicles_correct, s.vehicles), s.vehicles_correct, s.vehicles,
             pct(s.duplicates, s.passes), s.duplicates, s.passes, s.false_passes, s.too_small);
}

/// The learned reader on one thread; `detector_input` is AlprOptions::detector_input (0 = the
/// model's 640).
std::unique_ptr<alpr::Alpr> make_reader(int detector_input) {
  cv::setNumThreads(1);
  alpr::AlprOptions options;
  options.detector_input = detector_input;
  return alpr::make_engine("learned", options, testing::source_dir() / "models");
}

/// A synthetic scene as a fixed enforcement camera frames it: random_traffic_scene with
/// plates `zoom` times larger than its wide-angle default (an ANPR camera is zoomed so plates
/// are 20-60 px tall at 1080p).
testing::TrafficClipSpec enforcement_scene(int seed, cv::Size size, int frames, double zoom) {
  return testing::random_traffic_scene(seed, size, frames, 5, zoom);
}

int run_accuracy(int first, int clips, int photo_clips, double zoom, double shutter, bool verbose,
                 int detector_input) {
  const auto reader = make_reader(detector_input);
  testing::TempDir tmp;
  Score synthetic;
  for (int k = first; k < first + clips; ++k) {
    testing::TrafficClipSpec spec = enforcement_scene(100 + k, {1920, 1080}, 250, zoom);
    spec.shutter = shutter;
    const fs::path mp4 = tmp.path() / fmt::format("synthetic_{}.mp4", k);
    const testing::ClipTruth truth = testing::write_traffic_clip(spec, mp4);
    synthetic.add(score_clip(mp4, truth, *reader, verbose));
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
      const fs::path mp4 = tmp.path() / fmt::format("photo_{}.mp4", k);
      const testing::ClipTruth truth = testing::write_photo_clip(spec, mp4);
      photos.add(score_clip(mp4, truth, *reader, verbose));
      ++photo_done;
    }
  }
  fmt::print(
      "\nPer-pass vs per-frame accuracy (learned reader, 1 thread, detector input long side {};"
      " tracker on every frame; plates >= {} px tall)\n| clips | vehicles | per-frame read | "
      "per-pass read | "
      "duplicate passes | false passes | vehicles too small |\n| --- | --- | --- | --- | --- "
      "| --- | --- |\n",
      detector_input == 0 ? 640 : detector_input, kReadableHeightPx);
  print_score(fmt::format("synthetic 1080p, {} clips, plate zoom {}, shutter {} of a frame", clips,
                          zoom, shutter),
              synthetic);
  if (photo_done)
    print_score(fmt::format("real photos animated, {} clips", photo_done), photos);
  else
    fmt::print("| real photos animated | skipped: ../shared/data/plates-train absent |\n");
  return 0;
}

double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
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

int run_throughput(double seconds, int detector_input) {
  const auto reader = make_reader(detector_input);
  testing::TempDir tmp;
  fmt::print(
      "Throughput, one core (cv::setNumThreads(1)), decode + detect + recognise + track; "
      "detector input long side {}\n",
      detector_input == 0 ? 640 : detector_input);
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
  }
  return 0;
}

/// The soak's 1080p clip: 500 frames of enforcement_scene(11).
testing::TrafficClipSpec soak_clip() {
  return enforcement_scene(11, {1920, 1080}, 500, 2.0);
}

/// A FileFrameSource that starts the file again at its end, with sequence numbers and capture
/// times (40 ms apart) continuing across loops: a camera that never stops, for the soak.
class LoopingFileSource final : public video::FrameSource {
 public:
  explicit LoopingFileSource(fs::path path) : path_(std::move(path)) { reopen(); }
  std::optional<video::Frame> next() override {
    while (!stopped_) {
      std::optional<video::Frame> f = file_->next();
      if (f) {
        f->sequence = sequence_++;
        f->capture_time.unix_ms = sequence_ * 40;
        return f;
      }
      reopen();
    }
    return std::nullopt;
  }
  void stop() override {
    const std::lock_guard lock(mutex_);  // reopen() may be replacing file_
    stopped_ = true;
    file_->stop();
  }
  std::string describe() const override { return path_.string() + " (looped)"; }

 private:
  // On the reader thread (or the constructor); next() reads file_ on that thread only.
  void reopen() {
    auto next_file = std::make_unique<video::FileFrameSource>(path_, video::FileSourceOptions{});
    const std::lock_guard lock(mutex_);
    if (stopped_) next_file->stop();
    file_ = std::move(next_file);
  }
  fs::path path_;
  std::mutex mutex_;
  std::unique_ptr<video::FileFrameSource> file_;
  std::atomic<bool> stopped_{false};
  std::int64_t sequence_ = 0;
};

/// What one soak runs.
struct SoakOptions {
  double minutes = 30;
  int detect_every = 2;
  int streams = 1;
  int detector_input = 0;
  int queue_frames = edge::CameraConfig{}.queue_frames;
};

/// Runs `streams` cameras as the agent runs them (edge::CameraPipeline: a reader thread, a
/// bounded frame queue of `queue_frames`, a worker thread; one reader shared by all), each on
/// the same 1080p clip looped with continuous capture times, for `minutes`. Each pass is made
/// into its evidence package (two JPEGs, evidence/plate_read_package.hpp) as the agent's spool
/// writer does, then dropped (no disk). Samples the process's resident memory every 10 s. The
/// clip is rendered by a child process (`self render-soak-clip`), so the rendering's heap is
/// not counted as the agent's. Prints the samples, the RSS with the reader loaded and no
/// stream running (the baseline), the peak, the peak per stream, (peak - baseline) / streams,
/// and the least-squares slope after the first minute.
int run_soak(const char* self, const SoakOptions& so) {
  testing::TempDir tmp;
  const fs::path mp4 = tmp.path() / "soak.mp4";
  const std::string render = fmt::format("'{}' render-soak-clip '{}'", self, mp4.string());
  if (std::system(render.c_str()) != 0) throw std::runtime_error("failed: " + render);
  const auto reader = make_reader(so.detector_input);
  const double baseline = rss_mb();
  std::atomic<long> packages{0};
  std::vector<std::unique_ptr<edge::CameraPipeline>> cameras;
  for (int k = 0; k < so.streams; ++k) {
    edge::CameraConfig config;
    config.id = fmt::format("soak-{}", k);
    config.file = mp4;
    config.detect_every = so.detect_every;
    config.queue_frames = so.queue_frames;
    cameras.push_back(std::make_unique<edge::CameraPipeline>(
        config, std::make_unique<LoopingFileSource>(mp4), *reader, [&](video::Pass&& pass) {
          evidence::PackageOptions o;
          o.site_id = "soak";
          o.engine = "learned";
          const evidence::Package p =
              evidence::build_plate_read_package(pass.read, pass.best_frame.to_bgr(), o);
          if (!p.files.empty()) ++packages;
        }));
  }
  for (auto& c : cameras) c->start();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::pair<double, double>> samples;  // (minutes, MB)
  fmt::print("minute,rss_mb\n");
  for (int i = 0;; ++i) {
    std::this_thread::sleep_until(t0 + std::chrono::seconds(10) * i);
    const double m =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60.0;
    samples.emplace_back(m, rss_mb());
    fmt::print("{:.2f},{:.1f}\n", m, samples.back().second);
    std::fflush(stdout);
    if (m >= so.minutes) break;
  }
  for (auto& c : cameras) c->stop();
  long frames = 0, errors = 0;
  for (auto& c : cameras) {
    c->join();
    frames += static_cast<long>(c->stats().frames_in);
    errors += static_cast<long>(c->stats().errors);
  }
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0, peak = 0;
  for (const auto& [x, y] : samples) {
    peak = std::max(peak, y);
    if (x < 1.0) continue;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double slope = n > 1 ? (n * sxy - sx * sy) / (n * sxx - sx * sx) : 0;
  fmt::print(
      "soak: {} stream(s), detection every {} frames, queue {} frames, {:.1f} min, {} frames, "
      "{} evidence packages, {} errors; RSS with the reader loaded {:.1f} MB, peak {:.1f} MB "
      "({:.1f} MB per stream), above the baseline {:.1f} MB per stream; slope after the first "
      "minute {:+.3f} MB/min\n",
      so.streams, so.detect_every, so.queue_frames, samples.back().first, frames, packages.load(),
      errors, baseline, peak, peak / so.streams, (peak - baseline) / so.streams, slope);
  // Read back by --compare-malloc.
  fmt::print("soak-result {} {:.1f} {:.1f} {:.3f} {}\n", frames, baseline, peak, slope,
             samples.back().second);
  return errors == 0 ? 0 : 1;
}

/// Runs the soak in two child processes of this binary (glibc's default malloc, then the
/// agent's tuning), each for `minutes`, and prints one table with both rows and the ratios.
int run_soak_comparison(const char* self, const SoakOptions& so) {
  struct Row {
    std::string name;
    long frames = 0;
    double baseline = 0, peak = 0, slope = 0, last = 0;
  };
  std::vector<Row> rows;
  for (const bool tuned : {false, true}) {
    const std::string cmd = fmt::format(
        "ROADWARDEN_MALLOC_TUNING={} '{}' --detector-input {} soak --minutes {} --detect-every "
        "{} --streams {} --queue-frames {} 2>/dev/null",
        tuned ? "on" : "off", self, so.detector_input, so.minutes, so.detect_every, so.streams,
        so.queue_frames);
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run " + cmd);
    Row row{tuned ? fmt::format("agent: heap-reused frames, {} arena", kAgentMallocArenas)
                  : std::string("glibc defaults (baseline)")};
    char line[512];
    bool found = false;
    while (std::fgets(line, sizeof line, pipe) != nullptr) {
      std::fputs(line, stderr);
      found = found || std::sscanf(line, "soak-result %ld %lf %lf %lf %lf", &row.frames,
                                   &row.baseline, &row.peak, &row.slope, &row.last) == 5;
    }
    if (::pclose(pipe) != 0 || !found) throw std::runtime_error("soak child failed: " + cmd);
    rows.push_back(row);
  }
  fmt::print(
      "| malloc | frames | RSS, reader loaded | peak RSS | RSS at end | slope MB/min "
      "| peak vs baseline |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const Row& r : rows)
    fmt::print("| {} | {} | {:.1f} MB | {:.1f} MB | {:.1f} MB | {:+.3f} | {:.2f}x |\n", r.name,
               r.frames, r.baseline, r.peak, r.last, r.slope, r.peak / rows[0].peak);
  fmt::print(
      "({} stream(s), {:.1f} min each, detection every {} frames, queue {} frames, detector "
      "input {})\n",
      so.streams, so.minutes, so.detect_every, so.queue_frames,
      so.detector_input == 0 ? 640 : so.detector_input);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Camera-agent benchmarks: per-pass accuracy, throughput, memory"};
  app.require_subcommand(1);
  int clips = 6, photo_clips = 10, detect_every = 2;
  double seconds = 10, minutes = 30, zoom = 2.0;
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
  bool verbose = false;
  acc->add_flag("--verbose", verbose, "list every vehicle read wrongly or more than once (stderr)");
  CLI::App* thr = app.add_subcommand("throughput", "frames per second on one core");
  thr->add_option("--seconds", seconds, "seconds per measurement")->check(CLI::Range(1.0, 600.0));
  CLI::App* soak = app.add_subcommand("soak", "resident memory over a long run");
  soak->add_option("--minutes", minutes, "run length")->check(CLI::Range(0.5, 600.0));
  soak->add_option("--detect-every", detect_every)->check(CLI::Range(1, 10));
  int streams = 1;
  soak->add_option("--streams", streams, "camera workers sharing one reader")
      ->check(CLI::Range(1, 16));
  int queue_frames = edge::CameraConfig{}.queue_frames;
  soak->add_option("--queue-frames", queue_frames,
                   "frames queued between each camera's reader and worker (site.toml "
                   "queue_frames; default: the agent's)")
      ->check(CLI::Range(1, 256));
  bool compare_malloc = false;
  soak->add_flag("--compare-malloc", compare_malloc,
                 "run the soak with glibc's default malloc and with the agent's tuning, one table");
  int detector_input = 0;
  app.add_option("--detector-input", detector_input,
                 "long side of the detector input, a multiple of 32 (0 = the model's 640)")
      ->check(CLI::Range(0, 2048));
  fs::path clip_out;
  CLI::App* render = app.add_subcommand("render-soak-clip", "(for soak) write the soak's clip");
  render->add_option("path", clip_out)->required();
  render->group("");  // internal
  CLI11_PARSE(app, argc, argv);
  if (render->parsed()) {
    (void)testing::write_traffic_clip(soak_clip(), clip_out);
    return 0;
  }
  // As the agent does, before any thread starts (throughput and accuracy included).
  (void)tune_malloc_for_frames(kAgentMallocArenas);
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  if (acc->parsed())
    return run_accuracy(first_clip, clips, photo_clips, zoom, shutter, verbose, detector_input);
  if (thr->parsed()) return run_throughput(seconds, detector_input);
  const SoakOptions so{minutes, detect_every, streams, detector_input, queue_frames};
  if (compare_malloc) return run_soak_comparison(self.c_str(), so);
  return run_soak(self.c_str(), so);
}
