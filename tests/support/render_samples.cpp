// Writes the sample photos shipped in examples/images/: synthetic scenes with known plates,
// rendered by the same code the tests use (no third-party photos, so no licence questions).
//   render_samples OUTPUT_DIR
#include <filesystem>
#include <iostream>

#include <opencv2/imgcodecs.hpp>

#include "support/plate_renderer.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: render_samples OUTPUT_DIR\n";
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  struct Sample {
    const char* file;
    const char* text;
    double roll;
  };
  const Sample samples[] = {{"uz-private-01A123BC.jpg", "01 A 123 BC", 4.0},
                            {"uz-legal-10123ABC.jpg", "10 123 ABC", -3.0},
                            {"br-old-ABC1234.jpg", "ABC 1234", 2.0},
                            {"eu-fr-AB123CD.jpg", "AB 123 CD", 0.0}};
  int seed = 7;
  for (const Sample& s : samples) {
    const auto scene = roadwarden::testing::render_scene(s.text, {1280, 720}, 300, s.roll, seed++);
    cv::imwrite((out / s.file).string(), scene.image, {cv::IMWRITE_JPEG_QUALITY, 90});
    std::cout << (out / s.file).string() << '\n';
  }
  return 0;
}
