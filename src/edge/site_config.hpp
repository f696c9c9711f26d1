// The configuration of one site's camera agent (`roadwarden edge --config site.toml`).
// Every key is documented in examples/site.toml; unknown or out-of-range keys are rejected
// with the key and the file named.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "alpr/alpr.hpp"
#include "core/time.hpp"
#include "edge/pass_rules.hpp"
#include "edge/frame_ring.hpp"
#include "edge/signal_feed.hpp"
#include "rules/red_light.hpp"
#include "video/tracker.hpp"

namespace roadwarden::edge {

/// What a camera's reader thread does when the bounded frame queue is full.
enum class Overflow {
  block,        ///< wait for the worker (back-pressure; right for files and image folders)
  drop_oldest,  ///< discard the oldest queued frame (live streams: latency stays bounded)
};

/// One red-light approach watched by a camera (a [[camera.red_light]] table).
struct RedLightApproachConfig {
  /// The rule's options: approach (the feed's approach id), stop_line, lanes
  /// ([[camera.red_light.lane]] tables) and every timing option (rules/red_light.hpp);
  /// validated at load time by constructing the rule.
  rules::RedLightOptions options;
  /// Signal head of this approach in the camera image, pixels (`signal_region = [x, y, w,
  /// h]`), for the video cross-check (rules/signal_colour.hpp); required when
  /// options.video_cross_check is true, which it is by default when a region is given.
  std::optional<cv::Rect> signal_region;
};

/// One camera of the site.
struct CameraConfig {
  /// Unique id within the site, [A-Za-z0-9_.-]{1,64}; stored with every read.
  std::string id;
  /// Exactly one source: a stream URL (rtsp://, rtsps://, http(s):// MJPEG), a video file,
  /// or a folder the camera drops JPEG images into.
  std::string url;
  std::filesystem::path file;
  std::filesystem::path folder;
  /// Files only: the capture time of the first frame, UTC (default: the file's mtime).
  std::optional<UtcTime> start_time;
  /// Files only: deliver frames at the file's frame rate, like a live camera (default false).
  bool realtime = false;
  /// Folders only: video::FolderSourceOptions::settle_ms (ms an upload must be unchanged
  /// before it is read, 0..600000; default 1000) and incomplete_hold_ms (ms an undecodable
  /// image is kept waiting for a stalled upload to finish, 0..86400000; default 60000).
  int settle_ms = 1000;
  int incomplete_hold_ms = 60000;
  /// Run detection on every k-th frame and track in between, 1..10; default 2 (1 for
  /// folder cameras).
  int detect_every = 2;
  /// Follow plates across frames (video). Folder (snapshot) cameras default to false: each
  /// image is its own moment, every readable plate in it is a pass of its own.
  bool tracking = true;
  /// Frames queued between the reader and the worker thread, 1..256; default 2 (80 ms at
  /// 25 fps: room for one slow detection frame while the next is decoded; each queued 1080p
  /// frame holds 6 MB, a 4K frame 25 MB). Raise it where a stream drops frames (the run
  /// summary's frames_dropped).
  int queue_frames = 2;
  /// Default: block for files and folders, drop_oldest for streams.
  Overflow overflow = Overflow::block;
  /// Passes of the same text less than this many milliseconds apart are one vehicle whose
  /// plate was hidden for a while; so are the other cases video::PassMerger lists (a track
  /// broken on the spot, a second track on one plate, a fragment), 0..60000; default 3000
  /// (0 = off: no merging at all).
  std::int64_t merge_window_ms = 3000;
  /// Tracker options (the [camera.tracker] table).
  video::TrackerOptions tracker;
  /// Red-light approaches of this camera (docs/red-light.md); empty = no red-light rule. A
  /// camera with approaches keeps an evidence frame ring and needs the site's [signal] table.
  std::vector<RedLightApproachConfig> red_light;
  /// The evidence frame ring of a red-light camera (the [camera.evidence_ring] table; only
  /// allowed with red_light).
  FrameRingOptions evidence_ring;
};

/// The HTTPS upload to the central server (the [upload] table); see docs/edge-upload.md.
struct UploadConfig {
  std::string url;  ///< https:// base URL of the server
  std::filesystem::path ca_file;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
  /// Ed25519 key that signs each record's manifest (from `roadwarden admin enrol-device`).
  std::filesystem::path signing_key;
  int timeout_ms = 10000;
};

/// Everything `roadwarden edge` needs for one site.
struct SiteConfig {
  /// The file this was read from (relative paths in it are resolved against its folder).
  std::filesystem::path path;
  /// Site id, [A-Za-z0-9_.-]{1,64}.
  std::string site_id;
  /// IANA time zone of the site's legal time (used by the rules; stored with each read).
  std::string timezone = "UTC";
  /// Plate reader: engine name, models folder (empty = alpr::find_models_dir()), options.
  std::string engine = "learned";
  std::filesystem::path models_dir;
  alpr::AlprOptions alpr;
  /// Threads OpenCV may use for inference, >= 1; default 1 per site.
  int threads = 1;
  /// Local spool folder (created, mode 0700).
  std::filesystem::path spool_dir;
  /// Spool size limit in bytes (default 10 GiB) and the share of it that raises the alarm.
  std::uint64_t spool_quota_bytes = 10ull << 30;
  double spool_alarm_fraction = 0.8;
  /// Non-violation reads older than this are purged from the spool even if never uploaded
  /// (privacy); 0 = purge as soon as uploaded only. Default 72 h.
  std::chrono::seconds non_violation_max_age{72 * 3600};
  /// Blur everything outside the plate and an estimated vehicle region in stored frames.
  bool blur_outside_vehicle = false;
  /// JPEG quality of stored frames and plate crops, 50..100; default 90.
  int jpeg_quality = 90;
  /// Every this many seconds each camera's heartbeat (frames, last frame time, reconnects) is
  /// spooled as a `camera_heartbeat` health record, so the server shows an idle camera as
  /// online (docs/edge-upload.md); 0..3600, 0 = off; default 60 (the [health] table).
  int heartbeat_seconds = 60;
  /// Upload target; absent = reads stay in the spool (store-and-forward without a server).
  std::optional<UploadConfig> upload;
  std::vector<CameraConfig> cameras;
  /// The signal-phase feed (the [signal] table): required when a camera has a red-light
  /// approach, refused otherwise.
  std::optional<SignalFeedOptions> signal;
  /// Per-pass violation rules of the site: the [[curfew]], [[section_speed]] and [seatbelt]
  /// tables (edge/pass_rules.hpp, docs/violation-rules.md); empty when none is configured.
  PassRulesConfig rules;
};

/// Reads and validates `path`. Throws IoError when it cannot be read and InvalidInput for a
/// syntax error, an unknown key, a missing required key, a wrong type or an out-of-range
/// value; the message names the file and the key (e.g. "site.toml: camera[1].detect_every:
/// must be in 1..10, got 0").
[[nodiscard]] SiteConfig load_site_config(const std::filesystem::path& path);

}  // namespace roadwarden::edge
