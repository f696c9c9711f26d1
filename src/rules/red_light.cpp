#include "rules/red_light.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::rules {

namespace {

using nlohmann::json;

Point minus(Point a, Point b) {
  return {a.x - b.x, a.y - b.y};
}
double cross(Point a, Point b) {
  return a.x * b.y - a.y * b.x;
}
double dot(Point a, Point b) {
  return a.x * b.x + a.y * b.y;
}
bool finite(Point p) {
  return std::isfinite(p.x) && std::isfinite(p.y);
}

int sign(double v) {
  return v > 0 ? 1 : (v < 0 ? -1 : 0);
}

/// Distance from p to segment a–b, px.
double segment_distance(Point p, Point a, Point b) {
  const Point d = minus(b, a);
  const double len2 = dot(d, d);
  double t = len2 > 0 ? dot(minus(p, a), d) / len2 : 0.0;
  t = std::clamp(t, 0.0, 1.0);
  const Point c{a.x + t * d.x, a.y + t * d.y};
  return std::hypot(p.x - c.x, p.y - c.y);
}

/// Distance to the polyline and the side (+1 left / -1 right of its direction, 0 on it) of
/// p relative to the nearest segment.
struct SideDistance {
  double distance = 0;
  int side = 0;
};
SideDistance side_of(const std::vector<Point>& line, Point p) {
  SideDistance best{std::numeric_limits<double>::infinity(), 0};
  for (std::size_t k = 0; k + 1 < line.size(); ++k) {
    const double dist = segment_distance(p, line[k], line[k + 1]);
    if (dist < best.distance) {
      best.distance = dist;
      best.side = sign(cross(minus(line[k + 1], line[k]), minus(p, line[k])));
    }
  }
  return best;
}

bool inside(const std::vector<Point>& polygon, Point p) {
  std::vector<cv::Point2f> contour;
  contour.reserve(polygon.size());
  for (const auto& v : polygon)
    contour.emplace_back(static_cast<float>(v.x), static_cast<float>(v.y));
  return cv::pointPolygonTest(
             contour, cv::Point2f(static_cast<float>(p.x), static_cast<float>(p.y)), false) >= 0;
}

double polygon_area(const std::vector<Point>& polygon) {
  double twice = 0;
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    twice += cross(polygon[i], polygon[(i + 1) % polygon.size()]);
  }
  return std::abs(twice) / 2.0;
}

Point vertex_mean(const std::vector<Point>& polygon) {
  Point c;
  for (const auto& v : polygon) {
    c.x += v.x;
    c.y += v.y;
  }
  c.x /= static_cast<double>(polygon.size());
  c.y /= static_cast<double>(polygon.size());
  return c;
}

[[noreturn]] void bad_option(std::string_view name, const std::string& what) {
  throw InvalidInput(fmt::format("red_light.{}: {}.", name, what));
}

void check_range(std::string_view name, std::int64_t v, std::int64_t lo, std::int64_t hi,
                 std::string_view unit) {
  if (v < lo || v > hi)
    bad_option(name, fmt::format("{} {} is outside [{}, {}] {}", v, unit, lo, hi, unit));
}

void check_range(std::string_view name, double v, double lo, double hi, std::string_view unit) {
  if (!std::isfinite(v) || v < lo || v > hi) {
    bad_option(name, fmt::format("{} {} is outside [{}, {}] {}", v, unit, lo, hi, unit));
  }
}

json point_json(Point p) {
  return json::array({p.x, p.y});
}

std::string secs(double ms) {
  return fmt::format("{:.3f} s", ms / 1000.0);
}

bool colour_matches(SignalPhase phase, SignalColour colour) {
  switch (phase) {
    case SignalPhase::green:
      return colour == SignalColour::green;
    case SignalPhase::amber:
      return colour == SignalColour::amber;
    case SignalPhase::red:
      return colour == SignalColour::red;
    case SignalPhase::unknown:
      return false;
  }
  return false;
}

/// The first crossing of the path from the approach side (`approach_side`) to the far side.
struct Crossing {
  std::size_t segment = 0;  // observations[segment] → observations[segment + 1]
  double u = 0;             // fraction along that path segment, [0, 1)
};
std::optional<Crossing> first_crossing(const std::vector<TrackObservation>& obs,
                                       const std::vector<Point>& line, int approach_side) {
  for (std::size_t i = 0; i + 1 < obs.size(); ++i) {
    const Point p = obs[i].point;
    const Point q = obs[i + 1].point;
    std::optional<double> best;
    for (std::size_t k = 0; k + 1 < line.size(); ++k) {
      const Point a = line[k];
      const Point d = minus(line[k + 1], a);
      const double sp = cross(d, minus(p, a)) * approach_side;
      const double sq = cross(d, minus(q, a)) * approach_side;
      // From the approach side (or on the line) to strictly past it.
      if (!(sp >= 0 && sq < 0)) continue;
      const double u = sp / (sp - sq);
      const Point x{p.x + u * (q.x - p.x), p.y + u * (q.y - p.y)};
      const double v = dot(minus(x, a), d) / dot(d, d);
      constexpr double kEps = 1e-9;
      if (v < -kEps || v > 1 + kEps) continue;
      if (!best || u < *best) best = u;
    }
    if (best) return Crossing{i, *best};
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RedLightOutcome outcome) {
  switch (outcome) {
    case RedLightOutcome::violation:
      return "violation";
    case RedLightOutcome::no_crossing:
      return "no_crossing";
    case RedLightOutcome::outside_lanes:
      return "outside_lanes";
    case RedLightOutcome::exempt:
      return "exempt";
    case RedLightOutcome::not_red:
      return "not_red";
    case RedLightOutcome::within_grace:
      return "within_grace";
    case RedLightOutcome::below_min_speed:
      return "below_min_speed";
    case RedLightOutcome::undecidable:
      return "undecidable";
  }
  return "undecidable";
}

RedLightRule::RedLightRule(RedLightOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (!valid_approach_id(o.approach_id)) {
    bad_option("approach_id",
               fmt::format("'{}' is not 1-64 characters of A-Z a-z 0-9 _ - .", o.approach_id));
  }
  if (o.stop_line.size() < 2) {
    bad_option("stop_line", fmt::format("needs at least 2 points, has {}", o.stop_line.size()));
  }
  for (std::size_t k = 0; k < o.stop_line.size(); ++k) {
    if (!finite(o.stop_line[k])) bad_option("stop_line", fmt::format("point {} is not finite", k));
    if (k > 0 && o.stop_line[k] == o.stop_line[k - 1]) {
      bad_option("stop_line", fmt::format("points {} and {} are the same", k - 1, k));
    }
  }
  if (o.lanes.empty()) bad_option("lanes", "at least one lane is needed");
  std::set<std::string> ids;
  for (std::size_t l = 0; l < o.lanes.size(); ++l) {
    const auto& lane = o.lanes[l];
    const std::string name = fmt::format("lanes[{}]", l);
    if (lane.id.empty() || lane.id.size() > 64) {
      bad_option(name + ".id", "must be 1-64 characters");
    }
    if (!ids.insert(lane.id).second) {
      bad_option(name + ".id", fmt::format("'{}' is used by another lane", lane.id));
    }
    if (lane.polygon.size() < 3) {
      bad_option(name + ".polygon",
                 fmt::format("needs at least 3 points, has {}", lane.polygon.size()));
    }
    if (!std::all_of(lane.polygon.begin(), lane.polygon.end(), finite)) {
      bad_option(name + ".polygon", "has a point that is not finite");
    }
    if (polygon_area(lane.polygon) <= 0) bad_option(name + ".polygon", "has zero area");
    const int side = side_of(o.stop_line, vertex_mean(lane.polygon)).side;
    if (side == 0) bad_option(name + ".polygon", "its centre lies on the stop line");
    if (approach_side_ == 0) {
      approach_side_ = side;
    } else if (side != approach_side_) {
      bad_option(name + ".polygon", "lies on the other side of the stop line from lanes[0]");
    }
  }
  check_range("amber_ms", o.amber_ms, 1000, 10000, "ms");
  check_range("amber_tolerance_ms", o.amber_tolerance_ms, 0, 1000, "ms");
  check_range("all_red_ms", o.all_red_ms, 0, 10000, "ms");
  check_range("grace_ms", o.grace_ms, 0, 5000, "ms");
  check_range("min_time_into_red_ms", o.min_time_into_red_ms, 0, 60000, "ms");
  check_range("min_speed_kmh", o.min_speed_kmh, 0.0, 300.0, "km/h");
  check_range("metres_per_px", o.metres_per_px, 0.0, 10.0, "m/px");
  check_range("speed_window_ms", o.speed_window_ms, 40, 5000, "ms");
  check_range("feed_max_silence_ms", o.feed_max_silence_ms, 100, 600000, "ms");
  if (!std::isfinite(o.intersection_depth_px) || o.intersection_depth_px <= 0 ||
      o.intersection_depth_px > 10000) {
    bad_option("intersection_depth_px",
               fmt::format("{} px is outside (0, 10000] px", o.intersection_depth_px));
  }
  check_range("clip_margin_ms", o.clip_margin_ms, 0, 60000, "ms");
  check_range("video_max_offset_ms", o.video_max_offset_ms, 1, 5000, "ms");

  json lanes = json::array();
  for (const auto& lane : o.lanes) {
    json polygon = json::array();
    for (const auto& v : lane.polygon) polygon.push_back(point_json(v));
    lanes.push_back(
        json{{"id", lane.id}, {"polygon", polygon}, {"right_turn_exempt", lane.right_turn_exempt}});
  }
  json stop_line = json::array();
  for (const auto& p : o.stop_line) stop_line.push_back(point_json(p));
  const json canonical{{"kind", "red_light"},
                       {"version", 1},
                       {"approach_id", o.approach_id},
                       {"stop_line", stop_line},
                       {"lanes", lanes},
                       {"amber_ms", o.amber_ms},
                       {"amber_tolerance_ms", o.amber_tolerance_ms},
                       {"all_red_ms", o.all_red_ms},
                       {"grace_ms", o.grace_ms},
                       {"min_time_into_red_ms", o.min_time_into_red_ms},
                       {"min_speed_kmh", o.min_speed_kmh},
                       {"metres_per_px", o.metres_per_px},
                       {"speed_window_ms", o.speed_window_ms},
                       {"feed_max_silence_ms", o.feed_max_silence_ms},
                       {"intersection_depth_px", o.intersection_depth_px},
                       {"clip_margin_ms", o.clip_margin_ms},
                       {"video_cross_check", o.video_cross_check},
                       {"video_max_offset_ms", o.video_max_offset_ms}};
  canonical_ = canonical.dump();  // std::map-backed object: keys sorted
  hash_ = crypto::sha256_hex(canonical_);
}

RedLightDecision RedLightRule::judge(const TrackObservations& track, const PhaseTimeline& timeline,
                                     const std::optional<VideoSignalObservations>& video) const {
  const auto& o = options_;
  const auto& obs = track.observations;
  if (obs.empty()) throw InvalidInput("red_light: the track has no observations.");
  for (std::size_t i = 0; i < obs.size(); ++i) {
    if (!finite(obs[i].point)) {
      throw InvalidInput(fmt::format("red_light: track observation {} is not finite.", i));
    }
    if (i > 0 && obs[i].at <= obs[i - 1].at) {
      throw InvalidInput(
          fmt::format("red_light: track observation {} at {} is not after observation {} at {}.", i,
                      to_iso8601(obs[i].at), i - 1, to_iso8601(obs[i - 1].at)));
    }
  }
  if (timeline.approach() != o.approach_id) {
    throw InvalidInput(
        fmt::format("red_light: the phase timeline is of approach '{}', the rule "
                    "of approach '{}'.",
                    timeline.approach(), o.approach_id));
  }
  if (video && !o.video_cross_check) {
    throw InvalidInput("red_light: video signal observations given but video_cross_check is off.");
  }

  RedLightDecision d;
  d.config_hash = hash_;
  const auto finish = [&](RedLightOutcome outcome, std::string reason) {
    d.outcome = outcome;
    d.reason = std::move(reason);
    return d;
  };

  const auto crossing = first_crossing(obs, o.stop_line, approach_side_);
  if (!crossing) {
    // "Stopped before the line" only when the whole track stayed on the approach side.
    const bool ever_past = std::any_of(obs.begin(), obs.end(), [&](const TrackObservation& ob) {
      return side_of(o.stop_line, ob.point).side == -approach_side_;
    });
    return finish(RedLightOutcome::no_crossing,
                  ever_past ? "did not cross the stop line from the approach side"
                            : "stopped before the line");
  }
  const std::size_t i = crossing->segment;
  const double u = crossing->u;
  const std::int64_t dt = obs[i + 1].at.unix_ms - obs[i].at.unix_ms;
  const double offset_ms = u * static_cast<double>(dt);  // from obs[i]
  const double crossing_ms = static_cast<double>(obs[i].at.unix_ms) + offset_ms;
  d.crossing_unix_ms = crossing_ms;
  d.crossing_time = UtcTime{obs[i].at.unix_ms + static_cast<std::int64_t>(std::llround(offset_ms))};
  d.clip_start = UtcTime{d.crossing_time->unix_ms - o.clip_margin_ms};
  d.clip_end = UtcTime{d.crossing_time->unix_ms + o.clip_margin_ms};

  RedLightEvidenceFrames frames;
  frames.before = i;
  frames.at_line = u <= 0.5 ? i : i + 1;
  for (std::size_t j = i + 1; j < obs.size(); ++j) {
    const auto sd = side_of(o.stop_line, obs[j].point);
    if (sd.side == -approach_side_ && sd.distance >= o.intersection_depth_px) {
      frames.in_intersection = j;
      break;
    }
  }
  d.evidence = frames;

  // Lane: where the vehicle was before the line, else where it crossed it.
  const Point x{obs[i].point.x + u * (obs[i + 1].point.x - obs[i].point.x),
                obs[i].point.y + u * (obs[i + 1].point.y - obs[i].point.y)};
  const RedLightLane* lane = nullptr;
  for (const Point& p : {obs[i].point, x}) {
    for (const auto& candidate : o.lanes) {
      if (inside(candidate.polygon, p)) {
        lane = &candidate;
        break;
      }
    }
    if (lane != nullptr) break;
  }
  if (lane == nullptr) {
    return finish(RedLightOutcome::outside_lanes, "crossed outside the configured lanes");
  }
  d.lane = lane->id;
  if (lane->right_turn_exempt) {
    return finish(RedLightOutcome::exempt, fmt::format("right turn exempt (lane '{}')", lane->id));
  }

  const UtcTime at_ms{static_cast<std::int64_t>(std::floor(crossing_ms))};
  const PhaseAt phase = timeline.at(at_ms, o.feed_max_silence_ms);
  d.phase = phase.phase;
  if (phase.phase == SignalPhase::unknown) {
    return finish(RedLightOutcome::undecidable,
                  fmt::format("phase unknown at crossing: {}", phase.unknown_reason));
  }

  if (o.video_cross_check) {
    if (!video) {
      return finish(RedLightOutcome::undecidable,
                    "video cross-check configured but no video observations given");
    }
    const VideoSignalObservation* nearest = nullptr;
    double nearest_gap = std::numeric_limits<double>::infinity();
    for (const auto& v : *video) {
      const double gap = std::abs(static_cast<double>(v.at.unix_ms) - crossing_ms);
      if (gap < nearest_gap || (gap == nearest_gap && nearest != nullptr && v.at < nearest->at)) {
        nearest = &v;
        nearest_gap = gap;
      }
    }
    if (nearest == nullptr || nearest_gap > static_cast<double>(o.video_max_offset_ms)) {
      return finish(RedLightOutcome::undecidable,
                    fmt::format("no video observation of the signal head within {} of the crossing",
                                secs(static_cast<double>(o.video_max_offset_ms))));
    }
    d.video_colour = nearest->colour;
    if (!colour_matches(phase.phase, nearest->colour)) {
      return finish(RedLightOutcome::undecidable,
                    fmt::format("controller says {}, video says {}", to_string(phase.phase),
                                to_string(nearest->colour)));
    }
  }

  if (phase.phase != SignalPhase::red) {
    return finish(RedLightOutcome::not_red, fmt::format("crossed on {}", to_string(phase.phase)));
  }
  if (!phase.since) {
    return finish(RedLightOutcome::undecidable,
                  "red onset unknown (the feed started or resumed during this red)");
  }
  d.red_onset = phase.since;
  const double into_red = crossing_ms - static_cast<double>(phase.since->unix_ms);
  d.time_into_red_ms = into_red;
  if (phase.previous != SignalPhase::amber || !phase.previous_since) {
    return finish(
        RedLightOutcome::undecidable,
        fmt::format("red not preceded by a known amber (before it: {})",
                    phase.previous == SignalPhase::amber ? std::string("amber of unknown start")
                                                         : std::string(to_string(phase.previous))));
  }
  const std::int64_t amber = phase.since->unix_ms - phase.previous_since->unix_ms;
  if (amber < o.amber_ms - o.amber_tolerance_ms) {
    return finish(
        RedLightOutcome::undecidable,
        fmt::format("amber lasted {}, shorter than the configured {}",
                    secs(static_cast<double>(amber)), secs(static_cast<double>(o.amber_ms))));
  }
  if (into_red <= static_cast<double>(o.grace_ms)) {
    return finish(RedLightOutcome::within_grace,
                  fmt::format("crossed {} into red, within the {} grace", secs(into_red),
                              secs(static_cast<double>(o.grace_ms))));
  }
  if (into_red < static_cast<double>(o.min_time_into_red_ms)) {
    return finish(RedLightOutcome::within_grace,
                  fmt::format("crossed {} into red, below the minimum {}", secs(into_red),
                              secs(static_cast<double>(o.min_time_into_red_ms))));
  }
  if (!frames.in_intersection) {
    return finish(RedLightOutcome::undecidable,
                  fmt::format("crossed {} into red but not seen {} px past the line (track ended)",
                              secs(into_red), o.intersection_depth_px));
  }
  if (o.min_speed_kmh > 0) {
    std::optional<double> speed;
    if (obs[i].speed_kmh && obs[i + 1].speed_kmh) {
      speed = *obs[i].speed_kmh + u * (*obs[i + 1].speed_kmh - *obs[i].speed_kmh);
    } else if (o.metres_per_px > 0) {
      const double half = static_cast<double>(o.speed_window_ms) / 2.0;
      std::size_t a = 0;
      for (std::size_t k = 0; k <= i; ++k) {
        if (static_cast<double>(obs[k].at.unix_ms) <= crossing_ms - half) a = k;
      }
      std::size_t b = obs.size() - 1;
      for (std::size_t k = obs.size(); k-- > i + 1;) {
        if (static_cast<double>(obs[k].at.unix_ms) >= crossing_ms + half) b = k;
      }
      double path_px = 0;
      for (std::size_t k = a; k < b; ++k) {
        path_px +=
            std::hypot(obs[k + 1].point.x - obs[k].point.x, obs[k + 1].point.y - obs[k].point.y);
      }
      const double seconds = static_cast<double>(obs[b].at.unix_ms - obs[a].at.unix_ms) / 1000.0;
      speed = path_px * o.metres_per_px / seconds * 3.6;
    }
    if (!speed) {
      return finish(RedLightOutcome::undecidable,
                    "speed at the crossing unknown (no track speed and metres_per_px not set)");
    }
    d.speed_kmh = speed;
    if (*speed < o.min_speed_kmh) {
      return finish(RedLightOutcome::below_min_speed,
                    fmt::format("crossed {} into red at {:.1f} km/h, below the minimum {:.1f} km/h",
                                secs(into_red), *speed, o.min_speed_kmh));
    }
  }
  return finish(RedLightOutcome::violation, fmt::format("crossed {} into red", secs(into_red)));
}

}  // namespace roadwarden::rules
