#include "video/file_source.hpp"

#include <algorithm>
#include <cmath>
#include <string>
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

/// Frames an estimated frame count (duration × rate) may be off by; a shorter run of
/// unreadable frames at the very end is not reported as damage.
constexpr std::int64_t kFrameCountSlack = 5;

}  // namespace

FileFrameSource::FileFrameSource(std::filesystem::path path, FileSourceOptions options,
                                 HealthSink health)
    : path_(std::move(path)),
      options_(options),
      health_(std::move(health)),
      reader_(open_reader(path_, options_.every)),
      frame_count_(reader_.frame_count()) {
  // Give up after 2 s of video in a row that cannot be read, and never before 50 frames.
  if (const std::optional<double> fps = reader_.fps()) {
    max_unreadable_run_ = std::max<std::int64_t>(50, std::llround(std::ceil(2.0 * *fps)));
  }
}

std::optional<Frame> FileFrameSource::next() {
  if (ended_) return std::nullopt;
  if (!started_) {
    started_ = true;
    pace_origin_ = std::chrono::steady_clock::now();
    emit(HealthEvent::Kind::connected, "");
  }
  while (!stop_.requested()) {
    VideoFileReader::Attempt attempt;
    try {
      attempt = reader_.try_next();
    } catch (const InvalidInput& e) {
      report_skipped();
      emit(HealthEvent::Kind::decode_error, e.what());
      continue;
    }
    if (!attempt.frame) {
      if (std::optional<std::string> detail = on_unreadable(attempt.failed_index)) {
        ended_ = true;
        // A file that gave up, or whose last frames are missing beyond what an estimated frame
        // count can be off by, is damaged: a decode_error as well as the end.
        // (unreadable_from_ is only ever set when the frame count is known.)
        if (unreadable_from_ && frame_count_ &&
            (attempt.failed_index < *frame_count_ ||
             *frame_count_ - *unreadable_from_ > kFrameCountSlack)) {
          emit(HealthEvent::Kind::decode_error, *detail);
        }
        emit(HealthEvent::Kind::ended, std::move(*detail));
        return std::nullopt;
      }
      continue;
    }
    report_skipped();
    Frame& frame = *attempt.frame;
    if (options_.realtime) {
      const auto due = pace_origin_ + std::chrono::microseconds(
                                          std::llround(std::max(0.0, frame.position_ms) * 1000));
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          due - std::chrono::steady_clock::now());
      if (wait.count() > 0 && stop_.wait_for(wait)) break;
    }
    frame.sequence = options_.first_sequence + delivered_++;
    frame.capture_time = UtcTime{options_.start_time.unix_ms + std::llround(frame.position_ms)};
    return std::move(attempt.frame);
  }
  ended_ = true;
  emit(HealthEvent::Kind::ended, "stopped");
  return std::nullopt;
}

std::optional<std::string> FileFrameSource::on_unreadable(std::int64_t index) {
  if (!frame_count_ || index >= *frame_count_) {
    if (!unreadable_from_) return std::string("end of file");
    return fmt::format("end of file (frames {}-{} of {} could not be decoded)", *unreadable_from_,
                       *frame_count_ - 1, *frame_count_);
  }
  if (!unreadable_from_) unreadable_from_ = index;
  unreadable_to_ = index;
  const std::int64_t run = index - *unreadable_from_ + 1;
  if (run < max_unreadable_run_) return std::nullopt;
  return fmt::format(
      "file truncated or corrupt at frame {} of {}: {} frames in a row could not be decoded, "
      "gave up after {} frames delivered",
      *unreadable_from_, *frame_count_, run, delivered_);
}

void FileFrameSource::report_skipped() {
  if (!unreadable_from_) return;
  const std::int64_t from = *unreadable_from_;
  unreadable_from_.reset();
  emit(HealthEvent::Kind::decode_error,
       from == unreadable_to_
           ? fmt::format("frame {} of {} could not be decoded (corrupt data); skipped", from,
                         *frame_count_)
           : fmt::format("frames {}-{} of {} could not be decoded (corrupt data); skipped {}", from,
                         unreadable_to_, *frame_count_, unreadable_to_ - from + 1));
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
