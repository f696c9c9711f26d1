// Ingest, search, evidence and audit over a real HTTPS server (ServerFixture): what a
// camera agent, an investigator and an auditor see, and what is stored and audited.
#include <gtest/gtest.h>

#include <fstream>

#include "server/purpose.hpp"
#include "unit/server/server_fixture.hpp"
#include "unit/server/upload_builder.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::Upload;

class ServerData : public testing::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    device_ = enrol("cam-1");
  }

  /// Posts `u` as the enrolled device, signed with `signature` (default: the device's).
  httplib::Result upload(const Upload& u, std::optional<std::string> signature = std::nullopt,
                         std::optional<std::string> body = std::nullopt) {
    const std::string record = u.record_json();
    httplib::Headers headers{{"Idempotency-Key", u.key}};
    const std::string sig = signature ? *signature : crypto::sign(device_.signing_key, record);
    if (!sig.empty()) headers.emplace("X-Roadwarden-Signature", sig);
    return device_client(device_)->Post("/api/v1/ingest/records", headers,
                                        body ? *body : u.body(record), u.content_type());
  }

  json search(const TestSession& s, const json& body, int expected_status = 200) {
    const httplib::Result r =
        call(*client(), "POST", "/api/v1/search/reads", s.bearer(), body.dump());
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, expected_status) << r->body;
    return json::parse(r->body, nullptr, false);
  }

  std::vector<store::AuditEntry> audit_of(const std::string& action) {
    std::vector<store::AuditEntry> out;
    for (const auto& e : server_->store().audit_entries(0, 10000)) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }

  bool evidence_folder_exists(const std::string& key) {
    return std::filesystem::exists(data_.evidence() / key.substr(0, 2) / key);
  }

  static json justified(json body) {
    body["purpose"] = "stolen_vehicle";
    body["case_number"] = "C-2026-17";
    return body;
  }

  EnrolledDevice device_;
};

TEST_F(ServerData, IngestStoresOnceThenAnswersDuplicate) {
  const Upload u;
  httplib::Result r = upload(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(json::parse(r->body), (json{{"status", "stored"}, {"key", u.key}}));
  r = upload(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body), (json{{"status", "duplicate"}, {"key", u.key}}));

  const auto stored = server_->store().record_by_key(u.key);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->camera_id, "cam-1");  // from the certificate, not the body's camera
  EXPECT_EQ(stored->device_serial, device_.serial);
  EXPECT_EQ(stored->plate_text, "01A123BC");
  EXPECT_EQ(stored->manifest, u.record_json());
  ASSERT_EQ(stored->files.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(data_.evidence() / stored->files[0].storage_path));
  store::ReadQuery query;
  query.plate_text = "01A123BC";
  EXPECT_EQ(server_->store().search_reads(query).size(), 1u);
}

TEST_F(ServerData, SameKeyWithOtherContentIsAConflict) {
  Upload u;
  ASSERT_EQ(upload(u)->status, 201);
  u.metadata["read"]["text"] = "01A999BC";
  const httplib::Result r = upload(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(server_->store().record_by_key(u.key)->plate_text, "01A123BC");
}

TEST_F(ServerData, CameraSwitchedOffInTheRegistryUploadsNothing) {
  store::Camera camera = *server_->store().camera("cam-1");
  camera.active = false;
  server_->store().put_camera(camera);
  const Upload u;
  const httplib::Result r = upload(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403) << r->body;
  EXPECT_FALSE(server_->store().record_by_key(u.key));
  EXPECT_FALSE(evidence_folder_exists(u.key));
}

TEST_F(ServerData, MalformedUploadsAreRefusedAndNothingIsStored) {
  const Upload u;
  const std::vector<std::string> bodies = {
      u.body("{\"key\": \"" + u.key + "\", "),                      // malformed JSON
      u.body("[\"" + u.key + "\"]"),                                // not an object
      u.body(json{{"key", u.key}, {"kind", "plate_read"}}.dump()),  // fields missing
      u.body().substr(0, 200),                                      // truncated multipart
  };
  for (const std::string& body : bodies) {
    const httplib::Result r = upload(u, crypto::sign(device_.signing_key, u.record_json()), body);
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 400) << r->body;
    EXPECT_LT(r->status, 500) << r->body;
  }
  EXPECT_FALSE(server_->store().record_by_key(u.key));
  EXPECT_FALSE(evidence_folder_exists(u.key));
}

TEST_F(ServerData, BadOrMissingSignatureIsRefused) {
  const Upload u;
  const crypto::SigningKey other = crypto::generate_signing_key();
  for (const std::string& sig :
       {crypto::sign(other, u.record_json()), std::string(""), std::string(128, '0')}) {
    const httplib::Result r = upload(u, sig);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
  }
  EXPECT_FALSE(server_->store().record_by_key(u.key));
  EXPECT_FALSE(evidence_folder_exists(u.key));
  EXPECT_EQ(audit_of("ingest_refused").size(), 3u);
}

TEST_F(ServerData, PersonCannotIngest) {
  const TestSession s = login(user(Role::investigator));
  const Upload u;
  httplib::Headers h = s.bearer();
  h.emplace("Idempotency-Key", u.key);
  const httplib::Result r = client()->Post("/api/v1/ingest/records", h, u.body(), u.content_type());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_FALSE(server_->store().record_by_key(u.key));
}

class ServerDataSmallUploads : public ServerData {
  void customise(ServerOptions& o) override { o.max_upload_bytes = 4096; }
};

TEST_F(ServerDataSmallUploads, OversizedUploadIs413AndNothingStored) {
  Upload u;
  u.files = {{"frame.jpg", "image/jpeg", std::string(10000, 'x')}};
  const httplib::Result r = upload(u);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413) << r->body;
  EXPECT_FALSE(server_->store().record_by_key(u.key));
  EXPECT_FALSE(evidence_folder_exists(u.key));
}

TEST_F(ServerData, SearchWithoutPurposeOrCaseIsRefusedBeforeSearching) {
  ASSERT_EQ(upload(Upload{})->status, 201);
  const TestSession s = login(user(Role::investigator));
  search(s, {{"plate", "01A123BC"}, {"case_number", "C-1"}}, 400);
  search(s, {{"plate", "01A123BC"}, {"purpose", "stolen car"}}, 400);
  search(s, {{"plate", "01A123BC"}, {"purpose", "x"}, {"case_number", "C-1"}}, 400);
  // Free text is not a purpose: it could carry a name or plate into the transparency report.
  search(s,
         {{"plate", "01A123BC"}, {"purpose", "car of John Smith 01A123BC"}, {"case_number", "C-1"}},
         400);
  EXPECT_TRUE(audit_of("search").empty());
  // The accepted purposes are listed for the console.
  const httplib::Result r = client()->Get("/api/v1/search/purposes", s.bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json purposes = json::parse(r->body).at("purposes");
  ASSERT_EQ(purposes.size(), kSearchPurposes.size());
  EXPECT_EQ(purposes[0].at("code"), "stolen_vehicle");
  EXPECT_TRUE(audit_of("search").empty());
}

TEST_F(ServerData, SearchFindsExactAndConfusableReadsAndIsAudited) {
  ASSERT_EQ(upload(Upload{})->status, 201);
  const TestSession s = login(user(Role::investigator));
  json result = search(s, justified({{"plate", "01 a 123 bc"}}));
  ASSERT_EQ(result["count"], 1);
  EXPECT_EQ(result["results"][0]["camera"], "cam-1");
  EXPECT_EQ(result["results"][0]["text"], "01A123BC");
  EXPECT_EQ(result["results"][0]["read_at"], "2026-11-29T20:55:41.500Z");
  EXPECT_DOUBLE_EQ(result["results"][0]["confidence"].get<double>(), 0.93);
  EXPECT_EQ(result["results"][0]["files"], (json{"frame.jpg", "plate.jpg"}));
  EXPECT_EQ(search(s, justified({{"plate", "O1A1Z38C"}}))["count"], 0);
  EXPECT_EQ(search(s, justified({{"plate", "O1A1Z38C"}, {"match", "confusable"}}))["count"], 1);
  EXPECT_EQ(
      search(s, justified({{"plate", "01A123BC"}, {"to", "2026-11-29T20:55:41.500Z"}}))["count"],
      0);
  EXPECT_EQ(search(s, justified({{"plate", "01A123BC"}, {"cameras", {"cam-2"}}}))["count"], 0);

  const auto audit = audit_of("search");
  ASSERT_EQ(audit.size(), 5u);
  EXPECT_EQ(audit[0].actor, user(Role::investigator).username);
  EXPECT_EQ(audit[0].role, "investigator");
  EXPECT_EQ(audit[0].purpose, "stolen_vehicle");
  EXPECT_EQ(audit[0].case_number, "C-2026-17");
  EXPECT_EQ(audit[0].result_count, 1);
  EXPECT_NE(audit[0].target.find("plate=01A123BC"), std::string::npos);
  EXPECT_EQ(audit[1].result_count, 0);
}

TEST_F(ServerData, OnlyInvestigatorsSearch) {
  for (const Role role : {Role::admin, Role::reviewer, Role::auditor, Role::supervisor}) {
    const TestSession s = login(user(role));
    search(s, justified({{"plate", "01A123BC"}}), 403);
  }
  EXPECT_TRUE(audit_of("search").empty());
}

TEST_F(ServerData, SqlInjectionStringsFindNothingAndBreakNothing) {
  ASSERT_EQ(upload(Upload{})->status, 201);
  const TestSession s = login(user(Role::investigator));
  const std::vector<std::string> attacks = {"' OR '1'='1",
                                            "01A123BC' --",
                                            "'; DROP TABLE records; --",
                                            "\" OR 1=1 --",
                                            "%' OR plate_text LIKE '%",
                                            "1; DELETE FROM audit_log"};
  for (const std::string& a : attacks) {
    for (const json& body :
         {justified({{"plate", a}}), justified({{"plate", "X"}, {"cameras", {a}}}),
          justified({{"plate", "X"}, {"from", a}}), justified({{"plate", "X"}, {"match", a}}),
          json{{"plate", "X"}, {"purpose", a}, {"case_number", a}}}) {
      const httplib::Result r =
          call(*client(), "POST", "/api/v1/search/reads", s.bearer(), body.dump());
      ASSERT_TRUE(r);
      ASSERT_TRUE(r->status == 200 || r->status == 400) << r->status << " " << r->body;
      if (r->status == 200) {
        EXPECT_EQ(json::parse(r->body)["count"], 0) << body.dump();
      }
    }
  }
  // Tables intact: the record is still found, the audit chain still verifies.
  EXPECT_EQ(search(s, justified({{"plate", "01A123BC"}}))["count"], 1);
  EXPECT_TRUE(verify_audit(server_->store(), data_.audit_head()).empty());
}

TEST_F(ServerData, TimelineHasCameraPositionsAndIsAudited) {
  ASSERT_EQ(upload(Upload{})->status, 201);
  const TestSession s = login(user(Role::investigator));
  const httplib::Result r = call(*client(), "POST", "/api/v1/search/timeline", s.bearer(),
                                 justified({{"plate", "01A123BC"}}).dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  ASSERT_EQ(body["points"].size(), 1u);
  EXPECT_DOUBLE_EQ(body["points"][0]["latitude"].get<double>(), 41.3);
  EXPECT_DOUBLE_EQ(body["points"][0]["longitude"].get<double>(), 69.2);
  EXPECT_EQ(body["points"][0]["site"], "site-1");
  ASSERT_EQ(audit_of("timeline").size(), 1u);
  EXPECT_EQ(audit_of("timeline")[0].result_count, 1);
}

TEST_F(ServerData, EvidenceIsServedDecryptedAndAudited) {
  const Upload u;
  ASSERT_EQ(upload(u)->status, 201);
  const TestSession s = login(user(Role::reviewer));
  const httplib::Result r =
      call(*client(), "POST", "/api/v1/evidence/" + u.key + "/plate.jpg", s.bearer(),
           json{{"purpose", "violation_review"}, {"case_number", "R-1"}}.dump());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body, u.files[1].content);
  EXPECT_EQ(r->get_header_value("Content-Type"), "image/jpeg");
  const auto audit = audit_of("evidence_view");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].outcome, "ok");
  EXPECT_EQ(audit[0].target, u.key + "/plate.jpg");
  // Without a purpose: refused.
  EXPECT_EQ(
      call(*client(), "POST", "/api/v1/evidence/" + u.key + "/plate.jpg", s.bearer(), "{}")->status,
      400);
}

TEST_F(ServerData, EvidencePathTraversalIsRefused) {
  const Upload u;
  ASSERT_EQ(upload(u)->status, 201);
  const TestSession s = login(user(Role::investigator));
  const std::string body =
      json{{"purpose", "criminal_investigation"}, {"case_number", "T-1"}}.dump();
  for (const std::string& path :
       {"/api/v1/evidence/" + u.key + "/..%2F..%2Froadwarden.db",
        "/api/v1/evidence/" + u.key + "/%2e%2e", "/api/v1/evidence/" + u.key + "/..",
        std::string("/api/v1/evidence/..%2F..%2Fevidence.key/x"),
        "/api/v1/evidence/" + u.key + "/.%2e",
        "/api/v1/evidence/" + u.key + "/frame.jpg%2F..%2F..%2F..%2Fevidence.key",
        "/api/v1/evidence/" + u.key + "/record"}) {
    const httplib::Result r = call(*client(), "POST", path, s.bearer(), body);
    ASSERT_TRUE(r);
    EXPECT_GE(r->status, 400) << path;
    EXPECT_LT(r->status, 500) << path;
    EXPECT_EQ(r->body.find("evidence.key"), std::string::npos);
  }
}

TEST_F(ServerData, TamperedEvidenceIs409AndAuditedAsTampered) {
  const Upload u;
  ASSERT_EQ(upload(u)->status, 201);
  const auto record = server_->store().record_by_key(u.key);
  const auto path = data_.evidence() / record->files[0].storage_path;
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64);
    f.put('\x5a');
  }
  const TestSession s = login(user(Role::investigator));
  const httplib::Result r =
      call(*client(), "POST", "/api/v1/evidence/" + u.key + "/frame.jpg", s.bearer(),
           json{{"purpose", "court_order"}, {"case_number", "C-9"}}.dump());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(json::parse(r->body)["error"], "evidence failed its integrity check");
  const auto audit = audit_of("evidence_view");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].outcome, "tampered");
}

TEST_F(ServerData, AuditorReadsVerifiesAndSeesTransparencyCounts) {
  ASSERT_EQ(upload(Upload{})->status, 201);
  const TestSession inv = login(user(Role::investigator));
  search(inv, justified({{"plate", "01A123BC"}}));
  const TestSession aud = login(user(Role::auditor));
  httplib::Result r = call(*client(), "GET", "/api/v1/audit?action=search", aud.bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  json body = json::parse(r->body);
  ASSERT_EQ(body["entries"].size(), 1u);
  EXPECT_EQ(body["entries"][0]["case_number"], "C-2026-17");

  r = call(*client(), "GET", "/api/v1/audit/verify", aud.bearer());
  ASSERT_TRUE(r);
  body = json::parse(r->body);
  EXPECT_EQ(body["intact"], true) << r->body;
  EXPECT_GE(body["entries"].get<int>(), 2);

  r = call(*client(), "GET",
           "/api/v1/stats/transparency?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z",
           aud.bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  body = json::parse(r->body);
  EXPECT_EQ(body["plate_reads"], 1);
  EXPECT_EQ(body["searches_by_purpose"]["stolen_vehicle"], 1);
  EXPECT_EQ(body["retention"]["non_violation_minutes"], 72 * 60);
  EXPECT_EQ(body.dump().find("01A123BC"), std::string::npos);  // counts only

  const TestSession inv2 = login(user(Role::investigator));
  EXPECT_EQ(call(*client(), "GET", "/api/v1/audit", inv2.bearer())->status, 403);
}

}  // namespace
}  // namespace roadwarden::server
