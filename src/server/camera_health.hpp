// What the server knows about each camera's health (docs/server-api.md, "Camera health";
// docs/edge-upload.md, `health` records and the X-Roadwarden-Device-Time header): when its
// agent last uploaded anything, the last frame it captured, its last connection event, its
// reconnects in the last 24 h and the coarse offset of its clock. Kept in memory only: after
// a server restart a camera shows as never heard from until its next upload (a heartbeat
// arrives within one heartbeat interval). No plate data is kept here.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "store/server_records.hpp"

namespace roadwarden::server {

/// Per-camera health, fed by ingest and read by GET /api/v1/cameras/health. Thread-safe.
class CameraHealth {
 public:
  /// Reconnects counted by reports: those of the last 24 hours.
  static constexpr std::chrono::hours kReconnectWindow{24};

  /// `heartbeat` is the agents' heartbeat interval (ServerOptions::camera_heartbeat); a camera
  /// is online while its latest upload is at most 3 × `heartbeat` old.
  explicit CameraHealth(std::chrono::seconds heartbeat);

  /// Takes what a stored record says about its camera (record.camera_id, from the device
  /// certificate): its receipt time; its read time as a frame time; for a `health` record, a
  /// `camera_health` connection event or a `camera_heartbeat`'s counters and last frame time.
  /// `device_time` is the agent's clock when it sent the record (the upload header): the
  /// clock offset becomes device_time − record.received_at. Returns true for a `health` record
  /// (the caller publishes the camera's row). Malformed metadata is ignored, never thrown.
  bool observe(const store::IngestedRecord& record, std::optional<UtcTime> device_time);

  /// The health row of `camera_id` at `now`: camera, online, last_record_at, last_frame_at,
  /// last_event ({event, time} or null), reconnects_24h, clock_offset_ms (null until an
  /// upload carried the header), clock_offset_at, frames_in, frames_dropped (null until a
  /// heartbeat). Times are RFC 3339 strings or null.
  [[nodiscard]] nlohmann::json row(const std::string& camera_id, UtcTime now) const;

  /// One row per registered camera (ordered as given), with its name and site_id added.
  [[nodiscard]] nlohmann::json report(const std::vector<store::Camera>& cameras,
                                      UtcTime now) const;

  /// The online window: 3 × the heartbeat interval.
  [[nodiscard]] std::chrono::seconds online_window() const { return heartbeat_ * 3; }

 private:
  struct State {
    std::optional<UtcTime> last_record_at;
    std::optional<UtcTime> last_frame_at;
    std::string last_event;
    std::optional<UtcTime> last_event_at;
    std::deque<UtcTime> reconnects;  // reconnect times, oldest first, pruned to the window
    std::optional<std::int64_t> clock_offset_ms;
    std::optional<UtcTime> clock_offset_at;
    std::optional<std::int64_t> frames_in;
    std::optional<std::int64_t> frames_dropped;
  };
  [[nodiscard]] nlohmann::json row_locked(const std::string& camera_id, UtcTime now) const;

  const std::chrono::seconds heartbeat_;
  mutable std::mutex mutex_;
  std::map<std::string, State> cameras_;  // guarded by mutex_
};

/// The rules in force at each camera as its agent last reported them (a `health` record of
/// type `site_rules`, spooled by the agent at start; docs/edge-upload.md), for
/// GET /api/v1/sites/rules. Rules are configured at the edge (site.toml); the server only
/// shows them. In memory only, like CameraHealth. Thread-safe.
class SiteRulesBoard {
 public:
  /// Keeps `record`'s metadata when it is a `health` record of type `site_rules` (the latest
  /// by receipt per camera). Returns whether it was one.
  bool observe(const store::IngestedRecord& record);

  /// One entry per site of `cameras` whose cameras reported rules: the latest report of any
  /// of its cameras: {site_id, camera (the reporting one), received_at, created_at, cameras
  /// (the report's per-camera rules, as sent)}. Ordered by site id.
  [[nodiscard]] nlohmann::json report(const std::vector<store::Camera>& cameras) const;

 private:
  struct Report {
    UtcTime received_at;
    UtcTime created_at;
    nlohmann::json cameras;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Report> by_camera_;  // guarded by mutex_
};

}  // namespace roadwarden::server
