#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "alpr/alpr.hpp"
#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "edge/site_config.hpp"
#include "support/paths.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SiteConfigTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    const fs::path p = dir_ / "site.toml";
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& text) {
    try {
      (void)load_site_config(write(text));
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "(no error)";
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

constexpr const char* kMinimal = R"(
[site]
id = "s1"
[spool]
dir = "spool"
[[camera]]
id = "cam-1"
file = "clip.mp4"
)";

TEST_F(SiteConfigTest, MinimalConfigGetsDocumentedDefaults) {
  const SiteConfig c = load_site_config(write(kMinimal));
  EXPECT_EQ(c.site_id, "s1");
  EXPECT_EQ(c.spool_dir, fs::absolute(dir_) / "spool");
  EXPECT_EQ(c.engine, "learned");
  EXPECT_EQ(c.non_violation_max_age, std::chrono::hours(72));
  EXPECT_FALSE(c.upload.has_value());
  ASSERT_EQ(c.cameras.size(), 1u);
  EXPECT_EQ(c.cameras[0].file, fs::absolute(dir_) / "clip.mp4");
  EXPECT_EQ(c.cameras[0].detect_every, 2);
  EXPECT_EQ(c.cameras[0].overflow, Overflow::block);
  EXPECT_FALSE(c.cameras[0].start_time.has_value());
}

TEST_F(SiteConfigTest, ExampleSiteTomlParses) {
  const SiteConfig c =
      load_site_config(roadwarden::testing::source_dir() / "examples" / "site.toml");
  EXPECT_EQ(c.site_id, "example-site");
  EXPECT_EQ(c.timezone, "Asia/Tashkent");
  ASSERT_EQ(c.cameras.size(), 1u);
  ASSERT_TRUE(c.cameras[0].start_time.has_value());
  EXPECT_EQ(to_iso8601(*c.cameras[0].start_time), "2026-11-29T12:00:00.000Z");
  EXPECT_EQ(c.cameras[0].tracker.min_votes, 2);
}

TEST_F(SiteConfigTest, ExampleRulesSiteTomlParsesWithAFreshSectionKey) {
  // The example as an operator uses it: copied, with the section key created beside it.
  fs::copy(roadwarden::testing::source_dir() / "examples" / "rules", dir_ / "rules",
           fs::copy_options::recursive);
  fs::create_directories(dir_ / "rules" / "keys");
  (void)crypto::create_hmac_key(dir_ / "rules" / "keys" / "section-a2.key");
  const SiteConfig c = load_site_config(dir_ / "rules" / "site.toml");
  EXPECT_EQ(c.site_id, "tashkent-a2");
  ASSERT_EQ(c.rules.curfews.size(), 2u);
  EXPECT_EQ(c.rules.curfews[0].options.rule_id, "tashkent-centre-night-legal");
  ASSERT_TRUE(c.rules.curfews[0].permits.has_value());
  ASSERT_EQ(c.rules.sections.size(), 1u);
  EXPECT_DOUBLE_EQ(c.rules.sections[0].options.distance_m, 2000.0);
  ASSERT_TRUE(c.rules.seatbelt.has_value());
  // Without the key the agent refuses to start, naming the key.
  fs::remove(dir_ / "rules" / "keys" / "section-a2.key");
  try {
    (void)load_site_config(dir_ / "rules" / "site.toml");
    ADD_FAILURE() << "loaded without the section key";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("section_speed[0].hmac_key_file"));
  }
}

TEST_F(SiteConfigTest, StreamsDropOldestByDefault) {
  const SiteConfig c = load_site_config(write(R"(
[site]
id = "s1"
[spool]
dir = "/tmp/x"
[[camera]]
id = "a"
url = "rtsp://10.0.0.1/stream"
)"));
  EXPECT_EQ(c.cameras[0].overflow, Overflow::drop_oldest);
}

TEST_F(SiteConfigTest, RejectsUnknownKeyNamingFileAndKey) {
  const std::string e = error_of(std::string(kMinimal) + "detect_evry = 3\n");
  EXPECT_THAT(e, HasSubstr("site.toml"));
  EXPECT_THAT(e, HasSubstr("camera[0].detect_evry"));
  EXPECT_THAT(e, HasSubstr("unknown key"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[reader]\nengin = \"x\"\n"),
              HasSubstr("reader.engin: unknown key"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[surprise]\n"), HasSubstr("surprise: unknown key"));
}

// Regression (newcomer test): "~/spool" made a folder literally named "~"; --config /dev/zero
// read for ever.
TEST_F(SiteConfigTest, RefusesTildePathsDevicesAndOversizedFiles) {
  EXPECT_THAT(error_of("[site]\nid = \"s\"\n[spool]\ndir = \"~/spool\"\n[[camera]]\nid = \"a\"\n"
                       "file = \"x.mp4\"\n"),
              HasSubstr("spool.dir: a path starting with '~' is not expanded"));
  EXPECT_THROW(
      {
        try {
          (void)load_site_config("/dev/zero");
        } catch (const InvalidInput& e) {
          EXPECT_THAT(e.what(), HasSubstr("must be a regular file of at most 1 MiB"));
          throw;
        }
      },
      InvalidInput);
  EXPECT_THAT(error_of(std::string(kMinimal) + "# " + std::string(1 << 20, 'x') + "\n"),
              HasSubstr("at most 1 MiB"));
}

TEST_F(SiteConfigTest, RejectsOutOfRangeAndWrongTypes) {
  EXPECT_THAT(error_of(std::string(kMinimal) + "detect_every = 0\n"),
              HasSubstr("camera[0].detect_every: must be in 1..10, got 0"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "realtime = \"yes\"\n"),
              HasSubstr("camera[0].realtime: must be true or false"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[camera.tracker]\nmin_votes = 0\n"),
              HasSubstr("camera[0].tracker.min_votes"));
}

TEST_F(SiteConfigTest, RejectsMissingOrAmbiguousSources) {
  EXPECT_THAT(error_of("[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n"),
              HasSubstr("at least one [[camera]]"));
  EXPECT_THAT(error_of("[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n[[camera]]\nid = \"a\"\n"),
              HasSubstr("exactly one of url, file or folder"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "url = \"rtsp://h/s\"\n"),
              HasSubstr("exactly one of url, file or folder"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[[camera]]\nid = \"cam-1\"\nfile = \"b.mp4\"\n"),
              HasSubstr("duplicate camera id"));
}

TEST_F(SiteConfigTest, RejectsUnknownTimeZoneAndCountryNamingTheKey) {
  EXPECT_THAT(error_of("[site]\nid = \"s\"\ntimezone = \"Asia/Tashknt\"\n[spool]\ndir = \"d\"\n"
                       "[[camera]]\nid = \"a\"\nfile = \"f.mp4\"\n"),
              HasSubstr("site.timezone: \"Asia/Tashknt\" is not an IANA time zone"));
  EXPECT_THAT(error_of("[site]\nid = \"s\"\ntimezone = \"../../etc/passwd\"\n[spool]\ndir = \"d\"\n"
                       "[[camera]]\nid = \"a\"\nfile = \"f.mp4\"\n"),
              HasSubstr("is not an IANA time zone"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[reader]\ncountry = \"uzb\"\n"),
              HasSubstr("reader.country: unknown country"));
}

TEST_F(SiteConfigTest, NetworkInputSidesHaveTheirDefaultsAndAreZeroOrAMultipleOf32) {
  // detector_input: 0 = the model's 640; zoom_input: 448 by default, 0 = no second look.
  struct Case {
    std::string key;
    int default_side, accepted, odd;
    int alpr::AlprOptions::*field;
  };
  for (const Case& k : {Case{"detector_input", 0, 960, 1000, &alpr::AlprOptions::detector_input},
                        Case{"zoom_input", 448, 0, 450, &alpr::AlprOptions::zoom_input}}) {
    SCOPED_TRACE(k.key);
    const auto with = [&](int side) {
      return std::string(kMinimal) + fmt::format("[reader]\n{} = {}\n", k.key, side);
    };
    EXPECT_EQ(load_site_config(write(kMinimal)).alpr.*k.field, k.default_side);
    EXPECT_EQ(load_site_config(write(with(k.accepted))).alpr.*k.field, k.accepted);
    EXPECT_THAT(error_of(with(k.odd)),
                HasSubstr(fmt::format("reader.{}: must be 0 or a multiple of 32 in 128..2048",
                                      k.key)));
    EXPECT_THAT(error_of(with(4096)), HasSubstr("reader." + k.key));
  }
}

TEST_F(SiteConfigTest, FolderCamerasReadEverySnapshotWithoutTracking) {
  const SiteConfig c = load_site_config(write(R"(
[site]
id = "s1"
[spool]
dir = "d"
[[camera]]
id = "ftp"
folder = "/srv/ftp/cam"
)"));
  EXPECT_FALSE(c.cameras[0].tracking);
  EXPECT_EQ(c.cameras[0].detect_every, 1);
  EXPECT_THAT(error_of("[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n[[camera]]\nid = \"a\"\n"
                       "folder = \"x\"\ndetect_every = 2\n"),
              HasSubstr("camera[0].detect_every: must be 1 when tracking is off"));
  EXPECT_THAT(error_of("[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n[[camera]]\nid = \"a\"\n"
                       "url = \"rtsp://h/s\"\nrealtime = true\n"),
              HasSubstr("camera[0].realtime: applies to file sources only"));
}

TEST_F(SiteConfigTest, FolderCamerasTakeSettleAndIncompleteHoldTimes) {
  const std::string head = "[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n[[camera]]\nid = \"a\"\n";
  SiteConfig c = load_site_config(write(head + "folder = \"x\"\n"));
  EXPECT_EQ(c.cameras[0].settle_ms, 1000);
  EXPECT_EQ(c.cameras[0].incomplete_hold_ms, 60000);
  c = load_site_config(
      write(head + "folder = \"x\"\nsettle_ms = 2500\nincomplete_hold_ms = 300000\n"));
  EXPECT_EQ(c.cameras[0].settle_ms, 2500);
  EXPECT_EQ(c.cameras[0].incomplete_hold_ms, 300000);
  EXPECT_THAT(error_of(head + "file = \"x.mp4\"\nsettle_ms = 10\n"),
              HasSubstr("camera[0].settle_ms: applies to folders only"));
  EXPECT_THAT(error_of(head + "url = \"rtsp://h/s\"\nincomplete_hold_ms = 10\n"),
              HasSubstr("camera[0].incomplete_hold_ms: applies to folders only"));
  EXPECT_THAT(error_of(head + "folder = \"x\"\nincomplete_hold_ms = -1\n"),
              HasSubstr("camera[0].incomplete_hold_ms"));
}

// Regression (newcomer test): start_time outside 1677-2262 overflowed a nanosecond time point
// and wrapped silently (9999-12-31 became 1816-03-30).
TEST_F(SiteConfigTest, StartTimeIsExactAcrossTheYearsAndRefusedBefore1970) {
  const std::string head =
      "[site]\nid = \"s\"\n[spool]\ndir = \"d\"\n[[camera]]\nid = \"a\"\n"
      "file = \"x.mp4\"\n";
  const auto start_of = [&](const std::string& value) {
    const SiteConfig c = load_site_config(write(head + "start_time = " + value + "\n"));
    return *c.cameras[0].start_time;
  };
  EXPECT_EQ(start_of("1970-01-01T00:00:00Z").unix_ms, 0);
  EXPECT_EQ(start_of("2026-11-29T12:00:00.250Z").unix_ms, 1'795'953'600'250);
  EXPECT_EQ(start_of("2026-11-29T17:00:00+05:00").unix_ms, 1'795'953'600'000);
  EXPECT_EQ(start_of("2026-11-29T08:30:00-03:30").unix_ms, 1'795'953'600'000);
  EXPECT_EQ(start_of("9999-12-31T23:59:59Z").unix_ms, 253'402'300'799'000);
  EXPECT_EQ(to_iso8601(start_of("2263-01-01T00:00:00Z")), "2263-01-01T00:00:00.000Z");
  EXPECT_THAT(error_of(head + "start_time = 1969-12-31T23:59:59Z\n"),
              HasSubstr("camera[0].start_time: must be in the years 1970 to 9999"));
  EXPECT_THAT(error_of(head + "start_time = 0001-01-01T00:00:00Z\n"),
              HasSubstr("camera[0].start_time"));
}

TEST_F(SiteConfigTest, RefusesPlainHttpUpload) {
  EXPECT_THAT(error_of(std::string(kMinimal) +
                       "[upload]\nurl = \"http://server:8080\"\nca_file = \"ca.pem\"\n"),
              HasSubstr("upload.url: must start with https://"));
  EXPECT_THAT(error_of(std::string(kMinimal) + "[upload]\nurl = \"https://server:8443\"\n"),
              HasSubstr("upload.ca_file: is required"));
}

TEST_F(SiteConfigTest, ReportsSyntaxErrorsAndMissingFile) {
  EXPECT_THAT(error_of("[site\nid="), HasSubstr("not valid TOML"));
  EXPECT_THROW((void)load_site_config(dir_ / "absent.toml"), IoError);
}

}  // namespace
}  // namespace roadwarden::edge
