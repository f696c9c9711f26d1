#include "edge/site_config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <toml.hpp>

#include "alpr/alpr.hpp"
#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"
#include "edge/toml_table.hpp"

namespace roadwarden::edge {
namespace {

using Table = TomlTable;

bool valid_id(const std::string& id) {
  static const std::regex re("[A-Za-z0-9_.-]{1,64}");
  return std::regex_match(id, re);
}

/// True when `name` is a zone of the IANA database installed by tzdata (e.g. "Asia/Tashkent",
/// "UTC"): a relative path of [A-Za-z0-9_+-] parts naming a file under /usr/share/zoneinfo.
bool valid_timezone(const std::string& name) {
  static const std::regex re("[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*");
  if (!std::regex_match(name, re)) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path("/usr/share/zoneinfo") / name, ec);
}

/// Milliseconds since 1970 of a TOML date-time with an offset, counted in days first (a
/// nanosecond system_clock time point overflows outside 1677-2262).
UtcTime to_utc(const toml::offset_datetime& dt) {
  using namespace std::chrono;
  // toml11: month 0-based; the offset in hours and minutes (same sign).
  const sys_days day{year{dt.date.year} / month{dt.date.month + 1U} /
                     std::chrono::day{dt.date.day}};
  const std::int64_t ms = duration_cast<milliseconds>(day.time_since_epoch()).count() +
                          ((dt.time.hour * 60LL + dt.time.minute) * 60 + dt.time.second) * 1000 +
                          dt.time.millisecond - (dt.offset.hour * 60LL + dt.offset.minute) * 60000;
  return UtcTime{ms};
}

void read_reader(Table& t, SiteConfig& c, const std::filesystem::path& base) {
  t.string("engine", c.engine);
  if (c.engine != "learned" && c.engine != "classic")
    t.fail("engine", fmt::format("must be \"learned\" or \"classic\", got \"{}\"", c.engine));
  t.path("models", c.models_dir, base);
  t.string("country", c.alpr.country);
  try {
    (void)alpr::formats_for(c.alpr.country);
  } catch (const InvalidInput& e) {
    t.fail("country", e.what());
  }
  t.integer("top_n", c.alpr.top_n, 1, 50);
  t.number("min_detector_confidence", c.alpr.min_detector_confidence, 0, 1);
  t.number("min_read_confidence", c.alpr.min_read_confidence, 0, 1);
  t.number("min_plate_height", c.alpr.min_plate_height, 1, 1000);
  for (const auto& [key, side] : {std::pair<const char*, int*>{"detector_input",
                                                                 &c.alpr.detector_input},
                                   {"zoom_input", &c.alpr.zoom_input}}) {
    t.integer(key, *side, 0, 2048);
    if (const std::string error = alpr::input_side_error(*side); !error.empty()) t.fail(key, error);
  }
  t.boolean("require_digit", c.alpr.require_digit);
  t.integer("threads", c.threads, 1, 64);
  t.reject_unknown();
}

/// Reads `key` as [[x, y], ...] (numbers, pixels, finite, in [-100000, 100000]); at least
/// `min_points` points.
void read_points(Table& t, const std::string& key, std::vector<Point>& out, std::size_t min_points,
                 bool required) {
  const toml::value* v = t.get(key);
  if (!v) {
    if (required) t.fail(key, "is required ([[x, y], ...] in image pixels)");
    return;
  }
  if (!v->is_array()) t.fail(key, "must be an array of [x, y] points");
  out.clear();
  for (const toml::value& item : v->as_array()) {
    if (!item.is_array() || item.as_array().size() != 2)
      t.fail(key, "must be an array of [x, y] points (two numbers each)");
    double xy[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
      const toml::value& n = item.as_array()[static_cast<std::size_t>(k)];
      if (n.is_integer())
        xy[k] = static_cast<double>(n.as_integer());
      else if (n.is_floating())
        xy[k] = n.as_floating();
      else
        t.fail(key, "must be an array of [x, y] points (two numbers each)");
      if (!(xy[k] >= -100000 && xy[k] <= 100000))
        t.fail(key, "point coordinates must be finite pixels in [-100000, 100000]");
    }
    out.push_back({xy[0], xy[1]});
  }
  if (out.size() < min_points) t.fail(key, fmt::format("needs at least {} points", min_points));
}

void read_red_light(Table& t, const std::string& file, RedLightApproachConfig& a) {
  rules::RedLightOptions& o = a.options;
  t.string("approach", o.approach_id, true);
  if (!rules::valid_approach_id(o.approach_id))
    t.fail("approach", "must be 1-64 of [A-Za-z0-9_.-] (the controller feed's approach id)");
  read_points(t, "stop_line", o.stop_line, 2, true);
  const toml::value* lanes = t.get("lane");
  if (!lanes || !lanes->is_array() || lanes->as_array().empty())
    t.fail("lane", "at least one [[camera.red_light.lane]] table is required");
  for (std::size_t i = 0; i < lanes->as_array().size(); ++i) {
    Table l(lanes->as_array()[i], file, t.name(fmt::format("lane[{}]", i)));
    rules::RedLightLane lane;
    l.string("id", lane.id, true);
    read_points(l, "polygon", lane.polygon, 3, true);
    l.boolean("right_turn_exempt", lane.right_turn_exempt);
    l.reject_unknown();
    o.lanes.push_back(std::move(lane));
  }
  t.integer("amber_ms", o.amber_ms, 1000, 10000);
  t.integer("amber_tolerance_ms", o.amber_tolerance_ms, 0, 1000);
  t.integer("all_red_ms", o.all_red_ms, 0, 10000);
  t.integer("grace_ms", o.grace_ms, 0, 5000);
  t.integer("min_time_into_red_ms", o.min_time_into_red_ms, 0, 60000);
  t.number("min_speed_kmh", o.min_speed_kmh, 0, 300);
  t.number("metres_per_px", o.metres_per_px, 0, 10);
  t.integer("speed_window_ms", o.speed_window_ms, 40, 5000);
  t.integer("feed_max_silence_ms", o.feed_max_silence_ms, 100, 600000);
  t.number("intersection_depth_px", o.intersection_depth_px, 1e-3, 10000);
  t.integer("clip_margin_ms", o.clip_margin_ms, 0, 60000);
  t.integer("video_max_offset_ms", o.video_max_offset_ms, 1, 5000);
  if (const toml::value* r = t.get("signal_region")) {
    if (!r->is_array() || r->as_array().size() != 4 ||
        !std::all_of(r->as_array().begin(), r->as_array().end(),
                     [](const toml::value& n) { return n.is_integer(); }))
      t.fail("signal_region", "must be [x, y, width, height], integers in pixels");
    const auto& v = r->as_array();
    const auto x = v[0].as_integer(), y = v[1].as_integer(), w = v[2].as_integer(),
               h = v[3].as_integer();
    if (x < 0 || y < 0 || w < 2 || h < 2 || x + w > 16384 || y + h > 16384)
      t.fail("signal_region", "must lie in the image: x, y >= 0, width and height >= 2");
    a.signal_region = cv::Rect(static_cast<int>(x), static_cast<int>(y), static_cast<int>(w),
                               static_cast<int>(h));
    o.video_cross_check = true;
  }
  t.boolean("video_cross_check", o.video_cross_check);
  if (o.video_cross_check && !a.signal_region)
    t.fail("video_cross_check", "needs signal_region (where the signal head is in the image)");
  t.reject_unknown();
  try {
    (void)rules::RedLightRule(o);
  } catch (const InvalidInput& e) {
    t.fail_at(t.prefix(), e.what());
  }
}

void read_evidence_ring(Table& t, FrameRingOptions& o) {
  t.integer("long_side", o.long_side, 320, 7680);
  t.integer("jpeg_quality", o.jpeg_quality, 50, 100);
  double seconds = static_cast<double>(o.span_ms) / 1000.0;
  t.number("seconds", seconds, 1, 120);
  o.span_ms = static_cast<std::int64_t>(std::llround(seconds * 1000));
  std::int64_t mb = static_cast<std::int64_t>(o.max_bytes >> 20);
  t.integer("max_mb", mb, 1, 8192);
  o.max_bytes = static_cast<std::uint64_t>(mb) << 20;
  t.reject_unknown();
}

void read_tracker(Table& t, video::TrackerOptions& o) {
  t.integer("min_votes", o.min_votes, 1, 1000);
  t.integer("max_missed_frames", o.max_missed_frames, 1, 1000);
  t.number("edge_margin_px", o.edge_margin_px, 0, 1000);
  t.reject_unknown();
}

}  // namespace

SiteConfig load_site_config(const std::filesystem::path& path) {
  // A site file is a few kilobytes: anything else (a device, a FIFO, /dev/zero) is refused
  // before it is read.
  constexpr std::uintmax_t kMaxBytes = 1 << 20;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && (!std::filesystem::is_regular_file(path, ec) ||
                                            std::filesystem::file_size(path, ec) > kMaxBytes)) {
    throw InvalidInput(
        fmt::format("{}: the site configuration must be a regular file of at most "
                    "1 MiB",
                    path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read the site configuration", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  const std::string file = path.string();
  toml::value root;
  try {
    std::istringstream is(text.str());
    root = toml::parse(is, file);
  } catch (const std::exception& e) {
    throw InvalidInput(fmt::format("{}: not valid TOML: {}", file, e.what()));
  }
  const std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  SiteConfig c;
  c.path = path;
  Table top(root, file, "");
  if (const toml::value* v = top.get("site")) {
    Table t(*v, file, "site");
    t.string("id", c.site_id, true);
    if (!valid_id(c.site_id)) t.fail("id", "must match [A-Za-z0-9_.-]{1,64}");
    t.string("timezone", c.timezone);
    if (!valid_timezone(c.timezone))
      t.fail("timezone", fmt::format("\"{}\" is not an IANA time zone (e.g. \"Asia/Tashkent\"; "
                                     "the list is in /usr/share/zoneinfo, package tzdata)",
                                     c.timezone));
    t.reject_unknown();
  } else {
    top.fail("site", "is required (a [site] table with at least id)");
  }
  if (const toml::value* v = top.get("reader")) {
    Table t(*v, file, "reader");
    read_reader(t, c, base);
  }
  if (const toml::value* v = top.get("spool")) {
    Table t(*v, file, "spool");
    t.path("dir", c.spool_dir, base, true);
    std::int64_t quota_mb = static_cast<std::int64_t>(c.spool_quota_bytes >> 20);
    t.integer("quota_mb", quota_mb, 16, 16ll << 20);
    c.spool_quota_bytes = static_cast<std::uint64_t>(quota_mb) << 20;
    t.number("alarm_fraction", c.spool_alarm_fraction, 0.1, 1.0);
    double hours = static_cast<double>(c.non_violation_max_age.count()) / 3600.0;
    t.number("non_violation_max_age_hours", hours, 0, 24 * 365);
    c.non_violation_max_age = std::chrono::seconds(static_cast<std::int64_t>(hours * 3600));
    t.reject_unknown();
  } else {
    top.fail("spool", "is required (a [spool] table with at least dir)");
  }
  if (const toml::value* v = top.get("privacy")) {
    Table t(*v, file, "privacy");
    t.boolean("blur_outside_vehicle", c.blur_outside_vehicle);
    t.integer("jpeg_quality", c.jpeg_quality, 50, 100);
    t.reject_unknown();
  }
  if (const toml::value* v = top.get("health")) {
    Table t(*v, file, "health");
    t.integer("heartbeat_seconds", c.heartbeat_seconds, 0, 3600);
    t.reject_unknown();
  }
  if (const toml::value* v = top.get("upload")) {
    Table t(*v, file, "upload");
    UploadConfig u;
    t.string("url", u.url, true);
    if (u.url.rfind("https://", 0) != 0)
      t.fail("url", "must start with https:// (uploads are never sent in plain text)");
    t.path("ca_file", u.ca_file, base, true);
    t.path("client_cert", u.client_cert, base);
    t.path("client_key", u.client_key, base);
    if (u.client_cert.empty() != u.client_key.empty())
      t.fail("client_cert", "client_cert and client_key must be given together");
    t.path("signing_key", u.signing_key, base);
    t.integer("timeout_ms", u.timeout_ms, 100, 600000);
    t.reject_unknown();
    c.upload = u;
  }
  const toml::value* cams = top.get("camera");
  if (!cams || !cams->is_array() || cams->as_array().empty())
    top.fail("camera", "at least one [[camera]] table is required");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < cams->as_array().size(); ++i) {
    const toml::value& v = cams->as_array()[i];
    Table t(v, file, fmt::format("camera[{}]", i));
    CameraConfig cam;
    t.string("id", cam.id, true);
    if (!valid_id(cam.id)) t.fail("id", "must match [A-Za-z0-9_.-]{1,64}");
    if (!ids.insert(cam.id).second) t.fail("id", fmt::format("duplicate camera id \"{}\"", cam.id));
    t.string("url", cam.url);
    t.path("file", cam.file, base);
    t.path("folder", cam.folder, base);
    const int sources = !cam.url.empty() + !cam.file.empty() + !cam.folder.empty();
    if (sources != 1) t.fail("url", "exactly one of url, file or folder must be given");
    if (const toml::value* st = t.get("start_time")) {
      if (!st->is_offset_datetime())
        t.fail("start_time", "must be a date-time with an offset, e.g. 2026-11-29T12:00:00Z");
      if (cam.file.empty()) t.fail("start_time", "applies to file sources only");
      const int year = st->as_offset_datetime().date.year;
      if (year < 1970 || year > 9999) t.fail("start_time", "must be in the years 1970 to 9999");
      cam.start_time = to_utc(st->as_offset_datetime());
    }
    t.boolean("realtime", cam.realtime);
    if (cam.realtime && cam.file.empty()) t.fail("realtime", "applies to file sources only");
    if (t.get("settle_ms") && cam.folder.empty()) t.fail("settle_ms", "applies to folders only");
    t.integer("settle_ms", cam.settle_ms, 0, 600000);
    if (t.get("incomplete_hold_ms") && cam.folder.empty())
      t.fail("incomplete_hold_ms", "applies to folders only");
    t.integer("incomplete_hold_ms", cam.incomplete_hold_ms, 0, 86400000);
    if (!cam.folder.empty()) {
      cam.detect_every = 1;
      cam.tracking = false;
    }
    t.boolean("tracking", cam.tracking);
    t.integer("detect_every", cam.detect_every, 1, 10);
    if (!cam.tracking && cam.detect_every != 1)
      t.fail("detect_every", "must be 1 when tracking is off (every snapshot is read)");
    t.integer("queue_frames", cam.queue_frames, 1, 256);
    t.integer("merge_window_ms", cam.merge_window_ms, 0, 60000);
    cam.overflow = cam.url.empty() ? Overflow::block : Overflow::drop_oldest;
    std::string overflow;
    t.string("overflow", overflow);
    if (overflow == "block")
      cam.overflow = Overflow::block;
    else if (overflow == "drop_oldest")
      cam.overflow = Overflow::drop_oldest;
    else if (!overflow.empty())
      t.fail("overflow", fmt::format("must be \"block\" or \"drop_oldest\", got \"{}\"", overflow));
    if (const toml::value* tv = t.get("tracker")) {
      Table tt(*tv, file, t.name("tracker"));
      read_tracker(tt, cam.tracker);
    }
    if (const toml::value* rl = t.get("red_light")) {
      if (!rl->is_array()) t.fail("red_light", "must be [[camera.red_light]] tables");
      std::set<std::string> approaches;
      for (std::size_t k = 0; k < rl->as_array().size(); ++k) {
        Table rt(rl->as_array()[k], file, t.name(fmt::format("red_light[{}]", k)));
        RedLightApproachConfig a;
        read_red_light(rt, file, a);
        if (!approaches.insert(a.options.approach_id).second)
          rt.fail("approach",
                  fmt::format("duplicate approach \"{}\" on this camera", a.options.approach_id));
        cam.red_light.push_back(std::move(a));
      }
      if (!cam.red_light.empty() && !cam.tracking)
        t.fail("red_light", "needs tracking (a red-light camera must be a video camera)");
    }
    if (const toml::value* rv = t.get("evidence_ring")) {
      if (cam.red_light.empty())
        t.fail("evidence_ring", "applies to cameras with [[camera.red_light]] approaches only");
      Table rt(*rv, file, t.name("evidence_ring"));
      read_evidence_ring(rt, cam.evidence_ring);
    }
    t.reject_unknown();
    c.cameras.push_back(std::move(cam));
  }
  const bool any_red_light =
      std::any_of(c.cameras.begin(), c.cameras.end(),
                  [](const CameraConfig& k) { return !k.red_light.empty(); });
  if (const toml::value* v = top.get("signal")) {
    Table t(*v, file, "signal");
    SignalFeedOptions s;
    t.path("replay", s.replay, base);
    t.string("feed", s.feed);
    if (s.replay.empty() == s.feed.empty())
      t.fail("replay", "exactly one of replay (a recorded feed file) or feed (\"host:port\")");
    t.integer("connect_timeout_ms", s.connect_timeout_ms, 100, 60000);
    t.integer("backoff_initial_ms", s.backoff.initial_ms, 10, 600000);
    t.integer("backoff_max_ms", s.backoff.max_ms, 10, 600000);
    if (s.backoff.max_ms < s.backoff.initial_ms)
      t.fail("backoff_max_ms", "must be >= backoff_initial_ms");
    t.reject_unknown();
    if (!any_red_light)
      t.fail("replay", "a [signal] feed is only used by cameras with [[camera.red_light]]");
    c.signal = std::move(s);
  } else if (any_red_light) {
    top.fail("signal",
             "is required: [[camera.red_light]] needs the signal phases ([signal] "
             "with replay = \"file\" or feed = \"host:port\")");
  }
  // The per-pass rules read their own tables (edge/pass_rules.cpp); marked as known here.
  (void)top.get("curfew");
  (void)top.get("section_speed");
  (void)top.get("seatbelt");
  top.reject_unknown();
  c.rules = parse_pass_rules(root, path);
  return c;
}

}  // namespace roadwarden::edge
