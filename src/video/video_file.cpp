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

VideoFileReader::VideoFileReader(const std::filesystem::path& path, int every) : every_(every) {
  if (every < 1) throw InvalidInput(fmt::format("--every must be >= 1 (got {})", every));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw IoError("no such file");
  }
  if (!capture_.open(path.string(), cv::CAP_FFMPEG) || !capture_.isOpened()) {
    throw InvalidInput("cannot open as a video");
  }
}

std::optional<Frame> VideoFileReader::next() {
  while (true) {
    if (!capture_.grab()) return std::nullopt;
    const std::int64_t index = index_++;
    if (index % every_ != 0) continue;
    Frame f;
    f.index = index;
    f.position_ms = capture_.get(cv::CAP_PROP_POS_MSEC);
    if (!capture_.retrieve(f.image) || f.image.empty()) {
      throw InvalidInput(fmt::format("frame {} could not be decoded", index));
    }
    return f;
  }
}

VideoFileReader::Attempt VideoFileReader::try_next() {
  while (true) {
    // A failed grab consumes the frame's packet too: the next grab reads the frame after it, so
    // indexes keep matching container positions across a corrupt stretch.
    const std::int64_t index = index_++;
    if (!capture_.grab()) return Attempt{std::nullopt, index};
    if (index % every_ != 0) continue;
    Frame f;
    f.index = index;
    f.position_ms = capture_.get(cv::CAP_PROP_POS_MSEC);
    if (!capture_.retrieve(f.image) || f.image.empty()) {
      throw InvalidInput(fmt::format("frame {} could not be decoded", index));
    }
    return Attempt{std::move(f), -1};
  }
}

std::optional<std::int64_t> VideoFileReader::frame_count() const {
  const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
  if (!std::isfinite(count) || count < 1) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(count));
}

std::optional<double> VideoFileReader::fps() const {
  const double fps = capture_.get(cv::CAP_PROP_FPS);
  if (!std::isfinite(fps) || fps <= 0) return std::nullopt;
  return fps;
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
