// Frames from a video file, decoded with FFmpeg (codec::VideoDecoder).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include <opencv2/core.hpp>

#include "codec/video_decoder.hpp"
#include "video/frame.hpp"

namespace roadwarden::video {

/// Reads every `every`-th frame of a video file (frames 0, every, 2·every, …).
/// Not thread-safe: one reader per thread. Called once per frame from one worker.
class VideoFileReader {
 public:
  /// Opens `path`. Throws IoError when the file is missing, InvalidInput when FFmpeg cannot
  /// open it as a video or `every` < 1 (messages give the reason; the caller names the file).
  /// Only the containers is_video_path() names are accepted (by their content, whatever the
  /// extension): MP4/MOV, AVI, Matroska/WebM, MPEG program and transport streams, raw MPEG-4.
  VideoFileReader(const std::filesystem::path& path, int every);

  /// The next selected frame, or nullopt at the end of the file. Throws InvalidInput when a
  /// frame cannot be decoded before the end of the stream. `position_ms` is the container time
  /// (codec::VideoDecoder::position_ms()), or index × 1000 / fps for a frame without one.
  /// A frame whose data FFmpeg cannot read (grab fails: a corrupt packet, or the end of the
  /// data) is taken as the end of the file; FileFrameSource uses try_next() to read on instead.
  [[nodiscard]] std::optional<Frame> next();

  /// Result of try_next(): a frame, or the index of a frame whose data could not be read.
  struct Attempt {
    /// The next selected frame (BGR 8-bit H×W×3), when its data could be read.
    std::optional<Frame> frame;
    /// Without `frame`: the index of the frame FFmpeg could not grab (selected by `every` or
    /// not). -1 with a frame.
    std::int64_t failed_index = -1;
  };
  /// Like next(), but a frame whose data cannot be grabbed (a corrupt packet, or the end of the
  /// data) does not end the reader: it is returned as `failed_index`, and the next call goes on
  /// with the frame after it. Past the end of the data every call fails, with increasing
  /// indexes; the caller decides when to stop (e.g. at frame_count()). Throws InvalidInput when
  /// a grabbed frame cannot be decoded, as next() does. Do not mix with next() on one reader.
  [[nodiscard]] Attempt try_next();

  /// Frames in the file as the container declares (the stream's nb_frames), nullopt when
  /// unknown. For containers without a frame count it is estimated from duration × frame rate,
  /// so it may be off by a few frames.
  [[nodiscard]] std::optional<std::int64_t> frame_count() const;
  /// Frame rate the container declares (avg_frame_rate, else r_frame_rate), frames per second;
  /// nullopt when unknown.
  [[nodiscard]] std::optional<double> fps() const;

 private:
  // The grabbed frame as frame `index`: BGR image and position (container timestamp; index /
  // fps when the frame has none). Throws InvalidInput when it cannot be converted.
  Frame take(std::int64_t index);

  codec::VideoDecoder decoder_;
  int every_;
  std::int64_t index_ = 0;
};

/// True when the extension names a video container roadwarden reads (.mp4 .avi .mkv .mov
/// .webm .mpg .mpeg .ts .m4v), case-insensitive.
[[nodiscard]] bool is_video_path(const std::filesystem::path& path);

}  // namespace roadwarden::video
