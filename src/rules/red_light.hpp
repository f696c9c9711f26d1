// Red-light running: did a vehicle track cross an approach's stop line while the approach's
// signal was red, beyond the grace period? One RedLightRule per approach of a camera.
//
// Inputs are values, so the rule is deterministic and testable with synthetic tracks:
//   * TrackObservations: timed image positions of one vehicle track (later wiring maps
//     video::Tracker output to it);
//   * PhaseTimeline: the controller's phase history for the approach (rules/signal_phase.hpp,
//     feed format in docs/signal-feed.md);
//   * optionally VideoSignalObservations: the colour the camera saw on the signal head
//     (rules/signal_colour.hpp), to cross-check the controller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "core/time.hpp"
#include "rules/signal_colour.hpp"
#include "rules/signal_phase.hpp"

namespace roadwarden::rules {

/// One lane of an approach: the area vehicles occupy while waiting at the stop line.
struct RedLightLane {
  /// Lane id, unique within the approach, 1–64 characters (recorded in the decision).
  std::string id;
  /// Lane area in image pixels, >= 3 vertices, non-zero area, on the approach side of the
  /// stop line (its vertex mean must lie strictly on the same side as every other lane's).
  std::vector<Point> polygon;
  /// True when crossing on red from this lane is allowed (a right-turn lane where the local
  /// code permits turning on red, or one with its own arrow signal not in this feed).
  bool right_turn_exempt = false;
};

/// Options of one approach's red-light rule; validated once by RedLightRule's constructor
/// (InvalidInput naming the option). Every field is part of config_hash().
struct RedLightOptions {
  /// Approach id as it appears in the controller feed (docs/signal-feed.md).
  std::string approach_id;
  /// Stop line as a polyline in image pixels, >= 2 points, consecutive points distinct. A
  /// vehicle crosses it when its reference point (TrackObservation::point) passes from the
  /// lanes' side to the other side through one of its segments.
  std::vector<Point> stop_line;
  /// Approach lanes, >= 1, all on the same side of the stop line. Only crossings from a lane
  /// are judged; a track crossing elsewhere (shoulder, the wrong way) gives no violation.
  std::vector<RedLightLane> lanes;
  /// Configured amber (yellow change) duration, ms, [1000, 10000]; default 3000 (the lower
  /// end of ITE's 3–6 s recommendation, "Guidelines for Determining Traffic Signal Change
  /// and Clearance Intervals", 2020). A red preceded by a shorter amber (minus
  /// `amber_tolerance_ms`) gives no violation: a short amber must never be enforced.
  std::int64_t amber_ms = 3000;
  /// Accepted shortfall of the controller-reported amber against `amber_ms` (feed timestamp
  /// jitter), ms, [0, 1000]; default 100.
  std::int64_t amber_tolerance_ms = 100;
  /// Configured all-red clearance interval of the intersection, ms, [0, 10000]; default
  /// 1000. Recorded with the configuration (hash and evidence); the judgement of this
  /// approach does not depend on it (red for this approach is red, all-red or not).
  std::int64_t all_red_ms = 1000;
  /// Grace period after red onset, ms, [0, 5000]; default 300 (the 0.3 s). A crossing
  /// is a violation only when its time into red is strictly greater than this.
  std::int64_t grace_ms = 300;
  /// Minimum time into red for a violation, ms, [0, 60000]; default 0 (the grace alone
  /// decides). For sites whose policy enforces only clear cases, e.g. 1000.
  std::int64_t min_time_into_red_ms = 0;
  /// Minimum speed at the crossing for a violation, km/h, [0, 300]; default 0 (off). Excludes
  /// vehicles creeping over the line. Speed comes from the track (TrackObservation::speed_kmh
  /// on both observations around the crossing) or else from positions and `metres_per_px`.
  double min_speed_kmh = 0;
  /// Ground scale at the stop line, metres per image pixel, [0, 10]; default 0 (not set:
  /// speed only from the track). Used only when min_speed_kmh > 0.
  double metres_per_px = 0;
  /// Time window centred on the crossing over which the speed from positions is measured, ms,
  /// [40, 5000]; default 500.
  std::int64_t speed_window_ms = 500;
  /// Longest accepted silence of the controller feed for this approach, ms, [100, 600000];
  /// default 3000: a controller repeats its state at least every 1 s (docs/signal-feed.md),
  /// so three missed heartbeats make the phase unknown.
  std::int64_t feed_max_silence_ms = 3000;
  /// The "in the intersection" evidence frame is the first observation after the crossing at
  /// least this far past the stop line, px, (0, 10000]; default 40. A track that never gets
  /// that far gives no violation (its entry into the intersection is not shown).
  double intersection_depth_px = 40;
  /// Evidence clip margin around the crossing, ms, [0, 60000]; default 5000 (the issue's
  /// ±5 s clip).
  std::int64_t clip_margin_ms = 5000;
  /// When true, judge() requires VideoSignalObservations and a controller phase that the
  /// video confirms at the crossing; default false.
  bool video_cross_check = false;
  /// Largest distance in time between the crossing and the video observation used for the
  /// cross-check, ms, [1, 5000]; default 200 (five frames at 25 fps).
  std::int64_t video_max_offset_ms = 200;
};

/// Where one vehicle was at one time.
struct TrackObservation {
  /// Capture time of the frame, UTC ms.
  UtcTime at;
  /// Reference point in image pixels: the bottom centre of the vehicle box (or of the plate
  /// box when only the plate is tracked), i.e. where the vehicle meets the road.
  Point point;
  /// Speed from another source (radar, calibrated tracker), km/h, >= 0; std::nullopt when
  /// not measured.
  std::optional<double> speed_kmh;
};

/// The observations of one vehicle track, strictly increasing in time.
struct TrackObservations {
  std::vector<TrackObservation> observations;
};

/// The colour seen on the approach's signal head in one frame.
struct VideoSignalObservation {
  /// Capture time of the frame, UTC ms.
  UtcTime at;
  SignalColour colour = SignalColour::unknown;
};

/// The video observations of the signal head, any order.
using VideoSignalObservations = std::vector<VideoSignalObservation>;

/// What judge() concluded. Only `violation` makes evidence; every `undecidable` decision must
/// be logged by the caller with its reason (an unknown phase or a disagreeing camera is a
/// fault someone has to look at, never a silent "no violation").
enum class RedLightOutcome {
  violation,        ///< crossed on red beyond the grace, every check passed
  no_crossing,      ///< did not cross the stop line from a lane (stopped before it)
  outside_lanes,    ///< crossed, but not coming from a configured lane
  exempt,           ///< crossed from a right_turn_exempt lane
  not_red,          ///< crossed on green or amber
  within_grace,     ///< crossed on red within grace_ms or below min_time_into_red_ms
  below_min_speed,  ///< crossed on red too slowly
  undecidable,      ///< phase unknown, onset or amber unknown, short amber, video disagrees
                    ///< or missing, speed unknown, intersection entry not seen
};

/// "violation", "no_crossing", … (the enumerator's name).
[[nodiscard]] std::string_view to_string(RedLightOutcome outcome);

/// Indices into TrackObservations::observations of the three evidence frames.
struct RedLightEvidenceFrames {
  /// The last observation before the line (start of the crossing segment).
  std::size_t before = 0;
  /// The observation nearest in time to the crossing (the earlier one on a tie).
  std::size_t at_line = 0;
  /// The first observation after the crossing at least intersection_depth_px past the line;
  /// std::nullopt when the track ends before that.
  std::optional<std::size_t> in_intersection;
};

/// The decision on one track.
struct RedLightDecision {
  RedLightOutcome outcome = RedLightOutcome::no_crossing;
  /// One short human-readable sentence fragment, e.g. "crossed 0.412 s into red",
  /// "phase unknown at crossing: feed silent for 4.000 s (limit 3.000 s) since line 12",
  /// "controller says red, video says green", "stopped before the line",
  /// "right turn exempt (lane 'r1')", "crossed 0.300 s into red, within the 0.300 s grace".
  std::string reason;
  /// Interpolated crossing time, exact (fractional) ms since the Unix epoch, UTC; set when
  /// the track crossed the line (every outcome except no_crossing).
  std::optional<double> crossing_unix_ms;
  /// crossing_unix_ms rounded to the nearest ms.
  std::optional<UtcTime> crossing_time;
  /// Lane crossed from (its id); set when the crossing came from a lane.
  std::optional<std::string> lane;
  /// Controller phase at the crossing (unknown when not crossed or not known).
  SignalPhase phase = SignalPhase::unknown;
  /// Red onset and time into red (crossing − onset, ms, fractional); set when crossed on red
  /// with a known onset.
  std::optional<UtcTime> red_onset;
  std::optional<double> time_into_red_ms;
  /// Video colour used by the cross-check, when it ran and found an observation.
  std::optional<SignalColour> video_colour;
  /// Speed at the crossing, km/h, when min_speed_kmh > 0 and it could be measured.
  std::optional<double> speed_kmh;
  /// Evidence frames; set whenever the track crossed.
  std::optional<RedLightEvidenceFrames> evidence;
  /// Evidence clip: crossing ± clip_margin_ms, UTC; set whenever the track crossed.
  std::optional<UtcTime> clip_start;
  std::optional<UtcTime> clip_end;
  /// config_hash() of the rule that decided.
  std::string config_hash;

  [[nodiscard]] bool violation() const { return outcome == RedLightOutcome::violation; }
};

/// The red-light rule of one approach.
///
/// judge() finds the first crossing of the stop line by the track's point path (segment
/// intersection, time linearly interpolated between the two observations around it), from
/// the lanes' side to the far side; the lane is the one containing the observation before
/// the crossing (else the one containing the crossing point). Then, in order: outside the
/// lanes → outside_lanes; exempt lane → exempt; controller phase unknown → undecidable;
/// video cross-check on and the video colour missing or different → undecidable; green or
/// amber → not_red; red onset unknown, or the red not preceded by a known amber of at least
/// amber_ms − amber_tolerance_ms → undecidable; time into red <= grace_ms or <
/// min_time_into_red_ms → within_grace; not seen intersection_depth_px past the line →
/// undecidable; speed unknown or below min_speed_kmh → undecidable / below_min_speed;
/// otherwise violation.
///
/// Threading: immutable after construction; judge() is const and thread-safe. Called once
/// per finished track.
class RedLightRule {
 public:
  /// Validates `options` (InvalidInput naming the option, e.g. "red_light.lanes[1].polygon:
  /// …") and computes the configuration hash.
  explicit RedLightRule(RedLightOptions options);

  /// Judges one track against the approach's phase timeline. InvalidInput when the track is
  /// empty, its times do not strictly increase or a point is not finite; when `timeline` is
  /// of another approach; when `video` is given while video_cross_check is off. `video`
  /// missing while video_cross_check is on is not an error: the decision is undecidable.
  [[nodiscard]] RedLightDecision judge(
      const TrackObservations& track, const PhaseTimeline& timeline,
      const std::optional<VideoSignalObservations>& video = std::nullopt) const;

  [[nodiscard]] const RedLightOptions& options() const { return options_; }
  /// Canonical serialisation of the options: compact JSON, keys sorted, with
  /// "kind": "red_light" and "version": 1; numbers as JSON numbers (shortest round-trip).
  [[nodiscard]] const std::string& canonical_config() const { return canonical_; }
  /// SHA-256 (crypto::sha256_hex) of canonical_config(): the "configuration hash in force"
  /// recorded in every decision and evidence package.
  [[nodiscard]] const std::string& config_hash() const { return hash_; }

 private:
  RedLightOptions options_;
  int approach_side_ = 0;  // +1 / -1: side of the stop line the lanes lie on
  std::string canonical_;
  std::string hash_;
};

}  // namespace roadwarden::rules
