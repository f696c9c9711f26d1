// Frames from a video file, decoded by OpenCV's FFmpeg backend.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "video/frame.hpp"

namespace roadwarden::video {

/// Reads every `every`-th frame of a video file (frames 0, every, 2·every, …).
/// Not thread-safe: one reader per thread. Called once per frame from one worker.
class VideoFileReader {
 public:
  /// Opens `path`. Throws IoError when the file is missing, InvalidInput when FFmpeg cannot
  /// open it as a video or `every` < 1 (messages give the reason; the caller names the file).
  VideoFileReader(const std::filesystem::path& path, int every);

  /// The next selected frame, or nullopt at the end of the file. Throws InvalidInput when a
  /// frame cannot be decoded before the end of the stream.
  [[nodiscard]] std::optional<Frame> next();

 private:
  cv::VideoCapture capture_;
  int every_;
  std::int64_t index_ = 0;
};

/// True when the extension names a video container roadwarden reads (.mp4 .avi .mkv .mov
/// .webm .mpg .mpeg .ts .m4v), case-insensitive.
[[nodiscard]] bool is_video_path(const std::filesystem::path& path);

}  // namespace roadwarden::video
