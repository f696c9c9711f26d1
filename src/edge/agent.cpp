#include "edge/agent.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/safe_text.hpp"
#include "edge/camera_pipeline.hpp"
#include "edge/pass_rules.hpp"
#include "edge/red_light_camera.hpp"
#include "edge/signal_feed.hpp"
#include "edge/spool.hpp"
#include "edge/uploader.hpp"
#include "evidence/plate_read_package.hpp"
#include "video/file_source.hpp"
#include "video/folder_source.hpp"
#include "video/stream_source.hpp"

namespace roadwarden::edge {
namespace {

using nlohmann::json;

UtcTime file_mtime(const std::filesystem::path& path) {
  std::error_code ec;
  const auto t = std::filesystem::last_write_time(path, ec);
  if (ec) throw IoError(fmt::format("{}: {}", path.string(), ec.message()));
  const auto sys = std::chrono::file_clock::to_sys(t);
  return UtcTime{
      std::chrono::duration_cast<std::chrono::milliseconds>(sys.time_since_epoch()).count()};
}

std::unique_ptr<video::FrameSource> open_source(const CameraConfig& cam, const Clock& clock,
                                                video::HealthSink health) {
  try {
    if (!cam.file.empty()) {
      video::FileSourceOptions o;
      o.start_time = cam.start_time ? *cam.start_time : file_mtime(cam.file);
      o.realtime = cam.realtime;
      return std::make_unique<video::FileFrameSource>(cam.file, o, std::move(health));
    }
    if (!cam.folder.empty()) {
      video::FolderSourceOptions o;
      o.dir = cam.folder;
      o.settle_ms = cam.settle_ms;
      o.incomplete_hold_ms = cam.incomplete_hold_ms;
      return std::make_unique<video::FolderFrameSource>(o, clock, std::move(health));
    }
    video::StreamSourceOptions o;
    o.url = cam.url;
    return std::make_unique<video::StreamFrameSource>(o, clock, std::move(health));
  } catch (const IoError& e) {
    throw IoError(fmt::format("camera {}: {}", cam.id, e.what()));
  } catch (const InvalidInput& e) {
    throw InvalidInput(fmt::format("camera {}: {}", cam.id, e.what()));
  }
}

}  // namespace

struct EdgeAgent::Impl {
  SiteConfig config;
  std::unique_ptr<alpr::Alpr> reader;
  const Clock& clock;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<Uploader> uploader;
  std::shared_ptr<SignalFeed> signal;     // set when a camera has a red-light approach
  std::unique_ptr<PassRuleEngine> rules;  // set when curfew/section/seatbelt rules exist
  /// Latest capture time of any pass (UTC ms): the agent's notion of "now" for expiring
  /// section-speed entries, so recorded video (capture times in the past) ages by its own
  /// clock, not the wall clock.
  std::atomic<std::int64_t> latest_capture{0};
  std::vector<std::unique_ptr<CameraPipeline>> cameras;
  std::uint64_t purged = 0;  // touched by run()'s thread only
  std::mutex health_mutex;
  std::map<std::string, std::uint64_t> reconnects;     // per camera; guarded by health_mutex
  std::map<std::string, std::uint64_t> decode_errors;  // per camera; guarded by health_mutex
  std::atomic<bool> alarm{false};

  std::mutex mutex;
  std::condition_variable wake;  // guarded by mutex
  bool stopping = false;         // guarded by mutex
  std::atomic<int> running{0};

  Impl(SiteConfig c, std::unique_ptr<alpr::Alpr> r, const Clock& k)
      : config(std::move(c)), reader(std::move(r)), clock(k) {}

  /// Logs the quota alarm when it turns on or off, and spools a record when it turns on so the
  /// server learns it before puts are refused. Called after every put().
  void check_alarm() {
    const SpoolUsage u = spool->usage();
    if (u.alarm == alarm.exchange(u.alarm)) return;
    if (!u.alarm) {
      spdlog::info("spool back below its alarm level");
      return;
    }
    spdlog::warn("spool {} above {:.0f}% of its quota ({} of {} bytes)", config.spool_dir.string(),
                 config.spool_alarm_fraction * 100, u.bytes, config.spool_quota_bytes);
    try {
      spool->put("health",
                 {{"type", "spool_health"},
                  {"site", config.site_id},
                  {"event", "quota_alarm"},
                  {"time", to_iso8601(clock.now())},
                  {"bytes", u.bytes},
                  {"quota_bytes", config.spool_quota_bytes}},
                 {}, false);
    } catch (const std::exception& ex) {
      spdlog::error("spool quota alarm not spooled: {}", ex.what());
    }
  }

  void spool_health(const std::string& camera, const video::HealthEvent& event) {
    // Source and detail may hold a file name from the camera's folder or a remote message:
    // escaped, so they can neither forge a log line nor make the record unserialisable.
    video::HealthEvent e = event;
    e.source = safe_text(e.source);
    e.detail = safe_text(e.detail);
    const bool trouble = e.kind == video::HealthEvent::Kind::lost ||
                         e.kind == video::HealthEvent::Kind::decode_error;
    // A folder that stays missing fails every poll: its retries are logged at attempts 1, 2, 4,
    // 8, … only, so the log does not fill with one line per half second.
    const bool quiet_retry = e.kind == video::HealthEvent::Kind::lost && e.attempt > 1 &&
                             (e.attempt & (e.attempt - 1)) != 0;
    if (!quiet_retry)
      spdlog::log(trouble ? spdlog::level::warn : spdlog::level::info, "camera {}: {} {} {}{}",
                  camera, video::to_string(e.kind), e.source, e.detail,
                  e.attempt > 1 ? fmt::format(" (attempt {})", e.attempt) : "");
    if (e.kind == video::HealthEvent::Kind::reconnected) {
      const std::lock_guard lock(health_mutex);
      ++reconnects[camera];
    }
    if (e.kind == video::HealthEvent::Kind::decode_error) {
      const std::lock_guard lock(health_mutex);
      ++decode_errors[camera];
    }
    // One record per outage: the first failed attempt and the reconnection, not every retry.
    if (e.kind == video::HealthEvent::Kind::lost && e.attempt > 1) return;
    try {
      spool->put("health",
                 {{"type", "camera_health"},
                  {"site", config.site_id},
                  {"camera", camera},
                  {"event", video::to_string(e.kind)},
                  {"time", to_iso8601(e.time)},
                  {"source", e.source},
                  {"detail", e.detail},
                  {"gap_ms", e.gap_ms},
                  {"attempt", e.attempt}},
                 {}, false);
    } catch (const std::exception& ex) {
      spdlog::error("camera {}: health event not spooled: {}", camera, ex.what());
    }
    check_alarm();
  }

  /// Spools a red-light violation package as a record of kind "red_light" (violation: kept
  /// until uploaded, never purged by retention). Called on a camera's evidence thread.
  void spool_violation(evidence::Package&& p) {
    std::vector<EvidenceFile> files;
    for (evidence::PackageFile& f : p.files)
      files.push_back({std::move(f.name), std::move(f.media_type), std::move(f.bytes)});
    try {
      spool->put("red_light", std::move(p.metadata), std::move(files), true);
    } catch (...) {
      check_alarm();
      throw;
    }
    check_alarm();
  }

  /// Runs the per-pass rules on a pass and spools each violation under its rule's kind
  /// (violation: kept until uploaded). Called on the camera's worker thread.
  /// `frame` is pass.best_frame.to_bgr(), converted once for the pass's package and its rules.
  void judge_pass(const video::Pass& pass, const cv::Mat& frame) {
    // Clamped to the agent's clock + 1 min: one camera whose clock runs far ahead must not
    // expire every pending section entry at once.
    const std::int64_t at = std::min(pass.read.last_seen.unix_ms, clock.now().unix_ms + 60'000);
    std::int64_t seen = latest_capture.load();
    while (at > seen && !latest_capture.compare_exchange_weak(seen, at)) {
    }
    if (!rules) return;
    for (ViolationRecord& v : rules->on_pass(pass.read.camera, pass, frame)) {
      spdlog::info("camera {}: {} violation", pass.read.camera, v.kind);
      try {
        spool->put(v.kind, std::move(v.metadata), std::move(v.files), true);
      } catch (...) {
        check_alarm();
        throw;
      }
      check_alarm();
    }
  }

  /// Drops section-speed entries older than their maximum transit (each logged by the engine).
  void expire_rules() {
    if (rules && latest_capture.load() > 0) (void)rules->expire(UtcTime{latest_capture.load()});
  }

  /// Spools each camera's heartbeat (docs/edge-upload.md, `camera_heartbeat`).
  void spool_heartbeats() {
    for (const auto& cam : cameras) {
      const CameraStats st = cam->stats();
      json beat = {{"type", "camera_heartbeat"}, {"site", config.site_id},
                   {"camera", cam->config().id}, {"time", to_iso8601(clock.now())},
                   {"frames_in", st.frames_in},  {"frames_dropped", st.frames_dropped}};
      if (st.last_frame_ms > 0) beat["last_frame_at"] = to_iso8601(UtcTime{st.last_frame_ms});
      {
        const std::lock_guard lock(health_mutex);
        const auto it = reconnects.find(cam->config().id);
        beat["reconnects"] = it == reconnects.end() ? 0 : it->second;
      }
      try {
        spool->put("health", std::move(beat), {}, false);
      } catch (const std::exception& ex) {
        spdlog::error("camera {}: heartbeat not spooled: {}", cam->config().id, ex.what());
      }
    }
    check_alarm();
  }

  /// Spools the rules in force once at start (docs/edge-upload.md, `site_rules`): per camera,
  /// each rule's kind, id or approach, configuration hash and configuration.
  void spool_site_rules() {
    std::map<std::string, json> per_camera;
    for (const CameraConfig& cam : config.cameras) {
      json& rules_of = per_camera[cam.id] = json::array();
      for (const RedLightApproachConfig& a : cam.red_light) {
        const rules::RedLightRule rule(a.options);
        rules_of.push_back({{"kind", "red_light"},
                            {"approach", a.options.approach_id},
                            {"config_hash", rule.config_hash()},
                            {"config", json::parse(rule.canonical_config())}});
      }
    }
    if (rules) {
      for (const PassRuleEngine::RuleInForce& r : rules->rules_in_force()) {
        for (const std::string& camera : r.cameras) {
          per_camera[camera].push_back({{"kind", r.kind},
                                        {"id", r.id},
                                        {"config_hash", r.config_hash},
                                        {"config", r.config}});
        }
      }
    }
    json list = json::array();
    bool any = false;
    for (auto& [camera, rules_of] : per_camera) {
      any = any || !rules_of.empty();
      list.push_back({{"camera", camera}, {"rules", std::move(rules_of)}});
    }
    if (!any) return;
    try {
      spool->put("health",
                 {{"type", "site_rules"},
                  {"site", config.site_id},
                  {"time", to_iso8601(clock.now())},
                  {"cameras", std::move(list)}},
                 {}, false);
    } catch (const std::exception& ex) {
      spdlog::error("site rules report not spooled: {}", ex.what());
    }
  }

  void spool_pass(video::Pass&& pass) {
    evidence::PackageOptions o;
    o.site_id = config.site_id;
    o.timezone = config.timezone;
    o.clock_source = clock.source();
    o.engine = config.engine;
    o.jpeg_quality = config.jpeg_quality;
    o.blur_outside_vehicle = config.blur_outside_vehicle;
    const cv::Mat frame = pass.best_frame.to_bgr();
    evidence::Package p = evidence::build_plate_read_package(pass.read, frame, o);
    std::vector<EvidenceFile> files;
    for (evidence::PackageFile& f : p.files)
      files.push_back({std::move(f.name), std::move(f.media_type), std::move(f.bytes)});
    try {
      spool->put("plate_read", std::move(p.metadata), std::move(files), false);
    } catch (...) {
      check_alarm();
      throw;
    }
    check_alarm();
    judge_pass(pass, frame);
  }
};

EdgeAgent::EdgeAgent(SiteConfig config, std::unique_ptr<alpr::Alpr> reader, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(reader), clock)) {
  Impl& s = *impl_;
  if (!s.reader) throw InvalidInput("the edge agent needs a plate reader");
  SpoolOptions so;
  so.dir = s.config.spool_dir;
  so.quota_bytes = s.config.spool_quota_bytes;
  so.alarm_fraction = s.config.spool_alarm_fraction;
  so.non_violation_max_age = s.config.non_violation_max_age;
  s.spool = std::make_unique<Spool>(so, clock);
  if (s.config.upload) {
    UploaderOptions uo;
    uo.url = s.config.upload->url;
    uo.ca_file = s.config.upload->ca_file;
    uo.client_cert = s.config.upload->client_cert;
    uo.client_key = s.config.upload->client_key;
    uo.signing_key = s.config.upload->signing_key;
    uo.timeout_ms = s.config.upload->timeout_ms;
    s.uploader = std::make_unique<Uploader>(uo, *s.spool, clock);
  }
  if (s.config.signal) s.signal = std::make_shared<SignalFeed>(*s.config.signal);
  const PassRulesConfig& rc = s.config.rules;
  if (!rc.curfews.empty() || !rc.sections.empty() || rc.seatbelt) {
    s.rules = std::make_unique<PassRuleEngine>(
        rc, PassRuleContext{s.config.site_id, s.config.timezone, clock.source(),
                            s.config.jpeg_quality, s.config.blur_outside_vehicle});
  }
  for (const CameraConfig& cam : s.config.cameras) {
    const std::string id = cam.id;
    auto source =
        open_source(cam, clock, [&s, id](const video::HealthEvent& e) { s.spool_health(id, e); });
    std::unique_ptr<RedLightCamera> red_light;
    if (!cam.red_light.empty()) {
      if (!s.signal)
        throw InvalidInput(fmt::format("camera {}: red light needs a [signal] feed", cam.id));
      RedLightContext ctx;
      ctx.site_id = s.config.site_id;
      ctx.timezone = s.config.timezone;
      ctx.clock_source = clock.source();
      ctx.engine = s.config.engine;
      ctx.jpeg_quality = s.config.jpeg_quality;
      red_light = std::make_unique<RedLightCamera>(
          cam.id, cam.red_light, cam.evidence_ring, s.signal, ctx,
          [&s](evidence::Package&& p) { s.spool_violation(std::move(p)); },
          /*background=*/true);
    }
    s.cameras.push_back(std::make_unique<CameraPipeline>(
        cam, std::move(source), *s.reader, [&s](video::Pass&& p) { s.spool_pass(std::move(p)); },
        std::move(red_light)));
  }
}

EdgeAgent::~EdgeAgent() {
  stop();
  for (auto& cam : impl_->cameras) cam->join();
  if (impl_->signal) impl_->signal->stop();
}

void EdgeAgent::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& cam : impl_->cameras) cam->stop();
}

AgentSummary EdgeAgent::run() {
  Impl& s = *impl_;
  spdlog::info("site {}: {} camera(s), spool {}, upload {}", s.config.site_id, s.cameras.size(),
               s.config.spool_dir.string(), s.config.upload ? s.config.upload->url : "off");
  if (s.signal) {
    spdlog::info("signal phases: {}", s.signal->describe());
    s.signal->start();
  }
  s.spool_site_rules();
  const auto heartbeat = std::chrono::seconds(s.config.heartbeat_seconds);
  auto next_heartbeat = std::chrono::steady_clock::now() + heartbeat;
  s.running = static_cast<int>(s.cameras.size());
  std::vector<std::jthread> waiters;
  for (auto& cam : s.cameras) {
    cam->start();
    waiters.emplace_back([&s, &cam] {
      cam->join();
      if (--s.running == 0) {
        std::lock_guard lock(s.mutex);
        s.wake.notify_all();
      }
    });
  }
  std::jthread upload_thread;
  if (s.uploader) {
    upload_thread = std::jthread([&s](std::stop_token st) { s.uploader->run(st); });
  }
  for (;;) {
    {
      std::unique_lock lock(s.mutex);
      auto wait = std::chrono::steady_clock::duration(std::chrono::seconds(10));
      if (heartbeat.count() > 0)
        wait = std::min(wait, std::max<std::chrono::steady_clock::duration>(
                                  std::chrono::steady_clock::duration::zero(),
                                  next_heartbeat - std::chrono::steady_clock::now()));
      s.wake.wait_for(lock, wait, [&] { return s.stopping || s.running.load() == 0; });
    }
    if (heartbeat.count() > 0 && std::chrono::steady_clock::now() >= next_heartbeat) {
      s.spool_heartbeats();
      next_heartbeat = std::chrono::steady_clock::now() + heartbeat;
    }
    s.purged += static_cast<std::uint64_t>(s.spool->purge_expired(s.clock.now()));
    s.expire_rules();
    s.check_alarm();
    if (s.running.load() == 0) break;
    std::lock_guard lock(s.mutex);
    if (s.stopping) break;
  }
  for (auto& cam : s.cameras) cam->stop();
  waiters.clear();  // joins: every queued frame and live track is spooled
  if (upload_thread.joinable()) {
    upload_thread.request_stop();
    upload_thread.join();
    bool stopped = false;
    {
      std::lock_guard lock(s.mutex);
      stopped = s.stopping;
    }
    // After the sources ended, a last pass uploads what the cameras spooled at the end. After
    // a stop request, what is left waits in the spool for the next start (a slow server must
    // not hold up a shutdown).
    if (!stopped) s.uploader->upload_due();
  }
  if (s.signal) s.signal->stop();
  AgentSummary summary;
  if (s.rules) {
    s.expire_rules();
    const PassRuleStats st = s.rules->stats();
    summary.rules = {st.curfew_violations,       st.section_violations,
                     st.section_entries_expired, st.section_exits_without_entry,
                     s.rules->pending_entries(), s.rules->seatbelt_status()};
    if (summary.rules->section_pending > 0)
      spdlog::warn("{} section-speed entries still waiting for their exit are dropped at exit",
                   summary.rules->section_pending);
  }
  for (auto& cam : s.cameras) {
    const CameraStats st = cam->stats();
    std::uint64_t bad_input = 0;
    {
      const std::lock_guard lock(s.health_mutex);
      bad_input = s.decode_errors[cam->config().id];
    }
    summary.cameras.push_back({cam->config().id, st.frames_in, st.frames_dropped, st.frames_read,
                               st.passes, st.errors, st.violations, st.undecidable, bad_input});
  }
  summary.spooled = s.spool->usage().entries;
  summary.purged = s.purged;
  return summary;
}

}  // namespace roadwarden::edge
