// Per-frame speed of the reader pipelines on a 1920×1080 frame, one thread, learned against
// classic in one run, with the ratio printed at the end (Google Benchmark).
//   build/bench/pipeline_bench [--benchmark_repetitions=5]
// The frame is a synthetic scene (tests/support/plate_renderer) with one plate, so the
// figure does not depend on data outside the repository.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include <opencv2/core.hpp>

#include "alpr/engines.hpp"
#include "alpr/stages.hpp"
#include "core/malloc_tuning.hpp"
#include "support/plate_renderer.hpp"

namespace {

using roadwarden::alpr::AlprOptions;
using roadwarden::alpr::make_engine;

const cv::Mat& frame_1080p() {
  static const cv::Mat frame =
      roadwarden::testing::render_scene("01 A 123 BC", {1920, 1080}, 330, 3.0, 5).image;
  return frame;
}

void read_frame(benchmark::State& state, const std::string& engine) {
  cv::setNumThreads(1);
  const auto alpr = make_engine(engine, AlprOptions{}, ROADWARDEN_SOURCE_DIR "/models");
  std::size_t plates = 0;
  for (auto _ : state) {
    const auto result = alpr->read(frame_1080p());
    plates += result.size();
    benchmark::DoNotOptimize(result.data());
  }
  state.counters["plates/frame"] =
      static_cast<double>(plates) / static_cast<double>(state.iterations());
}

void BM_Learned1080p(benchmark::State& state) { read_frame(state, "learned"); }
void BM_Classic1080p(benchmark::State& state) { read_frame(state, "classic"); }
BENCHMARK(BM_Learned1080p)->Unit(benchmark::kMillisecond)->MinTime(3.0);
BENCHMARK(BM_Classic1080p)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// Prints as usual, and remembers each benchmark's real time per iteration.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type == Run::RT_Iteration && r.iterations > 0) {
        ms_[r.run_name.function_name] = r.GetAdjustedRealTime();
      }
    }
  }
  std::map<std::string, double> ms_;
};

}  // namespace

int main(int argc, char** argv) {
  (void)roadwarden::tune_malloc_for_frames();  // as `roadwarden read` does
  ::setenv("OMP_THREAD_LIMIT", "1", 1);  // Tesseract's OpenMP: one thread, as OpenCV
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const auto learned = reporter.ms_.find("BM_Learned1080p");
  const auto classic = reporter.ms_.find("BM_Classic1080p");
  if (learned != reporter.ms_.end() && classic != reporter.ms_.end() && learned->second > 0) {
    std::cout << "learned is " << classic->second / learned->second
              << "x the speed of classic on a 1080p frame (1 thread)\n";
  }
  benchmark::Shutdown();
  return 0;
}
