// Memory soak of the camera agent, in a process linked as `roadwarden-edge` is (the agent's
// libraries only: no OpenCV imgcodecs/videoio, no test renderer), so its resident memory is the
// agent's:
//
//   build/bench/edge_soak --minutes 30 [--streams 1] [--queue-frames 2]
//       resident memory over a long run of the agent's camera pipelines (reader thread, frame
//       queue, worker, evidence packages; the clip looped; N streams sharing one reader),
//       sampled every 10 s: RSS with the libraries only, with the reader loaded (the baseline),
//       peak, per-stream share above the baseline, and the least-squares slope after the first
//       minute. Malloc tuned as the agent tunes it (core/malloc_tuning.hpp;
//       ROADWARDEN_MALLOC_TUNING=off: glibc's defaults);
//   build/bench/edge_soak --compare-malloc --minutes 3
//       the same soak twice, in two child processes: glibc's default malloc (the baseline)
//       and the agent's tuning; one table with both rows and the ratios.
//
// The 1080p clip is written by `edge_bench render-soak-clip` (next to this binary) into a
// temporary folder and deleted at the end.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <opencv2/core.hpp>

#include "alpr/engines.hpp"
#include "core/malloc_tuning.hpp"
#include "core/temp_folder.hpp"
#include "edge/camera_pipeline.hpp"
#include "evidence/plate_read_package.hpp"
#include "video/file_source.hpp"

namespace fs = std::filesystem;
using namespace roadwarden;

namespace {

/// Resident set size of this process, MB (VmRSS of /proc/self/status).
double rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

/// The learned reader on one thread, as the agent builds it; `detector_input` is
/// AlprOptions::detector_input (0 = the model's 640).
std::unique_ptr<alpr::Alpr> make_reader(int detector_input) {
  cv::setNumThreads(1);
  alpr::AlprOptions options;
  options.detector_input = detector_input;
  return alpr::make_engine("learned", options, fs::path(ROADWARDEN_SOURCE_DIR) / "models");
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
/// clip is rendered by a child process (`edge_bench render-soak-clip`), so the rendering's heap
/// and libraries are not counted as the agent's. Prints the samples, the RSS with the reader loaded
/// and no stream running (the baseline), the peak, the peak per stream, (peak - baseline) /
/// streams, and the least-squares slope after the first minute.
int run_soak(const fs::path& self, const SoakOptions& so, double libraries_mb) {
  TempFolder tmp("edge-soak");
  const fs::path mp4 = tmp.path() / "soak.mp4";
  const std::string render = fmt::format(
      "'{}' render-soak-clip '{}'", (self.parent_path() / "edge_bench").string(), mp4.string());
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
      "{} evidence packages, {} errors; RSS with the libraries only {:.1f} MB, with the reader "
      "loaded {:.1f} MB, peak {:.1f} MB "
      "({:.1f} MB per stream), above the baseline {:.1f} MB per stream; slope after the first "
      "minute {:+.3f} MB/min\n",
      so.streams, so.detect_every, so.queue_frames, samples.back().first, frames, packages.load(),
      errors, libraries_mb, baseline, peak, peak / so.streams, (peak - baseline) / so.streams,
      slope);
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
        "ROADWARDEN_MALLOC_TUNING={} '{}' --detector-input {} --minutes {} --detect-every "
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
  // Before anything else: the libraries' share of the resident memory.
  const double libraries = rss_mb();
  CLI::App app{"Camera-agent memory soak (linked as roadwarden-edge)"};
  SoakOptions so;
  app.add_option("--minutes", so.minutes, "run length")->check(CLI::Range(0.5, 600.0));
  app.add_option("--detect-every", so.detect_every)->check(CLI::Range(1, 10));
  app.add_option("--streams", so.streams, "camera workers sharing one reader")
      ->check(CLI::Range(1, 16));
  app.add_option("--queue-frames", so.queue_frames,
                 "frames queued between each camera's reader and worker (site.toml "
                 "queue_frames; default: the agent's)")
      ->check(CLI::Range(1, 256));
  bool compare_malloc = false;
  app.add_flag("--compare-malloc", compare_malloc,
               "run the soak with glibc's default malloc and with the agent's tuning, one table");
  app.add_option("--detector-input", so.detector_input,
                 "long side of the detector input, a multiple of 32 (0 = the model's 640)")
      ->check(CLI::Range(0, 2048));
  CLI11_PARSE(app, argc, argv);
  // As the agent does, before any thread starts.
  (void)tune_malloc_for_frames(kAgentMallocArenas);
  const fs::path self = fs::read_symlink("/proc/self/exe");
  if (compare_malloc) return run_soak_comparison(self.c_str(), so);
  return run_soak(self, so, libraries);
}
