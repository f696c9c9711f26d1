// `roadwarden edge`: the camera agent of one site.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alpr/alpr.hpp"
#include "core/time.hpp"
#include "edge/site_config.hpp"

namespace roadwarden::edge {

/// What a finished run did, per camera and in total.
struct AgentSummary {
  struct Camera {
    std::string id;
    std::uint64_t frames_in = 0;
    std::uint64_t frames_dropped = 0;
    std::uint64_t frames_read = 0;
    std::uint64_t passes = 0;
    std::uint64_t errors = 0;
    /// Red-light violations spooled and undecidable red-light decisions (each logged).
    std::uint64_t violations = 0;
    std::uint64_t undecidable = 0;
    /// Health events `decode_error`: frames or images that could not be decoded, damaged
    /// files (each logged as a warning and spooled as a camera_health record).
    std::uint64_t decode_errors = 0;
  };
  std::vector<Camera> cameras;
  /// The per-pass rules (curfew, section speed, seatbelt), when any is configured.
  struct Rules {
    std::uint64_t curfew_violations = 0;
    std::uint64_t section_violations = 0;
    std::uint64_t section_entries_expired = 0;      ///< no exit within the maximum transit
    std::uint64_t section_exits_without_entry = 0;  ///< exit read with no matching entry
    std::uint64_t section_pending = 0;              ///< entries still waiting at the end (not kept)
    std::string seatbelt;                           ///< "off", "unavailable" or "ready"
  };
  std::optional<Rules> rules;
  /// Records left in the spool at the end (not yet acknowledged by a server).
  std::uint64_t spooled = 0;
  /// Non-violation records purged by retention during the run.
  std::uint64_t purged = 0;
};

/// Runs every camera of a site (each in its own reader and worker thread), writes each vehicle
/// pass as an evidence package (evidence/plate_read_package.hpp) into the spool, judges the
/// passes of red-light cameras against the site's signal feed (edge/red_light_camera.hpp;
/// violations spooled as records of kind "red_light", docs/red-light.md), with its
/// camera-health events, uploads to the server when one is configured (docs/edge-upload.md)
/// and applies the spool's retention. Frames without plates are never stored.
/// Threading: run() on one thread; stop() from any thread (e.g. a signal handler thread).
class EdgeAgent {
 public:
  /// `reader` serves every camera. Opens the spool (crash recovery happens here) and the
  /// frame sources; throws IoError / InvalidInput naming the camera when one cannot be opened.
  EdgeAgent(SiteConfig config, std::unique_ptr<alpr::Alpr> reader, const Clock& clock);
  ~EdgeAgent();
  EdgeAgent(const EdgeAgent&) = delete;
  EdgeAgent& operator=(const EdgeAgent&) = delete;

  /// Runs until stop() is called or every camera's source has ended (files, and folders
  /// never end on their own). Returns the summary.
  AgentSummary run();
  /// Asks run() to finish: sources stop, queued frames and live tracks are completed and
  /// spooled, a last upload pass is made.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadwarden::edge
