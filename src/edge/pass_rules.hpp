// Per-pass violation rules of the camera agent: curfew (night-time / time-restricted driving),
// average speed over a section and seatbelt, judged on every finished vehicle pass
// (video::Pass) and turned into spool-ready violation records (metadata JSON + evidence
// images with a data bar).
//
// The rules themselves live in src/rules (curfew.hpp, section_speed.hpp, seatbelt.hpp); this
// module reads their site.toml tables ([[curfew]], [[section_speed]], [seatbelt]; every key in
// docs/violation-rules.md, example in examples/rules/site.toml), runs them per pass and
// packages what they decide. The violation record format (metadata fields, file names) is in
// docs/violation-rules.md.
//
// Threading: PassRuleEngine::on_pass may be called from every camera's worker thread at once
// (once per finished pass); expire() from any thread (e.g. the agent's housekeeping timer).
// Section state and statistics are guarded by one internal mutex; image encoding runs
// outside it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <toml.hpp>

#include "core/time.hpp"
#include "edge/spool.hpp"
#include "rules/curfew.hpp"
#include "rules/local_time.hpp"
#include "rules/seatbelt.hpp"
#include "rules/section_speed.hpp"
#include "video/tracker.hpp"

namespace roadwarden::edge {

/// One [[curfew]] zone: the curfew rule's options and its optional permit list, as read from
/// site.toml (lists read from their files, plates normalised by the rule).
struct CurfewZoneConfig {
  /// rule_id = the zone's `id`; time_zone = `timezone` or the site's; cameras, windows and
  /// the selector as configured.
  rules::CurfewOptions options;
  /// Exemption list ([curfew.permits]); required by select = "not_on_permit_list".
  std::optional<rules::VehicleList> permits;
};

/// One [[section_speed]] section.
struct SectionSpeedConfig {
  /// The rule's options; plate_key is loaded from `hmac_key_file`; one lane group named
  /// `lane_group` holding lane 0 at both cameras (passes carry no lane yet, so every pass of
  /// the entry camera may match every pass of the exit camera: configure one section per
  /// carriageway direction with cameras that see only that direction).
  rules::SectionSpeedOptions options;
  /// The key file the plate pseudonym key came from (mode 0600, crypto::create_hmac_key).
  std::filesystem::path hmac_key_file;
  /// Each camera's clock minus the reference clock, ms (positive: camera ahead), and the
  /// uncertainty (±, ms, >= 0) of that measurement, recorded with every decision.
  std::int64_t entry_clock_offset_ms = 0;
  std::int64_t entry_clock_uncertainty_ms = 0;
  std::int64_t exit_clock_offset_ms = 0;
  std::int64_t exit_clock_uncertainty_ms = 0;
  /// Most entry passes whose evidence images (JPEG bytes) are kept while waiting for an exit,
  /// 1..100000; default 2000. Beyond it the oldest entry's images are dropped (logged and
  /// counted); its later violation, if any, carries the exit images only and says so.
  std::size_t max_pending_frames = 2000;
};

/// The [seatbelt] table.
struct SeatbeltConfig {
  /// Cameras whose passes are judged (facing the vehicles' fronts). Non-empty.
  std::vector<std::string> cameras;
  /// Model file; empty = none, the rule reports "unavailable" and never a violation.
  std::filesystem::path model;
  /// min_confidence and traffic side (the windshield estimate keeps its defaults).
  rules::SeatbeltOptions options;
};

/// Every per-pass rule of a site. Empty tables = no rules (on_pass finds nothing).
struct PassRulesConfig {
  std::vector<CurfewZoneConfig> curfews;
  std::vector<SectionSpeedConfig> sections;
  std::optional<SeatbeltConfig> seatbelt;
};

/// Reads the [[curfew]], [[section_speed]] and [seatbelt] tables of the parsed site.toml
/// `site_root` (toml11 root table; other top-level keys are ignored here, [site].timezone is
/// read as the curfews' default zone). Relative paths (list files, key files, model) are
/// resolved against `file`'s folder; `file` also names the file in errors. Each rule is
/// validated by constructing it once. Throws InvalidInput "<file>: <key>: <what is wrong>"
/// (e.g. "site.toml: curfew[0].window[1].time: ...") for an unknown key, a missing or
/// mistyped key or an out-of-range value; IoError / PermissionDenied naming the key for a
/// list or key file that cannot be read or is readable by group or others. Never puts key
/// material into a message.
[[nodiscard]] PassRulesConfig parse_pass_rules(const toml::value& site_root,
                                               const std::filesystem::path& file);

/// Reads `path` (a site.toml) and calls parse_pass_rules on it. IoError when unreadable,
/// InvalidInput for invalid TOML and as parse_pass_rules.
[[nodiscard]] PassRulesConfig load_pass_rules(const std::filesystem::path& path);

/// The site facts every record carries.
struct PassRuleContext {
  /// Site id and its IANA legal time zone (local times in data bars and decisions).
  std::string site_id;
  std::string timezone = "UTC";
  /// Name of the clock the capture times came from (Clock::source()).
  std::string clock_source = "system";
  /// JPEG quality of evidence images, 50..100.
  int jpeg_quality = 90;
  /// Blur everything outside the plate and vehicle region of the overview frames
  /// (evidence::blur_outside_vehicle) before the data bar is added.
  bool blur_outside_vehicle = false;
};

/// One violation, ready for Spool::put(kind, metadata, files, /*violation=*/true).
struct ViolationRecord {
  /// "curfew", "section_speed" or "seatbelt" (= metadata.violation.kind).
  std::string kind;
  /// {"type":"violation","site","timezone","clock_source","violation":{"kind",...decision
  /// fields, "config_hash"},"read":evidence::to_json(read)}; fields per kind in
  /// docs/violation-rules.md.
  nlohmann::json metadata;
  /// JPEG evidence images (media type image/jpeg): frames with the data bar and plate crops;
  /// names per kind in docs/violation-rules.md (e.g. frame.jpg, plate.jpg; entry_frame.jpg,
  /// entry_plate.jpg, exit_frame.jpg, exit_plate.jpg).
  std::vector<EvidenceFile> files;
};

/// Counters since construction (for health reporting and tests).
struct PassRuleStats {
  std::uint64_t passes = 0;  ///< on_pass calls
  std::uint64_t curfew_violations = 0;
  std::uint64_t section_entries = 0;           ///< entry passes recorded
  std::uint64_t section_entries_replaced = 0;  ///< pending entry replaced by a newer one
  std::uint64_t section_matched = 0;           ///< exits matched with an entry
  std::uint64_t section_violations = 0;
  std::uint64_t section_exits_without_entry = 0;   ///< exit passes with no pending entry
  std::uint64_t section_exits_before_entry = 0;    ///< exit not after the entry (entry kept)
  std::uint64_t section_entries_expired = 0;       ///< entries dropped unmatched (max transit)
  std::uint64_t section_entry_frames_dropped = 0;  ///< entry images dropped (max_pending_frames)
  std::uint64_t seatbelt_unavailable = 0;
  std::uint64_t seatbelt_uncertain = 0;
  std::uint64_t seatbelt_belted = 0;
  std::uint64_t seatbelt_unbelted = 0;
  std::uint64_t seatbelt_errors = 0;  ///< unusable frame or plate (logged)
};

/// Runs the configured per-pass rules on each finished pass of the site's cameras.
class PassRuleEngine {
 public:
  /// Builds every rule of `config` (already validated by parse_pass_rules; rules built from
  /// a hand-made config are validated here: InvalidInput naming the option). `seatbelt` is
  /// the model that judges drivers; it is required when config.seatbelt->model is set
  /// (InvalidInput otherwise: roadwarden has no seatbelt model loader yet, and a configured
  /// model that silently does nothing would look like an empty road), and may be given
  /// without a model path (tests, a model loaded by the caller). Throws InvalidInput for an
  /// unknown site time zone or jpeg_quality outside 50..100.
  PassRuleEngine(PassRulesConfig config, PassRuleContext context,
                 std::shared_ptr<const rules::SeatbeltClassifier> seatbelt = nullptr);
  ~PassRuleEngine();
  PassRuleEngine(const PassRuleEngine&) = delete;
  PassRuleEngine& operator=(const PassRuleEngine&) = delete;

  /// Judges one finished pass seen by `camera` (the site camera id; pass.read.camera is not
  /// consulted): every curfew zone of that camera, the sections it is the entry or exit of,
  /// and the seatbelt rule when it covers it. Returns the violations found (usually none),
  /// curfew first, then section speed, then seatbelt. An entry pass is kept (plate pseudonym
  /// in the rule, images as JPEG bytes here) until its exit, expire() or replacement. Passes
  /// with empty text are not judged. Throws InvalidInput when pass.best_frame is empty
  /// (nothing is recorded then); InternalError when JPEG encoding fails or a classifier is
  /// broken. Called once per pass from the camera's worker thread.
  [[nodiscard]] std::vector<ViolationRecord> on_pass(const std::string& camera,
                                                     const video::Pass& pass);
  /// The same, with the pass's best frame already converted (`frame` =
  /// pass.best_frame.to_bgr(), BGR 8-bit H×W×3), for a caller that has converted it for the
  /// pass's own evidence. Throws InvalidInput when `frame` is empty or not BGR 8-bit.
  [[nodiscard]] std::vector<ViolationRecord> on_pass(const std::string& camera,
                                                     const video::Pass& pass, const cv::Mat& frame);

  /// Drops section entries whose reference time + max_transit is before `now` (UTC,
  /// reference clock) together with their images; each is logged (section, entry camera and
  /// time, never the plate) and counted in section_entries_expired. Returns how many were
  /// dropped. Call periodically (e.g. once a second) and at shutdown with the current time.
  std::size_t expire(UtcTime now);

  /// "unavailable" (no classifier) or "ready" (a classifier is configured); "off" when
  /// there is no [seatbelt] table.
  [[nodiscard]] std::string seatbelt_status() const;

  /// Entry passes waiting for an exit, over all sections.
  [[nodiscard]] std::size_t pending_entries() const;

  /// A copy of the counters.
  [[nodiscard]] PassRuleStats stats() const;

  /// One configured rule as it is in force: what the agent reports to the server at start
  /// (docs/edge-upload.md, `site_rules`).
  struct RuleInForce {
    std::string kind;                  ///< "curfew", "section_speed" or "seatbelt"
    std::string id;                    ///< zone / section id; "seatbelt"
    std::vector<std::string> cameras;  ///< the cameras it judges
    std::string config_hash;           ///< the hash recorded in every decision (64 hex)
    nlohmann::json config;             ///< the configuration that hash is of
  };
  /// Every configured rule, in configuration order (curfews, sections, seatbelt).
  [[nodiscard]] std::vector<RuleInForce> rules_in_force() const;

 private:
  struct Section;

  std::vector<ViolationRecord> judge_curfews(const std::string& camera, const video::Pass& pass,
                                             const cv::Mat& frame);
  std::vector<ViolationRecord> judge_sections(const std::string& camera, const video::Pass& pass,
                                              const cv::Mat& frame);
  std::vector<ViolationRecord> judge_seatbelt(const std::string& camera, const video::Pass& pass,
                                              const cv::Mat& frame);

  PassRulesConfig config_;
  PassRuleContext context_;
  rules::TimeZone zone_;
  std::vector<std::unique_ptr<rules::CurfewRule>> curfews_;
  std::vector<std::string> curfew_hashes_;
  std::vector<std::unique_ptr<Section>> sections_;  // state guarded by mutex_
  std::unique_ptr<rules::SeatbeltRule> seatbelt_;
  std::shared_ptr<const rules::SeatbeltClassifier> classifier_;
  std::string seatbelt_hash_;
  mutable std::mutex mutex_;
  PassRuleStats stats_;  // guarded by mutex_
};

}  // namespace roadwarden::edge
