#include "server/camera_health.hpp"

#include <algorithm>

namespace roadwarden::server {
namespace {

using nlohmann::json;

/// Most reconnect times kept per camera (a flapping camera cannot grow memory without bound).
constexpr std::size_t kMaxReconnectsKept = 10000;

std::optional<UtcTime> time_field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return parse_rfc3339(it->get<std::string>(), Rfc3339Form::any_zone);
}

std::optional<std::int64_t> count_field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

json time_or_null(const std::optional<UtcTime>& t) {
  return t ? json(to_iso8601(*t)) : json(nullptr);
}

void later(std::optional<UtcTime>& slot, UtcTime t) {
  if (!slot || slot->unix_ms < t.unix_ms) slot = t;
}

}  // namespace

CameraHealth::CameraHealth(std::chrono::seconds heartbeat) : heartbeat_(heartbeat) {}

bool CameraHealth::observe(const store::IngestedRecord& record,
                           std::optional<UtcTime> device_time) {
  const bool health = record.kind == "health";
  json metadata;
  if (health) {
    const json parsed = json::parse(record.manifest, nullptr, false);
    if (parsed.is_object() && parsed.contains("metadata") && parsed["metadata"].is_object())
      metadata = parsed["metadata"];
  }
  std::lock_guard lock(mutex_);
  State& s = cameras_[record.camera_id];
  later(s.last_record_at, record.received_at);
  if (record.read_at) later(s.last_frame_at, *record.read_at);
  if (device_time) {
    s.clock_offset_ms = device_time->unix_ms - record.received_at.unix_ms;
    s.clock_offset_at = record.received_at;
  }
  if (!metadata.is_object()) return health;
  const std::string type = metadata.value("type", std::string());
  if (type == "camera_health") {
    const std::string event = metadata.value("event", std::string());
    const UtcTime at = time_field(metadata, "time").value_or(record.created_at);
    if (event == "connected" || event == "lost" || event == "reconnected" || event == "ended") {
      if (!s.last_event_at || s.last_event_at->unix_ms <= at.unix_ms) {
        s.last_event = event;
        s.last_event_at = at;
      }
    }
    if (event == "reconnected") {
      s.reconnects.insert(std::upper_bound(s.reconnects.begin(), s.reconnects.end(), at,
                                           [](UtcTime a, UtcTime b) { return a.unix_ms < b.unix_ms; }),
                          at);
      const std::int64_t oldest =
          record.received_at.unix_ms -
          std::chrono::duration_cast<std::chrono::milliseconds>(kReconnectWindow).count();
      while (!s.reconnects.empty() &&
             (s.reconnects.front().unix_ms < oldest || s.reconnects.size() > kMaxReconnectsKept))
        s.reconnects.pop_front();
    }
  } else if (type == "camera_heartbeat") {
    if (const auto t = time_field(metadata, "last_frame_at")) later(s.last_frame_at, *t);
    if (const auto n = count_field(metadata, "frames_in")) s.frames_in = n;
    if (const auto n = count_field(metadata, "frames_dropped")) s.frames_dropped = n;
  }
  return health;
}

json CameraHealth::row_locked(const std::string& camera_id, UtcTime now) const {
  const auto it = cameras_.find(camera_id);
  if (it == cameras_.end()) {
    return {{"camera", camera_id},      {"online", false},          {"last_record_at", nullptr},
            {"last_frame_at", nullptr}, {"last_event", nullptr},    {"reconnects_24h", 0},
            {"clock_offset_ms", nullptr}, {"clock_offset_at", nullptr}, {"frames_in", nullptr},
            {"frames_dropped", nullptr}};
  }
  const State& s = it->second;
  const std::int64_t window_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(online_window()).count();
  const bool online = s.last_record_at && now.unix_ms - s.last_record_at->unix_ms <= window_ms;
  const std::int64_t since =
      now.unix_ms - std::chrono::duration_cast<std::chrono::milliseconds>(kReconnectWindow).count();
  const auto reconnects = std::count_if(s.reconnects.begin(), s.reconnects.end(),
                                        [&](UtcTime t) { return t.unix_ms >= since; });
  json last_event = nullptr;
  if (s.last_event_at) last_event = {{"event", s.last_event}, {"time", to_iso8601(*s.last_event_at)}};
  const auto number_or_null = [](const std::optional<std::int64_t>& n) {
    return n ? json(*n) : json(nullptr);
  };
  return {{"camera", camera_id},
          {"online", online},
          {"last_record_at", time_or_null(s.last_record_at)},
          {"last_frame_at", time_or_null(s.last_frame_at)},
          {"last_event", std::move(last_event)},
          {"reconnects_24h", reconnects},
          {"clock_offset_ms", number_or_null(s.clock_offset_ms)},
          {"clock_offset_at", time_or_null(s.clock_offset_at)},
          {"frames_in", number_or_null(s.frames_in)},
          {"frames_dropped", number_or_null(s.frames_dropped)}};
}

json CameraHealth::row(const std::string& camera_id, UtcTime now) const {
  std::lock_guard lock(mutex_);
  return row_locked(camera_id, now);
}

json CameraHealth::report(const std::vector<store::Camera>& cameras, UtcTime now) const {
  std::lock_guard lock(mutex_);
  json rows = json::array();
  for (const store::Camera& c : cameras) {
    json r = row_locked(c.id, now);
    r["name"] = c.name;
    r["site_id"] = c.site_id;
    rows.push_back(std::move(r));
  }
  return rows;
}

bool SiteRulesBoard::observe(const store::IngestedRecord& record) {
  if (record.kind != "health") return false;
  const json parsed = json::parse(record.manifest, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("metadata")) return false;
  const json& metadata = parsed["metadata"];
  if (!metadata.is_object() || metadata.value("type", std::string()) != "site_rules") return false;
  const auto cameras = metadata.find("cameras");
  std::lock_guard lock(mutex_);
  const auto it = by_camera_.find(record.camera_id);
  if (it != by_camera_.end() && it->second.received_at > record.received_at) return true;
  by_camera_[record.camera_id] =
      Report{record.received_at, record.created_at,
             cameras != metadata.end() && cameras->is_array() ? *cameras : json::array()};
  return true;
}

json SiteRulesBoard::report(const std::vector<store::Camera>& cameras) const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::pair<std::string, const Report*>> latest;  // site -> camera, report
  for (const store::Camera& c : cameras) {
    const auto it = by_camera_.find(c.id);
    if (it == by_camera_.end()) continue;
    auto& slot = latest[c.site_id];
    if (!slot.second || slot.second->received_at < it->second.received_at)
      slot = {c.id, &it->second};
  }
  json sites = json::array();
  for (const auto& [site, entry] : latest) {
    sites.push_back({{"site_id", site},
                     {"camera", entry.first},
                     {"received_at", to_iso8601(entry.second->received_at)},
                     {"created_at", to_iso8601(entry.second->created_at)},
                     {"cameras", entry.second->cameras}});
  }
  return sites;
}

}  // namespace roadwarden::server
