// Hotlists on the server, the live event stream (SSE) and the message-board feed over a real
// HTTPS server (ServerFixture): a supervisor imports a hotlist (normalised, bad lines
// reported, kept across a restart), an ingested read of a hotlisted plate reaches an open
// stream as `hotlist_hit` (de-duplicated per camera, rule and plate), a violation as
// `violation` and as a board line; the stream is refused without a session, capped, audited,
// and ends when its session does. Streams are read with a real HTTPS client (httplib with the
// test CA); waits for an event have a generous deadline, nothing is timed.
#include <gtest/gtest.h>

#include <condition_variable>
#include <functional>
#include <thread>

#include "server/event_hub.hpp"
#include "server/hotlist_service.hpp"
#include "server/live_feeds.hpp"
#include "unit/server/server_fixture.hpp"
#include "unit/server/upload_builder.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::Upload;

constexpr auto kDeadline = std::chrono::seconds(30);

/// The `data:` JSON objects of every `event: <name>` in an SSE text.
std::vector<json> events_named(const std::string& text, const std::string& name) {
  std::vector<json> out;
  const std::string head = "event: " + name + "\ndata: ";
  for (std::size_t pos = text.find(head); pos != std::string::npos;
       pos = text.find(head, pos + 1)) {
    const std::size_t start = pos + head.size();
    out.push_back(json::parse(text.substr(start, text.find('\n', start) - start)));
  }
  return out;
}

/// Reads one streaming GET on its own thread, keeping everything received.
class StreamReader {
 public:
  StreamReader(std::unique_ptr<httplib::SSLClient> client, const std::string& path,
               httplib::Headers headers)
      : client_(std::move(client)) {
    thread_ = std::thread([this, path, headers] {
      const httplib::Result r = client_->Get(
          path, headers,
          [this](const httplib::Response& res) {
            std::lock_guard lock(mutex_);
            status_ = res.status;
            content_type_ = res.get_header_value("Content-Type");
            changed_.notify_all();
            return true;
          },
          [this](const char* data, std::size_t size) {
            std::lock_guard lock(mutex_);
            text_.append(data, size);
            changed_.notify_all();
            return !stopping_;
          });
      std::lock_guard lock(mutex_);
      if (r && status_ == 0) status_ = r->status;
      if (r && text_.empty()) text_ = r->body;
      finished_ = true;
      changed_.notify_all();
    });
  }
  ~StreamReader() { stop(); }
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  /// Waits until `done(text)` holds (true) or kDeadline passes (false).
  bool wait_for(const std::function<bool(const std::string&)>& done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return done(text_); });
  }
  /// Waits until the stream ended (the server closed it); false at the deadline.
  bool wait_finished() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDeadline, [&] { return finished_; });
  }
  [[nodiscard]] std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  [[nodiscard]] int status() {
    std::lock_guard lock(mutex_);
    return status_;
  }
  [[nodiscard]] std::string content_type() {
    std::lock_guard lock(mutex_);
    return content_type_;
  }
  /// Closes the connection and joins the thread. Idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    client_->stop();
    thread_.join();
  }

 private:
  std::unique_ptr<httplib::SSLClient> client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string text_;           // guarded by mutex_
  std::string content_type_;   // guarded by mutex_
  int status_ = 0;             // guarded by mutex_
  bool finished_ = false;      // guarded by mutex_
  bool stopping_ = false;      // guarded by mutex_
};

class ServerLive : public testing::ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    device_ = enrol("cam-1");
    supervisor_ = login(user(Role::supervisor));
  }

  /// A plate read of `plate` with key `key` (capture time 2026-11-29T20:55:41.500Z).
  static Upload read_upload(const std::string& key, const std::string& plate) {
    Upload u;
    u.key = key;
    u.metadata["read"]["text"] = plate;
    return u;
  }

  /// A red-light violation of `plate` with key `key`.
  static Upload violation_upload(const std::string& key, const std::string& plate) {
    Upload u = read_upload(key, plate);
    u.kind = "violation";
    u.violation = true;
    u.metadata["type"] = "violation";
    u.metadata["violation"] = {{"kind", "red_light"}};
    return u;
  }

  /// A `health` record (no files) of key `key` with `metadata`.
  static Upload health_upload(const std::string& key, json metadata) {
    Upload u;
    u.key = key;
    u.kind = "health";
    u.metadata = std::move(metadata);
    u.files.clear();
    return u;
  }

  /// Uploads `u` as `device` (with `device_time` as X-Roadwarden-Device-Time when not
  /// empty); returns the status.
  int upload_as(const EnrolledDevice& device, const Upload& u,
                const std::string& device_time = "") {
    const std::string record = u.record_json();
    httplib::Headers headers{
        {"Idempotency-Key", u.key},
        {"X-Roadwarden-Signature", crypto::sign(device.signing_key, record)}};
    if (!device_time.empty()) headers.emplace("X-Roadwarden-Device-Time", device_time);
    const httplib::Result r = device_client(device)->Post("/api/v1/ingest/records", headers,
                                                          u.body(record), u.content_type());
    EXPECT_TRUE(r);
    return r ? r->status : 0;
  }
  void upload(const Upload& u) { ASSERT_EQ(upload_as(device_, u), 201); }

  httplib::Result put_hotlist(const TestSession& s, const std::string& csv) {
    return client()->Put("/api/v1/hotlists", s.bearer(), csv, "text/csv");
  }

  /// Opens GET /api/v1/events as `s` and waits for the opening comment (the subscription
  /// exists from then on).
  std::unique_ptr<StreamReader> open_events(const TestSession& s) {
    auto reader = std::make_unique<StreamReader>(client(), "/api/v1/events", s.bearer());
    EXPECT_TRUE(reader->wait_for([](const std::string& t) { return !t.empty(); }))
        << "no opening comment";
    return reader;
  }

  std::vector<store::AuditEntry> audit_of(const std::string& action) {
    std::vector<store::AuditEntry> out;
    for (const auto& e : server_->store().audit_entries(0, 10000)) {
      if (e.action == action) out.push_back(e);
    }
    return out;
  }

  static constexpr const char* kHotlist =
      "plate,list,reason,expires\n"
      "01A123BC-,Stolen,Reported stolen (case 4411),\n"
      "10b456cd,wanted,\"Armed robbery, warrant 17/26\",\n"
      "AB.123,stolen,Typo in the plate,\n";

  EnrolledDevice device_;
  TestSession supervisor_;
};

TEST_F(ServerLive, HotlistImportNormalisesPlatesAndReportsTheBadLine) {
  const httplib::Result r = put_hotlist(supervisor_, kHotlist);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["entries"], 2);
  EXPECT_EQ(body["lists"], (json{{"stolen", 1}, {"wanted", 1}}));
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["line"], 4);
  EXPECT_EQ(body["errors"][0]["reason"].get<std::string>().find("AB.123"), std::string::npos);
  EXPECT_EQ(r->body.find("01A123BC"), std::string::npos) << "the reply names no plate";
  EXPECT_EQ(body["imported_by"], "supervisor1");

  // The summary: counts and provenance, no plate.
  const httplib::Result summary = call(*client(), "GET", "/api/v1/hotlists", supervisor_.bearer());
  ASSERT_TRUE(summary);
  ASSERT_EQ(summary->status, 200);
  const json s = json::parse(summary->body);
  EXPECT_EQ(s["active"], true);
  EXPECT_EQ(s["entries"], 2);
  EXPECT_EQ(s["rejected_lines"], 1);
  EXPECT_EQ(s["imported_at"], to_iso8601(clock_.now()));
  EXPECT_EQ(summary->body.find("10B456CD"), std::string::npos);

  // Normalised as docs/hotlist.md says: stray dash trimmed, lower case upper-cased; the
  // normalised plates match reads, the raw forms are not what was stored.
  const auto entries = audit_of("hotlist_import");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].actor, "supervisor1");
  EXPECT_EQ(entries[0].result_count, 2);
  HotlistService reloaded(data_.root / "hotlist.json");  // what a restart loads
  ASSERT_TRUE(reloaded.summary());
  EXPECT_EQ(reloaded.summary()->lists, (std::map<std::string, std::size_t>{{"stolen", 1},
                                                                           {"wanted", 1}}));
  PlateRead read;
  read.camera = "cam-1";
  read.best_time = UtcTime{1'790'000'000'000};
  read.text = "01A123BC";
  ASSERT_EQ(reloaded.on_read(read).size(), 1u);
  read.text = "10B456CD";
  const auto alerts = reloaded.on_read(read);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].entries[0].list, "wanted");
  EXPECT_EQ(alerts[0].entries[0].reason, "Armed robbery, warrant 17/26");
}

TEST_F(ServerLive, HotlistSurvivesARestartOfTheServer) {
  ASSERT_EQ(put_hotlist(supervisor_, kHotlist)->status, 200);
  server_->stop();
  ServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  server_ = std::make_unique<Server>(data_, options, clock_);
  port_ = server_->start();
  const auto s = server_->live().hotlists().summary();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->entries, 2u);
  EXPECT_EQ(s->imported_by, "supervisor1");
}

TEST_F(ServerLive, ImportWithABadHeaderOrOnlyBadLinesChangesNothing) {
  ASSERT_EQ(put_hotlist(supervisor_, kHotlist)->status, 200);
  for (const char* csv : {"plate;list\n01A123BC;stolen\n", "plate,list,reason,expires\nA.B,x,y,\n"}) {
    const httplib::Result r = put_hotlist(supervisor_, csv);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << r->body;
  }
  EXPECT_EQ(server_->live().hotlists().summary()->entries, 2u);
  const auto entries = audit_of("hotlist_import");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1].outcome, "refused");
  EXPECT_EQ(entries[2].outcome, "refused");
}

TEST_F(ServerLive, OnlySupervisorsAndAdminsManageHotlists) {
  for (const Role role : {Role::reviewer, Role::investigator, Role::auditor}) {
    const TestSession s = login(user(role));
    const httplib::Result put = put_hotlist(s, kHotlist);
    ASSERT_TRUE(put);
    EXPECT_EQ(put->status, 403) << to_string(role);
    const httplib::Result get = call(*client(), "GET", "/api/v1/hotlists", s.bearer());
    ASSERT_TRUE(get);
    EXPECT_EQ(get->status, 403) << to_string(role);
  }
  const httplib::Result anon = client()->Put("/api/v1/hotlists", kHotlist, "text/csv");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_FALSE(server_->live().hotlists().summary());
  EXPECT_TRUE(audit_of("hotlist_import").empty());
  const httplib::Result admin = put_hotlist(login(user(Role::admin)), kHotlist);
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->status, 200) << admin->body;
}

TEST_F(ServerLive, HotlistedReadsReachTheStreamOncePerPlateWithinTheWindow) {
  ASSERT_EQ(put_hotlist(supervisor_, kHotlist)->status, 200);
  const TestSession reviewer = login(user(Role::reviewer));
  auto stream = open_events(reviewer);
  EXPECT_EQ(stream->status(), 200);
  EXPECT_EQ(stream->content_type(), "text/event-stream");

  upload(read_upload("00000000000000000000000000000001", "01A123BC"));
  ASSERT_TRUE(stream->wait_for(
      [](const std::string& t) { return t.find("event: hotlist_hit\n") != std::string::npos; }))
      << stream->text();
  // Same plate, same camera, same capture time: de-duplicated. Another hotlisted plate: a
  // second alert. A violation of a plate on no list: `event: violation`, after them.
  upload(read_upload("00000000000000000000000000000002", "01A123BC"));
  upload(read_upload("00000000000000000000000000000003", "10B456CD"));
  upload(violation_upload("00000000000000000000000000000004", "77Z777ZZ"));
  ASSERT_TRUE(stream->wait_for(
      [](const std::string& t) { return t.find("event: violation\n") != std::string::npos; }))
      << stream->text();
  stream->stop();
  const std::string text = stream->text();

  const std::vector<json> hits = events_named(text, "hotlist_hit");
  ASSERT_EQ(hits.size(), 2u) << text;
  EXPECT_EQ(hits[0]["plate"], "01A123BC");
  EXPECT_EQ(hits[0]["camera"], "cam-1");
  EXPECT_EQ(hits[0]["rule"], "exact");
  EXPECT_EQ(hits[0]["time"], "2026-11-29T20:55:41.500Z");
  EXPECT_EQ(hits[0]["key"], "00000000000000000000000000000001");
  EXPECT_EQ(hits[0]["lists"],
            (json::array({{{"list", "stolen"}, {"reason", "Reported stolen (case 4411)"}}})));
  EXPECT_EQ(hits[1]["plate"], "10B456CD");
  EXPECT_EQ(hits[1]["lists"][0]["list"], "wanted");

  const std::vector<json> violations = events_named(text, "violation");
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0], (json{{"key", "00000000000000000000000000000004"},
                                 {"kind", "red_light"},
                                 {"camera", "cam-1"},
                                 {"time", "2026-11-29T20:55:41.500Z"},
                                 {"plate", "77Z777ZZ"}}));

  // Each alert is a hash-chained audit entry; opening the stream was audited too.
  const auto alerts = audit_of("hotlist_hit");
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].actor, "system");
  EXPECT_NE(alerts[0].target.find("00000000000000000000000000000001"), std::string::npos);
  EXPECT_NE(alerts[0].target.find("lists stolen"), std::string::npos);
  const auto opened = audit_of("live_stream");
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].actor, "reviewer1");
  EXPECT_EQ(opened[0].purpose, "live monitoring");
  EXPECT_EQ(opened[0].target, "events");
}

TEST_F(ServerLive, CameraHealthReportsOnlineReconnectsAndClockOffset) {
  // Nothing heard yet: registered, offline, nothing known.
  const TestSession reviewer = login(user(Role::reviewer));
  const auto health = [&] {
    const httplib::Result r = call(*client(), "GET", "/api/v1/cameras/health", reviewer.bearer());
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 200);
    const json body = json::parse(r ? r->body : "{}");
    for (const json& row : body["cameras"]) {
      if (row["camera"] == "cam-1") return std::make_pair(body, row);
    }
    ADD_FAILURE() << "cam-1 is not in " << body.dump();
    return std::make_pair(body, json());
  };
  {
    const auto [body, row] = health();
    EXPECT_EQ(body["online_window_seconds"], 180);
    EXPECT_EQ(row["online"], false);
    EXPECT_TRUE(row["last_record_at"].is_null());
    EXPECT_TRUE(row["clock_offset_ms"].is_null());
    EXPECT_EQ(row["reconnects_24h"], 0);
  }

  auto stream = open_events(reviewer);
  const UtcTime now = clock_.now();
  const auto at = [&](std::int64_t offset_ms) { return to_iso8601(UtcTime{now.unix_ms + offset_ms}); };
  const json base{{"type", "camera_health"}, {"site", "site-1"}, {"camera", "cam-1"},
                  {"source", "rtsp://cam-1/stream"}, {"detail", ""}};
  json old_reconnect = base;  // 25 h ago: outside the 24 h window
  old_reconnect["event"] = "reconnected";
  old_reconnect["time"] = at(-25LL * 3600 * 1000);
  json lost = base;
  lost["event"] = "lost";
  lost["time"] = at(-60'000);
  lost["attempt"] = 1;
  json reconnected = base;
  reconnected["event"] = "reconnected";
  reconnected["time"] = at(-50'000);
  reconnected["gap_ms"] = 10'000;
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000a1", old_reconnect)), 201);
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000a2", lost)), 201);
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000a3", reconnected)), 201);
  // The heartbeat carries the agent's clock, 1.5 s ahead of the server's.
  const json heartbeat{{"type", "camera_heartbeat"}, {"site", "site-1"}, {"camera", "cam-1"},
                       {"time", at(1500)}, {"frames_in", 5400}, {"frames_dropped", 3},
                       {"last_frame_at", at(-40)}, {"reconnects", 2}};
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000a4", heartbeat), at(1500)),
            201);
  ASSERT_TRUE(stream->wait_for([](const std::string& t) {
    std::size_t n = 0;
    for (std::size_t p = t.find("event: camera_health\n"); p != std::string::npos;
         p = t.find("event: camera_health\n", p + 1))
      ++n;
    return n == 4;
  })) << stream->text();
  stream->stop();
  const std::vector<json> published = events_named(stream->text(), "camera_health");
  ASSERT_EQ(published.size(), 4u);
  EXPECT_EQ(published[3]["camera"], "cam-1");
  EXPECT_EQ(published[3]["online"], true);
  EXPECT_EQ(published[3]["clock_offset_ms"], 1500);
  EXPECT_EQ(published[3].dump().find("01A123BC"), std::string::npos);

  {
    const auto [body, row] = health();
    EXPECT_EQ(row["online"], true);
    EXPECT_EQ(row["last_record_at"], at(0));
    EXPECT_EQ(row["last_frame_at"], at(-40));
    EXPECT_EQ(row["last_event"], (json{{"event", "reconnected"}, {"time", at(-50'000)}}));
    EXPECT_EQ(row["reconnects_24h"], 1);
    EXPECT_EQ(row["clock_offset_ms"], 1500);
    EXPECT_EQ(row["clock_offset_at"], at(0));
    EXPECT_EQ(row["frames_in"], 5400);
    EXPECT_EQ(row["frames_dropped"], 3);
    EXPECT_EQ(row["site_id"].is_string(), true);
  }
  // A plate read later moves the last frame; a malformed header leaves the offset alone.
  clock_.advance(std::chrono::seconds(10));
  Upload read = read_upload("000000000000000000000000000000a5", "01A123BC");
  read.metadata["read"]["best_time"] = at(-5000);
  ASSERT_EQ(upload_as(device_, read, "yesterday"), 201);
  {
    const auto [body, row] = health();
    EXPECT_EQ(row["last_record_at"], at(10'000));
    EXPECT_EQ(row["last_frame_at"], at(-40));  // the read's capture time is older
    EXPECT_EQ(row["clock_offset_ms"], 1500);
  }
  // Silent for more than 3 heartbeats: offline; the rest stays as last known.
  clock_.advance(std::chrono::seconds(181));
  {
    const auto [body, row] = health();
    EXPECT_EQ(row["online"], false);
    EXPECT_EQ(row["reconnects_24h"], 1);
  }
}

TEST_F(ServerLive, CameraHealthIsForReviewersSupervisorsAndAdminsOnly) {
  const httplib::Result anon = client()->Get("/api/v1/cameras/health");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  EXPECT_EQ(json::parse(anon->body), (json{{"error", "authentication required"}}));
  for (const Role role : {Role::investigator, Role::auditor}) {
    const httplib::Result r =
        call(*client(), "GET", "/api/v1/cameras/health", login(user(role)).bearer());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << to_string(role);
  }
  for (const Role role : {Role::reviewer, Role::supervisor, Role::admin}) {
    const httplib::Result r =
        call(*client(), "GET", "/api/v1/cameras/health", login(user(role)).bearer());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << to_string(role);
  }
}

TEST_F(ServerLive, SiteRulesShowTheLatestReportPerSite) {
  const TestSession auditor = login(user(Role::auditor));
  const auto rules = [&](const TestSession& s) {
    const httplib::Result r = call(*client(), "GET", "/api/v1/sites/rules", s.bearer());
    EXPECT_TRUE(r);
    EXPECT_EQ(r ? r->status : 0, 200);
    return json::parse(r ? r->body : "{}");
  };
  EXPECT_EQ(rules(auditor), (json{{"sites", json::array()}}));
  const json red_light{{"kind", "red_light"}, {"id", "north"}, {"config_hash", std::string(64, 'a')},
                       {"config", {{"grace_ms", 200}}}};
  const json curfew{{"kind", "curfew"}, {"id", "night-trucks"}, {"config_hash", std::string(64, 'b')},
                    {"config", {{"from", "23:00"}}}};
  json first{{"type", "site_rules"}, {"site", "site-1"},
             {"cameras", json::array({{{"camera", "cam-1"}, {"rules", json::array({red_light})}}})}};
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000b1", first)), 201);
  clock_.advance(std::chrono::seconds(5));
  json second = first;  // the agent restarted with a curfew added
  second["cameras"][0]["rules"].push_back(curfew);
  ASSERT_EQ(upload_as(device_, health_upload("000000000000000000000000000000b2", second)), 201);

  const json body = rules(auditor);
  ASSERT_EQ(body["sites"].size(), 1u) << body.dump();
  const json& site = body["sites"][0];
  EXPECT_EQ(site["camera"], "cam-1");
  EXPECT_EQ(site["received_at"], to_iso8601(clock_.now()));
  EXPECT_EQ(site["cameras"], second["cameras"]);
  EXPECT_EQ(rules(login(user(Role::supervisor)))["sites"], body["sites"]);
  // Not a health event: the camera's health has no event from it, but it was an upload.
  const httplib::Result health =
      call(*client(), "GET", "/api/v1/cameras/health", login(user(Role::admin)).bearer());
  ASSERT_TRUE(health);
  for (const json& row : json::parse(health->body)["cameras"]) {
    if (row["camera"] != "cam-1") continue;
    EXPECT_TRUE(row["last_event"].is_null());
    EXPECT_EQ(row["online"], true);
  }

  const httplib::Result anon = client()->Get("/api/v1/sites/rules");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  for (const Role role : {Role::reviewer, Role::investigator}) {
    const httplib::Result r =
        call(*client(), "GET", "/api/v1/sites/rules", login(user(role)).bearer());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << to_string(role);
  }
}

TEST_F(ServerLive, UnauthenticatedEventStreamGets401AndNothingElse) {
  auto stream = std::make_unique<StreamReader>(client(), "/api/v1/events", httplib::Headers{});
  ASSERT_TRUE(stream->wait_finished());
  EXPECT_EQ(stream->status(), 401);
  EXPECT_EQ(json::parse(stream->text()), (json{{"error", "authentication required"}}));
  // Roles outside the rule are refused too.
  for (const Role role : {Role::investigator, Role::auditor, Role::admin}) {
    const httplib::Result r = call(*client(), "GET", "/api/v1/events", login(user(role)).bearer());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << to_string(role);
  }
  EXPECT_TRUE(audit_of("live_stream").empty());
  EXPECT_EQ(server_->live().events().subscribers(), 0u);
}

TEST_F(ServerLive, StreamsBeyondTheCapGet503) {
  std::vector<std::unique_ptr<StreamReader>> streams;
  for (std::size_t i = 0; i < LiveFeeds::kMaxEventStreams; ++i)
    streams.push_back(open_events(supervisor_));
  EXPECT_EQ(server_->live().events().subscribers(), LiveFeeds::kMaxEventStreams);
  const httplib::Result refused = call(*client(), "GET", "/api/v1/events", supervisor_.bearer());
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->body;
  // (A closed stream frees its slot: EventHub.SlowSubscriberLosesEventsCounted…)
}

TEST_F(ServerLive, LogoutEndsTheStreamBeforeTheNextEvent) {
  const TestSession reviewer = login(user(Role::reviewer));
  auto stream = open_events(reviewer);
  const httplib::Result out = call(*client(), "POST", "/api/v1/logout", reviewer.bearer());
  ASSERT_TRUE(out);
  ASSERT_EQ(out->status, 200) << out->body;
  upload(violation_upload("00000000000000000000000000000006", "77Z777ZZ"));
  ASSERT_TRUE(stream->wait_finished()) << stream->text();
  const std::string text = stream->text();
  EXPECT_NE(text.find("event: end\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("77Z777ZZ"), std::string::npos) << "an event after logout: " << text;
}

/// A server whose options list a message board's device.
class ServerBoardFeed : public ServerLive {
 protected:
  void SetUp() override {
    ServerLive::SetUp();
    store::Store& store = server_->store();
    store.put_camera(store::Camera{"board-1", "site-1", "Board on the ring road", 41.3, 69.2,
                                   false});
    board_ = enrol_device(data_, store, server_->audit(), clock_, "board-1", "test", "system");
    server_->stop();
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.board_devices = {board_.serial};
    server_ = std::make_unique<Server>(data_, options, clock_);
    port_ = server_->start();
  }
  EnrolledDevice board_;
};

TEST_F(ServerBoardFeed, BoardDeviceReadsOneLinePerViolation) {
  auto board = std::make_unique<StreamReader>(device_client(board_), "/api/v1/boards/feed",
                                              httplib::Headers{});
  ASSERT_TRUE(board->wait_for([](const std::string& t) { return !t.empty(); }));
  EXPECT_EQ(board->status(), 200);
  EXPECT_EQ(board->content_type(), "text/plain; charset=us-ascii");
  auto supervisor = std::make_unique<StreamReader>(client(), "/api/v1/boards/feed",
                                                   supervisor_.bearer());
  ASSERT_TRUE(supervisor->wait_for([](const std::string& t) { return !t.empty(); }));

  upload(read_upload("00000000000000000000000000000007", "55X555XX"));  // not a violation
  Upload v = violation_upload("00000000000000000000000000000008", "01 a-123 bc");
  upload(v);
  const std::string line = "2026-11-29T20:55:41Z 01A123BC red_light\n";
  for (StreamReader* r : {board.get(), supervisor.get()}) {
    ASSERT_TRUE(r->wait_for([&](const std::string& t) { return t.find(line) != std::string::npos; }))
        << r->text();
    r->stop();
    EXPECT_EQ(r->text().find("55X555XX"), std::string::npos);
    // Only the line and keep-alive empty lines.
    std::string rest = r->text();
    rest.erase(rest.find(line), line.size());
    EXPECT_EQ(rest.find_first_not_of('\n'), std::string::npos) << r->text();
  }
  const auto opened = audit_of("live_stream");
  ASSERT_EQ(opened.size(), 2u);
  EXPECT_EQ(opened[0].actor, "device:" + board_.serial);
  EXPECT_EQ(opened[0].target, "boards/feed");
}

TEST_F(ServerBoardFeed, CameraDevicesAndOtherRolesAreRefusedAndABoardCannotUpload) {
  const httplib::Result camera = device_client(device_)->Get("/api/v1/boards/feed");
  ASSERT_TRUE(camera);
  EXPECT_EQ(camera->status, 403);
  const httplib::Result anon = client()->Get("/api/v1/boards/feed");
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->status, 401);
  const httplib::Result reviewer =
      call(*client(), "GET", "/api/v1/boards/feed", login(user(Role::reviewer)).bearer());
  ASSERT_TRUE(reviewer);
  EXPECT_EQ(reviewer->status, 403);
  EXPECT_EQ(upload_as(board_, violation_upload("00000000000000000000000000000009", "01A123BC")),
            403);
  EXPECT_FALSE(server_->store().record_by_key("00000000000000000000000000000009"));
}

// ---- the pieces, without HTTP ---------------------------------------------------------------

TEST(BoardLine, IsTimeSpacePlateSpaceKindInAscii) {
  const UtcTime at = *roadwarden::parse_rfc3339("2026-11-29T20:55:41.999Z", Rfc3339Form::utc_milliseconds);
  EXPECT_EQ(board_line(at, "01 a-123 bc", "red_light"), "2026-11-29T20:55:41Z 01A123BC red_light\n");
  EXPECT_EQ(board_line(at, "", "red_light"), "");
  EXPECT_EQ(board_line(at, "АБВ", "red_light"), "") << "non-ASCII letters are dropped";
  const std::string longest = board_line(at, std::string(40, 'A'), std::string(100, 'k'));
  EXPECT_EQ(longest.size(), kMaxBoardLineBytes);
}

TEST(EventHub, SlowSubscriberLosesEventsCountedAndPublishNeverBlocks) {
  EventHub hub(2, 3);
  auto slow = hub.subscribe();
  auto fast = hub.subscribe();
  ASSERT_TRUE(slow && fast);
  EXPECT_EQ(hub.subscribe(), nullptr) << "the cap is 2";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(hub.publish({"violation", std::to_string(i)}), 2u);
  EXPECT_EQ(fast->next(std::chrono::milliseconds(0)).events.size(), 3u);
  for (int i = 3; i < 5; ++i) hub.publish({"violation", std::to_string(i)});
  const Subscription::Batch batch = slow->next(std::chrono::milliseconds(0));
  ASSERT_EQ(batch.events.size(), 3u);
  EXPECT_EQ(batch.events[0].data, "0");
  EXPECT_EQ(batch.dropped, 2u);
  EXPECT_EQ(hub.dropped_total(), 2u);
  EXPECT_EQ(fast->next(std::chrono::milliseconds(0)).events.size(), 2u);
  slow.reset();
  EXPECT_EQ(hub.subscribers(), 1u);
  EXPECT_NE(hub.subscribe(), nullptr) << "a closed subscription frees its slot";
  hub.close();
  EXPECT_TRUE(fast->closed());
  EXPECT_EQ(hub.subscribe(), nullptr);
}

}  // namespace
}  // namespace roadwarden::server
