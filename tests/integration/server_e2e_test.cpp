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
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "core/time.hpp"
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
  return roadwarden::testing::one_car_approaching_clip();
}

/// A person created through the admin API: their one-time credentials.
struct Person {
  std::string name, password, totp_secret;
};

/// The real binaries as an operator runs them: `roadwarden admin init` of a fresh data
/// directory, `roadwarden server` on a free port, the first admin logged in.
class ServerEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    ::signal(SIGPIPE, SIG_IGN);
    data_ = tmp_.path() / "data";
    edge_ = tmp_.path() / "edge";
    fs::create_directories(edge_);
  }

  /// admin init (first admin "root") + server; `extra_toml` is appended to server.toml.
  void start_server(const std::string& extra_toml = "") {
    const auto init = run_cli({"admin", "init", data_.string(), "--admin", "root"});
    ASSERT_EQ(init.status, 0) << init.err;
    admin_ = parse_init(init.out);
    ASSERT_FALSE(admin_.password.empty()) << init.out;
    ASSERT_FALSE(admin_.totp_secret.empty()) << init.out;
    {
      std::ofstream toml(data_ / "server.toml", std::ios::app);
      toml << "port = 0\npurge_interval_seconds = 3600\n" << extra_toml;
    }
    server_ = std::make_unique<BackgroundCli>(
        std::vector<std::string>{"server", "--data", data_.string()});
    const std::regex listening(R"(listening on https://127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && port_ == 0 && server_->running(); ++i) {
      std::smatch m;
      const std::string log = server_->err_so_far();
      if (std::regex_search(log, m, listening))
        port_ = std::stoi(m[1]);
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port_, 0) << server_->err_so_far();
    api_ = std::make_unique<Api>(port_, data_ / "tls" / "ca.pem");
    root_ = api_->login("root", admin_.password, admin_.totp_secret);
    ASSERT_FALSE(root_.empty());
  }

  /// As admin: registers site-1 (Asia/Tashkent) and `camera` on it, enrols the camera
  /// agent and writes its files (client.pem, client.key, ca.pem, signing.key) into edge_.
  void enrol_camera(const std::string& camera) {
    auto r = api_->put(root_, "/api/v1/sites/site-1",
                       {{"name", "Test junction"}, {"timezone", "Asia/Tashkent"}});
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    r = api_->put(root_, "/api/v1/cameras/" + camera,
                  {{"site_id", "site-1"},
                   {"name", "North approach"},
                   {"latitude", 41.31},
                   {"longitude", 69.28}});
    ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
    r = api_->post(root_, "/api/v1/devices", {{"camera_id", camera}});
    ASSERT_TRUE(r && (r->status == 200 || r->status == 201)) << (r ? r->body : "no answer");
    const json device = json::parse(r->body);
    write_file(edge_ / "client.pem", device.at("cert_pem"));
    write_file(edge_ / "client.key", device.at("key_pem"));
    fs::permissions(edge_ / "client.key", fs::perms::owner_read | fs::perms::owner_write);
    write_file(edge_ / "ca.pem", device.at("ca_pem"));
    // The enrolment answer carries the signing key's 32-byte seed once; keep it as the
    // agent's key file (mode 0600) in the format crypto::load_signing_key reads.
    write_file(edge_ / "signing.key", device.at("signing_key").get<std::string>() + "\n");
    fs::permissions(edge_ / "signing.key", fs::perms::owner_read | fs::perms::owner_write);
    signing_ = crypto::load_signing_key(edge_ / "signing.key");
    EXPECT_EQ(signing_.public_hex, device.at("signing_public_key"));
  }

  /// The agent's [site], [spool] and [upload] tables for this server.
  [[nodiscard]] std::string site_toml_head() const {
    return "[site]\nid = \"site-1\"\ntimezone = \"Asia/Tashkent\"\n[spool]\ndir = \"spool\"\n"
           "[upload]\nurl = \"https://127.0.0.1:" +
           std::to_string(port_) +
           "\"\nca_file = \"ca.pem\"\nclient_cert = \"client.pem\"\n"
           "client_key = \"client.key\"\nsigning_key = \"signing.key\"\n";
  }

  /// As admin: creates `name` with `role`; returns the one-time credentials.
  Person add_person(const std::string& name, const std::string& role) {
    auto r = api_->post(root_, "/api/v1/users", {{"username", name}, {"role", role}});
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no answer");
    if (!r || r->status != 201) return {};
    const json j = json::parse(r->body);
    return {name, j.at("password"), j.at("totp_secret")};
  }

  /// Logs `p` in; the bearer token ("" on failure).
  std::string login(const Person& p) { return api_->login(p.name, p.password, p.totp_secret); }

  roadwarden::testing::TempDir tmp_;
  fs::path data_, edge_;
  InitOutput admin_;
  std::unique_ptr<BackgroundCli> server_;
  int port_ = 0;
  std::unique_ptr<Api> api_;
  std::string root_;
  crypto::SigningKey signing_;
};

TEST_F(ServerEndToEnd, EnrolledCameraUploadsAndAnInvestigatorsAuditedSearchFindsTheRead) {
  const fs::path& data = data_;
  const fs::path& edge = edge_;
  // 1-2. The server's data directory, first admin and the server on a free port.
  ASSERT_NO_FATAL_FAILURE(start_server());
  Api& api = *api_;
  const InitOutput& admin = admin_;

  // A stranger gets nothing.
  auto anonymous = api.get_anonymous("/api/v1/users");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);

  // 3. The admin registers the site and camera, enrols the agent, creates two people.
  const std::string& root = root_;
  ASSERT_NO_FATAL_FAILURE(enrol_camera("cam-1"));
  const Person ivan_p = add_person("ivan", "investigator");
  const Person audrey_p = add_person("audrey", "auditor");

  // 4. The camera agent reads a clip and uploads over mutual TLS with signed manifests.
  (void)roadwarden::testing::write_traffic_clip(one_car_clip(), edge / "clip.mp4");
  write_file(edge / "site.toml", site_toml_head() +
                                     "[[camera]]\nid = \"cam-1\"\nfile = \"clip.mp4\"\n"
                                     "start_time = 2026-11-29T12:00:00Z\n");
  const auto agent = run_cli({"edge", "--config", (edge / "site.toml").string()});
  ASSERT_EQ(agent.status, 0) << agent.err;

  // 5. The investigator: no purpose → refused; with purpose and case → the read.
  const std::string ivan = login(ivan_p);
  ASSERT_FALSE(ivan.empty());
  auto r = api.post(ivan, "/api/v1/search/reads", {{"plate", "01A123BC"}});
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
  const std::string audrey = login(audrey_p);
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
  const auto stopped = server_->stop();
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
  EXPECT_EQ(stopped.err.find(ivan_p.password), std::string::npos);
}


/// One car whose plate crosses the stop line y = 420 about 0.9 s into the clip (the clip of
/// tests/integration/red_light_edge_test.cpp).
constexpr std::int64_t kClipStart = 1'795'953'600'000;  // 2026-11-29T12:00:00Z

/// The controller's replay for approach "north": green, 3 s amber, red from 10 s before the
/// clip, one line a second until 10 s after its start.
std::string red_phase_replay() {
  std::string out = "# controller recording, approach north\n";
  for (std::int64_t at = kClipStart - 20'000; at <= kClipStart + 10'000; at += 1000) {
    const char* state = at < kClipStart - 13'000   ? "green"
                        : at < kClipStart - 10'000 ? "amber"
                                                   : "red";
    out += to_iso8601(UtcTime{at}) + " north " + state + "\n";
  }
  return out;
}

TEST_F(ServerEndToEnd, RedLightViolationIsReviewedTwiceAndExportedAsAVerifiableCitation) {
  // The server with second review on; two reviewers.
  ASSERT_NO_FATAL_FAILURE(start_server("second_review = true\n"));
  ASSERT_NO_FATAL_FAILURE(enrol_camera("cam-1"));
  const Person rita_p = add_person("rita", "reviewer");
  const Person dima_p = add_person("dima", "reviewer");

  // The camera agent: the synthetic crossing, the phase replay, one red-light approach.
  (void)roadwarden::testing::write_traffic_clip(one_car_clip(), edge_ / "clip.mp4");
  write_file(edge_ / "phases.txt", red_phase_replay());
  write_file(edge_ / "site.toml", site_toml_head() + R"([signal]
replay = "phases.txt"
[[camera]]
id = "cam-1"
file = "clip.mp4"
start_time = 2026-11-29T12:00:00Z
[[camera.red_light]]
approach = "north"
stop_line = [[0, 420], [1280, 420]]
clip_margin_ms = 500
  [[camera.red_light.lane]]
  id = "middle"
  polygon = [[200, 150], [1000, 150], [1000, 420], [200, 420]]
)");
  const auto agent = run_cli({"edge", "--config", (edge_ / "site.toml").string()});
  ASSERT_EQ(agent.status, 0) << agent.err;
  const json summary = json::parse(agent.out);
  EXPECT_EQ(summary["cameras"][0]["violations"], 1) << agent.err;
  EXPECT_EQ(summary["spooled"], 0) << "everything acknowledged by the server";

  // Pending in the server: the reviewer's queue holds the one red-light violation.
  const std::string rita = login(rita_p), dima = login(dima_p);
  ASSERT_FALSE(rita.empty());
  ASSERT_FALSE(dima.empty());
  auto r = api_->get(rita, "/api/v1/review/queue?limit=50");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const json queue = json::parse(r->body);
  ASSERT_EQ(queue.at("items").size(), 1u) << queue.dump(1);
  const json& item = queue["items"][0];
  EXPECT_EQ(item.at("violation_kind"), "red_light");
  EXPECT_EQ(item.at("text"), "01A123BC");
  EXPECT_EQ(item.at("camera"), "cam-1");
  EXPECT_EQ(item.at("review_status"), "pending");
  const std::string key = item.at("key");

  // The evidence the reviewer looks at: three stills with the data bar, the clip, the crop.
  const json why{{"purpose", "violation_review"}, {"case_number", "RL-2026-0001"}};
  r = api_->post(rita, "/api/v1/evidence/" + key + "/at_line.jpg", why);
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const cv::Mat at_line =
      cv::imdecode(std::vector<std::uint8_t>(r->body.begin(), r->body.end()), cv::IMREAD_COLOR);
  EXPECT_EQ(at_line.cols, 1280);
  EXPECT_GT(at_line.rows, 720) << "the data bar is drawn under the frame";

  // First review, the same reviewer again (refused), the second review by another.
  r = api_->post(rita, "/api/v1/review/" + key, {{"decision", "confirm"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  EXPECT_EQ(json::parse(r->body).at("review_status"), "awaiting_second_review");
  r = api_->post(rita, "/api/v1/review/" + key, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  r = api_->post(rita, "/api/v1/citations/" + key, {{"format", "json"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << "no citation before the second review";
  r = api_->post(dima, "/api/v1/review/" + key, {{"decision", "confirm"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  EXPECT_EQ(json::parse(r->body).at("review_status"), "confirmed");

  // The citation: both reviewers, and evidence anyone can verify without the server.
  r = api_->post(dima, "/api/v1/citations/" + key, {{"format", "json"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  const json citation = json::parse(r->body);
  EXPECT_EQ(citation.at("plate"), "01A123BC");
  EXPECT_EQ(citation.at("violation_kind"), "red_light");
  EXPECT_EQ(citation["review"].at("first_reviewer"), "rita");
  EXPECT_EQ(citation["review"].at("second_reviewer"), "dima");
  const std::string manifest = citation.at("manifest");
  EXPECT_TRUE(crypto::verify_signature(signing_.public_hex, manifest,
                                       citation.at("signature").get<std::string>()));
  std::string tampered = manifest;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(crypto::verify_signature(signing_.public_hex, tampered,
                                        citation.at("signature").get<std::string>()));
  const json signed_record = json::parse(manifest);
  const json& decision = signed_record.at("metadata").at("violation");
  EXPECT_EQ(decision.at("phase"), "red");
  EXPECT_EQ(decision.at("approach"), "north");
  EXPECT_EQ(decision.at("red_onset"), to_iso8601(UtcTime{kClipStart - 10'000}));
  EXPECT_GT(decision.at("time_into_red_ms").get<double>(), 10'300);
  EXPECT_EQ(decision.at("config_hash").get<std::string>().size(), 64u);
  // Every file of the package: in the signed manifest, downloaded, and its SHA-256 is the
  // one the camera put in the decision and signed.
  std::set<std::string> names;
  for (const json& f : signed_record.at("files")) {
    const std::string name = f.at("name");
    names.insert(name);
    r = api_->post(dima, "/api/v1/evidence/" + key + "/" + name, why);
    ASSERT_TRUE(r && r->status == 200) << name << ": " << (r ? r->body : "no answer");
    EXPECT_EQ(crypto::sha256_hex(r->body), f.at("sha256")) << name;
    EXPECT_EQ(decision.at("files").at(name), f.at("sha256")) << name;
  }
  const std::string clip_file = decision.at("clip").at("file");
  EXPECT_EQ(names, (std::set<std::string>{"before.jpg", "at_line.jpg", "intersection.jpg",
                                          "plate.jpg", clip_file}));
  EXPECT_EQ(citation.at("files").size(), names.size());

  // The printable citation carries the data bar and the stills.
  r = api_->post(dima, "/api/v1/citations/" + key, {{"format", "html"}});
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no answer");
  EXPECT_NE(r->body.find("Plate: 01A123BC"), std::string::npos);
  EXPECT_NE(r->body.find("Violation: red_light"), std::string::npos);
  EXPECT_NE(r->body.find("data:image/jpeg;base64,"), std::string::npos);

  // Every step is in the audit log, whose chain verifies.
  const auto stopped = server_->stop();
  EXPECT_EQ(stopped.status, 0) << stopped.err;
  const auto verify = run_cli({"admin", "verify-audit", data_.string()});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace roadwarden
