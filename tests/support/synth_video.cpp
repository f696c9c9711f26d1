// Writes synthetic traffic clips with known plates, plus their truth, for the tracker and
// camera-agent benchmarks (tests/support/traffic_video.hpp).
//
//   synth_video OUTPUT_DIR [--clips N] [--frames N] [--vehicles N] [--size 1080p|4k|WxH]
//               [--seed S] [--plate-zoom Z] [--photo-clips N] [--photo-seconds S] [--plates-train
//               DIR]
//
// Output: OUTPUT_DIR/synthetic_<seed>.mp4 (procedural road scenes), OUTPUT_DIR/photo_<k>.mp4
// (real photos from plates-train animated as approaching vehicles; internal research data,
// see its SOURCES.md, never redistribute), and OUTPUT_DIR/truth.json:
//   {"generator": "roadwarden synth_video", "clips": [{"file", "kind": "synthetic"|"photo",
//    "seed", "source_image" (photo only), "width", "height", "frames", "fps",
//    "vehicles": [{"text", "first_visible", "last_visible", "direction",
//                  "plates": [{"frame", "visible", "corners": [[x, y] x4]}]}]}]}
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "support/traffic_video.hpp"

namespace fs = std::filesystem;
using namespace roadwarden::testing;

namespace {

cv::Size parse_size(const std::string& s) {
  if (s == "1080p") return {1920, 1080};
  if (s == "4k" || s == "4K") return {3840, 2160};
  if (s == "720p") return {1280, 720};
  const auto x = s.find('x');
  if (x == std::string::npos) throw std::invalid_argument("--size: expected 1080p, 4k or WxH");
  return {std::stoi(s.substr(0, x)), std::stoi(s.substr(x + 1))};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes synthetic traffic clips with known plates and a truth.json"};
  std::string out_dir,
      size_text = "1080p",
      plates_train = (fs::path(ROADWARDEN_SOURCE_DIR) / ".." / "shared" / "data" / "plates-train")
                         .lexically_normal()
                         .string();
  int clips = 3, frames = 250, vehicles = 6, seed = 1, photo_clips = 0;
  double photo_seconds = 3.0;
  app.add_option("output_dir", out_dir, "folder for the clips and truth.json")->required();
  app.add_option("--clips", clips, "procedural clips to write")->check(CLI::Range(0, 1000));
  app.add_option("--frames", frames, "frames per procedural clip (25 fps)")
      ->check(CLI::Range(10, 100000));
  app.add_option("--vehicles", vehicles, "vehicles per procedural clip")->check(CLI::Range(0, 100));
  app.add_option("--size", size_text, "frame size: 720p, 1080p, 4k or WxH");
  app.add_option("--seed", seed, "seed of the first clip (clip k uses seed + k)");
  app.add_option("--photo-clips", photo_clips, "animated real-photo clips to write")
      ->check(CLI::Range(0, 1000));
  app.add_option("--photo-seconds", photo_seconds, "length of a photo clip, seconds")
      ->check(CLI::Range(0.5, 60.0));
  app.add_option("--plates-train", plates_train, "the plates-train folder (manifest.csv)");
  double plate_zoom = 1.0;
  app.add_option("--plate-zoom", plate_zoom,
                 "plate size factor of the procedural clips (2: plates up to ~56 px at 1080p, "
                 "as an enforcement camera sees them; 1: a wide-angle view)")
      ->check(CLI::Range(0.25, 8.0));
  CLI11_PARSE(app, argc, argv);
  try {
    const cv::Size size = parse_size(size_text);
    fs::create_directories(out_dir);
    nlohmann::json all = nlohmann::json::array();
    for (int k = 0; k < clips; ++k) {
      const std::string file = "synthetic_" + std::to_string(seed + k) + ".mp4";
      const ClipTruth truth =
          write_traffic_clip(random_traffic_scene(seed + k, size, frames, vehicles, plate_zoom),
                             fs::path(out_dir) / file);
      nlohmann::json j = to_json(truth);
      j["file"] = file;
      j["kind"] = "synthetic";
      j["seed"] = seed + k;
      all.push_back(j);
      std::cout << (fs::path(out_dir) / file).string() << '\n';
    }
    if (photo_clips > 0) {
      for (const auto& part : fs::path(plates_train)) {
        if (part == "benchmarks") {
          std::cerr << "synth_video: refusing " << plates_train
                    << ": the benchmarks are held out and never used to make data\n";
          return 2;
        }
      }
      const auto photos = load_located_plates(plates_train);
      if (photos.empty()) {
        std::cerr << "synth_video: no located, text-labelled plates in " << plates_train << '\n';
        return 1;
      }
      cv::RNG rng(static_cast<std::uint64_t>(seed) * 31 + 7);
      for (int k = 0; k < photo_clips; ++k) {
        PhotoClipSpec spec;
        spec.plate =
            photos[static_cast<std::size_t>(rng.uniform(0, static_cast<int>(photos.size())))];
        spec.size = size;
        spec.seconds = photo_seconds;
        spec.seed = seed + k;
        const double scale = size.height / 1080.0;
        spec.start_plate_width = rng.uniform(50.0, 90.0) * scale;
        spec.end_plate_width = rng.uniform(200.0, 320.0) * scale;
        spec.start_centre = {rng.uniform(0.35, 0.65), rng.uniform(0.38, 0.48)};
        spec.end_centre = {rng.uniform(0.30, 0.70), rng.uniform(0.72, 0.85)};
        spec.jpeg_quality = rng.uniform(45, 86);
        const std::string file = "photo_" + std::to_string(seed + k) + ".mp4";
        nlohmann::json j = to_json(write_photo_clip(spec, fs::path(out_dir) / file));
        j["file"] = file;
        j["kind"] = "photo";
        j["seed"] = seed + k;
        j["source_image"] = fs::relative(spec.plate.image, plates_train).string();
        all.push_back(j);
        std::cout << (fs::path(out_dir) / file).string() << '\n';
      }
    }
    std::ofstream truth(fs::path(out_dir) / "truth.json");
    truth << nlohmann::json{{"generator", "roadwarden synth_video"}, {"clips", all}}.dump(1)
          << '\n';
    if (!truth) throw std::runtime_error("cannot write truth.json in " + out_dir);
  } catch (const std::exception& e) {
    std::cerr << "synth_video: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
