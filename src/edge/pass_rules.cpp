// Per-pass violation rules of the camera agent (pass_rules.hpp).
#include "edge/pass_rules.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "alpr/formats/plate_format.hpp"
#include "codec/image_io.hpp"
#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "edge/toml_table.hpp"
#include "evidence/data_bar.hpp"
#include "evidence/plate_read_package.hpp"

namespace roadwarden::edge {
namespace {

using nlohmann::json;

// ---- TOML reading ----------------------------------------------------------------------

/// A site.toml table whose unknown keys point to docs/violation-rules.md.
class Table : public TomlTable {
 public:
  Table(const toml::value& value, std::string file, std::string prefix)
      : TomlTable(value, std::move(file), std::move(prefix), "docs/violation-rules.md") {}
};

/// Runs `f`; a roadwarden error it throws is rethrown with the same kind, its message
/// prefixed by "<file>: <key>: ".
template <typename F>
auto with_key(const std::string& file, const std::string& key, F&& f) {
  const auto prefixed = [&](const std::exception& e) {
    return fmt::format("{}: {}: {}", file, key, e.what());
  };
  try {
    return f();
  } catch (const PermissionDenied& e) {
    throw PermissionDenied(prefixed(e));
  } catch (const IoError& e) {
    throw IoError(prefixed(e));
  } catch (const InvalidInput& e) {
    throw InvalidInput(prefixed(e));
  }
}

/// Plates of a list file: one per line; blank lines and lines starting with '#' are skipped,
/// surrounding whitespace trimmed.
std::vector<std::string> read_plate_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot read the list file {}", path.string()));
  std::vector<std::string> plates;
  std::string line;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const auto last = line.find_last_not_of(" \t\r");
    plates.push_back(line.substr(first, last - first + 1));
  }
  if (in.bad()) throw IoError(fmt::format("error reading the list file {}", path.string()));
  return plates;
}

/// A [curfew.vehicles] or [curfew.permits] table: id, version, plates and/or file.
rules::VehicleList read_list(Table& t, const std::filesystem::path& base) {
  rules::VehicleList list;
  t.string("id", list.id, true);
  t.string("version", list.version, true);
  std::vector<std::string> plates;
  t.strings("plates", plates);
  std::filesystem::path file;
  t.path("file", file, base);
  if (!file.empty()) {
    const auto more = with_key(t.file(), t.name("file"), [&] { return read_plate_file(file); });
    plates.insert(plates.end(), more.begin(), more.end());
  }
  if (file.empty() && !t.get("plates"))
    t.fail("plates", "a list needs plates = [...] or file = \"...\" (or both)");
  t.reject_unknown();
  for (const std::string& p : plates) {
    if (alpr::normalise_plate_text(p).empty())
      t.fail(file.empty() ? "plates" : "file", fmt::format("\"{}\" has no letter or digit", p));
    list.plates.insert(p);
  }
  return list;
}

std::vector<rules::Weekday> read_days(Table& t) {
  std::vector<std::string> names;
  t.strings("days", names);
  if (!t.get("days")) return rules::CurfewWindow::every_day();
  if (names.empty()) t.fail("days", "must not be empty (leave it out for every day)");
  std::vector<rules::Weekday> days;
  for (const std::string& n : names) {
    bool found = false;
    for (const rules::Weekday d : rules::CurfewWindow::every_day()) {
      if (rules::weekday_name(d) == n) {
        if (std::find(days.begin(), days.end(), d) != days.end())
          t.fail("days", fmt::format("\"{}\" is given twice", n));
        days.push_back(d);
        found = true;
      }
    }
    if (!found)
      t.fail("days", fmt::format("\"{}\" is not one of Mon, Tue, Wed, Thu, Fri, Sat, Sun", n));
  }
  return days;
}

rules::CurfewWindow read_window(Table& t) {
  std::string time;
  t.string("time", time, true);
  const auto dash = time.find('-');
  if (dash == std::string::npos)
    t.fail("time", fmt::format("\"{}\" is not HH:MM-HH:MM (e.g. \"23:00-06:00\")", time));
  std::vector<rules::Weekday> days = read_days(t);
  t.reject_unknown();
  return with_key(t.file(), t.name("time"), [&] {
    rules::CurfewWindow w = rules::CurfewWindow::from_text(
        std::string_view(time).substr(0, dash), std::string_view(time).substr(dash + 1), days);
    if (w.end_minute == w.start_minute) throw InvalidInput("a window must not end when it starts");
    return w;
  });
}

/// True when `name` is a zone of the IANA database installed by tzdata.
bool known_time_zone(const std::string& name) {
  try {
    (void)rules::TimeZone(name);
    return true;
  } catch (const InvalidInput&) {
    return false;
  }
}

/// Ids of the [[camera]] tables of the site (empty when there are none or they are malformed:
/// load_site_config reports those).
std::set<std::string> site_cameras(const toml::value& root) {
  std::set<std::string> ids;
  if (!root.is_table()) return ids;
  const auto it = root.as_table().find("camera");
  if (it == root.as_table().end() || !it->second.is_array()) return ids;
  for (const toml::value& cam : it->second.as_array()) {
    if (!cam.is_table()) continue;
    const auto id = cam.as_table().find("id");
    if (id != cam.as_table().end() && id->second.is_string())
      ids.insert(id->second.as_string().str);
  }
  return ids;
}

void check_cameras(Table& t, const std::string& key, const std::vector<std::string>& cameras,
                   const std::set<std::string>& known) {
  std::set<std::string> seen;
  for (const std::string& c : cameras) {
    if (c.empty()) t.fail(key, "has an empty camera id");
    if (!seen.insert(c).second) t.fail(key, fmt::format("camera \"{}\" is given twice", c));
    if (!known.empty() && !known.count(c))
      t.fail(key, fmt::format("unknown camera \"{}\" (no [[camera]] has that id)", c));
  }
}

CurfewZoneConfig read_curfew(Table& t, const std::filesystem::path& base,
                             const std::string& site_zone, const std::set<std::string>& known) {
  CurfewZoneConfig z;
  rules::CurfewOptions& o = z.options;
  t.string("id", o.rule_id, true);
  t.strings("cameras", o.cameras, true);
  check_cameras(t, "cameras", o.cameras, known);
  o.time_zone = site_zone;
  t.string("timezone", o.time_zone);
  if (!known_time_zone(o.time_zone))
    t.fail("timezone",
           fmt::format("\"{}\" is not an IANA time zone (e.g. \"Asia/Tashkent\")", o.time_zone));
  const toml::value* windows = t.get("window");
  if (!windows || !windows->is_array() || windows->as_array().empty())
    t.fail("window", "at least one [[curfew.window]] table (time = \"23:00-06:00\") is required");
  for (std::size_t i = 0; i < windows->as_array().size(); ++i) {
    Table w(windows->as_array()[i], t.file(), t.name(fmt::format("window[{}]", i)));
    o.windows.push_back(read_window(w));
  }
  std::string select;
  t.string("select", select, true);
  std::vector<std::string> formats;
  t.strings("formats", formats);
  const bool has_formats = t.get("formats") != nullptr;
  const toml::value* vehicles = t.get("vehicles");
  if (const toml::value* permits = t.get("permits")) {
    Table p(*permits, t.file(), t.name("permits"));
    z.permits = read_list(p, base);
  }
  if (select == "format") {
    o.selector.kind = rules::CurfewSelector::Kind::PlateFormat;
    if (formats.empty())
      t.fail("formats", "select = \"format\" needs formats = [\"uz.legal\", ...]");
    o.selector.formats = formats;
    if (vehicles) t.fail("vehicles", "applies to select = \"list\" only");
  } else if (select == "list") {
    o.selector.kind = rules::CurfewSelector::Kind::VehicleList;
    if (!vehicles) t.fail("vehicles", "select = \"list\" needs a [curfew.vehicles] table");
    Table v(*vehicles, t.file(), t.name("vehicles"));
    o.selector.vehicles = read_list(v, base);
    if (has_formats) t.fail("formats", "applies to select = \"format\" only");
  } else if (select == "not_on_permit_list") {
    o.selector.kind = rules::CurfewSelector::Kind::NotOnPermitList;
    if (!z.permits)
      t.fail("permits", "select = \"not_on_permit_list\" needs a [curfew.permits] table");
    if (has_formats) t.fail("formats", "applies to select = \"format\" only");
    if (vehicles) t.fail("vehicles", "applies to select = \"list\" only");
  } else {
    t.fail("select", fmt::format("must be \"format\", \"list\" or \"not_on_permit_list\", got "
                                 "\"{}\"",
                                 select));
  }
  t.reject_unknown();
  // Validate once, as the engine will build it.
  with_key(t.file(), t.prefix(), [&] { (void)rules::CurfewRule(o, z.permits); });
  return z;
}

SectionSpeedConfig read_section(Table& t, const std::filesystem::path& base,
                                const std::set<std::string>& known) {
  SectionSpeedConfig s;
  rules::SectionSpeedOptions& o = s.options;
  t.string("id", o.section_id, true);
  t.string("entry_camera", o.entry_camera, true);
  check_cameras(t, "entry_camera", {o.entry_camera}, known);
  t.string("exit_camera", o.exit_camera, true);
  check_cameras(t, "exit_camera", {o.exit_camera}, known);
  if (o.entry_camera == o.exit_camera) t.fail("exit_camera", "must differ from entry_camera");
  t.number("distance_m", o.distance_m, 0, 100'000, true, true);
  t.number("limit_kmh", o.limit_kmh, 0, 300, true, true);
  t.number("tolerance_kmh", o.tolerance_kmh, 0, 300);
  if (o.tolerance_kmh >= o.limit_kmh) t.fail("tolerance_kmh", "must be below limit_kmh");
  t.number("tolerance_percent", o.tolerance_percent, 0, 100);
  if (o.tolerance_percent >= 100) t.fail("tolerance_percent", "must be below 100");
  std::int64_t max_transit_s = 0;
  t.integer("max_transit_s", max_transit_s, 1, 86'400, true);
  o.max_transit_ms = max_transit_s * 1000;
  std::string group = "all";
  t.string("lane_group", group);
  o.lane_groups = {rules::SectionLaneGroup{group, {0}, {0}}};
  constexpr long long kDayMs = 86'400'000;
  t.integer("entry_clock_offset_ms", s.entry_clock_offset_ms, -kDayMs, kDayMs);
  t.integer("entry_clock_uncertainty_ms", s.entry_clock_uncertainty_ms, 0, 60'000);
  t.integer("exit_clock_offset_ms", s.exit_clock_offset_ms, -kDayMs, kDayMs);
  t.integer("exit_clock_uncertainty_ms", s.exit_clock_uncertainty_ms, 0, 60'000);
  t.integer("max_pending_frames", s.max_pending_frames, 1, 100'000);
  t.path("hmac_key_file", s.hmac_key_file, base, true);
  t.reject_unknown();
  o.plate_key = with_key(t.file(), t.name("hmac_key_file"),
                         [&] { return crypto::load_hmac_key(s.hmac_key_file); });
  with_key(t.file(), t.prefix(), [&] { (void)rules::SectionSpeedRule(o); });
  return s;
}

SeatbeltConfig read_seatbelt(Table& t, const std::filesystem::path& base,
                             const std::set<std::string>& known) {
  SeatbeltConfig c;
  t.strings("cameras", c.cameras, true);
  check_cameras(t, "cameras", c.cameras, known);
  t.path("model", c.model, base);
  std::error_code ec;
  if (!c.model.empty() && !std::filesystem::is_regular_file(c.model, ec))
    throw IoError(
        fmt::format("{}: {}: no model file at {}", t.file(), t.name("model"), c.model.string()));
  t.number("min_confidence", c.options.min_confidence, 0.5, 1);
  std::string traffic = "right_hand";
  t.string("traffic", traffic);
  if (traffic == "right_hand")
    c.options.traffic = rules::Traffic::right_hand;
  else if (traffic == "left_hand")
    c.options.traffic = rules::Traffic::left_hand;
  else
    t.fail("traffic", fmt::format("must be \"right_hand\" or \"left_hand\", got \"{}\"", traffic));
  t.reject_unknown();
  with_key(t.file(), t.prefix(), [&] { (void)rules::SeatbeltRule(c.options); });
  return c;
}

// ---- Evidence --------------------------------------------------------------------------

/// The plate cut of plate_read_package.cpp: the corners' bounding box with a 15 % margin,
/// clipped to the frame (empty when the plate lies outside it).
cv::Rect plate_cut(const Quad& corners, cv::Size size) {
  const Box b = corners.bounding_box();
  const double mx = 0.15 * b.width;
  const double my = 0.15 * b.height;
  const int l = std::clamp(static_cast<int>(std::floor(b.x - mx)), 0, size.width);
  const int t = std::clamp(static_cast<int>(std::floor(b.y - my)), 0, size.height);
  const int r = std::clamp(static_cast<int>(std::ceil(b.x + b.width + mx)), 0, size.width);
  const int bt = std::clamp(static_cast<int>(std::ceil(b.y + b.height + my)), 0, size.height);
  return {l, t, std::max(0, r - l), std::max(0, bt - t)};
}

/// "<prefix>frame.jpg" (the overview frame, blurred outside the vehicle when configured,
/// with the data bar `lines`) and "<prefix>plate.jpg" (the plate cut, when in the frame).
std::vector<EvidenceFile> frame_files(const std::string& prefix, const cv::Mat& frame,
                                      const PlateRead& read, const std::vector<std::string>& lines,
                                      const PassRuleContext& ctx) {
  const cv::Mat overview =
      ctx.blur_outside_vehicle ? evidence::blur_outside_vehicle(frame, read.best_corners) : frame;
  std::vector<EvidenceFile> files;
  files.push_back({prefix + "frame.jpg", "image/jpeg",
                   codec::encode_jpeg(evidence::with_data_bar(overview, lines), ctx.jpeg_quality)});
  const cv::Rect cut = plate_cut(read.best_corners, frame.size());
  if (cut.area() > 0)
    files.push_back(
        {prefix + "plate.jpg", "image/jpeg", codec::encode_jpeg(frame(cut), ctx.jpeg_quality)});
  return files;
}

/// The first two data bar lines: rule, site and camera; UTC and local time.
std::vector<std::string> bar_head(const PassRuleContext& ctx, const rules::TimeZone& zone,
                                  const std::string& title, const std::string& camera, UtcTime at) {
  const rules::LocalDateTime local = zone.to_local(at);
  return {fmt::format("{} | site {} | camera {}", title, ctx.site_id, camera),
          fmt::format("UTC {} | local {} {} ({})", to_iso8601(at), rules::to_iso8601(local),
                      local.abbreviation, zone.name())};
}

json base_metadata(const PassRuleContext& ctx, json violation, const PlateRead& read,
                   const cv::Mat& frame) {
  return {{"type", "violation"},
          {"site", ctx.site_id},
          {"timezone", ctx.timezone},
          {"clock_source", ctx.clock_source},
          {"frame_size", {frame.cols, frame.rows}},
          {"privacy", {{"blurred_outside_vehicle", ctx.blur_outside_vehicle}}},
          {"violation", std::move(violation)},
          {"read", evidence::to_json(read)}};
}

std::string hash_of(const json& config) {
  return crypto::sha256_hex(config.dump());
}

json curfew_config_json(const CurfewZoneConfig& z) {
  const rules::CurfewOptions& o = z.options;
  json windows = json::array();
  for (const rules::CurfewWindow& w : o.windows)
    windows.push_back({{"time", w.label()}, {"days", w.days_label()}});
  json j = {{"kind", "curfew"},
            {"id", o.rule_id},
            {"time_zone", o.time_zone},
            {"cameras", o.cameras},
            {"windows", windows}};
  switch (o.selector.kind) {
    case rules::CurfewSelector::Kind::PlateFormat:
      j["select"] = "format";
      j["formats"] = o.selector.formats;
      break;
    case rules::CurfewSelector::Kind::VehicleList:
      j["select"] = "list";
      j["vehicles"] = {{"id", o.selector.vehicles.id}, {"version", o.selector.vehicles.version}};
      break;
    case rules::CurfewSelector::Kind::NotOnPermitList:
      j["select"] = "not_on_permit_list";
      break;
  }
  if (z.permits) j["permits"] = {{"id", z.permits->id}, {"version", z.permits->version}};
  return j;
}

/// The section's decisive settings (never the key).
json section_config_json(const SectionSpeedConfig& s) {
  const rules::SectionSpeedOptions& o = s.options;
  return {{"kind", "section_speed"},
          {"id", o.section_id},
          {"entry_camera", o.entry_camera},
          {"exit_camera", o.exit_camera},
          {"distance_m", o.distance_m},
          {"limit_kmh", o.limit_kmh},
          {"tolerance_kmh", o.tolerance_kmh},
          {"tolerance_percent", o.tolerance_percent},
          {"max_transit_ms", o.max_transit_ms},
          {"lane_group", o.lane_groups.empty() ? std::string() : o.lane_groups.front().name},
          {"entry_clock_offset_ms", s.entry_clock_offset_ms},
          {"entry_clock_uncertainty_ms", s.entry_clock_uncertainty_ms},
          {"exit_clock_offset_ms", s.exit_clock_offset_ms},
          {"exit_clock_uncertainty_ms", s.exit_clock_uncertainty_ms}};
}

json seatbelt_config_json(const SeatbeltConfig& c, const std::string& classifier) {
  const rules::WindshieldOptions& w = c.options.windshield;
  return {{"kind", "seatbelt"},
          {"cameras", c.cameras},
          {"model", c.model.filename().string()},
          {"classifier", classifier},
          {"min_confidence", c.options.min_confidence},
          {"traffic", c.options.traffic == rules::Traffic::right_hand ? "right_hand" : "left_hand"},
          {"windshield",
           {{"width_ratio", w.width_ratio},
            {"height_ratio", w.height_ratio},
            {"gap_ratio", w.gap_ratio},
            {"min_visible_fraction", w.min_visible_fraction}}}};
}

json pass_evidence_json(const rules::SectionPassEvidence& e) {
  return {{"camera", e.camera},
          {"captured", to_iso8601(e.captured)},
          {"clock_offset_ms", e.clock_offset_ms},
          {"clock_uncertainty_ms", e.clock_uncertainty_ms},
          {"reference_time", to_iso8601(e.reference_time)},
          {"evidence_id", e.evidence_id}};
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

PassRulesConfig parse_pass_rules(const toml::value& site_root, const std::filesystem::path& file) {
  const std::string f = file.string();
  if (!site_root.is_table()) throw InvalidInput(fmt::format("{}: (top level): must be a table", f));
  const std::filesystem::path base = std::filesystem::absolute(file).parent_path();
  const toml::table& root = site_root.as_table();
  std::string site_zone = "UTC";
  if (const auto site = root.find("site"); site != root.end() && site->second.is_table()) {
    const auto tz = site->second.as_table().find("timezone");
    if (tz != site->second.as_table().end() && tz->second.is_string())
      site_zone = tz->second.as_string().str;
  }
  const std::set<std::string> known = site_cameras(site_root);
  PassRulesConfig c;
  std::set<std::string> ids;
  const auto array_of_tables = [&](const char* key) -> const toml::array* {
    const auto it = root.find(key);
    if (it == root.end()) return nullptr;
    if (!it->second.is_array())
      throw InvalidInput(fmt::format("{}: {}: must be an array of tables ([[{}]])", f, key, key));
    return &it->second.as_array();
  };
  if (const toml::array* curfews = array_of_tables("curfew")) {
    for (std::size_t i = 0; i < curfews->size(); ++i) {
      Table t((*curfews)[i], f, fmt::format("curfew[{}]", i));
      c.curfews.push_back(read_curfew(t, base, site_zone, known));
      if (!ids.insert(c.curfews.back().options.rule_id).second)
        t.fail("id", fmt::format("duplicate rule id \"{}\"", c.curfews.back().options.rule_id));
    }
  }
  if (const toml::array* sections = array_of_tables("section_speed")) {
    for (std::size_t i = 0; i < sections->size(); ++i) {
      Table t((*sections)[i], f, fmt::format("section_speed[{}]", i));
      c.sections.push_back(read_section(t, base, known));
      if (!ids.insert(c.sections.back().options.section_id).second)
        t.fail("id", fmt::format("duplicate rule id \"{}\"", c.sections.back().options.section_id));
    }
  }
  if (const auto it = root.find("seatbelt"); it != root.end()) {
    Table t(it->second, f, "seatbelt");
    c.seatbelt = read_seatbelt(t, base, known);
  }
  return c;
}

PassRulesConfig load_pass_rules(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read the site configuration", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  toml::value root;
  try {
    std::istringstream is(text.str());
    root = toml::parse(is, path.string());
  } catch (const std::exception& e) {
    throw InvalidInput(fmt::format("{}: not valid TOML: {}", path.string(), e.what()));
  }
  return parse_pass_rules(root, path);
}

// ---- Engine ----------------------------------------------------------------------------

/// One section's rule and the evidence of its pending entries. Everything but `config`,
/// `rule` (thread-safe itself) and `hash` is guarded by PassRuleEngine::mutex_.
struct PassRuleEngine::Section {
  /// An entry pass waiting for its exit: no plate text, only its pseudonym (the map key).
  struct Waiting {
    std::string evidence_id;
    std::int64_t reference_ms = 0;    ///< entry time on the reference clock
    std::uint64_t order = 0;          ///< arrival order, for dropping the oldest images
    json read;                        ///< to_json(entry read) without text/candidates
    std::vector<EvidenceFile> files;  ///< entry_frame.jpg, entry_plate.jpg; empty once dropped
    bool images_dropped = false;
  };
  SectionSpeedConfig config;
  std::unique_ptr<rules::SectionSpeedRule> rule;
  json config_json;
  std::string hash;
  std::map<std::string, Waiting> waiting;            ///< by plate HMAC
  std::map<std::uint64_t, std::string> with_images;  ///< order -> plate HMAC, images still held
  std::uint64_t next_order = 0;
};

PassRuleEngine::PassRuleEngine(PassRulesConfig config, PassRuleContext context,
                               std::shared_ptr<const rules::SeatbeltClassifier> seatbelt)
    : config_(std::move(config)),
      context_(std::move(context)),
      zone_(context_.timezone),
      classifier_(std::move(seatbelt)) {
  if (context_.jpeg_quality < 50 || context_.jpeg_quality > 100)
    throw InvalidInput(
        fmt::format("jpeg_quality must be in 50..100, got {}", context_.jpeg_quality));
  for (const CurfewZoneConfig& z : config_.curfews) {
    curfews_.push_back(std::make_unique<rules::CurfewRule>(z.options, z.permits));
    curfew_hashes_.push_back(hash_of(curfew_config_json(z)));
  }
  for (const SectionSpeedConfig& sc : config_.sections) {
    auto s = std::make_unique<Section>();
    s->config = sc;
    s->rule = std::make_unique<rules::SectionSpeedRule>(sc.options);
    if (sc.entry_clock_uncertainty_ms < 0 || sc.exit_clock_uncertainty_ms < 0)
      throw InvalidInput(
          fmt::format("section {}: clock uncertainties must be >= 0", sc.options.section_id));
    if (sc.max_pending_frames < 1)
      throw InvalidInput(
          fmt::format("section {}: max_pending_frames must be >= 1", sc.options.section_id));
    s->config_json = section_config_json(sc);
    s->hash = hash_of(s->config_json);
    sections_.push_back(std::move(s));
  }
  if (config_.seatbelt) {
    if (!config_.seatbelt->model.empty() && !classifier_)
      throw InvalidInput(fmt::format(
          "seatbelt.model is set ({}) but roadwarden has no seatbelt model loader yet; remove "
          "the key (the rule then reports \"unavailable\") — see docs/seatbelt.md",
          config_.seatbelt->model.string()));
    seatbelt_ = std::make_unique<rules::SeatbeltRule>(config_.seatbelt->options, classifier_);
    seatbelt_hash_ =
        hash_of(seatbelt_config_json(*config_.seatbelt, classifier_ ? classifier_->name() : ""));
  }
}

PassRuleEngine::~PassRuleEngine() = default;

std::vector<PassRuleEngine::RuleInForce> PassRuleEngine::rules_in_force() const {
  std::vector<RuleInForce> out;
  for (std::size_t i = 0; i < config_.curfews.size(); ++i) {
    const rules::CurfewOptions& o = config_.curfews[i].options;
    out.push_back({"curfew", o.rule_id, o.cameras, curfew_hashes_[i],
                   curfew_config_json(config_.curfews[i])});
  }
  const std::lock_guard lock(mutex_);
  for (const std::unique_ptr<Section>& s : sections_) {
    const rules::SectionSpeedOptions& o = s->config.options;
    out.push_back(
        {"section_speed", o.section_id, {o.entry_camera, o.exit_camera}, s->hash, s->config_json});
  }
  if (config_.seatbelt) {
    out.push_back(
        {"seatbelt", "seatbelt", config_.seatbelt->cameras, seatbelt_hash_,
         seatbelt_config_json(*config_.seatbelt, classifier_ ? classifier_->name() : "")});
  }
  return out;
}

std::vector<ViolationRecord> PassRuleEngine::on_pass(const std::string& camera,
                                                     const video::Pass& pass) {
  if (pass.best_frame.empty()) throw InvalidInput("a pass must carry its best frame");
  return on_pass(camera, pass, pass.best_frame.to_bgr());
}

std::vector<ViolationRecord> PassRuleEngine::on_pass(const std::string& camera,
                                                     const video::Pass& pass,
                                                     const cv::Mat& frame) {
  if (frame.empty() || frame.type() != CV_8UC3)
    throw InvalidInput("a pass's best frame must be a non-empty BGR 8-bit image");
  {
    const std::lock_guard lock(mutex_);
    ++stats_.passes;
  }
  if (alpr::normalise_plate_text(pass.read.text).empty()) return {};
  std::vector<ViolationRecord> out = judge_curfews(camera, pass, frame);
  std::vector<ViolationRecord> sections = judge_sections(camera, pass, frame);
  std::vector<ViolationRecord> seatbelt = judge_seatbelt(camera, pass, frame);
  for (ViolationRecord& r : sections) out.push_back(std::move(r));
  for (ViolationRecord& r : seatbelt) out.push_back(std::move(r));
  return out;
}

std::vector<ViolationRecord> PassRuleEngine::judge_curfews(const std::string& camera,
                                                           const video::Pass& pass,
                                                           const cv::Mat& frame) {
  std::vector<ViolationRecord> out;
  PlateRead read = pass.read;
  read.camera = camera;
  for (std::size_t i = 0; i < curfews_.size(); ++i) {
    const rules::CurfewRule& rule = *curfews_[i];
    if (!contains(rule.options().cameras, camera)) continue;
    const std::optional<rules::CurfewDecision> d = rule.evaluate(read);
    if (!d) continue;
    json v = {{"kind", "curfew"},
              {"zone", d->rule_id},
              {"camera", d->camera},
              {"at", to_iso8601(d->at)},
              {"window", d->window},
              {"window_days", d->window_days},
              {"window_started_on", d->window_started_on},
              {"local_time", d->local_time},
              {"zone_abbreviation", d->zone_abbreviation},
              {"time_zone", d->time_zone},
              {"tz_database_version", d->tz_database_version},
              {"selector", d->selector},
              {"vehicle_list_version", d->vehicle_list_version},
              {"permit_list_id", d->permit_list_id},
              {"permit_list_version", d->permit_list_version},
              {"config", curfew_config_json(config_.curfews[i])},
              {"config_hash", curfew_hashes_[i]}};
    std::vector<std::string> lines =
        bar_head(context_, zone_, "CURFEW " + d->rule_id, camera, d->at);
    lines.push_back(fmt::format("Window {} ({}) started {} | zone local time {} {}", d->window,
                                d->window_days, d->window_started_on, d->local_time,
                                d->zone_abbreviation));
    std::string lists = d->vehicle_list_version.empty()
                            ? std::string()
                            : " | list version " + d->vehicle_list_version;
    if (!d->permit_list_id.empty())
      lists += fmt::format(" | permit list {} {}", d->permit_list_id, d->permit_list_version);
    lines.push_back(fmt::format("Plate {} | selector {}{}", d->plate, d->selector, lists));
    ViolationRecord r{"curfew", base_metadata(context_, std::move(v), read, frame),
                      frame_files("", frame, read, lines, context_)};
    {
      const std::lock_guard lock(mutex_);
      ++stats_.curfew_violations;
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<ViolationRecord> PassRuleEngine::judge_sections(const std::string& camera,
                                                            const video::Pass& pass,
                                                            const cv::Mat& frame) {
  std::vector<ViolationRecord> out;
  const std::string plate = alpr::normalise_plate_text(pass.read.text);
  PlateRead read = pass.read;
  read.camera = camera;
  const UtcTime at = read.best_time;
  const std::string evidence_id =
      fmt::format("{}@{}#{}", camera, to_iso8601(at), read.best_sequence);
  for (const std::unique_ptr<Section>& sp : sections_) {
    Section& s = *sp;
    const SectionSpeedConfig& sc = s.config;
    const rules::SectionSpeedOptions& o = sc.options;
    const std::string hmac = (camera == o.exit_camera || camera == o.entry_camera)
                                 ? crypto::hmac_sha256_hex(o.plate_key, plate)
                                 : std::string();
    if (camera == o.exit_camera) {
      const rules::SectionRead r{
          camera, plate, at, sc.exit_clock_offset_ms, sc.exit_clock_uncertainty_ms, 0, evidence_id};
      const std::int64_t exit_ref = at.unix_ms - sc.exit_clock_offset_ms;
      std::optional<rules::SectionSpeedDecision> d;
      Section::Waiting entry;
      {
        const std::lock_guard lock(mutex_);
        const auto it = s.waiting.find(hmac);
        if (it == s.waiting.end()) {
          ++stats_.section_exits_without_entry;
          spdlog::info("section {}: exit pass {} has no pending entry (not judged)", o.section_id,
                       evidence_id);
        } else if (exit_ref <= it->second.reference_ms) {
          ++stats_.section_exits_before_entry;
          spdlog::warn(
              "section {}: exit pass {} is not after its entry {} on the reference "
              "clock (check the cameras' clock offsets); the entry is kept",
              o.section_id, evidence_id, it->second.evidence_id);
        } else {
          d = s.rule->on_exit(r);
          entry = std::move(it->second);
          s.with_images.erase(entry.order);
          s.waiting.erase(it);
          if (!d) {
            ++stats_.section_entries_expired;
            spdlog::info(
                "section {}: entry {} dropped unmatched: its exit {} came after more "
                "than the maximum transit time of {} s",
                o.section_id, entry.evidence_id, evidence_id, o.max_transit_ms / 1000);
          } else {
            ++stats_.section_matched;
            if (d->violation) ++stats_.section_violations;
          }
        }
      }
      if (d && d->violation) {
        json v = {{"kind", "section_speed"},
                  {"section_id", d->section_id},
                  {"plate_hmac", d->plate_hmac},
                  {"lane_group", d->lane_group},
                  {"entry_camera", o.entry_camera},
                  {"exit_camera", o.exit_camera},
                  {"entry", pass_evidence_json(d->entry)},
                  {"exit", pass_evidence_json(d->exit)},
                  {"distance_m", d->distance_m},
                  {"transit_ms", d->transit_ms},
                  {"judged_transit_ms", d->judged_transit_ms},
                  {"speed_kmh", d->speed_kmh},
                  {"judged_speed_kmh", d->judged_speed_kmh},
                  {"limit_kmh", d->limit_kmh},
                  {"tolerance_kmh", o.tolerance_kmh},
                  {"tolerance_percent", o.tolerance_percent},
                  {"threshold_kmh", d->threshold_kmh},
                  {"max_transit_ms", o.max_transit_ms},
                  {"entry_read", entry.read},
                  {"entry_images", entry.images_dropped ? "dropped" : "kept"},
                  {"config", s.config_json},
                  {"config_hash", s.hash}};
        std::vector<std::string> lines =
            bar_head(context_, zone_, "AVERAGE SPEED " + o.section_id + " exit", camera, at);
        lines.push_back(fmt::format("Entry {} {} | exit {} {} | {:.3f} m in {:.3f} s",
                                    o.entry_camera, to_iso8601(d->entry.reference_time),
                                    o.exit_camera, to_iso8601(d->exit.reference_time),
                                    d->distance_m, static_cast<double>(d->transit_ms) / 1000));
        lines.push_back(fmt::format(
            "Speed {:.1f} km/h (judged {:.1f}) | limit {:g} | threshold {:.3f} km/h | plate {}",
            d->speed_kmh, d->judged_speed_kmh, d->limit_kmh, d->threshold_kmh, d->plate));
        lines.push_back(fmt::format("Clock offsets: entry {} ms +/-{} | exit {} ms +/-{}",
                                    d->entry.clock_offset_ms, d->entry.clock_uncertainty_ms,
                                    d->exit.clock_offset_ms, d->exit.clock_uncertainty_ms));
        ViolationRecord rec{"section_speed", base_metadata(context_, std::move(v), read, frame),
                            std::move(entry.files)};
        std::vector<EvidenceFile> exit_files = frame_files("exit_", frame, read, lines, context_);
        for (EvidenceFile& f : exit_files) rec.files.push_back(std::move(f));
        out.push_back(std::move(rec));
      }
    }
    if (camera == o.entry_camera) {
      const rules::SectionRead r{
          camera, plate,      at, sc.entry_clock_offset_ms, sc.entry_clock_uncertainty_ms,
          0,      evidence_id};
      // Images are encoded before the lock is taken (the costly part).
      std::vector<std::string> lines =
          bar_head(context_, zone_, "AVERAGE SPEED " + o.section_id + " entry", camera, at);
      lines.push_back(
          fmt::format("Section {} -> {} | {:.3f} m | limit {:g} km/h | clock "
                      "offset {} ms +/-{}",
                      o.entry_camera, o.exit_camera, o.distance_m, o.limit_kmh,
                      sc.entry_clock_offset_ms, sc.entry_clock_uncertainty_ms));
      Section::Waiting w;
      w.evidence_id = evidence_id;
      w.reference_ms = at.unix_ms - sc.entry_clock_offset_ms;
      w.files = frame_files("entry_", frame, read, lines, context_);
      w.read = evidence::to_json(read);
      for (const char* key : {"text", "candidates", "char_confidences"}) w.read.erase(key);
      const std::lock_guard lock(mutex_);
      if (!s.rule->on_entry(r)) continue;
      ++stats_.section_entries;
      if (const auto it = s.waiting.find(hmac); it != s.waiting.end()) {
        ++stats_.section_entries_replaced;
        spdlog::info("section {}: entry {} replaced by a newer entry {} of the same vehicle",
                     o.section_id, it->second.evidence_id, evidence_id);
        s.with_images.erase(it->second.order);
        s.waiting.erase(it);
      }
      w.order = s.next_order++;
      s.with_images.emplace(w.order, hmac);
      s.waiting.emplace(hmac, std::move(w));
      while (s.with_images.size() > sc.max_pending_frames) {
        const auto oldest = s.with_images.begin();
        Section::Waiting& old = s.waiting.at(oldest->second);
        old.files.clear();
        old.files.shrink_to_fit();
        old.images_dropped = true;
        ++stats_.section_entry_frames_dropped;
        spdlog::warn(
            "section {}: {} entries are waiting with images (max_pending_frames); "
            "dropped the images of the oldest, {} (a violation of it would carry "
            "the exit images only)",
            o.section_id, s.with_images.size(), old.evidence_id);
        s.with_images.erase(oldest);
      }
    }
  }
  return out;
}

std::vector<ViolationRecord> PassRuleEngine::judge_seatbelt(const std::string& camera,
                                                            const video::Pass& pass,
                                                            const cv::Mat& frame) {
  if (!seatbelt_ || !contains(config_.seatbelt->cameras, camera)) return {};
  rules::SeatbeltDecision d;
  try {
    d = seatbelt_->evaluate(frame, pass.read.best_corners);
  } catch (const InvalidInput& e) {
    const std::lock_guard lock(mutex_);
    ++stats_.seatbelt_errors;
    spdlog::warn("seatbelt: pass at {} {} not judged: {}", camera, to_iso8601(pass.read.best_time),
                 e.what());
    return {};
  }
  {
    const std::lock_guard lock(mutex_);
    switch (d.status) {
      case rules::SeatbeltStatus::unavailable:
        ++stats_.seatbelt_unavailable;
        break;
      case rules::SeatbeltStatus::uncertain:
        ++stats_.seatbelt_uncertain;
        break;
      case rules::SeatbeltStatus::belted:
        ++stats_.seatbelt_belted;
        break;
      case rules::SeatbeltStatus::unbelted:
        ++stats_.seatbelt_unbelted;
        break;
    }
  }
  if (!d.is_violation()) return {};
  PlateRead read = pass.read;
  read.camera = camera;
  json windshield = nullptr;
  if (d.windshield)
    windshield = {d.windshield->x, d.windshield->y, d.windshield->width, d.windshield->height};
  json v = {{"kind", "seatbelt"},
            {"camera", camera},
            {"at", to_iso8601(read.best_time)},
            {"status", rules::to_string(d.status)},
            {"confidence", d.confidence},
            {"classifier", d.classifier},
            {"windshield", windshield},
            {"reason", d.reason},
            {"min_confidence", config_.seatbelt->options.min_confidence},
            {"config", seatbelt_config_json(*config_.seatbelt, d.classifier)},
            {"config_hash", seatbelt_hash_}};
  std::vector<std::string> lines = bar_head(context_, zone_, "SEATBELT", camera, read.best_time);
  lines.push_back(
      fmt::format("Driver unbelted | confidence {:.3f} (min {:.2f}) | model {} | plate {}",
                  d.confidence, config_.seatbelt->options.min_confidence, d.classifier,
                  alpr::normalise_plate_text(read.text)));
  ViolationRecord r{"seatbelt", base_metadata(context_, std::move(v), read, frame),
                    frame_files("", frame, read, lines, context_)};
  if (d.windshield) {
    const cv::Mat driver = rules::occupant_crop(
        frame, *d.windshield, rules::driver_side_in_front_view(config_.seatbelt->options.traffic));
    r.files.push_back({"driver.jpg", "image/jpeg", codec::encode_jpeg(driver, context_.jpeg_quality)});
  }
  return {std::move(r)};
}

std::size_t PassRuleEngine::expire(UtcTime now) {
  const std::lock_guard lock(mutex_);
  std::size_t dropped = 0;
  for (const std::unique_ptr<Section>& sp : sections_) {
    Section& s = *sp;
    const rules::SectionSpeedOptions& o = s.config.options;
    (void)s.rule->expire(now);
    for (auto it = s.waiting.begin(); it != s.waiting.end();) {
      if (it->second.reference_ms + o.max_transit_ms < now.unix_ms) {
        spdlog::info("section {}: entry {} expired unmatched after {} s (no exit at {})",
                     o.section_id, it->second.evidence_id, o.max_transit_ms / 1000, o.exit_camera);
        s.with_images.erase(it->second.order);
        it = s.waiting.erase(it);
        ++dropped;
      } else {
        ++it;
      }
    }
  }
  stats_.section_entries_expired += dropped;
  return dropped;
}

std::string PassRuleEngine::seatbelt_status() const {
  if (!seatbelt_) return "off";
  return classifier_ ? "ready" : "unavailable";
}

std::size_t PassRuleEngine::pending_entries() const {
  const std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const std::unique_ptr<Section>& s : sections_) n += s->waiting.size();
  return n;
}

PassRuleStats PassRuleEngine::stats() const {
  const std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace roadwarden::edge
