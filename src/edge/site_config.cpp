#include "edge/site_config.hpp"

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"

namespace roadwarden::edge {
namespace {

/// Reads the keys of one TOML table, remembering which were used so that the rest can be
/// rejected as unknown. Every error names the file and the dotted key.
class Table {
 public:
  Table(const toml::value& value, std::string file, std::string prefix)
      : file_(std::move(file)), prefix_(std::move(prefix)) {
    if (!value.is_table()) fail_at(prefix_.empty() ? "(top level)" : prefix_, "must be a table");
    table_ = &value.as_table();
  }

  [[noreturn]] void fail_at(const std::string& key, const std::string& why) const {
    throw InvalidInput(fmt::format("{}: {}: {}", file_, key, why));
  }
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    fail_at(name(key), why);
  }
  [[nodiscard]] std::string name(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }

  [[nodiscard]] const toml::value* get(const std::string& key) {
    used_.insert(key);
    const auto it = table_->find(key);
    return it == table_->end() ? nullptr : &it->second;
  }
  [[nodiscard]] bool has(const std::string& key) const { return table_->count(key) > 0; }

  void string(const std::string& key, std::string& out, bool required = false) {
    const toml::value* v = get(key);
    if (!v) {
      if (required) fail(key, "is required");
      return;
    }
    if (!v->is_string()) fail(key, "must be a string");
    out = v->as_string().str;
  }
  void boolean(const std::string& key, bool& out) {
    const toml::value* v = get(key);
    if (!v) return;
    if (!v->is_boolean()) fail(key, "must be true or false");
    out = v->as_boolean();
  }
  template <typename Int>
  void integer(const std::string& key, Int& out, long long lo, long long hi) {
    const toml::value* v = get(key);
    if (!v) return;
    if (!v->is_integer()) fail(key, "must be an integer");
    const long long x = v->as_integer();
    if (x < lo || x > hi) fail(key, fmt::format("must be in {}..{}, got {}", lo, hi, x));
    out = static_cast<Int>(x);
  }
  void number(const std::string& key, double& out, double lo, double hi) {
    const toml::value* v = get(key);
    if (!v) return;
    double x = 0;
    if (v->is_floating())
      x = v->as_floating();
    else if (v->is_integer())
      x = static_cast<double>(v->as_integer());
    else
      fail(key, "must be a number");
    if (!(x >= lo && x <= hi)) fail(key, fmt::format("must be in [{}, {}], got {}", lo, hi, x));
    out = x;
  }
  void path(const std::string& key, std::filesystem::path& out, const std::filesystem::path& base,
            bool required = false) {
    std::string s;
    string(key, s, required);
    if (s.empty()) {
      if (required || has(key)) fail(key, "must not be empty");
      return;
    }
    const std::filesystem::path p(s);
    out = p.is_absolute() ? p : base / p;
  }
  /// Rejects every key that no reader asked for.
  void reject_unknown() const {
    for (const auto& [key, value] : *table_) {
      if (!used_.count(key)) fail(key, "unknown key (see examples/site.toml for every option)");
    }
  }

 private:
  const toml::table* table_ = nullptr;
  std::string file_;
  std::string prefix_;
  std::set<std::string> used_;
};

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

UtcTime to_utc(const toml::offset_datetime& dt) {
  const std::chrono::system_clock::time_point tp(dt);
  return UtcTime{
      std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count()};
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
  t.boolean("require_digit", c.alpr.require_digit);
  t.integer("threads", c.threads, 1, 64);
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
      cam.start_time = to_utc(st->as_offset_datetime());
    }
    t.boolean("realtime", cam.realtime);
    if (cam.realtime && cam.file.empty()) t.fail("realtime", "applies to file sources only");
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
    t.reject_unknown();
    c.cameras.push_back(std::move(cam));
  }
  top.reject_unknown();
  return c;
}

}  // namespace roadwarden::edge
