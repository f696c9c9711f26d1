#include "edge/camera_pipeline.hpp"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"

namespace roadwarden::edge {

video::TrackerOptions with_format_voting(video::TrackerOptions t, const std::string& country) {
  if (!t.valid_text) {
    const std::vector<alpr::PlateFormat>& formats = alpr::formats_for(country);  // static
    t.valid_text = [&formats](std::string_view text) {
      return std::any_of(formats.begin(), formats.end(), [&](const alpr::PlateFormat& f) {
        return !f.hint_only && alpr::matches(text, f);
      });
    };
  }
  return t;
}

CameraWorker::CameraWorker(std::string camera, const alpr::Alpr& reader, int detect_every,
                           video::TrackerOptions tracker, std::int64_t merge_window_ms, bool track)
    : reader_(reader),
      camera_(camera),
      detect_every_(detect_every),
      track_(track),
      tracker_(std::move(camera), with_format_voting(std::move(tracker), reader.options().country)),
      merger_(merge_window_ms) {
  if (detect_every < 1)
    throw InvalidInput(fmt::format("detect_every must be >= 1, got {}", detect_every));
  if (!track && detect_every != 1)
    throw InvalidInput(
        "a camera without tracking (snapshots) must read every frame (detect_every 1)");
}

namespace {

/// A pass of one plate in one snapshot.
video::Pass snapshot_pass(const std::string& camera, const video::Frame& frame,
                          const PlateResult& r) {
  video::Pass p;
  PlateRead& read = p.read;
  read.camera = camera;
  read.text = r.text;
  read.confidence = r.confidence;
  read.char_confidences = r.char_confidences;
  read.candidates = r.candidates;
  read.country = r.country;
  read.format = r.format;
  read.votes = 1;
  read.frames_read = 1;
  read.first_seen = read.last_seen = read.best_time = frame.capture_time;
  read.best_sequence = frame.sequence;
  read.best_corners = r.corners;
  read.detector_confidence = r.detector_confidence;
  p.best_frame = video::CompactFrame::share_bgr(frame.image);  // spooled at once: no I420
  p.path.push_back({frame.capture_time, frame.sequence, r.corners, r.corners.bounding_box()});
  return p;
}

}  // namespace

std::vector<video::Pass> CameraWorker::process(const video::Frame& frame) {
  if (frame.image.empty()) throw InvalidInput("an empty frame cannot be processed");
  const bool detect = frames_ % static_cast<std::uint64_t>(detect_every_) == 0;
  ++frames_;
  last_time_ = frame.capture_time;
  if (!track_) {
    ++frames_read_;
    std::vector<video::Pass> passes;
    for (const PlateResult& r : reader_.read(frame.image))
      if (!r.text.empty()) passes.push_back(snapshot_pass(camera_, frame, r));
    return passes;
  }
  if (!detect) {
    std::vector<video::Pass> done = tracker_.skip(frame);
    return merger_.add(std::move(done), frame.capture_time, tracker_.earliest_live_start());
  }
  ++frames_read_;
  std::vector<video::Pass> done = tracker_.update(frame, reader_.read(frame.image));
  return merger_.add(std::move(done), frame.capture_time, tracker_.earliest_live_start());
}

std::vector<video::Pass> CameraWorker::finish() {
  std::vector<video::Pass> out = merger_.add(tracker_.finish(), last_time_);
  for (video::Pass& p : merger_.finish()) out.push_back(std::move(p));
  return out;
}

CameraPipeline::CameraPipeline(CameraConfig config, std::unique_ptr<video::FrameSource> source,
                               const alpr::Alpr& reader, PassSink sink,
                               std::unique_ptr<RedLightCamera> red_light)
    : config_(std::move(config)),
      source_(std::move(source)),
      reader_(reader),
      sink_(std::move(sink)),
      red_light_(std::move(red_light)),
      queue_(static_cast<std::size_t>(config_.queue_frames)) {
  if (!source_) throw InvalidInput("a camera pipeline needs a frame source");
  if (!sink_) throw InvalidInput("a camera pipeline needs a pass sink");
}

CameraPipeline::~CameraPipeline() {
  stop();
  join();
}

void CameraPipeline::start() {
  worker_thread_ = std::jthread([this] { work_loop(); });
  reader_thread_ = std::jthread([this] { read_loop(); });
}

void CameraPipeline::stop() {
  source_->stop();
}

void CameraPipeline::join() {
  if (reader_thread_.joinable()) reader_thread_.join();
  if (worker_thread_.joinable()) worker_thread_.join();
}

CameraStats CameraPipeline::stats() const {
  return {frames_in_.load(), queue_.dropped(),   frames_read_.load(),  passes_.load(),
          errors_.load(),    violations_.load(), undecidable_.load(), last_frame_ms_.load()};
}

void CameraPipeline::read_loop() {
  const bool drop = config_.overflow == Overflow::drop_oldest;
  try {
    while (std::optional<video::Frame> frame = source_->next()) {
      ++frames_in_;
      last_frame_ms_ = frame->capture_time.unix_ms;
      if (!queue_.push(std::move(*frame), drop)) break;
    }
  } catch (const std::exception& e) {
    // Only errors retrying cannot fix reach here (e.g. a deleted video file).
    ++errors_;
    spdlog::error("camera {}: source {} failed: {}", config_.id, source_->describe(), e.what());
  }
  queue_.close();
}

void CameraPipeline::work_loop() {
  std::uint64_t lost_seen = 0;  // red-light violations lost, already counted in errors_
  CameraWorker worker(config_.id, reader_, config_.detect_every, config_.tracker,
                      config_.merge_window_ms, config_.tracking);
  const auto red_light_stats = [&] {
    if (!red_light_) return;
    const RedLightStats st = red_light_->stats();  // one snapshot: the evidence thread counts too
    violations_ = st.violations;
    undecidable_ = st.undecidable;
    errors_ += st.lost - lost_seen;
    lost_seen = st.lost;
  };
  const auto deliver = [&](std::vector<video::Pass>&& passes) {
    for (video::Pass& pass : passes) {
      if (red_light_) {
        try {
          red_light_->pass(pass);
        } catch (const std::exception& e) {
          ++errors_;
          spdlog::error("camera {}: red-light judgement of a pass failed: {}", config_.id,
                        e.what());
        }
      }
      try {
        sink_(std::move(pass));
        ++passes_;
      } catch (const std::exception& e) {
        ++errors_;
        spdlog::error("camera {}: a vehicle pass could not be stored: {}", config_.id, e.what());
      }
    }
  };
  while (std::optional<video::Frame> frame = queue_.pop()) {
    if (red_light_) {
      // Its own try: a frame the red-light evidence cannot take must not cost the plate read.
      try {
        red_light_->frame(*frame);
      } catch (const std::exception& e) {
        ++errors_;
        spdlog::error("camera {}: frame {} not kept as red-light evidence: {}", config_.id,
                      frame->sequence, e.what());
      }
    }
    try {
      deliver(worker.process(*frame));
    } catch (const std::exception& e) {
      ++errors_;
      spdlog::error("camera {}: frame {} failed: {}", config_.id, frame->sequence, e.what());
    }
    frames_read_ = worker.frames_read();
    red_light_stats();
  }
  try {
    deliver(worker.finish());
    if (red_light_) red_light_->finish();
  } catch (const std::exception& e) {
    ++errors_;
    spdlog::error("camera {}: end of source failed: {}", config_.id, e.what());
  }
  red_light_stats();
}

}  // namespace roadwarden::edge
