#include "edge/red_light_camera.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/errors.hpp"
#include "evidence/violation_package.hpp"
#include "rules/signal_colour.hpp"

namespace roadwarden::edge {

struct RedLightCamera::Approach {
  rules::RedLightRule rule;
  std::optional<cv::Rect> signal_region;
  std::deque<rules::VideoSignalObservation> colours;  // capture order, within the ring span
};

struct RedLightCamera::Pending {
  std::size_t approach = 0;
  rules::RedLightDecision decision;
  std::vector<std::int64_t> sequences;  // per observation of the judged track
  PlateRead read;
  video::CompactFrame best_frame;
};

/// Everything one package needs, owned (the ring may drop its frames meanwhile).
struct RedLightCamera::Job {
  std::size_t approach = 0;
  rules::RedLightDecision decision;
  PlateRead read;
  video::CompactFrame best_frame;
  evidence::ViolationStill before, at_line, intersection;
  std::vector<std::int64_t> clip_sequences;
  std::vector<UtcTime> clip_times;
  std::vector<std::vector<std::uint8_t>> clip_jpegs;
  bool truncated_start = false;
  bool truncated_end = false;
  nlohmann::json ring;
};

rules::TrackObservations track_observations(const std::vector<video::PathPoint>& path,
                                            std::vector<std::int64_t>* sequences) {
  rules::TrackObservations track;
  for (const video::PathPoint& p : path) {
    if (!track.observations.empty() && p.time <= track.observations.back().at) continue;
    track.observations.push_back({p.time, p.bottom_centre(), std::nullopt});
    if (sequences) sequences->push_back(p.sequence);
  }
  return track;
}

RedLightCamera::RedLightCamera(std::string camera,
                               const std::vector<RedLightApproachConfig>& approaches,
                               FrameRingOptions ring, std::shared_ptr<const SignalFeed> feed,
                               RedLightContext context, ViolationSink sink, bool background)
    : camera_(std::move(camera)),
      ring_(ring),
      feed_(std::move(feed)),
      context_(std::move(context)),
      sink_(std::move(sink)) {
  if (!feed_) throw InvalidInput(fmt::format("camera {}: red light needs a signal feed", camera_));
  if (!sink_)
    throw InvalidInput(fmt::format("camera {}: red light needs a violation sink", camera_));
  if (approaches.empty())
    throw InvalidInput(fmt::format("camera {}: red light needs at least one approach", camera_));
  for (const RedLightApproachConfig& a : approaches) {
    approaches_.push_back(
        std::make_unique<Approach>(Approach{rules::RedLightRule(a.options), a.signal_region, {}}));
  }
  if (background) evidence_thread_ = std::jthread([this] { evidence_loop(); });
}

RedLightCamera::~RedLightCamera() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (evidence_thread_.joinable()) evidence_thread_.join();  // builds what is still queued
}

RedLightStats RedLightCamera::stats() const {
  return {judged_.load(), violations_.load(), undecidable_.load(), lost_.load()};
}

void RedLightCamera::evidence_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    std::unique_ptr<Job> job = std::move(jobs_.front());
    jobs_.pop_front();
    building_ = true;
    lock.unlock();
    try {
      build(*job);
    } catch (const std::exception& e) {
      ++lost_;
      spdlog::error("camera {} approach {}: red-light violation at {} NOT recorded: {}", camera_,
                    approaches_[job->approach]->rule.options().approach_id,
                    to_iso8601(*job->decision.crossing_time), e.what());
    }
    lock.lock();
    building_ = false;
    changed_.notify_all();
  }
}

void RedLightCamera::frame(const video::Frame& frame) {
  ring_.add(frame);
  const std::int64_t oldest = frame.capture_time.unix_ms - ring_.options().span_ms;
  for (auto& a : approaches_) {
    if (!a->signal_region) continue;
    const cv::Rect r = *a->signal_region & cv::Rect(0, 0, frame.image.cols, frame.image.rows);
    rules::SignalColour colour = rules::SignalColour::unknown;
    if (r.area() > 0) colour = rules::classify_signal_colour(frame.image(r));
    a->colours.push_back({frame.capture_time, colour});
    while (!a->colours.empty() && a->colours.front().at.unix_ms < oldest) a->colours.pop_front();
  }
  emit_ready(false);
}

void RedLightCamera::pass(const video::Pass& pass) {
  if (pass.path.empty()) return;
  std::vector<std::int64_t> sequences;
  const rules::TrackObservations track = track_observations(pass.path, &sequences);
  for (std::size_t i = 0; i < approaches_.size(); ++i) {
    Approach& a = *approaches_[i];
    std::optional<rules::VideoSignalObservations> video;
    if (a.rule.options().video_cross_check)
      video = rules::VideoSignalObservations(a.colours.begin(), a.colours.end());
    rules::RedLightDecision d = feed_->judge(a.rule, track, video);
    ++judged_;
    const std::string where =
        fmt::format("camera {} approach {}: track {}..{} (frames {}..{})", camera_,
                    a.rule.options().approach_id, to_iso8601(track.observations.front().at),
                    to_iso8601(track.observations.back().at), sequences.front(), sequences.back());
    if (d.outcome == rules::RedLightOutcome::undecidable) {
      ++undecidable_;
      spdlog::warn("{}: red light undecidable: {}", where, d.reason);
      continue;
    }
    if (!d.violation()) {
      spdlog::debug("{}: {}: {}", where, rules::to_string(d.outcome), d.reason);
      continue;
    }
    spdlog::info("{}: red-light violation: {}", where, d.reason);
    auto p = std::make_unique<Pending>();
    p->approach = i;
    p->decision = std::move(d);
    p->sequences = sequences;
    p->read = pass.read;
    p->best_frame = pass.best_frame;
    pending_.push_back(std::move(p));
  }
  emit_ready(false);
}

void RedLightCamera::finish() {
  emit_ready(true);
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return jobs_.empty() && !building_; });
}

void RedLightCamera::emit_ready(bool source_ended) {
  const std::optional<UtcTime> newest = ring_.newest_time();
  std::vector<std::unique_ptr<Pending>> keep;
  for (auto& p : pending_) {
    if (!source_ended && (!newest || *newest < *p->decision.clip_end)) {
      keep.push_back(std::move(p));
      continue;
    }
    try {
      emit(*p, source_ended);
    } catch (const std::exception& e) {
      ++lost_;
      spdlog::error("camera {} approach {}: red-light violation at {} NOT recorded: {}", camera_,
                    approaches_[p->approach]->rule.options().approach_id,
                    to_iso8601(*p->decision.crossing_time), e.what());
    }
  }
  pending_ = std::move(keep);
}

void RedLightCamera::emit(Pending& p, bool source_ended) {
  const rules::RedLightDecision& d = p.decision;
  const rules::RedLightEvidenceFrames& ev = *d.evidence;
  if (!ev.in_intersection)
    throw InternalError("a violation without its intersection frame");  // the rule forbids it
  const auto still = [&](std::size_t index, const char* role) {
    const std::int64_t seq = p.sequences.at(index);
    const RingFrame* f = ring_.find(seq);
    if (!f) {
      throw IoError(fmt::format(
          "the {} frame (sequence {}) is no longer in the evidence frame ring (it holds {} "
          "frames from {}; raise evidence_ring.seconds or max_mb)",
          role, seq, ring_.size(),
          ring_.oldest_time() ? to_iso8601(*ring_.oldest_time()) : std::string("-")));
    }
    return evidence::ViolationStill{f->sequence, f->time, FrameRing::decode(*f)};
  };
  auto job = std::make_unique<Job>();
  job->approach = p.approach;
  job->decision = d;
  job->read = p.read;
  job->best_frame = p.best_frame;
  job->before = still(ev.before, "before");
  job->at_line = still(ev.at_line, "at_line");
  job->intersection = still(*ev.in_intersection, "intersection");
  for (const RingFrame* f : ring_.between(*d.clip_start, *d.clip_end)) {
    job->clip_sequences.push_back(f->sequence);
    job->clip_times.push_back(f->time);
    job->clip_jpegs.push_back(f->jpeg);
  }
  const std::optional<UtcTime> oldest = ring_.oldest_time();
  job->truncated_start = !oldest || *oldest > *d.clip_start;
  job->truncated_end = source_ended && (!ring_.newest_time() || *ring_.newest_time() < *d.clip_end);
  job->ring = {{"long_side", ring_.options().long_side},
               {"jpeg_quality", ring_.options().jpeg_quality},
               {"span_ms", ring_.options().span_ms},
               {"dropped_for_memory", ring_.dropped_for_memory()}};
  if (evidence_thread_.joinable()) {
    std::lock_guard lock(mutex_);
    if (jobs_.size() < 4) {
      jobs_.push_back(std::move(job));
      changed_.notify_all();
      return;
    }
  }
  build(*job);  // no evidence thread, or its queue is full: on this thread
}

void RedLightCamera::build(Job& job) {
  const Approach& a = *approaches_[job.approach];
  evidence::RedLightEvidence e;
  e.site_id = context_.site_id;
  e.timezone = context_.timezone;
  e.camera = camera_;
  e.clock_source = context_.clock_source;
  e.engine = context_.engine;
  e.jpeg_quality = context_.jpeg_quality;
  e.rule = &a.rule;
  e.decision = &job.decision;
  e.read = job.read;
  e.best_frame = job.best_frame.to_bgr();
  e.before = job.before;
  e.at_line = job.at_line;
  e.intersection = job.intersection;
  for (std::size_t i = 0; i < job.clip_jpegs.size(); ++i)
    e.clip.push_back({job.clip_sequences[i], job.clip_times[i], job.clip_jpegs[i]});
  e.clip_truncated_start = job.truncated_start;
  e.clip_truncated_end = job.truncated_end;
  evidence::Package package = evidence::build_red_light_package(e);
  package.metadata["violation"]["ring"] = job.ring;
  sink_(std::move(package));
  ++violations_;
}

}  // namespace roadwarden::edge
