// The review workflow over a real HTTPS server (ServerFixture): a violation uploaded by a
// camera agent waits in the review queue, a reviewer confirms or rejects it (with a reason),
// a confirmed violation is exported as a citation (JSON, printable HTML with its evidence
// images), every transition is audited, and a rejected violation is purged by retention.
// With second_review on, a first confirmation awaits a second, different person.
#include <gtest/gtest.h>

#include <fstream>

#include "unit/server/server_fixture.hpp"
#include "unit/server/upload_builder.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::Upload;

class ServerReview : public testing::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    device_ = enrol("cam-1");
    reviewer_ = login(user(Role::reviewer));
  }

  /// A red-light violation upload with key `key`.
  static Upload violation_upload(const std::string& key) {
    Upload u;
    u.key = key;
    u.kind = "violation";
    u.violation = true;
    u.metadata["type"] = "violation";
    u.metadata["violation"] = {{"kind", "red_light"}};
    return u;
  }

  /// Uploads `u` as the enrolled device; expects it stored.
  void upload(const Upload& u) {
    const std::string record = u.record_json();
    const httplib::Headers headers{
        {"Idempotency-Key", u.key},
        {"X-Roadwarden-Signature", crypto::sign(device_.signing_key, record)}};
    const httplib::Result r = device_client(device_)->Post("/api/v1/ingest/records", headers,
                                                           u.body(record), u.content_type());
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }

  /// The keys of the review queue as `s` sees it.
  std::vector<std::string> queue_keys(const TestSession& s) {
    const httplib::Result r = call(*client(), "GET", "/api/v1/review/queue?limit=50", s.bearer());
    EXPECT_TRUE(r);
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    std::vector<std::string> keys;
    const json body = json::parse(r->body);
    for (const json& item : body["items"]) keys.push_back(item["key"]);
    return keys;
  }

  httplib::Result review(const TestSession& s, const std::string& key, const json& body) {
    return call(*client(), "POST", "/api/v1/review/" + key, s.bearer(), body.dump());
  }

  httplib::Result citation(const TestSession& s, const std::string& key,
                           const std::string& format) {
    return call(*client(), "POST", "/api/v1/citations/" + key, s.bearer(),
                json{{"format", format}}.dump());
  }

  std::vector<store::AuditEntry> audit_of(const std::string& action) {
    std::vector<store::AuditEntry> out;
    for (const auto& e : server_->store().audit_entries(0, 10000)) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }

  static constexpr const char* kKey = "0123456789abcdef0123456789abcdef";
  static constexpr const char* kOtherKey = "fedcba9876543210fedcba9876543210";

  EnrolledDevice device_;
  TestSession reviewer_;
};

TEST_F(ServerReview, UploadedViolationWaitsInTheQueueWithItsReadAndFiles) {
  Upload u = violation_upload(kKey);
  u.metadata["read"]["candidates"] = json::array(
      {{{"text", "01A123BC"}, {"confidence", 0.93}, {"format", "uz-private"}, {"corrected", false}},
       {{"text", "01A123B0"}, {"confidence", "high"}},
       {{"confidence", 0.2}}});
  upload(u);
  const httplib::Result r =
      call(*client(), "GET", "/api/v1/review/queue?limit=10", reviewer_.bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  ASSERT_EQ(body["count"], 1);
  const json& item = body["items"][0];
  EXPECT_EQ(item["key"], kKey);
  EXPECT_EQ(item["camera"], "cam-1");
  EXPECT_EQ(item["read_at"], "2026-11-29T20:55:41.500Z");
  EXPECT_EQ(item["violation_kind"], "red_light");
  EXPECT_EQ(item["text"], "01A123BC");
  EXPECT_DOUBLE_EQ(item["confidence"].get<double>(), 0.93);
  // The read's candidates, text and confidence only; a non-number confidence is null and a
  // candidate without text is left out.
  EXPECT_EQ(item["candidates"], json::parse(R"([{"text":"01A123BC","confidence":0.93},
                                                {"text":"01A123B0","confidence":null}])"));
  EXPECT_EQ(item["files"], (json{"frame.jpg", "plate.jpg"}));
  EXPECT_FALSE(body["truncated"]);

  const auto entries = audit_of("review_queue");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "reviewer1");
  EXPECT_EQ(entries[0].result_count, 1);
  EXPECT_EQ(entries[0].outcome, "ok");
}

TEST_F(ServerReview, QueueIsOldestFirstAndHonoursTheLimit) {
  upload(violation_upload(kKey));
  clock_.advance(std::chrono::minutes(1));
  upload(violation_upload(kOtherKey));
  EXPECT_EQ(queue_keys(reviewer_), (std::vector<std::string>{kKey, kOtherKey}));
  const httplib::Result one =
      call(*client(), "GET", "/api/v1/review/queue?limit=1", reviewer_.bearer());
  ASSERT_TRUE(one);
  const json body = json::parse(one->body);
  ASSERT_EQ(body["count"], 1);
  EXPECT_EQ(body["items"][0]["key"], kKey);
  EXPECT_TRUE(body["truncated"]);
  for (const char* bad : {"0", "201", "-1", "x", "1e2"}) {
    const httplib::Result r = call(
        *client(), "GET", std::string("/api/v1/review/queue?limit=") + bad, reviewer_.bearer());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad;
  }
}

TEST_F(ServerReview, ConfirmedViolationLeavesTheQueueAndIsAudited) {
  upload(violation_upload(kKey));
  const httplib::Result r = review(reviewer_, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["review_status"], "confirmed");
  EXPECT_TRUE(queue_keys(reviewer_).empty());
  const auto stored = server_->store().record_by_key(kKey);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->review_status, store::ReviewStatus::confirmed);
  EXPECT_EQ(stored->reviewed_at, clock_.now());
  // Second review is off by default: one person's confirmation is the whole review.
  EXPECT_EQ(stored->first_reviewer, "reviewer1");
  EXPECT_EQ(stored->first_reviewed_at, clock_.now());
  EXPECT_EQ(stored->second_reviewer, "");

  const auto entries = audit_of("review");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].target, kKey);
  EXPECT_EQ(entries[0].actor, "reviewer1");
  EXPECT_EQ(entries[0].outcome, "confirmed");
}

TEST_F(ServerReview, RejectionNeedsAReasonOfThreeToFiveHundredCharacters) {
  upload(violation_upload(kKey));
  for (const json& body :
       {json{{"decision", "reject"}}, json{{"decision", "reject"}, {"reason", "no"}},
        json{{"decision", "reject"}, {"reason", std::string(501, 'x')}},
        json{{"decision", "maybe"}}, json{{"decision", "reject"}, {"reason", "ok?"}, {"x", 1}}}) {
    const httplib::Result r = review(reviewer_, kKey, body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.dump() << ": " << r->body;
  }
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status, store::ReviewStatus::pending);
  EXPECT_TRUE(audit_of("review").empty());

  const httplib::Result r =
      review(reviewer_, kKey, {{"decision", "reject"}, {"reason", "emergency vehicle"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const auto stored = server_->store().record_by_key(kKey);
  EXPECT_EQ(stored->review_status, store::ReviewStatus::rejected);
  EXPECT_EQ(stored->review_reason, "emergency vehicle");
  EXPECT_TRUE(queue_keys(reviewer_).empty());
  const auto entries = audit_of("review");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome, "rejected");
}

TEST_F(ServerReview, PlateReadIsNotReviewableAndUnknownKeyIsNotFound) {
  upload(Upload{});  // a plain plate read, key kKey
  httplib::Result r = review(reviewer_, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status, store::ReviewStatus::none);

  r = review(reviewer_, kOtherKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  r = review(reviewer_, "NOT-A-KEY", {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;

  const auto entries = audit_of("review");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].outcome, "refused");
  EXPECT_EQ(entries[1].outcome, "not_found");
}

TEST_F(ServerReview, PeopleOutsideReviewAreRefused) {
  upload(violation_upload(kKey));
  for (const Role role : {Role::investigator, Role::auditor, Role::admin}) {
    const TestSession s = login(user(role));
    const httplib::Result queue = call(*client(), "GET", "/api/v1/review/queue", s.bearer());
    ASSERT_TRUE(queue);
    EXPECT_EQ(queue->status, 403) << to_string(role);
    const httplib::Result decide = review(s, kKey, {{"decision", "confirm"}});
    ASSERT_TRUE(decide);
    EXPECT_EQ(decide->status, 403) << to_string(role);
    const httplib::Result export_ = citation(s, kKey, "json");
    ASSERT_TRUE(export_);
    EXPECT_EQ(export_->status, 403) << to_string(role);
  }
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status, store::ReviewStatus::pending);
}

TEST_F(ServerReview, OnlyAConfirmedViolationIsExported) {
  upload(violation_upload(kKey));
  httplib::Result r = citation(reviewer_, kKey, "json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "reject"}, {"reason", "glare"}})->status, 200);
  r = citation(reviewer_, kKey, "html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  r = citation(reviewer_, kOtherKey, "json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404) << r->body;
  r = citation(reviewer_, kKey, "pdf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;

  const auto entries = audit_of("export");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].outcome, "refused");
  EXPECT_EQ(entries[1].outcome, "refused");
  EXPECT_EQ(entries[2].outcome, "not_found");
}

TEST_F(ServerReview, ConfirmedViolationExportsAsJsonWithHashesAndSignature) {
  const Upload u = violation_upload(kKey);
  upload(u);
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  const TestSession supervisor = login(user(Role::supervisor));
  const httplib::Result r = citation(supervisor, kKey, "json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json c = json::parse(r->body);
  EXPECT_EQ(c["key"], kKey);
  EXPECT_EQ(c["camera"], "cam-1");
  EXPECT_EQ(c["plate"], "01A123BC");
  EXPECT_EQ(c["violation_kind"], "red_light");
  EXPECT_EQ(c["read_at"], "2026-11-29T20:55:41.500Z");
  EXPECT_EQ(c["review"]["decision"], "confirmed");
  EXPECT_TRUE(c["review"]["reviewed_at"].is_string());
  EXPECT_EQ(c["review"]["first_reviewer"], "reviewer1");
  EXPECT_EQ(c["review"]["first_reviewed_at"], c["review"]["reviewed_at"]);
  EXPECT_TRUE(c["review"]["second_reviewer"].is_null());
  EXPECT_TRUE(c["review"]["second_reviewed_at"].is_null());
  EXPECT_EQ(c["device_serial"], device_.serial);
  EXPECT_EQ(c["manifest"], u.record_json());
  EXPECT_TRUE(crypto::verify_signature(device_.signing_key.public_hex, u.record_json(),
                                       c["signature"].get<std::string>()));
  ASSERT_EQ(c["files"].size(), 2u);
  EXPECT_EQ(c["files"][0]["name"], "frame.jpg");
  EXPECT_EQ(c["files"][0]["sha256"], crypto::sha256_hex(u.files[0].content));

  const auto entries = audit_of("export");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "supervisor1");
  EXPECT_EQ(entries[0].outcome, "ok");
  EXPECT_NE(entries[0].target.find(kKey), std::string::npos);
}

TEST_F(ServerReview, ConfirmedViolationExportsAsPrintableHtmlWithImagesAndDataBar) {
  Upload u = violation_upload(kKey);
  u.metadata["read"]["text"] = "01A<b>C";  // escaped on the page, never markup
  upload(u);
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  const httplib::Result r = citation(reviewer_, kKey, "html");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(r->get_header_value("Content-Security-Policy").find("img-src data:"),
            std::string::npos);
  const std::string& html = r->body;
  EXPECT_NE(html.find("Camera: cam-1 | Time (UTC): 2026-11-29T20:55:41.500Z | Plate: "
                      "01A&lt;b&gt;C | Violation: red_light"),
            std::string::npos)
      << html.substr(0, 2000);
  EXPECT_EQ(html.find("01A<b>C"), std::string::npos);
  EXPECT_NE(html.find("<img src=\"data:image/jpeg;base64,"), std::string::npos);
  // "fff" (the frame's first bytes) is "ZmZm" in base64.
  EXPECT_NE(html.find("<img src=\"data:image/jpeg;base64,ZmZmZmZm"), std::string::npos);
  EXPECT_EQ(audit_of("export").back().outcome, "ok");
}

TEST_F(ServerReview, TamperedEvidenceIsNeverExported) {
  upload(violation_upload(kKey));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  const auto stored = server_->store().record_by_key(kKey);
  ASSERT_TRUE(stored);
  const std::filesystem::path file = data_.evidence() / stored->files[0].storage_path;
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(bytes.size(), 100u);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x01);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;

  const httplib::Result r = citation(reviewer_, kKey, "html");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_EQ(r->body.find("base64"), std::string::npos);
  EXPECT_EQ(audit_of("export").back().outcome, "tampered");
}

TEST_F(ServerReview, RejectedViolationIsPurgedAfterItsRetentionButAConfirmedOneStays) {
  upload(violation_upload(kKey));
  upload(violation_upload(kOtherKey));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "reject"}, {"reason", "glare"}})->status, 200);
  ASSERT_EQ(review(reviewer_, kOtherKey, {{"decision", "confirm"}})->status, 200);

  clock_.advance(std::chrono::hours(71));
  EXPECT_EQ(server_->retention().run_once().records_purged, 0);
  EXPECT_TRUE(server_->store().record_by_key(kKey));

  clock_.advance(std::chrono::hours(2));  // 73 h after the rejection
  EXPECT_EQ(server_->retention().run_once().records_purged, 1);
  EXPECT_FALSE(server_->store().record_by_key(kKey));
  EXPECT_FALSE(std::filesystem::exists(data_.evidence() / std::string(kKey).substr(0, 2) / kKey));
  EXPECT_TRUE(server_->store().record_by_key(kOtherKey));
  const auto purges = audit_of("purge");
  ASSERT_EQ(purges.size(), 1u);
  EXPECT_EQ(purges[0].result_count, 1);
}

/// The same server with the option second_review = true (two-person review).
class ServerSecondReview : public ServerReview {
 protected:
  void customise(ServerOptions& options) override { options.second_review = true; }

  /// The review statuses of the "review" audit entries, in order.
  std::vector<std::string> review_outcomes() {
    std::vector<std::string> out;
    for (const auto& e : audit_of("review")) out.push_back(e.outcome);
    return out;
  }
};

TEST_F(ServerSecondReview, FirstConfirmationAwaitsASecondPersonAndTheSameReviewerIsRefused) {
  upload(violation_upload(kKey));
  const TestSession supervisor = login(user(Role::supervisor));
  const UtcTime first_at = clock_.now();
  httplib::Result r = review(reviewer_, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["review_status"], "awaiting_second_review");
  auto stored = server_->store().record_by_key(kKey);
  EXPECT_EQ(stored->review_status, store::ReviewStatus::awaiting_second_review);
  EXPECT_EQ(stored->first_reviewer, "reviewer1");
  EXPECT_EQ(stored->first_reviewed_at, first_at);

  // The first reviewer no longer sees it; the supervisor sees it as a second review.
  EXPECT_TRUE(queue_keys(reviewer_).empty());
  const httplib::Result queue =
      call(*client(), "GET", "/api/v1/review/queue?limit=10", supervisor.bearer());
  ASSERT_TRUE(queue);
  const json items = json::parse(queue->body)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["key"], kKey);
  EXPECT_EQ(items[0]["review_status"], "awaiting_second_review");
  EXPECT_EQ(items[0]["stage"], "second");

  // Not yet a citation, and the same person cannot be the second review.
  EXPECT_EQ(citation(reviewer_, kKey, "json")->status, 409);
  clock_.advance(std::chrono::minutes(5));
  r = review(reviewer_, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_NE(json::parse(r->body)["error"].get<std::string>().find("different person"),
            std::string::npos)
      << r->body;
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status,
            store::ReviewStatus::awaiting_second_review);

  clock_.advance(std::chrono::minutes(5));
  const UtcTime second_at = clock_.now();
  r = review(supervisor, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["review_status"], "confirmed");
  stored = server_->store().record_by_key(kKey);
  EXPECT_EQ(stored->review_status, store::ReviewStatus::confirmed);
  EXPECT_EQ(stored->first_reviewer, "reviewer1");
  EXPECT_EQ(stored->first_reviewed_at, first_at);
  EXPECT_EQ(stored->second_reviewer, "supervisor1");
  EXPECT_EQ(stored->second_reviewed_at, second_at);
  EXPECT_TRUE(queue_keys(supervisor).empty());

  // Every transition audited, the refusal too, each with who made it.
  EXPECT_EQ(review_outcomes(),
            (std::vector<std::string>{"awaiting_second_review", "refused", "confirmed"}));
  const auto entries = audit_of("review");
  EXPECT_EQ(entries[0].actor, "reviewer1");
  EXPECT_EQ(entries[1].actor, "reviewer1");
  EXPECT_EQ(entries[2].actor, "supervisor1");
  EXPECT_EQ(entries[2].target, kKey);
}

TEST_F(ServerSecondReview, CitationNamesBothReviewers) {
  upload(violation_upload(kKey));
  const TestSession supervisor = login(user(Role::supervisor));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  clock_.advance(std::chrono::minutes(1));
  ASSERT_EQ(review(supervisor, kKey, {{"decision", "confirm"}})->status, 200);
  const auto stored = server_->store().record_by_key(kKey);

  const httplib::Result r = citation(reviewer_, kKey, "json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json review_part = json::parse(r->body)["review"];
  EXPECT_EQ(review_part["decision"], "confirmed");
  EXPECT_EQ(review_part["first_reviewer"], "reviewer1");
  EXPECT_EQ(review_part["first_reviewed_at"], to_iso8601(*stored->first_reviewed_at));
  EXPECT_EQ(review_part["second_reviewer"], "supervisor1");
  EXPECT_EQ(review_part["second_reviewed_at"], to_iso8601(*stored->second_reviewed_at));

  const httplib::Result page = citation(supervisor, kKey, "html");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("<tr><th>First review</th><td>reviewer1 at " +
                            to_iso8601(*stored->first_reviewed_at) + "</td></tr>"),
            std::string::npos);
  EXPECT_NE(page->body.find("<tr><th>Second review</th><td>supervisor1 at " +
                            to_iso8601(*stored->second_reviewed_at) + "</td></tr>"),
            std::string::npos);
}

TEST_F(ServerSecondReview, RejectionAtTheSecondStageRejectsWithItsReason) {
  upload(violation_upload(kKey));
  const TestSession supervisor = login(user(Role::supervisor));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  const httplib::Result r =
      review(supervisor, kKey, {{"decision", "reject"}, {"reason", "emergency vehicle"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json::parse(r->body)["review_status"], "rejected");
  const auto stored = server_->store().record_by_key(kKey);
  EXPECT_EQ(stored->review_status, store::ReviewStatus::rejected);
  EXPECT_EQ(stored->review_reason, "emergency vehicle");
  EXPECT_EQ(stored->first_reviewer, "reviewer1");
  EXPECT_EQ(stored->second_reviewer, "supervisor1");
  EXPECT_TRUE(queue_keys(reviewer_).empty());
  EXPECT_TRUE(queue_keys(supervisor).empty());
  EXPECT_EQ(citation(supervisor, kKey, "json")->status, 409);
  EXPECT_EQ(review_outcomes(), (std::vector<std::string>{"awaiting_second_review", "rejected"}));
}

TEST_F(ServerSecondReview, RejectionAtTheFirstStageRejectsAtOnceAndIsPurgedByRetention) {
  upload(violation_upload(kKey));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "reject"}, {"reason", "glare"}})->status, 200);
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status, store::ReviewStatus::rejected);
  clock_.advance(std::chrono::hours(73));
  EXPECT_EQ(server_->retention().run_once().records_purged, 1);
  EXPECT_FALSE(server_->store().record_by_key(kKey));
}

TEST_F(ServerSecondReview, ConfirmedViolationIsNotConfirmedAgain) {
  upload(violation_upload(kKey));
  const TestSession supervisor = login(user(Role::supervisor));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  ASSERT_EQ(review(supervisor, kKey, {{"decision", "confirm"}})->status, 200);
  const httplib::Result r = review(supervisor, kKey, {{"decision", "confirm"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  const auto stored = server_->store().record_by_key(kKey);
  EXPECT_EQ(stored->first_reviewer, "reviewer1");
  EXPECT_EQ(stored->second_reviewer, "supervisor1");
  EXPECT_EQ(review_outcomes(),
            (std::vector<std::string>{"awaiting_second_review", "confirmed", "refused"}));
}

TEST_F(ServerSecondReview, TwoPersonConfirmationIsWithdrawnOnlyByASupervisor) {
  upload(violation_upload(kKey));
  const TestSession supervisor = login(user(Role::supervisor));
  ASSERT_EQ(review(reviewer_, kKey, {{"decision", "confirm"}})->status, 200);
  ASSERT_EQ(review(supervisor, kKey, {{"decision", "confirm"}})->status, 200);
  // One reviewer cannot undo what two people confirmed (and send it to the 72 h purge).
  httplib::Result r = review(reviewer_, kKey, {{"decision", "reject"}, {"reason", "changed my mind"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 409) << r->body;
  EXPECT_NE(r->body.find("only be withdrawn by a supervisor"), std::string::npos) << r->body;
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status,
            store::ReviewStatus::confirmed);
  // A supervisor may withdraw it, with a reason.
  r = review(supervisor, kKey, {{"decision", "reject"}, {"reason", "wrong stop line calibration"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(server_->store().record_by_key(kKey)->review_status, store::ReviewStatus::rejected);
  EXPECT_EQ(review_outcomes(), (std::vector<std::string>{"awaiting_second_review", "confirmed",
                                                          "refused", "rejected"}));
}

}  // namespace
}  // namespace roadwarden::server
