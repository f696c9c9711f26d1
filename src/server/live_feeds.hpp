// What ingest hands the live side of the server: every stored record is matched against the
// active hotlist (alerts audited as "hotlist_hit" and published), and every violation is
// published to the event stream (GET /api/v1/events) and the message-board feed
// (GET /api/v1/boards/feed). Routes: server/live_routes.cpp; API: docs/server-api.md;
// board line format: docs/message-board.md.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "server/audit.hpp"
#include "server/camera_health.hpp"
#include "server/event_hub.hpp"
#include "server/hotlist_service.hpp"
#include "store/server_records.hpp"

namespace roadwarden::server {

/// The hotlist, the two hubs and the ingest hook. Thread-safe (its parts are). Owned by
/// Server; outlives the HTTP listener.
class LiveFeeds {
 public:
  /// Concurrent event streams (GET /api/v1/events); one more gets 503. 16 of the listener's
  /// 64 worker threads (server/https_server.cpp), so streams can never starve the API.
  static constexpr std::size_t kMaxEventStreams = 16;
  /// Concurrent message-board feeds (GET /api/v1/boards/feed); one more gets 503.
  static constexpr std::size_t kMaxBoardStreams = 16;
  /// Events buffered per stream before that stream loses them (`event: dropped`).
  static constexpr std::size_t kQueueCapacity = 256;

  /// `hotlist_file` is DATA_DIR/hotlist.json (HotlistService's errors); `audit` outlives this;
  /// `heartbeat` is the agents' heartbeat interval (camera health's online window is 3 ×).
  LiveFeeds(const std::filesystem::path& hotlist_file, AuditLog& audit,
            std::chrono::seconds heartbeat = std::chrono::seconds(60));

  /// Called by ingest once `record` is stored (never for duplicates): hotlist matching of its
  /// plate text at its read time (created time when it has none), each alert appended to the
  /// audit log as action "hotlist_hit" (actor "system") and published as `hotlist_hit`; a
  /// violation is published as `violation` and as a board line. Camera health takes the
  /// record (and `device_time`, the agent's clock from the upload header); a `health` record
  /// publishes the camera's health row as `camera_health`. Throws what the audit log throws
  /// (ingest logs it; the record stays stored).
  void on_ingested(const store::IngestedRecord& record,
                   std::optional<UtcTime> device_time = std::nullopt);

  /// Ends every open stream (the server is stopping). Idempotent.
  void close();

  [[nodiscard]] HotlistService& hotlists() { return hotlists_; }
  /// Per-camera health (GET /api/v1/cameras/health).
  [[nodiscard]] const CameraHealth& camera_health() const { return health_; }
  /// The rules in force per site as the agents reported them (GET /api/v1/sites/rules).
  [[nodiscard]] const SiteRulesBoard& site_rules() const { return site_rules_; }
  /// Events for GET /api/v1/events: `violation`, `hotlist_hit` and `camera_health`, data = one
  /// JSON object.
  [[nodiscard]] EventHub& events() { return events_; }
  /// Lines for GET /api/v1/boards/feed: `violation`, data = one line with its "\n".
  [[nodiscard]] EventHub& boards() { return boards_; }

 private:
  AuditLog& audit_;
  HotlistService hotlists_;
  CameraHealth health_;
  SiteRulesBoard site_rules_;
  EventHub events_{kMaxEventStreams, kQueueCapacity};
  EventHub boards_{kMaxBoardStreams, kQueueCapacity};
};

/// The message-board line of a violation (docs/message-board.md):
/// "<YYYY-MM-DDTHH:MM:SSZ> <plate> <kind>\n", US-ASCII, at most kMaxBoardLineBytes bytes with
/// the "\n". `plate` is upper-cased and stripped of everything outside 0-9 A-Z, then cut to 16
/// characters; `kind` keeps only a-z 0-9 '_' and is cut to 64 characters. Returns "" when the
/// plate or the kind is empty after that: such a violation is not shown on boards.
[[nodiscard]] std::string board_line(UtcTime at, std::string_view plate, std::string_view kind);
/// The longest board line: 20 (time) + 1 + 16 (plate) + 1 + 64 (kind) + 1 ("\n") = 103 bytes.
inline constexpr std::size_t kMaxBoardLineBytes = 103;

}  // namespace roadwarden::server
