// The evidence package of a red-light violation: three stills with a data bar (before the
// stop line, at the line, in the intersection), a clip around the crossing, the plate crop,
// and JSON metadata recording the decision, the rule configuration in force (canonical form
// and hash) and each file's SHA-256. Metadata fields: docs/edge-upload.md ("red_light") and
// docs/red-light.md. The edge agent spools it as a record of kind "red_light" (violation).
//
// Depends on rules/ (RedLightRule, RedLightDecision, TimeZone): evidence and rules sit on the
// same layer; rules never include evidence.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/plate.hpp"
#include "evidence/data_bar.hpp"
#include "evidence/plate_read_package.hpp"
#include "rules/red_light.hpp"

namespace roadwarden::evidence {

/// One still of the violation: a decoded ring frame.
struct ViolationStill {
  /// Camera sequence number and capture time (UTC) of the frame.
  std::int64_t sequence = 0;
  UtcTime time;
  /// BGR 8-bit H×W×3 at the ring's resolution.
  cv::Mat image;
};

/// One frame of the clip, still JPEG-encoded as the frame ring holds it (decoded one at a
/// time while the clip is written, so a 10 s clip never sits decoded in memory).
struct ViolationClipFrame {
  std::int64_t sequence = 0;
  UtcTime time;
  std::span<const std::uint8_t> jpeg;
};

/// Everything build_red_light_package() needs. The referenced rule and decision must outlive
/// the call.
struct RedLightEvidence {
  /// Site id and IANA time zone (the data bar shows capture times in UTC and in this zone),
  /// camera id, clock source of the capture times, reader engine.
  std::string site_id;
  std::string timezone = "UTC";
  std::string camera;
  std::string clock_source = "system";
  std::string engine;
  /// JPEG quality of the stills and the plate crop, 50..100.
  int jpeg_quality = 90;
  /// The rule that decided and its decision; decision.outcome must be violation with the
  /// crossing, lane, red onset, time into red and clip window set (InvalidInput otherwise).
  const rules::RedLightRule* rule = nullptr;
  const rules::RedLightDecision* decision = nullptr;
  /// The plate read of the pass (metadata "read", as in a plate_read record) and the
  /// full-resolution frame it came from (BGR 8-bit), for plate.jpg.
  PlateRead read;
  cv::Mat best_frame;
  /// The three stills (decision.evidence's frames).
  ViolationStill before;
  ViolationStill at_line;
  ViolationStill intersection;
  /// Clip frames in capture order (may be empty: no clip file then, metadata says so).
  std::vector<ViolationClipFrame> clip;
  /// True when frames of the requested clip window had already left the frame ring (the clip
  /// starts later than requested); recorded as clip.truncated_start.
  bool clip_truncated_start = false;
  /// True when the source ended before the requested clip end (clip.truncated_end).
  bool clip_truncated_end = false;
};

/// Builds the package: files before.jpg, at_line.jpg, intersection.jpg (each with_data_bar
/// (evidence/data_bar.hpp) of its still with red_light_data_bar's lines), clip.mp4 (H.264
/// 'avc1', when this OpenCV/FFmpeg build can write it) or else clip.avi (Motion JPEG, always
/// available), plate.jpg (axis-aligned cut of the plate with a 15 % margin from best_frame);
/// metadata {"type":"violation","site","timezone","camera",
/// "clock_source","engine","read":to_json(read),"violation":{…}} where violation holds kind
/// "red_light", approach, lane, phase, red_onset, crossing_time, time_into_red_ms, grace_ms,
/// amber_ms, all_red_ms, config_hash, config (the canonical configuration as JSON), reason,
/// clip {requested_start, requested_end, start, end, frames, fps, codec, file,
/// truncated_start, truncated_end}, frames {before|at_line|intersection: {sequence, time}},
/// data_bar (the lines of each still) and files {name: sha256 hex}. Times are RFC 3339 UTC
/// with ms. Throws InvalidInput for missing or inconsistent inputs, IoError when the clip's
/// temporary file cannot be written or read, InternalError when encoding fails.
/// Thread-safe (no shared state); costs one decode and encode per clip frame.
[[nodiscard]] Package build_red_light_package(const RedLightEvidence& evidence);

/// The data bar lines of one still (exposed for tests and docs/red-light.md), each at most
/// ~80 characters so it fits with_data_bar's font at any width:
///   "SITE <site>  CAMERA <camera>  APPROACH <approach>  LANE <lane>"
///   "UTC <capture time, RFC 3339 with ms>"
///   "LOCAL <capture time in the site zone with its offset> <zone>"
///   "PHASE RED  INTO RED <s.mmm> s  ONSET <red onset UTC>"
///   "GRACE <s.mmm> s  CONFIG <first 12 hex of config_hash>  FRAME <sequence> <role>"
/// Throws InvalidInput when rule or decision is missing or the time zone is unknown.
[[nodiscard]] std::vector<std::string> red_light_data_bar(const RedLightEvidence& evidence,
                                                          const ViolationStill& still,
                                                          const std::string& role);

}  // namespace roadwarden::evidence
