#include "cli/read_runner.hpp"

#include <chrono>

#include <fmt/format.h>
#include <opencv2/core.hpp>

#include "core/errors.hpp"
#include "video/video_file.hpp"

namespace roadwarden::cli {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

}  // namespace

bool read_input(const alpr::Alpr& reader, const Input& input, const RunOptions& options,
                const std::function<void(alpr::ReadResult&&)>& emit) {
  alpr::ReadResult r;
  r.image = input.path.string();
  if (!input.error.empty()) {
    r.error = input.error;
    emit(std::move(r));
    return false;
  }
  if (input.kind == InputKind::Image) {
    const auto t0 = Clock::now();
    try {
      const cv::Mat image = codec::load_image(input.path, options.limits);
      r.plates = reader.read(image);
    } catch (const Error& e) {
      r.error = e.what();
    } catch (const cv::Exception& e) {
      r.error = std::string("image processing failed: ") + e.what();
    }
    r.processing_ms = ms_since(t0);
    const bool ok = !r.error;
    emit(std::move(r));
    return ok;
  }
  // Video: one result per selected frame; a failure ends the file with one error result.
  std::optional<std::int64_t> last_frame;
  try {
    video::VideoFileReader video(input.path, options.every);
    while (true) {
      const auto t0 = Clock::now();
      std::optional<video::Frame> frame = video.next();
      if (!frame) break;
      alpr::ReadResult fr;
      fr.image = r.image;
      fr.frame = frame->index;
      last_frame = frame->index;
      const cv::Size size = frame->image.size();
      if (size.width < options.limits.min_side || size.height < options.limits.min_side ||
          static_cast<std::int64_t>(size.area()) > options.limits.max_pixels) {
        throw InvalidInput(fmt::format("frame {} has size {}x{}, outside the image limits",
                                       frame->index, size.width, size.height));
      }
      fr.plates = reader.read(frame->image);
      fr.processing_ms = ms_since(t0);
      emit(std::move(fr));
    }
  } catch (const Error& e) {
    r.frame = last_frame;
    r.error = e.what();
    emit(std::move(r));
    return false;
  }
  if (!last_frame) {
    r.error = "video has no decodable frames";
    emit(std::move(r));
    return false;
  }
  return true;
}

}  // namespace roadwarden::cli
