#include <gtest/gtest.h>

#include <fstream>

#include "core/errors.hpp"
#include "server/context.hpp"
#include "unit/server/server_fixture.hpp"

namespace roadwarden::server {
namespace {

class ServerOptionsFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto p = dir_.path() / "server.toml";
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& text) {
    try {
      (void)load_server_options(write(text));
    } catch (const InvalidInput& e) {
      return e.what();
    }
    return "";
  }
  testing::TempDir dir_;
};

TEST_F(ServerOptionsFile, EmptyFileKeepsSafeDefaults) {
  const ServerOptions o = load_server_options(write(""));
  EXPECT_EQ(o.bind_address, "127.0.0.1");
  EXPECT_EQ(o.session_idle, std::chrono::minutes(30));
  EXPECT_EQ(o.lockout_failures, 5);
  EXPECT_EQ(o.lockout, std::chrono::minutes(10));
  EXPECT_EQ(o.non_violation_retention, std::chrono::hours(72));
  EXPECT_EQ(o.rejected_violation_retention, std::chrono::hours(72));
  EXPECT_FALSE(o.second_review);
}

TEST_F(ServerOptionsFile, ReadsEveryKeyAndAllowsOneMinuteRetention) {
  const ServerOptions o = load_server_options(write(R"(
bind_address = "0.0.0.0"
port = 9443
session_idle_minutes = 15
session_max_hours = 8
lockout_failures = 3
lockout_minutes = 20
non_violation_retention_minutes = 1
violation_retention_days = 30
rejected_violation_retention_minutes = 1
purge_interval_seconds = 10
max_upload_mb = 8
second_review = true
camera_heartbeat_seconds = 30
)"));
  EXPECT_EQ(o.bind_address, "0.0.0.0");
  EXPECT_EQ(o.port, 9443);
  EXPECT_EQ(o.session_idle, std::chrono::minutes(15));
  EXPECT_EQ(o.session_max, std::chrono::hours(8));
  EXPECT_EQ(o.lockout_failures, 3);
  EXPECT_EQ(o.lockout, std::chrono::minutes(20));
  EXPECT_EQ(o.non_violation_retention, std::chrono::minutes(1));
  EXPECT_EQ(o.violation_retention, std::chrono::hours(30 * 24));
  EXPECT_EQ(o.rejected_violation_retention, std::chrono::minutes(1));
  EXPECT_EQ(o.purge_interval, std::chrono::seconds(10));
  EXPECT_EQ(o.max_upload_bytes, 8u << 20);
  EXPECT_TRUE(o.second_review);
  EXPECT_EQ(o.camera_heartbeat, std::chrono::seconds(30));
}

TEST_F(ServerOptionsFile, RejectsUnknownKeyWrongTypeAndOutOfRangeNamingFileAndKey) {
  const std::string unknown = error_of("disable_auth = true\n");
  EXPECT_NE(unknown.find("server.toml"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("disable_auth"), std::string::npos) << unknown;
  EXPECT_NE(error_of("port = \"443\"\n").find("port: must be an integer"), std::string::npos);
  EXPECT_NE(error_of("non_violation_retention_minutes = 0\n").find("non_violation_retention"),
            std::string::npos);
  EXPECT_NE(error_of("rejected_violation_retention_minutes = 0\n")
                .find("rejected_violation_retention_minutes: must be in 1.."),
            std::string::npos);
  EXPECT_NE(error_of("rejected_violation_retention_minutes = \"72h\"\n")
                .find("rejected_violation_retention_minutes: must be an integer"),
            std::string::npos);
  EXPECT_NE(error_of("database = \"mysql://x\"\n").find("database"), std::string::npos);
  EXPECT_NE(error_of("second_review = \"yes\"\n").find("second_review: must be true or false"),
            std::string::npos);
  EXPECT_NE(error_of("port = [\n").find("not valid TOML"), std::string::npos);
}

TEST_F(ServerOptionsFile, MissingFileIsAnIoError) {
  EXPECT_THROW((void)load_server_options(dir_.path() / "absent.toml"), IoError);
}

}  // namespace
}  // namespace roadwarden::server
