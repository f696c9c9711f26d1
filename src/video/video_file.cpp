#include "video/video_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {

namespace {

// FFmpeg demuxers of the containers is_video_path() names (mov also reads MP4 and M4V files).
constexpr const char* kFileFormats = "mov,avi,matroska,webm,mpeg,mpegts,mpegvideo,m4v";

}  // namespace

VideoFileReader::VideoFileReader(const std::filesystem::path& path, int every) : every_(every) {
  if (every < 1) throw InvalidInput(fmt::format("--every must be >= 1 (got {})", every));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw IoError("no such file");
  }
  codec::VideoDecoderOptions options;
  // A local file never waits on a camera: generous bounds, only against a hung file system.
  options.open_timeout_ms = 30000;
  options.read_timeout_ms = 30000;
  options.format_whitelist = kFileFormats;
  if (!decoder_.open(path.string(), options)) {
    throw InvalidInput("cannot open as a video");
  }
}

std::optional<Frame> VideoFileReader::next() {
  while (true) {
    if (!decoder_.grab()) return std::nullopt;
    const std::int64_t index = index_++;
    if (index % every_ != 0) continue;
    return take(index);
  }
}

VideoFileReader::Attempt VideoFileReader::try_next() {
  while (true) {
    // A failed grab consumes the frame's packet too: the next grab reads the frame after it, so
    // indexes keep matching container positions across a corrupt stretch.
    const std::int64_t index = index_++;
    if (!decoder_.grab()) return Attempt{std::nullopt, index};
    if (index % every_ != 0) continue;
    return Attempt{take(index), -1};
  }
}

Frame VideoFileReader::take(std::int64_t index) {
  Frame f;
  f.index = index;
  f.position_ms = decoder_.position_ms();
  if (!std::isfinite(f.position_ms)) {
    // No container timestamp: the frame's nominal time, as the frame rate gives it.
    const std::optional<double> rate = decoder_.fps();
    f.position_ms = rate ? static_cast<double>(index) * 1000.0 / *rate : 0.0;
  }
  f.image = decoder_.retrieve_bgr();
  if (f.image.empty()) throw InvalidInput(fmt::format("frame {} could not be decoded", index));
  return f;
}

std::optional<std::int64_t> VideoFileReader::frame_count() const {
  return decoder_.frame_count();
}

std::optional<double> VideoFileReader::fps() const {
  return decoder_.fps();
}

bool is_video_path(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<const char*, 9> kExt = {".mp4", ".avi",  ".mkv", ".mov", ".webm",
                                                      ".mpg", ".mpeg", ".ts",  ".m4v"};
  return std::any_of(kExt.begin(), kExt.end(), [&](const char* e) { return ext == e; });
}

}  // namespace roadwarden::video
