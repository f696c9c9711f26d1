// End to end, as people run it: `roadwarden admin init`, `roadwarden server`, an admin who
// registers a site and camera, enrols the camera agent and creates an investigator and an
// auditor; `roadwarden edge` reading a synthetic clip and uploading over mutual TLS with
// signed manifests; the investigator's search (purpose + case number) and evidence view;
// the auditor who sees that search in the audit log; `roadwarden admin verify-audit`.
// Everything runs as separate processes of the real binary over real TLS.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "crypto/crypto.hpp"
#include "support/cli_runner.hpp"
#include "support/paths.hpp"
#include "support/traffic_video.hpp"

namespace roadwarden {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using roadwarden::testing::BackgroundCli;
using roadwarden::testing::run_cli;

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

/// What `roadwarden admin init` printed: the first admin's password and TOTP secret.
struct InitOutput {
  std::string password, totp_secret;
};

InitOutput parse_init(const std::string& out) {
  std::smatch m;
  InitOutput r;
  if (std::regex_search(out, m, std::regex(R"(Password \(shown once[^)]*\): (\S+))")))
    r.password = m[1];
  if (std::regex_search(out, m, std::regex(R"(secret=([A-Z2-7]+))"))) r.totp_secret = m[1];
  return r;
}

/// An HTTPS client of the test server that trusts only the server's CA.
class Api {
 public:
  Api(int port, const fs::path& ca) : client_("127.0.0.1", port) {
    client_.set_ca_cert_path(ca.string());
    client_.enable_server_certificate_verification(true);
    client_.set_read_timeout(std::chrono::seconds(60));
  }
  /// Logs in with password + the current TOTP code; returns the bearer token or "".
  std::string login(const std::string& user, const std::string& password,
                    const std::string& totp_secret) {
    const json body{{"username", user},
                    {"password", password},
                    {"totp", crypto::totp_code(totp_secret, SystemClock().now())}};
    auto r = client_.Post("/api/v1/login", body.dump(), "application/json");
    if (!r || r->status != 200) return "";
    return json::parse(r->body).at("token");
  }
  httplib::Result post(const std::string& token, const std::string& path, const json& body) {
    return client_.Post(path, {{"Authorization", "Bearer " + token}}, body.dump(),
                        "application/json");
  }
  httplib::Result put(const std::string& token, const std::string& path, const json& body) {
    return client_.Put(path, {{"Authorization", "Bearer " + token}}, body.dump(),
                       "application/json");
  }
  httplib::Result get(const std::string& token, const std::string& path) {
    return client_.Get(path, {{"Authorization", "Bearer " + token}});
  }
  httplib::Result get_anonymous(const std::string& path) { return client_.Get(path); }

 private:
  httplib::SSLClient client_;
};

/// One car with plate 01A123BC approaching the camera over 60 frames (readable plate).
roadwarden::testing::TrafficClipSpec one_car_clip() {
  roadwarden::testing::TrafficClipSpec spec;
  spec.size = {1280, 720};
  spec.frames = 60;
  spec.seed = 4;
  roadwarden::testing::VehicleSpec car;
  car.text = "01 A 123 BC";
  car.frames = 60;
  car.start = {560, 330};
  car.velocity = {0.5, 3.0};
  car.plate_height = 38;
  car.growth = 1.007;
  spec.vehicles.push_back(car);
  return spec;
}

TEST(ServerEndToEnd, EnrolledCameraUploadsAndAnInvestigatorsAuditedSearchFindsTheRead) {
  ::signal(SIGPIPE, SIG_IGN);
  roadwarden::testing::TempDir tmp;
  const fs::path data = tmp.path() / "data", edge = tmp.path() / "edge";

  // 1. The server's data directory and first admin.
  const auto init = run_cli({"admin", "init", data.string(), "--admin", "root"});
  ASSERT_EQ(init.status, 0) << init.err;
  const InitOutput admin = parse_init(init.out);
  ASSERT_FALSE(admin.password.empty()) << init.out;
  ASSERT_FALSE(admin.totp_secret.empty()) << init.out;
  {
    std::ofstream toml(data / "server.toml", std::ios::app);
    toml << "port = 0\npurge_interval_seconds = 3600\n";
  }

  // 2. The server, on a free port it reports in its log.
  BackgroundCli server({"server", "--data", data.string()});
  int port = 0;
  const std::regex listening(R"(listening on https://127\.0\.0\.1:(\d+))");
  for (int i = 0; i < 600 && port == 0 && server.running(); ++i) {
    std::smatch m;
    const std::string log = server.err_so_far();
    if (std::regex_search(log, m, listening))
      port = std::stoi(m[1]);
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(port, 0) << server.err_so_far();
  Api api(port, data / "tls" / "ca.pem");

  // A stranger gets nothing.
  auto anonymous = api.get_anonymous("/api/v1/users");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  // 3. The admin registers the site and camera, enrols the agent, creates two people.
  const std::string root = api.login("root", admin.password, admin.totp_secret);
  ASSERT_FALSE(root.empty());
  auto r = api.put(root, "/api/v1/sites/site-1",
                   {{"name", "Test junction"}, {"timezone", "Asia/Tashkent"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  r = api.put(root, "/api/v1/cameras/cam-1",
              {{"site_id", "site-1"},
               {"name", "North approach"},
               {"latitude", 41.31},
               {"longitude", 69.28}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  r = api.post(root, "/api/v1/devices", {{"camera_id", "cam-1"}});
  ASSERT_TRUE(r && (r->status == 200 || r->status == 201)) << (r ? r->body : "no answer");
  const json device = json::parse(r->body);
  fs::create_directories(edge);
  write_file(edge / "client.pem", device.at("cert_pem"));
  write_file(edge / "client.key", device.at("key_pem"));
  fs::permissions(edge / "client.key", fs::perms::owner_read | fs::perms::owner_write);
  write_file(edge / "ca.pem", device.at("ca_pem"));
  crypto::SigningKey signing;
  {
    // The enrolment answer carries the signing key's 32-byte seed once; keep it as the
    // agent's key file (mode 0600) in the format crypto::load_signing_key reads.
    write_file(edge / "signing.key", device.at("signing_key").get<std::string>() + "\n");
    fs::permissions(edge / "signing.key", fs::perms::owner_read | fs::perms::owner_write);
    signing = crypto::load_signing_key(edge / "signing.key");
    EXPECT_EQ(signing.public_hex, device.at("signing_public_key"));
  }
  json people[2];
  for (int i = 0; i < 2; ++i) {
    const char* name = i == 0 ? "ivan" : "audrey";
    const char* role = i == 0 ? "investigator" : "auditor";
    r = api.post(root, "/api/v1/users", {{"username", name}, {"role", role}});
    ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    people[i] = json::parse(r->body);
  }

  // 4. The camera agent reads a clip and uploads over mutual TLS with signed manifests.
  (void)roadwarden::testing::write_traffic_clip(one_car_clip(), edge / "clip.mp4");
  write_file(edge / "site.toml",
             "[site]\nid = \"site-1\"\n[spool]\ndir = \"spool\"\n"
             "[upload]\nurl = \"https://127.0.0.1:" +
                 std::to_string(port) +
                 "\"\nca_file = \"ca.pem\"\nclient_cert = \"client.pem\"\n"
                 "client_key = \"client.key\"\nsigning_key = \"signing.key\"\n"
                 "[[camera]]\nid = \"cam-1\"\nfile = \"clip.mp4\"\n"
                 "start_time = 2026-11-29T12:00:00Z\n");
  const auto agent = run_cli({"edge", "--config", (edge / "site.toml").string()});
  ASSERT_EQ(agent.status, 0) << agent.err;

  // 5. The investigator: no purpose → refused; with purpose and case → the read.
  const std::string ivan = api.login("ivan", people[0].at("password"), people[0].at("totp_secret"));
  ASSERT_FALSE(ivan.empty());
  r = api.post(ivan, "/api/v1/search/reads", {{"plate", "01A123BC"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  const json search{{"plate", "01A123BC"},
                    {"match", "exact"},
                    {"purpose", "stolen_vehicle"},
                    {"case_number", "CASE-2026-0042"}};
  r = api.post(ivan, "/api/v1/search/reads", search);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const json found = json::parse(r->body);
  const json& results = found.at("results");
  ASSERT_EQ(results.size(), 1u) << found.dump();
  EXPECT_EQ(results[0].at("text"), "01A123BC");
  EXPECT_EQ(results[0].at("camera"), "cam-1");
  const std::string key = results[0].at("key");
  // The evidence, decrypted by the server and checked against the signed manifest.
  r = api.post(ivan, "/api/v1/evidence/" + key + "/frame.jpg",
               {{"purpose", "stolen_vehicle"}, {"case_number", "CASE-2026-0042"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const cv::Mat frame =
      cv::imdecode(std::vector<std::uint8_t>(r->body.begin(), r->body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(frame.cols, 1280);
  EXPECT_EQ(frame.rows, 720);
  // On disk the evidence is encrypted: no JPEG marker in any stored file.
  int stored_files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data / "evidence")) {
    if (!e.is_regular_file()) continue;
    ++stored_files;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("\xFF\xD8\xFF"), std::string::npos) << e.path();
    EXPECT_EQ(bytes.find("JFIF"), std::string::npos) << e.path();
  }
  EXPECT_GE(stored_files, 2);

  // 6. The auditor sees the search with its purpose and case; the admin cannot search.
  const std::string audrey =
      api.login("audrey", people[1].at("password"), people[1].at("totp_secret"));
  ASSERT_FALSE(audrey.empty());
  r = api.get(audrey, "/api/v1/audit?limit=1000");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const json log = json::parse(r->body);
  int searches = 0, views = 0;
  for (const json& e : log.at("entries")) {
    if (e.at("actor") == "ivan" && e.at("action") == "search" &&
        e.at("purpose") == "stolen_vehicle" && e.at("case_number") == "CASE-2026-0042") {
      ++searches;
      EXPECT_EQ(e.at("result_count"), 1);
    }
    if (e.at("actor") == "ivan" && e.at("action") == "evidence_view") ++views;
  }
  EXPECT_EQ(searches, 1) << log.dump(1);
  EXPECT_EQ(views, 1);
  r = api.post(root, "/api/v1/search/reads", search);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  r = api.get(ivan, "/api/v1/audit");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);

  // 7. Stopped cleanly; the audit chain verifies.
  const auto stopped = server.stop();
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  const auto verify = run_cli({"admin", "verify-audit", data.string()});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
  // It prints the newest entry as an anchor to keep outside the data directory; checked
  // against it later, the intact log still verifies.
  std::smatch anchor;
  ASSERT_TRUE(std::regex_search(verify.out, anchor, std::regex(R"(anchor: (\d+:[0-9a-f]{64}))")))
      << verify.out;
  const auto anchored =
      run_cli({"admin", "verify-audit", data.string(), "--anchor", anchor[1].str()});
  EXPECT_EQ(anchored.status, 0) << anchored.out << anchored.err;
  // No secret reached the server's log.
  EXPECT_EQ(stopped.err.find(admin.password), std::string::npos);
  EXPECT_EQ(stopped.err.find(people[0].at("password").get<std::string>()), std::string::npos);
}

}  // namespace
}  // namespace roadwarden
