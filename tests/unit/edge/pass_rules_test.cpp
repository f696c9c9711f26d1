// Per-pass violation rules of the camera agent (src/edge/pass_rules) and the evidence data bar
// (src/evidence/data_bar): site.toml tables, curfew / section speed / seatbelt on synthetic
// passes, evidence images.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "edge/pass_rules.hpp"
#include "edge/spool.hpp"
#include "evidence/data_bar.hpp"
#include "support/paths.hpp"
#include "unit/edge/fake_clock.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPlate = "01123ABC";         // uz.legal (legal entity)
constexpr const char* kPrivatePlate = "01A123BC";  // uz.private

UtcTime utc(const char* text) {
  const auto t = parse_rfc3339(text, Rfc3339Form::utc);
  if (!t) throw std::logic_error(std::string("bad test time ") + text);
  return *t;
}

UtcTime plus_ms(UtcTime t, std::int64_t ms) {
  return UtcTime{t.unix_ms + ms};
}

/// A 640×480 grey road with a white plate box at (270, 300)–(370, 330) and a dark "windshield"
/// above it, and the read of that plate.
video::Pass make_pass(const std::string& camera, const std::string& text, UtcTime at,
                      std::int64_t sequence = 100) {
  video::Pass p;
  cv::Mat frame(480, 640, CV_8UC3, cv::Scalar(90, 90, 90));
  cv::rectangle(frame, cv::Rect(170, 120, 300, 140), cv::Scalar(40, 40, 40), cv::FILLED);
  cv::rectangle(frame, cv::Rect(270, 300, 100, 30), cv::Scalar(255, 255, 255), cv::FILLED);
  p.best_frame = video::CompactFrame::from_bgr(frame);
  PlateRead& r = p.read;
  r.camera = camera;
  r.text = text;
  r.confidence = 0.97;
  r.char_confidences.assign(text.size(), 0.97);
  r.candidates = {Candidate{text, 0.97, "", false}};
  r.country = "uz";
  r.votes = 5;
  r.frames_read = 6;
  r.direction = "approaching";
  r.first_seen = plus_ms(at, -400);
  r.last_seen = plus_ms(at, 300);
  r.best_time = at;
  r.best_sequence = sequence;
  r.best_corners = Quad::from_box(Box{270, 300, 100, 30});
  r.detector_confidence = 0.9;
  return p;
}

const EvidenceFile* file_named(const ViolationRecord& r, const std::string& name) {
  for (const EvidenceFile& f : r.files)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> names_of(const ViolationRecord& r) {
  std::vector<std::string> out;
  for (const EvidenceFile& f : r.files) out.push_back(f.name);
  return out;
}

class PassRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_file_ = dir_ / "section.key";
    key_ = crypto::create_hmac_key(key_file_);
  }
  fs::path write(const std::string& text, const std::string& name = "site.toml") {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }
  PassRulesConfig parse(const std::string& text) { return load_pass_rules(write(text)); }
  std::string error_of(const std::string& text) {
    try {
      (void)parse(text);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
  PassRuleContext context() const {
    PassRuleContext c;
    c.site_id = "tashkent-01";
    c.timezone = "Asia/Tashkent";
    return c;
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
  fs::path key_file_;
  crypto::HmacKey key_;
};

constexpr const char* kCameras = R"(
[site]
id = "tashkent-01"
timezone = "Asia/Tashkent"

[[camera]]
id = "cam-a"
url = "rtsp://10.0.0.1/stream"

[[camera]]
id = "cam-b"
url = "rtsp://10.0.0.2/stream"
)";

std::string curfew_toml(const std::string& extra = "") {
  return std::string(kCameras) + R"(
[[curfew]]
id = "centre-night-legal"
cameras = ["cam-a"]
select = "format"
formats = ["uz.legal"]
)" + extra +
         R"(
[[curfew.window]]
time = "23:00-06:00"

[curfew.permits]
id = "night-permits"
version = "2026-03-01.3"
plates = ["01 999 ZZZ"]
)";
}

std::string section_toml(const std::string& extra = "") {
  return std::string(kCameras) + R"(
[[section_speed]]
id = "a2-km12-km14"
entry_camera = "cam-a"
exit_camera = "cam-b"
distance_m = 2000
limit_kmh = 90
tolerance_kmh = 5
max_transit_s = 1800
lane_group = "eastbound"
hmac_key_file = "section.key"
)" + extra;
}

// ---- TOML --------------------------------------------------------------------------------

TEST_F(PassRulesTest, ParsesEveryTableWithDefaults) {
  std::ofstream(dir_ / "vehicles.txt") << "# trucks over 12 t\n01 123 ABC\n\n  10 777 XYZ  \n";
  const PassRulesConfig c = parse(section_toml() + R"(
[[curfew]]
id = "trucks"
cameras = ["cam-a", "cam-b"]
select = "list"

[[curfew.window]]
time = "22:00-24:00"
days = ["Fri", "Sat"]

[curfew.vehicles]
id = "heavy-trucks"
version = "7"
file = "vehicles.txt"

[seatbelt]
cameras = ["cam-b"]
min_confidence = 0.95
)");
  ASSERT_EQ(c.curfews.size(), 1u);
  const rules::CurfewOptions& o = c.curfews[0].options;
  EXPECT_EQ(o.rule_id, "trucks");
  EXPECT_EQ(o.time_zone, "Asia/Tashkent");  // the site's, by default
  ASSERT_EQ(o.windows.size(), 1u);
  EXPECT_EQ(o.windows[0].label(), "22:00-24:00");
  EXPECT_EQ(o.windows[0].days_label(), "Fri,Sat");
  EXPECT_EQ(o.selector.kind, rules::CurfewSelector::Kind::VehicleList);
  EXPECT_EQ(o.selector.vehicles.version, "7");
  EXPECT_EQ(o.selector.vehicles.plates.size(), 2u);
  EXPECT_FALSE(c.curfews[0].permits);

  ASSERT_EQ(c.sections.size(), 1u);
  const SectionSpeedConfig& s = c.sections[0];
  EXPECT_EQ(s.options.section_id, "a2-km12-km14");
  EXPECT_DOUBLE_EQ(s.options.distance_m, 2000);
  EXPECT_EQ(s.options.max_transit_ms, 1'800'000);
  EXPECT_EQ(s.options.lane_groups.at(0).name, "eastbound");
  EXPECT_EQ(s.options.plate_key.bytes, key_.bytes);
  EXPECT_EQ(s.max_pending_frames, 2000u);
  EXPECT_EQ(s.entry_clock_uncertainty_ms, 0);

  ASSERT_TRUE(c.seatbelt);
  EXPECT_EQ(c.seatbelt->cameras, std::vector<std::string>{"cam-b"});
  EXPECT_TRUE(c.seatbelt->model.empty());
  EXPECT_DOUBLE_EQ(c.seatbelt->options.min_confidence, 0.95);
}

TEST_F(PassRulesTest, NoRuleTablesGiveAnEmptyConfig) {
  const PassRulesConfig c = parse(kCameras);
  EXPECT_TRUE(c.curfews.empty());
  EXPECT_TRUE(c.sections.empty());
  EXPECT_FALSE(c.seatbelt);
}

TEST_F(PassRulesTest, RejectsAnUnknownKeyNamingFileAndKey) {
  const std::string e = error_of(curfew_toml("colour = \"red\"\n"));
  EXPECT_THAT(e, HasSubstr("site.toml: curfew[0].colour: unknown key"));
  EXPECT_THAT(error_of(section_toml("speed_limit = 90\n")),
              HasSubstr("section_speed[0].speed_limit: unknown key"));
  EXPECT_THAT(error_of(std::string(kCameras) + "[seatbelt]\ncameras=[\"cam-a\"]\nmodle = \"x\"\n"),
              HasSubstr("seatbelt.modle: unknown key"));
}

TEST_F(PassRulesTest, RejectsAMissingHmacKeyFileNamingTheKey) {
  fs::remove(key_file_);
  try {
    (void)parse(section_toml());
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("site.toml: section_speed[0].hmac_key_file: "));
  }
}

TEST_F(PassRulesTest, RejectsAnHmacKeyFileReadableByOthers) {
  fs::permissions(key_file_, fs::perms::others_read, fs::perm_options::add);
  EXPECT_THROW((void)parse(section_toml()), PermissionDenied);
}

TEST_F(PassRulesTest, RejectsOutOfRangeAndInconsistentValues) {
  EXPECT_THAT(error_of(section_toml("max_pending_frames = 0\n")),
              HasSubstr("section_speed[0].max_pending_frames: must be in 1..100000, got 0"));
  std::string no_transit = section_toml();
  no_transit.erase(no_transit.find("max_transit_s = 1800\n"), 21);
  EXPECT_THAT(error_of(no_transit), HasSubstr("section_speed[0].max_transit_s: is required"));
  EXPECT_THAT(error_of(section_toml("entry_clock_uncertainty_ms = -1\n")),
              HasSubstr("entry_clock_uncertainty_ms: must be in 0..60000"));
  std::string same = section_toml();
  same.replace(same.find("exit_camera = \"cam-b\""), 21, "exit_camera = \"cam-a\"");
  EXPECT_THAT(error_of(same), HasSubstr("exit_camera: must differ from entry_camera"));
  std::string bad_window = curfew_toml();
  bad_window.replace(bad_window.find("23:00-06:00"), 11, "23:00-25:00");
  EXPECT_THAT(error_of(bad_window), HasSubstr("curfew[0].window[0].time: "));
  std::string select = curfew_toml();
  select.replace(select.find("select = \"format\""), 17, "select = \"all\"");
  EXPECT_THAT(error_of(select), HasSubstr("curfew[0].select: must be \"format\", \"list\" or"));
}

TEST_F(PassRulesTest, RejectsUnknownCamerasFormatsDaysAndZones) {
  std::string cam = curfew_toml();
  cam.replace(cam.find("cameras = [\"cam-a\"]"), 19, "cameras = [\"cam-x\"]");
  EXPECT_THAT(error_of(cam), HasSubstr("curfew[0].cameras: unknown camera \"cam-x\""));
  std::string format = curfew_toml();
  format.replace(format.find("uz.legal"), 8, "uz.legol");
  EXPECT_THAT(error_of(format), HasSubstr("site.toml: curfew[0]: "));
  EXPECT_THAT(error_of(curfew_toml("timezone = \"Asia/Nowhere\"\n")),
              HasSubstr("curfew[0].timezone: \"Asia/Nowhere\" is not an IANA time zone"));
  std::string days = curfew_toml();
  days.replace(days.find("time = \"23:00-06:00\""), 20,
               "time = \"23:00-06:00\"\ndays = [\"Friday\"]");
  EXPECT_THAT(error_of(days), HasSubstr("curfew[0].window[0].days: \"Friday\" is not one of"));
}

TEST_F(PassRulesTest, NotOnPermitListNeedsAPermitList) {
  const std::string text = std::string(kCameras) + R"(
[[curfew]]
id = "closed"
cameras = ["cam-a"]
select = "not_on_permit_list"
[[curfew.window]]
time = "00:00-24:00"
)";
  EXPECT_THAT(error_of(text),
              HasSubstr("curfew[0].permits: select = \"not_on_permit_list\" needs"));
}

TEST_F(PassRulesTest, UnreadableListFileIsAnIoErrorNamingTheKey) {
  std::string text = curfew_toml();
  const std::string inline_plates = "plates = [\"01 999 ZZZ\"]";
  text.replace(text.find(inline_plates), inline_plates.size(), "file = \"missing.txt\"");
  try {
    (void)parse(text);
    FAIL() << "no error";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("site.toml: curfew[0].permits.file: cannot read"));
  }
}

TEST_F(PassRulesTest, SeatbeltModelThatDoesNotExistIsAnError) {
  EXPECT_THAT(
      error_of(std::string(kCameras) + "[seatbelt]\ncameras=[\"cam-a\"]\nmodel=\"no.onnx\"\n"),
      HasSubstr("seatbelt.model: no model file at"));
}

// ---- Curfew ------------------------------------------------------------------------------

TEST_F(PassRulesTest, CurfewPassAt2330TashkentBySelectedVehicleIsOneViolation) {
  PassRuleEngine engine(parse(curfew_toml()), context());
  // 18:30 UTC = 23:30 in Asia/Tashkent (UTC+5, no DST).
  const std::vector<ViolationRecord> v =
      engine.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-10T18:30:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, "curfew");
  const nlohmann::json& m = v[0].metadata;
  EXPECT_EQ(m["type"], "violation");
  EXPECT_EQ(m["site"], "tashkent-01");
  EXPECT_EQ(m["violation"]["kind"], "curfew");
  EXPECT_EQ(m["violation"]["zone"], "centre-night-legal");
  EXPECT_EQ(m["violation"]["window"], "23:00-06:00");
  EXPECT_EQ(m["violation"]["window_started_on"], "2026-03-10");
  EXPECT_EQ(m["violation"]["local_time"], "2026-03-10T23:30:00.000+05:00");
  EXPECT_EQ(m["violation"]["selector"], "format:uz.legal");
  EXPECT_EQ(m["violation"]["permit_list_version"], "2026-03-01.3");
  EXPECT_EQ(m["violation"]["config_hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(m["read"]["text"], kPlate);
  EXPECT_EQ(m["read"]["best_time"], "2026-03-10T18:30:00.000Z");
  EXPECT_THAT(names_of(v[0]), ::testing::ElementsAre("frame.jpg", "plate.jpg"));
  EXPECT_EQ(engine.stats().curfew_violations, 1u);
}

TEST_F(PassRulesTest, CurfewOutsideTheWindowOrUnselectedOrOtherCameraIsNoViolation) {
  PassRuleEngine engine(parse(curfew_toml()), context());
  // 06:00 local is outside (the end is exclusive); 12:00 local too.
  EXPECT_TRUE(
      engine.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-11T01:00:00Z"))).empty());
  EXPECT_TRUE(
      engine.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-10T07:00:00Z"))).empty());
  // A private plate is not selected; a permitted legal-entity plate is exempt.
  EXPECT_TRUE(
      engine.on_pass("cam-a", make_pass("cam-a", kPrivatePlate, utc("2026-03-10T18:30:00Z")))
          .empty());
  EXPECT_TRUE(
      engine.on_pass("cam-a", make_pass("cam-a", "01999ZZZ", utc("2026-03-10T18:30:00Z"))).empty());
  // cam-b is not in the zone.
  EXPECT_TRUE(
      engine.on_pass("cam-b", make_pass("cam-b", kPlate, utc("2026-03-10T18:30:00Z"))).empty());
  EXPECT_EQ(engine.stats().passes, 5u);
  EXPECT_EQ(engine.stats().curfew_violations, 0u);
}

// ---- Section speed -----------------------------------------------------------------------

TEST_F(PassRulesTest, SectionSpeed2000mIn60sIsAViolationWithBothFrames) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  EXPECT_TRUE(engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0, 10)).empty());
  EXPECT_EQ(engine.pending_entries(), 1u);
  const std::vector<ViolationRecord> v =
      engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000), 20));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, "section_speed");
  const nlohmann::json& s = v[0].metadata["violation"];
  EXPECT_EQ(s["kind"], "section_speed");
  EXPECT_EQ(s["section_id"], "a2-km12-km14");
  EXPECT_DOUBLE_EQ(s["speed_kmh"].get<double>(), 120.0);
  EXPECT_DOUBLE_EQ(s["limit_kmh"].get<double>(), 90.0);
  EXPECT_DOUBLE_EQ(s["threshold_kmh"].get<double>(), 95.0);
  EXPECT_DOUBLE_EQ(s["distance_m"].get<double>(), 2000.0);
  EXPECT_EQ(s["transit_ms"], 60'000);
  EXPECT_EQ(s["entry"]["camera"], "cam-a");
  EXPECT_EQ(s["entry"]["captured"], "2026-03-10T09:00:00.000Z");
  EXPECT_EQ(s["exit"]["camera"], "cam-b");
  EXPECT_EQ(s["exit"]["captured"], "2026-03-10T09:01:00.000Z");
  EXPECT_EQ(s["plate_hmac"], crypto::hmac_sha256_hex(key_, kPlate));
  EXPECT_EQ(s["entry_images"], "kept");
  // The entry read kept while waiting has no plate text.
  EXPECT_FALSE(s["entry_read"].contains("text"));
  EXPECT_THAT(s["entry_read"].dump(), Not(HasSubstr(kPlate)));
  EXPECT_EQ(v[0].metadata["read"]["text"], kPlate);
  EXPECT_THAT(names_of(v[0]), ::testing::ElementsAre("entry_frame.jpg", "entry_plate.jpg",
                                                     "exit_frame.jpg", "exit_plate.jpg"));
  for (const EvidenceFile& f : v[0].files) {
    EXPECT_EQ(f.media_type, "image/jpeg");
    EXPECT_FALSE(cv::imdecode(f.bytes, cv::IMREAD_COLOR).empty()) << f.name;
  }
  const PassRuleStats st = engine.stats();
  EXPECT_EQ(st.section_entries, 1u);
  EXPECT_EQ(st.section_matched, 1u);
  EXPECT_EQ(st.section_violations, 1u);
  EXPECT_EQ(engine.pending_entries(), 0u);
}

TEST_F(PassRulesTest, SectionViolationRecordIsAcceptedByTheSpool) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  std::vector<ViolationRecord> v =
      engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000)));
  ASSERT_EQ(v.size(), 1u);
  edge::testing::FakeClock clock;
  Spool spool(SpoolOptions{dir_ / "spool"}, clock);
  const std::string key = spool.put(v[0].kind, v[0].metadata, v[0].files, true);
  const std::vector<SpoolEntry> due = spool.due(clock.now(), 10);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].key, key);
  EXPECT_EQ(due[0].kind, "section_speed");
  EXPECT_TRUE(due[0].violation);
  ASSERT_EQ(due[0].files.size(), 4u);
  EXPECT_EQ(spool.read_file(key, "exit_frame.jpg"), v[0].files[2].bytes);
}

TEST_F(PassRulesTest, SectionSpeedWithinTheThresholdIsNoViolation) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  // 2000 m in 80 s = 90 km/h: at the limit, below the threshold of 95.
  EXPECT_TRUE(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 80'000))).empty());
  EXPECT_EQ(engine.stats().section_matched, 1u);
  EXPECT_EQ(engine.stats().section_violations, 0u);
}

TEST_F(PassRulesTest, SectionClockOffsetsAreAppliedAndRecorded) {
  // The exit camera's clock runs 10 s ahead: 70 s read on the clocks are 60 s of real transit.
  PassRuleEngine engine(parse(section_toml("exit_clock_offset_ms = 10000\n")), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  const auto v = engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 70'000)));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metadata["violation"]["transit_ms"], 60'000);
  EXPECT_EQ(v[0].metadata["violation"]["exit"]["clock_offset_ms"], 10'000);
  EXPECT_EQ(v[0].metadata["violation"]["exit"]["reference_time"], "2026-03-10T09:01:00.000Z");
}

TEST_F(PassRulesTest, SectionExitWithNoEntryIsCountedNotJudged) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPrivatePlate, t0));
  EXPECT_TRUE(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000))).empty());
  EXPECT_EQ(engine.stats().section_exits_without_entry, 1u);
  EXPECT_EQ(engine.stats().section_matched, 0u);
  EXPECT_EQ(engine.pending_entries(), 1u);  // the other vehicle still waits
}

TEST_F(PassRulesTest, SectionEntryExpiresAfterMaxTransitAndIsCounted) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  EXPECT_EQ(engine.expire(plus_ms(t0, 1'800'000)), 0u);  // exactly max transit: kept
  EXPECT_EQ(engine.expire(plus_ms(t0, 1'800'001)), 1u);
  EXPECT_EQ(engine.pending_entries(), 0u);
  EXPECT_EQ(engine.stats().section_entries_expired, 1u);
  // The vehicle's exit now has no entry.
  EXPECT_TRUE(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 1'900'000))).empty());
  EXPECT_EQ(engine.stats().section_exits_without_entry, 1u);
}

TEST_F(PassRulesTest, SectionExitLaterThanMaxTransitDropsTheEntryWithoutExpire) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  EXPECT_TRUE(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 1'800'001))).empty());
  EXPECT_EQ(engine.stats().section_entries_expired, 1u);
  EXPECT_EQ(engine.pending_entries(), 0u);
}

TEST_F(PassRulesTest, SectionExitBeforeEntryKeepsTheEntry) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  EXPECT_TRUE(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, -5'000))).empty());
  EXPECT_EQ(engine.stats().section_exits_before_entry, 1u);
  EXPECT_EQ(engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000))).size(), 1u);
}

TEST_F(PassRulesTest, SectionDropsTheOldestEntryImagesBeyondTheLimit) {
  PassRuleEngine engine(parse(section_toml("max_pending_frames = 1\n")), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0, 1));
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPrivatePlate, plus_ms(t0, 1000), 2));
  EXPECT_EQ(engine.stats().section_entry_frames_dropped, 1u);
  EXPECT_EQ(engine.pending_entries(), 2u);  // the entry itself still counts
  const auto v = engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000)));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metadata["violation"]["entry_images"], "dropped");
  EXPECT_THAT(names_of(v[0]), ::testing::ElementsAre("exit_frame.jpg", "exit_plate.jpg"));
  // The newer entry kept its images.
  const auto w = engine.on_pass("cam-b", make_pass("cam-b", kPrivatePlate, plus_ms(t0, 61'000)));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(file_named(w[0], "entry_frame.jpg"), nullptr);
}

TEST_F(PassRulesTest, SectionReEntryReplacesTheOlderEntry) {
  PassRuleEngine engine(parse(section_toml()), context());
  const UtcTime t0 = utc("2026-03-10T09:00:00Z");
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, t0));
  (void)engine.on_pass("cam-a", make_pass("cam-a", kPlate, plus_ms(t0, 30'000)));
  EXPECT_EQ(engine.stats().section_entries_replaced, 1u);
  EXPECT_EQ(engine.pending_entries(), 1u);
  // 60 s after the first entry is 30 s after the second: judged from the second (240 km/h).
  const auto v = engine.on_pass("cam-b", make_pass("cam-b", kPlate, plus_ms(t0, 60'000)));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metadata["violation"]["transit_ms"], 30'000);
}

// ---- Seatbelt ----------------------------------------------------------------------------

class FixedClassifier : public rules::SeatbeltClassifier {
 public:
  FixedClassifier(rules::SeatbeltVerdict verdict, double confidence)
      : result_{verdict, confidence} {}
  rules::SeatbeltResult classify(const cv::Mat&) const override { return result_; }
  std::string name() const override { return "fixed-test 1"; }

 private:
  rules::SeatbeltResult result_;
};

constexpr const char* kSeatbelt = "[seatbelt]\ncameras = [\"cam-a\"]\n";

TEST_F(PassRulesTest, SeatbeltWithoutModelIsUnavailableAndNeverAViolation) {
  PassRuleEngine engine(parse(std::string(kCameras) + kSeatbelt), context());
  EXPECT_EQ(engine.seatbelt_status(), "unavailable");
  EXPECT_TRUE(
      engine.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-10T09:00:00Z"))).empty());
  EXPECT_EQ(engine.stats().seatbelt_unavailable, 1u);
  EXPECT_EQ(engine.stats().seatbelt_unbelted, 0u);
}

TEST_F(PassRulesTest, SeatbeltWithAConfidentUnbeltedVerdictIsAViolation) {
  PassRuleEngine engine(parse(std::string(kCameras) + kSeatbelt), context(),
                        std::make_shared<FixedClassifier>(rules::SeatbeltVerdict::unbelted, 0.99));
  EXPECT_EQ(engine.seatbelt_status(), "ready");
  const auto v = engine.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-10T09:00:00Z")));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].kind, "seatbelt");
  EXPECT_EQ(v[0].metadata["violation"]["status"], "unbelted");
  EXPECT_EQ(v[0].metadata["violation"]["classifier"], "fixed-test 1");
  EXPECT_THAT(names_of(v[0]), ::testing::ElementsAre("frame.jpg", "plate.jpg", "driver.jpg"));
  // Below min_confidence: uncertain, no violation.
  PassRuleEngine unsure(parse(std::string(kCameras) + kSeatbelt), context(),
                        std::make_shared<FixedClassifier>(rules::SeatbeltVerdict::unbelted, 0.6));
  EXPECT_TRUE(
      unsure.on_pass("cam-a", make_pass("cam-a", kPlate, utc("2026-03-10T09:00:00Z"))).empty());
  EXPECT_EQ(unsure.stats().seatbelt_uncertain, 1u);
}

TEST_F(PassRulesTest, SeatbeltModelWithoutALoaderIsRefusedAtStart) {
  std::ofstream(dir_ / "belt.onnx") << "not a model";
  const PassRulesConfig c = parse(std::string(kCameras) + kSeatbelt + "model = \"belt.onnx\"\n");
  EXPECT_THROW(PassRuleEngine(c, context()), InvalidInput);
}

// ---- Evidence ----------------------------------------------------------------------------

TEST_F(PassRulesTest, EvidenceFrameCarriesTheDataBarBelowTheUntouchedFrame) {
  PassRuleEngine engine(parse(curfew_toml()), context());
  const video::Pass pass = make_pass("cam-a", kPlate, utc("2026-03-10T18:30:00Z"));
  const auto v = engine.on_pass("cam-a", pass);
  ASSERT_EQ(v.size(), 1u);
  const EvidenceFile* f = file_named(v[0], "frame.jpg");
  ASSERT_NE(f, nullptr);
  const cv::Mat img = cv::imdecode(f->bytes, cv::IMREAD_COLOR);
  ASSERT_EQ(img.cols, 640);
  // Four lines: rule/site/camera, UTC/local, window, plate/selector.
  ASSERT_EQ(img.rows, 480 + evidence::data_bar_height(640, 4));
  cv::Mat grey;
  cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
  const cv::Mat band = grey(cv::Rect(0, 482, 640, img.rows - 482));
  // A black band with white text on it: most pixels dark, some bright.
  EXPECT_GT(cv::countNonZero(band < 40), band.total() * 7 / 10);
  EXPECT_GT(cv::countNonZero(band > 200), 200);
  // The frame above is the pass's frame (JPEG-close): the road grey and the white plate.
  EXPECT_NEAR(grey.at<std::uint8_t>(50, 50), 90, 6);
  EXPECT_GT(grey.at<std::uint8_t>(315, 320), 240);
  // The plate crop is the plate with its margin.
  const cv::Mat plate = cv::imdecode(file_named(v[0], "plate.jpg")->bytes, cv::IMREAD_COLOR);
  EXPECT_EQ(plate.cols, 130);
  EXPECT_EQ(plate.rows, 40);
}

TEST(DataBar, AppendsABlackBandWithTextAndLeavesTheFrameAlone) {
  const cv::Mat frame(240, 320, CV_8UC3, cv::Scalar(0, 128, 255));
  const cv::Mat empty_bar = evidence::with_data_bar(frame, {});
  const cv::Mat out = evidence::with_data_bar(frame, {"SITE s1 | camera c1", "UTC 2026"});
  EXPECT_EQ(out.type(), CV_8UC3);
  EXPECT_EQ(out.cols, 320);
  EXPECT_EQ(out.rows, 240 + evidence::data_bar_height(320, 2));
  EXPECT_GT(evidence::data_bar_height(320, 2), evidence::data_bar_height(320, 1));
  EXPECT_EQ(cv::norm(out(cv::Rect(0, 0, 320, 240)), frame, cv::NORM_INF), 0.0);
  cv::Mat band;
  cv::cvtColor(out(cv::Rect(0, 240, 320, out.rows - 240)), band, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::countNonZero(band > 200), 50);
  cv::Mat empty_band;
  cv::cvtColor(empty_bar(cv::Rect(0, 240, 320, empty_bar.rows - 240)), empty_band,
               cv::COLOR_BGR2GRAY);
  EXPECT_EQ(cv::countNonZero(empty_band), 0);
  // Grey input is accepted; an empty or float frame is not.
  EXPECT_EQ(evidence::with_data_bar(cv::Mat(10, 20, CV_8UC1, cv::Scalar(7)), {"x"}).type(),
            CV_8UC3);
  EXPECT_THROW((void)evidence::with_data_bar(cv::Mat(), {"x"}), InvalidInput);
  EXPECT_THROW((void)evidence::with_data_bar(cv::Mat(10, 10, CV_32FC1), {"x"}), InvalidInput);
}

TEST_F(PassRulesTest, PassWithoutAFrameIsAnError) {
  PassRuleEngine engine(parse(curfew_toml()), context());
  video::Pass p = make_pass("cam-a", kPlate, utc("2026-03-10T18:30:00Z"));
  p.best_frame = video::CompactFrame();
  EXPECT_THROW((void)engine.on_pass("cam-a", p), InvalidInput);
  const video::Pass q = make_pass("cam-a", kPlate, utc("2026-03-10T18:30:00Z"));
  EXPECT_THROW((void)engine.on_pass("cam-a", q, cv::Mat()), InvalidInput);
  EXPECT_THROW((void)engine.on_pass("cam-a", q, cv::Mat(480, 640, CV_8UC1)), InvalidInput);
}

TEST_F(PassRulesTest, AFrameConvertedByTheCallerIsTheOneInTheEvidence) {
  PassRuleEngine engine(parse(curfew_toml()), context());
  const video::Pass p = make_pass("cam-a", kPlate, utc("2026-03-10T18:30:00Z"));
  const cv::Mat frame = p.best_frame.to_bgr();
  const std::vector<ViolationRecord> given = engine.on_pass("cam-a", p, frame);
  const std::vector<ViolationRecord> converted = engine.on_pass("cam-a", p);
  ASSERT_EQ(given.size(), 1u);
  ASSERT_EQ(converted.size(), 1u);
  ASSERT_EQ(given[0].files.size(), converted[0].files.size());
  for (std::size_t i = 0; i < given[0].files.size(); ++i)
    EXPECT_EQ(given[0].files[i].bytes, converted[0].files[i].bytes) << given[0].files[i].name;
}

}  // namespace
}  // namespace roadwarden::edge
