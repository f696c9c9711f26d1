#include <cstdlib>
#include <exception>
#include <string>

#include <opencv2/core.hpp>

#include "alpr/engines.hpp"
#include "cli/commands.hpp"

namespace roadwarden::cli {

namespace {

/// A network input's long side (alpr::input_side_error), checked here so that a bad flag
/// gets CLI11's usage error naming it.
const CLI::Validator kInputSide(
    [](std::string& value) -> std::string {
      try {
        return alpr::input_side_error(std::stoi(value));
      } catch (const std::exception&) {
        return "not a whole number: " + value;
      }
    },
    "0 or a multiple of 32 in 128..2048");

}  // namespace

void add_reader_options(CLI::App& cmd, ReaderOptions& o) {
  cmd.add_option("--engine", o.engine, "Reader pipeline")
      ->check(CLI::IsMember({"learned", "classic"}))
      ->capture_default_str();
  cmd.add_option("--models", o.models_dir,
                 "Folder of the learned models [default: $ROADWARDEN_MODELS, or models/ of the "
                 "installation]");
  cmd.add_option("--country", o.alpr.country, "Plate formats applied to candidates")
      ->check(CLI::IsMember({"uz", "eu", "us", "br", "auto"}))
      ->capture_default_str();
  cmd.add_option("--top-n", o.alpr.top_n, "Candidates kept per plate")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  cmd.add_option("--min-confidence", o.alpr.min_read_confidence,
                 "Below this confidence a plate is reported unreadable (empty text)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd.add_option("--detector-input", o.alpr.detector_input,
                 "Learned engine: long side of the detector input in pixels, a multiple of 32 "
                 "in 128..2048 (0 = the model's 640); larger finds smaller plates, more slowly")
      ->check(kInputSide)
      ->capture_default_str();
  cmd.add_option("--zoom-input", o.alpr.zoom_input,
                 "Learned engine: long side in pixels (a multiple of 32 in 128..2048) of the "
                 "second look: a plate read with confidence up to 0.99 is detected again in a "
                 "window around it and read again, the better read kept; 0 = no second look")
      ->check(kInputSide)
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "Threads for OpenCV and Tesseract (0 = their default)")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
}

std::unique_ptr<alpr::Alpr> build_reader(const ReaderOptions& o) {
  if (o.threads > 0) {
    cv::setNumThreads(o.threads);
    // Tesseract reads its OpenMP limit from the environment when it initialises.
    ::setenv("OMP_THREAD_LIMIT", std::to_string(o.threads).c_str(), 1);
  }
  return alpr::make_engine(o.engine, o.alpr, o.models_dir);
}

}  // namespace roadwarden::cli
