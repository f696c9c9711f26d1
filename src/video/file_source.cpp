#include "video/file_source.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {

namespace {

VideoFileReader open_reader(const std::filesystem::path& path, int every) {
  try {
    return VideoFileReader(path, every);
  } catch (const IoError& e) {
    throw IoError(fmt::format("{}: {}", path.string(), e.what()));
  } catch (const InvalidInput& e) {
    throw InvalidInput(fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace

FileFrameSource::FileFrameSource(std::filesystem::path path, FileSourceOptions options,
                                 HealthSink health)
    : path_(std::move(path)),
      options_(options),
      health_(std::move(health)),
      reader_(open_reader(path_, options_.every)) {}

std::optional<Frame> FileFrameSource::next() {
  if (ended_) return std::nullopt;
  if (!started_) {
    started_ = true;
    pace_origin_ = std::chrono::steady_clock::now();
    emit(HealthEvent::Kind::connected, "");
  }
  while (!stop_.requested()) {
    std::optional<Frame> frame;
    try {
      frame = reader_.next();
    } catch (const InvalidInput& e) {
      emit(HealthEvent::Kind::decode_error, e.what());
      continue;
    }
    if (!frame) {
      ended_ = true;
      emit(HealthEvent::Kind::ended, "end of file");
      return std::nullopt;
    }
    if (options_.realtime) {
      const auto due = pace_origin_ + std::chrono::microseconds(
                                          std::llround(std::max(0.0, frame->position_ms) * 1000));
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          due - std::chrono::steady_clock::now());
      if (wait.count() > 0 && stop_.wait_for(wait)) break;
    }
    frame->sequence = options_.first_sequence + delivered_++;
    frame->capture_time = UtcTime{options_.start_time.unix_ms + std::llround(frame->position_ms)};
    return frame;
  }
  ended_ = true;
  emit(HealthEvent::Kind::ended, "stopped");
  return std::nullopt;
}

void FileFrameSource::stop() {
  stop_.request();
}

std::string FileFrameSource::describe() const {
  return path_.string();
}

void FileFrameSource::emit(HealthEvent::Kind kind, std::string detail) {
  if (!health_) return;
  HealthEvent event;
  event.kind = kind;
  event.time = clock_.now();
  event.source = describe();
  event.detail = std::move(detail);
  health_(event);
}

}  // namespace roadwarden::video
