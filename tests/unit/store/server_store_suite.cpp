// The shared behaviour suite of the central server records (server_store_suite.hpp): users,
// sessions, sites, cameras, devices, ingest, search, audit chain, retention and transparency
// counts, written against the Store interface only so every backend runs the same cases.
#include "unit/store/server_store_suite.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "store/server_records.hpp"
#include "store/store.hpp"

namespace roadwarden::store {
namespace {

constexpr std::string_view kZeros =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// Strings that would change the meaning of SQL pasted together from data, or act as LIKE
/// wildcards; the store must treat them as plain text.
const std::vector<std::string> kHostile{
    "' OR '1'='1", "%", "_", "\"; DROP TABLE records; --", "'); DELETE FROM users; --", "a%b_c\\"};

/// A 32 lower-case hex idempotency key numbered `n`.
std::string key(int n) {
  return fmt::format("{:032x}", n);
}

/// A 64 lower-case hex string numbered `n` (stand-in for a SHA-256).
std::string sha(int n) {
  return fmt::format("{:064x}", n);
}

User person(const std::string& name, Role role = Role::reviewer) {
  User u;
  u.username = name;
  u.role = role;
  u.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
  u.totp_secret = "JBSWY3DPEHPK3PXP";
  u.created_at = UtcTime{1'700'000'000'000};
  return u;
}

void add_site_and_camera(Store& store, const std::string& camera_id = "cam-1",
                         const std::string& site_id = "site-1") {
  store.put_site(Site{site_id, "Main crossing", "Asia/Tashkent"});
  store.put_camera(Camera{camera_id, site_id, "North approach", 41.311081, 69.240562, true});
}

/// A plate read record of camera `camera`, read at `read_at_ms`, received at the same time.
IngestedRecord plate_read(int n, const std::string& plate, std::int64_t read_at_ms,
                          const std::string& camera = "cam-1") {
  IngestedRecord r;
  r.key = key(n);
  r.kind = "plate_read";
  r.camera_id = camera;
  r.device_serial = "0a1b2c";
  r.created_at = UtcTime{read_at_ms + 5};
  r.received_at = UtcTime{read_at_ms + 10};
  r.manifest = fmt::format(R"({{"n":{},"plate":"{}"}})", n, plate);
  r.signature = std::string(128, 'a');
  r.content_sha256 = sha(n);
  r.plate_text = plate;
  r.plate_skeleton = plate;
  r.read_at = UtcTime{read_at_ms};
  r.files = {
      EvidenceFile{0, "frame.jpg", "image/jpeg", 123456, sha(1000 + n),
                   fmt::format("ab/{}.enc", n)},
      EvidenceFile{0, "plate.jpg", "image/jpeg", 2345, sha(2000 + n), fmt::format("cd/{}.enc", n)}};
  return r;
}

/// A violation record of `kind`, received at `received_ms`.
IngestedRecord violation(int n, const std::string& kind, std::int64_t received_ms) {
  IngestedRecord r = plate_read(n, "01A123BC", received_ms - 10);
  r.kind = "violation";
  r.violation = true;
  r.violation_kind = kind;
  return r;
}

ReadQuery query_text(const std::string& text) {
  ReadQuery q;
  q.plate_text = text;
  return q;
}
ReadQuery query_skeleton(const std::string& skeleton) {
  ReadQuery q;
  q.plate_skeleton = skeleton;
  return q;
}
ReadQuery query_text_and_skeleton(const std::string& text, const std::string& skeleton) {
  ReadQuery q;
  q.plate_text = text;
  q.plate_skeleton = skeleton;
  return q;
}
ReadQuery query_cameras(std::vector<std::string> camera_ids) {
  ReadQuery q;
  q.camera_ids = std::move(camera_ids);
  return q;
}
ReadQuery query_limit(int limit) {
  ReadQuery q;
  q.limit = limit;
  return q;
}

std::vector<std::string> keys_of(const std::vector<IngestedRecord>& records) {
  std::vector<std::string> out;
  for (const IngestedRecord& r : records) out.push_back(r.key);
  return out;
}

AuditEntry audit(const std::string& action, std::int64_t time_ms, const std::string& purpose = "",
                 std::int64_t result_count = 0) {
  AuditEntry e;
  e.time = UtcTime{time_ms};
  e.actor = "investigator1";
  e.role = "investigator";
  e.action = action;
  e.target = "plate=01A123BC";
  e.purpose = purpose;
  e.case_number = purpose.empty() ? "" : "C-2024-17";
  e.result_count = result_count;
  e.outcome = "ok";
  return e;
}

void expect_same_files(const std::vector<EvidenceFile>& a, const std::vector<EvidenceFile>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_EQ(a[i].media_type, b[i].media_type);
    EXPECT_EQ(a[i].size, b[i].size);
    EXPECT_EQ(a[i].sha256, b[i].sha256);
    EXPECT_EQ(a[i].storage_path, b[i].storage_path);
  }
}

/// A review decision: `reviewer` moves a violation from `expected` to `status` at `at_ms`.
ReviewDecision decision(ReviewStatus expected, ReviewStatus status, std::int64_t at_ms,
                        const std::string& reason = "", const std::string& reviewer = "alice",
                        ReviewStage stage = ReviewStage::first) {
  return ReviewDecision{expected, status, stage, reviewer, UtcTime{at_ms}, reason};
}

/// A first-stage decision on a pending violation by "alice".
ReviewDecision from_pending(ReviewStatus status, std::int64_t at_ms,
                            const std::string& reason = "") {
  return decision(ReviewStatus::pending, status, at_ms, reason);
}

void expect_same_record(const IngestedRecord& a, const IngestedRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.violation, b.violation);
  EXPECT_EQ(a.camera_id, b.camera_id);
  EXPECT_EQ(a.device_serial, b.device_serial);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.received_at, b.received_at);
  EXPECT_EQ(a.manifest, b.manifest);
  EXPECT_EQ(a.signature, b.signature);
  EXPECT_EQ(a.content_sha256, b.content_sha256);
  EXPECT_EQ(a.plate_text, b.plate_text);
  EXPECT_EQ(a.plate_skeleton, b.plate_skeleton);
  EXPECT_EQ(a.read_at, b.read_at);
  EXPECT_EQ(a.violation_kind, b.violation_kind);
  EXPECT_EQ(a.review_status, b.review_status);
  EXPECT_EQ(a.reviewed_at, b.reviewed_at);
  EXPECT_EQ(a.review_reason, b.review_reason);
  EXPECT_EQ(a.first_reviewer, b.first_reviewer);
  EXPECT_EQ(a.first_reviewed_at, b.first_reviewed_at);
  EXPECT_EQ(a.second_reviewer, b.second_reviewer);
  EXPECT_EQ(a.second_reviewed_at, b.second_reviewed_at);
  expect_same_files(a.files, b.files);
}

// ---- Users -------------------------------------------------------------------------------

TEST_P(ServerStoreTest, AddedUserIsFoundByNameAndIdWithEveryField) {
  User u = person("alice.k-1_x", Role::investigator);
  u.totp_last_step = 57'000'123;
  u.failed_logins = 2;
  u.locked_until = UtcTime{1'700'000'600'000};
  u.disabled = true;
  const std::int64_t id = store().add_user(u);
  EXPECT_GT(id, 0);

  const std::optional<User> by_name = store().user_by_name("alice.k-1_x");
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(by_name->id, id);
  EXPECT_EQ(by_name->username, u.username);
  EXPECT_EQ(by_name->role, Role::investigator);
  EXPECT_EQ(by_name->password_hash, u.password_hash);
  EXPECT_EQ(by_name->totp_secret, u.totp_secret);
  EXPECT_EQ(by_name->totp_last_step, 57'000'123);
  EXPECT_EQ(by_name->failed_logins, 2);
  EXPECT_EQ(by_name->locked_until, u.locked_until);
  EXPECT_TRUE(by_name->disabled);
  EXPECT_EQ(by_name->created_at, u.created_at);

  const std::optional<User> by_id = store().user_by_id(id);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->username, u.username);
  EXPECT_FALSE(store().user_by_name("bob").has_value());
  EXPECT_FALSE(store().user_by_id(id + 100).has_value());
}

TEST_P(ServerStoreTest, UsersAreListedInIdOrder) {
  const std::int64_t a = store().add_user(person("zed", Role::admin));
  const std::int64_t b = store().add_user(person("amy", Role::auditor));
  EXPECT_LT(a, b);
  const std::vector<User> all = store().users();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].username, "zed");
  EXPECT_EQ(all[0].role, Role::admin);
  EXPECT_EQ(all[1].username, "amy");
  EXPECT_EQ(all[1].role, Role::auditor);
}

TEST_P(ServerStoreTest, RefusesTakenUsernameAndKeepsTheFirstUser) {
  store().add_user(person("alice", Role::reviewer));
  EXPECT_THROW(store().add_user(person("alice", Role::admin)), InvalidInput);
  ASSERT_EQ(store().users().size(), 1U);
  EXPECT_EQ(store().users()[0].role, Role::reviewer);
}

TEST_P(ServerStoreTest, RefusesMalformedUsernames) {
  for (const std::string& name :
       {std::string(), std::string("Alice"), std::string("al ice"), std::string(65, 'a'),
        std::string("al/ice"), std::string("élan"), std::string("' OR '1'='1")}) {
    EXPECT_THROW(store().add_user(person(name)), InvalidInput) << name;
  }
  EXPECT_NO_THROW(store().add_user(person(std::string(64, 'a'))));
  EXPECT_EQ(store().users().size(), 1U);
}

TEST_P(ServerStoreTest, RefusesDeviceRoleForAPerson) {
  EXPECT_THROW(store().add_user(person("cam", Role::device)), InvalidInput);
  EXPECT_TRUE(store().users().empty());
  User u = person("alice");
  u.id = store().add_user(u);
  u.role = Role::device;
  EXPECT_THROW(store().update_user(u), InvalidInput);
  EXPECT_EQ(store().user_by_id(u.id)->role, Role::reviewer);
}

TEST_P(ServerStoreTest, UpdateUserReplacesFieldsButKeepsIdNameAndCreatedAt) {
  User u = person("alice", Role::reviewer);
  const std::int64_t id = store().add_user(u);
  User changed = person("mallory", Role::supervisor);
  changed.id = id;
  changed.password_hash = "$argon2id$new";
  changed.totp_secret = "NEWSECRETBASE32";
  changed.totp_last_step = 99;
  changed.failed_logins = 5;
  changed.locked_until = UtcTime{1'800'000'000'000};
  changed.disabled = true;
  changed.created_at = UtcTime{42};
  store().update_user(changed);

  const User got = store().user_by_id(id).value();
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.username, "alice");
  EXPECT_EQ(got.created_at, u.created_at);
  EXPECT_EQ(got.role, Role::supervisor);
  EXPECT_EQ(got.password_hash, "$argon2id$new");
  EXPECT_EQ(got.totp_secret, "NEWSECRETBASE32");
  EXPECT_EQ(got.totp_last_step, 99);
  EXPECT_EQ(got.failed_logins, 5);
  EXPECT_EQ(got.locked_until, changed.locked_until);
  EXPECT_TRUE(got.disabled);
  EXPECT_FALSE(store().user_by_name("mallory").has_value());
}

TEST_P(ServerStoreTest, LockoutIsClearedByUpdate) {
  User u = person("alice");
  u.failed_logins = 5;
  u.locked_until = UtcTime{1'700'000'900'000};
  u.id = store().add_user(u);
  ASSERT_EQ(store().user_by_id(u.id)->locked_until, u.locked_until);
  u.failed_logins = 0;
  u.locked_until.reset();
  store().update_user(u);
  const User got = store().user_by_id(u.id).value();
  EXPECT_EQ(got.failed_logins, 0);
  EXPECT_FALSE(got.locked_until.has_value());
}

TEST_P(ServerStoreTest, UpdateOfUnknownUserIsRefused) {
  User u = person("ghost");
  u.id = 12345;
  EXPECT_THROW(store().update_user(u), InvalidInput);
  EXPECT_TRUE(store().users().empty());
}

// ---- Sessions ----------------------------------------------------------------------------

TEST_P(ServerStoreTest, SessionIsAddedFoundTouchedAndDeleted) {
  const std::int64_t uid = store().add_user(person("alice"));
  const Session s{sha(1), uid, "csrf-token-1", UtcTime{1000}, UtcTime{1000}};
  store().add_session(s);
  std::optional<Session> got = store().session(sha(1));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->token_hash, sha(1));
  EXPECT_EQ(got->user_id, uid);
  EXPECT_EQ(got->csrf_token, "csrf-token-1");
  EXPECT_EQ(got->created_at, UtcTime{1000});
  EXPECT_EQ(got->last_seen, UtcTime{1000});

  store().touch_session(sha(1), UtcTime{5000});
  EXPECT_EQ(store().session(sha(1))->last_seen, UtcTime{5000});
  EXPECT_EQ(store().session(sha(1))->created_at, UtcTime{1000});
  store().touch_session(sha(2), UtcTime{6000});  // unknown: no-op
  EXPECT_FALSE(store().session(sha(2)).has_value());

  store().delete_session(sha(1));
  EXPECT_FALSE(store().session(sha(1)).has_value());
  store().delete_session(sha(1));  // no-op
}

TEST_P(ServerStoreTest, DeleteUserSessionsRemovesOnlyThatUsersSessions) {
  const std::int64_t alice = store().add_user(person("alice"));
  const std::int64_t bob = store().add_user(person("bob"));
  store().add_session(Session{sha(1), alice, "c1", UtcTime{1}, UtcTime{1}});
  store().add_session(Session{sha(2), alice, "c2", UtcTime{2}, UtcTime{2}});
  store().add_session(Session{sha(3), bob, "c3", UtcTime{3}, UtcTime{3}});
  store().delete_user_sessions(alice);
  EXPECT_FALSE(store().session(sha(1)).has_value());
  EXPECT_FALSE(store().session(sha(2)).has_value());
  EXPECT_TRUE(store().session(sha(3)).has_value());
}

TEST_P(ServerStoreTest, SessionOfUnknownUserOrTakenTokenIsRefused) {
  EXPECT_THROW(store().add_session(Session{sha(1), 777, "c", UtcTime{1}, UtcTime{1}}),
               InvalidInput);
  EXPECT_FALSE(store().session(sha(1)).has_value());
  const std::int64_t uid = store().add_user(person("alice"));
  store().add_session(Session{sha(1), uid, "first", UtcTime{1}, UtcTime{1}});
  EXPECT_THROW(store().add_session(Session{sha(1), uid, "second", UtcTime{2}, UtcTime{2}}),
               InvalidInput);
  EXPECT_EQ(store().session(sha(1))->csrf_token, "first");
}

// ---- Sites and cameras -------------------------------------------------------------------

TEST_P(ServerStoreTest, PutSiteAddsOrReplacesById) {
  store().put_site(Site{"site-b", "B", "UTC"});
  store().put_site(Site{"site-a", "A", "Asia/Tashkent"});
  store().put_site(Site{"site-b", "B renamed", "Europe/Berlin"});
  const std::vector<Site> sites = store().sites();
  ASSERT_EQ(sites.size(), 2U);
  EXPECT_EQ(sites[0].id, "site-a");
  EXPECT_EQ(sites[0].name, "A");
  EXPECT_EQ(sites[0].timezone, "Asia/Tashkent");
  EXPECT_EQ(sites[1].id, "site-b");
  EXPECT_EQ(sites[1].name, "B renamed");
  EXPECT_EQ(sites[1].timezone, "Europe/Berlin");
}

TEST_P(ServerStoreTest, MalformedSiteOrCameraIdIsRefused) {
  for (const std::string& id : {std::string(), std::string("a b"), std::string(65, 'x'),
                                std::string("' OR '1'='1"), std::string("a/b")}) {
    EXPECT_THROW(store().put_site(Site{id, "x", "UTC"}), InvalidInput) << id;
  }
  EXPECT_TRUE(store().sites().empty());
  store().put_site(Site{"Site_1.a-B", "ok", "UTC"});
  EXPECT_THROW(store().put_camera(Camera{"cam 1", "Site_1.a-B", "x", 0, 0, true}), InvalidInput);
  EXPECT_TRUE(store().cameras().empty());
}

TEST_P(ServerStoreTest, PutCameraAddsOrReplacesAndRefusesUnknownSite) {
  store().put_site(Site{"s1", "One", "UTC"});
  store().put_site(Site{"s2", "Two", "UTC"});
  EXPECT_THROW(store().put_camera(Camera{"cam-x", "nowhere", "X", 1, 2, true}), InvalidInput);
  EXPECT_FALSE(store().camera("cam-x").has_value());

  store().put_camera(Camera{"cam-2", "s1", "Two", 41.5, 69.25, true});
  store().put_camera(Camera{"cam-1", "s1", "One", -33.868820, 151.209296, true});
  store().put_camera(Camera{"cam-2", "s2", "Two moved", 40.125, 70.5, false});

  const Camera c2 = store().camera("cam-2").value();
  EXPECT_EQ(c2.site_id, "s2");
  EXPECT_EQ(c2.name, "Two moved");
  EXPECT_DOUBLE_EQ(c2.latitude, 40.125);
  EXPECT_DOUBLE_EQ(c2.longitude, 70.5);
  EXPECT_FALSE(c2.active);
  const std::vector<Camera> all = store().cameras();
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].id, "cam-1");
  EXPECT_EQ(all[0].latitude, -33.868820);
  EXPECT_EQ(all[0].longitude, 151.209296);
  EXPECT_TRUE(all[0].active);
  EXPECT_EQ(all[1].id, "cam-2");
  EXPECT_FALSE(store().camera("cam-3").has_value());
}

// ---- Devices -----------------------------------------------------------------------------

Device device(const std::string& serial, int cert, std::int64_t issued_ms,
              const std::string& camera = "cam-1") {
  return Device{serial, camera, sha(cert), std::string(64, 'e'), UtcTime{issued_ms}, std::nullopt};
}

TEST_P(ServerStoreTest, AddedDeviceIsFoundByCertificate) {
  add_site_and_camera(store());
  store().add_device(device("0a1b", 7, 5000));
  const std::optional<Device> d = store().device_by_cert(sha(7));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->serial, "0a1b");
  EXPECT_EQ(d->camera_id, "cam-1");
  EXPECT_EQ(d->cert_sha256, sha(7));
  EXPECT_EQ(d->signing_public_key, std::string(64, 'e'));
  EXPECT_EQ(d->issued_at, UtcTime{5000});
  EXPECT_FALSE(d->revoked_at.has_value());
  EXPECT_FALSE(store().device_by_cert(sha(8)).has_value());
}

TEST_P(ServerStoreTest, DuplicateSerialOrCertificateOrUnknownCameraIsRefused) {
  add_site_and_camera(store());
  store().add_device(device("0a1b", 7, 5000));
  EXPECT_THROW(store().add_device(device("0a1b", 8, 6000)), InvalidInput);
  EXPECT_THROW(store().add_device(device("0c0d", 7, 6000)), InvalidInput);
  EXPECT_THROW(store().add_device(device("0e0f", 9, 6000, "cam-unknown")), InvalidInput);
  ASSERT_EQ(store().devices().size(), 1U);
  EXPECT_EQ(store().devices()[0].cert_sha256, sha(7));
}

TEST_P(ServerStoreTest, DevicesAreListedByIssueTimeThenSerial) {
  add_site_and_camera(store());
  store().add_device(device("03", 3, 2000));
  store().add_device(device("02", 2, 1000));
  store().add_device(device("01", 1, 2000));
  const std::vector<Device> all = store().devices();
  ASSERT_EQ(all.size(), 3U);
  EXPECT_EQ(all[0].serial, "02");
  EXPECT_EQ(all[1].serial, "01");
  EXPECT_EQ(all[2].serial, "03");
}

TEST_P(ServerStoreTest, DeviceIsRevokedOnlyOnce) {
  add_site_and_camera(store());
  store().add_device(device("0a1b", 7, 5000));
  EXPECT_TRUE(store().revoke_device("0a1b", UtcTime{9000}));
  EXPECT_FALSE(store().revoke_device("0a1b", UtcTime{9999}));
  EXPECT_FALSE(store().revoke_device("ffff", UtcTime{9999}));
  const Device d = store().device_by_cert(sha(7)).value();
  EXPECT_EQ(d.revoked_at, UtcTime{9000});
}

// ---- Ingest ------------------------------------------------------------------------------

TEST_P(ServerStoreTest, StoredRecordGetsIdsAndRoundTripsWithFiles) {
  add_site_and_camera(store());
  IngestedRecord r = plate_read(1, "01A123BC", 1'700'000'000'000);
  r.plate_skeleton = "O1A1Z3BC";
  EXPECT_EQ(store().ingest_record(r), IngestOutcome::stored);
  EXPECT_GT(r.id, 0);
  ASSERT_EQ(r.files.size(), 2U);
  EXPECT_GT(r.files[0].id, 0);
  EXPECT_GT(r.files[1].id, r.files[0].id);

  const std::optional<IngestedRecord> by_key = store().record_by_key(key(1));
  ASSERT_TRUE(by_key.has_value());
  expect_same_record(*by_key, r);
  const std::optional<IngestedRecord> by_id = store().record_by_id(r.id);
  ASSERT_TRUE(by_id.has_value());
  expect_same_record(*by_id, r);
  EXPECT_FALSE(store().record_by_key(key(2)).has_value());
  EXPECT_FALSE(store().record_by_id(r.id + 1).has_value());
}

TEST_P(ServerStoreTest, RecordWithoutPlateOrFilesRoundTrips) {
  add_site_and_camera(store());
  IngestedRecord r = plate_read(1, "", 1000);
  r.kind = "health";
  r.plate_skeleton.clear();
  r.read_at.reset();
  r.files.clear();
  ASSERT_EQ(store().ingest_record(r), IngestOutcome::stored);
  const IngestedRecord got = store().record_by_id(r.id).value();
  expect_same_record(got, r);
  EXPECT_FALSE(got.read_at.has_value());
}

TEST_P(ServerStoreTest, SameKeyAndContentIsDuplicateAndAddsNothing) {
  add_site_and_camera(store());
  IngestedRecord first = plate_read(1, "01A123BC", 1000);
  ASSERT_EQ(store().ingest_record(first), IngestOutcome::stored);
  IngestedRecord again = plate_read(1, "01A123BC", 1000);
  again.received_at = UtcTime{99'999};
  EXPECT_EQ(store().ingest_record(again), IngestOutcome::duplicate);
  EXPECT_EQ(again.id, 0);
  const std::vector<IngestedRecord> all = store().search_reads(ReadQuery{});
  ASSERT_EQ(all.size(), 1U);
  expect_same_record(all[0], first);
}

TEST_P(ServerStoreTest, SameKeyOtherContentIsConflictAndKeepsOriginal) {
  add_site_and_camera(store());
  IngestedRecord first = plate_read(1, "01A123BC", 1000);
  ASSERT_EQ(store().ingest_record(first), IngestOutcome::stored);
  IngestedRecord other = plate_read(1, "99Z999ZZ", 2000);
  other.content_sha256 = sha(77);
  EXPECT_EQ(store().ingest_record(other), IngestOutcome::conflict);
  EXPECT_EQ(other.id, 0);
  expect_same_record(store().record_by_key(key(1)).value(), first);
  EXPECT_TRUE(store().search_reads(query_text("99Z999ZZ")).empty());
}

TEST_P(ServerStoreTest, MalformedKeyIsRefused) {
  add_site_and_camera(store());
  for (const std::string& k :
       {std::string(), std::string(31, 'a'), std::string(33, 'a'), std::string(32, 'A'),
        std::string(32, 'g'), std::string("' OR '1'='1") + std::string(21, '0')}) {
    IngestedRecord r = plate_read(1, "01A123BC", 1000);
    r.key = k;
    EXPECT_THROW(store().ingest_record(r), InvalidInput) << k;
    EXPECT_EQ(r.id, 0);
  }
  EXPECT_TRUE(store().search_reads(ReadQuery{}).empty());
}

TEST_P(ServerStoreTest, RecordOfUnknownCameraIsRefused) {
  add_site_and_camera(store());
  IngestedRecord r = plate_read(1, "01A123BC", 1000, "cam-nowhere");
  EXPECT_THROW(store().ingest_record(r), InvalidInput);
  EXPECT_FALSE(store().record_by_key(key(1)).has_value());
}

// ---- Search ------------------------------------------------------------------------------

/// Stores plate reads on two cameras; returns them as stored.
std::vector<IngestedRecord> seed_reads(Store& store) {
  add_site_and_camera(store, "cam-1");
  add_site_and_camera(store, "cam-2");
  std::vector<IngestedRecord> out{
      plate_read(1, "01A123BC", 3000, "cam-1"), plate_read(2, "01A123BC", 1000, "cam-2"),
      plate_read(3, "10B456CD", 2000, "cam-1"), plate_read(4, "01A123BC", 2000, "cam-1"),
      plate_read(5, "01A123BC", 4000, "cam-2"),
  };
  out[1].plate_skeleton = "O1A1Z3BC";
  out[2].plate_skeleton = "1OB4S6CD";
  out[3].plate_skeleton = "O1A1Z3BC";
  for (IngestedRecord& r : out) EXPECT_EQ(store.ingest_record(r), IngestOutcome::stored);
  IngestedRecord health = plate_read(6, "01A123BC", 2500, "cam-1");
  health.kind = "health";
  health.read_at.reset();
  EXPECT_EQ(store.ingest_record(health), IngestOutcome::stored);
  return out;
}

TEST_P(ServerStoreTest, SearchByExactPlateReturnsReadsInTimeOrderWithFiles) {
  const std::vector<IngestedRecord> seeded = seed_reads(store());
  const std::vector<IngestedRecord> got = store().search_reads(query_text("01A123BC"));
  // read_at 1000 (key 2), 2000 (key 4), 3000 (key 1), 4000 (key 5); the health record has no
  // read_at and is never a plate read.
  EXPECT_EQ(keys_of(got), (std::vector<std::string>{key(2), key(4), key(1), key(5)}));
  ASSERT_EQ(got.size(), 4U);
  expect_same_record(got[0], seeded[1]);
  EXPECT_TRUE(store().search_reads(query_text("01A123B")).empty());
  EXPECT_TRUE(store().search_reads(query_text("01a123bc")).empty());
}

TEST_P(ServerStoreTest, SearchBySkeletonMatchesSkeletonOnly) {
  seed_reads(store());
  EXPECT_EQ(keys_of(store().search_reads(query_skeleton("O1A1Z3BC"))),
            (std::vector<std::string>{key(2), key(4)}));
  EXPECT_EQ(keys_of(store().search_reads(query_text_and_skeleton("01A123BC", "01A123BC"))),
            (std::vector<std::string>{key(1), key(5)}));
}

TEST_P(ServerStoreTest, SearchTimeRangeIsHalfOpen) {
  seed_reads(store());
  ReadQuery q;
  q.from = UtcTime{2000};
  q.to = UtcTime{3000};
  EXPECT_EQ(keys_of(store().search_reads(q)), (std::vector<std::string>{key(3), key(4)}));
  q.to = UtcTime{3001};
  EXPECT_EQ(keys_of(store().search_reads(q)), (std::vector<std::string>{key(3), key(4), key(1)}));
  q.from.reset();
  q.to = UtcTime{2000};
  EXPECT_EQ(keys_of(store().search_reads(q)), (std::vector<std::string>{key(2)}));
  q.to.reset();
  q.from = UtcTime{4000};
  EXPECT_EQ(keys_of(store().search_reads(q)), (std::vector<std::string>{key(5)}));
}

TEST_P(ServerStoreTest, SearchCameraFilterKeepsListedCameras) {
  seed_reads(store());
  EXPECT_EQ(keys_of(store().search_reads(query_cameras({"cam-2"}))),
            (std::vector<std::string>{key(2), key(5)}));
  EXPECT_EQ(keys_of(store().search_reads(query_cameras({"cam-2", "cam-1"}))).size(), 5U);
  EXPECT_TRUE(store().search_reads(query_cameras({"cam-9"})).empty());
}

TEST_P(ServerStoreTest, SearchLimitKeepsTheEarliestAndOrdersTiesById) {
  seed_reads(store());
  // Keys 3 and 4 share read_at 2000: ordered by id (3 stored before 4).
  EXPECT_EQ(keys_of(store().search_reads(query_limit(3))),
            (std::vector<std::string>{key(2), key(3), key(4)}));
  EXPECT_EQ(store().search_reads(query_limit(1)).size(), 1U);
  EXPECT_TRUE(store().search_reads(query_limit(0)).empty());
  EXPECT_TRUE(store().search_reads(query_limit(-1)).empty());
}

TEST_P(ServerStoreTest, HostileStringsAreMatchedLiterallyAndTablesSurvive) {
  add_site_and_camera(store());
  int n = 1;
  for (const std::string& text : kHostile) {
    IngestedRecord r = plate_read(n, text, 1000 + n);
    ++n;
    r.kind = text;
    r.violation_kind = text;
    r.manifest = text;
    r.device_serial = text;
    ASSERT_EQ(store().ingest_record(r), IngestOutcome::stored) << text;
  }
  IngestedRecord plain = plate_read(n, "01A123BC", 5000);
  ASSERT_EQ(store().ingest_record(plain), IngestOutcome::stored);
  store().add_user(person("alice"));
  for (const std::string& text : kHostile) {
    store().put_site(Site{"site-1", text, text});
    store().put_camera(Camera{"cam-1", "site-1", text, 1, 2, true});
    EXPECT_EQ(store().sites()[0].name, text);
    EXPECT_EQ(store().camera("cam-1")->name, text);

    const std::vector<IngestedRecord> by_text = store().search_reads(query_text(text));
    ASSERT_EQ(by_text.size(), 1U) << text;
    EXPECT_EQ(by_text[0].plate_text, text);
    EXPECT_EQ(by_text[0].kind, text);
    EXPECT_EQ(by_text[0].manifest, text);
    const std::vector<IngestedRecord> by_skeleton = store().search_reads(query_skeleton(text));
    ASSERT_EQ(by_skeleton.size(), 1U) << text;
    EXPECT_EQ(by_skeleton[0].plate_skeleton, text);
    EXPECT_TRUE(store().search_reads(query_cameras({text})).empty()) << text;
    EXPECT_FALSE(store().user_by_name(text).has_value());
    EXPECT_FALSE(store().session(text).has_value());
    EXPECT_FALSE(store().device_by_cert(text).has_value());
    EXPECT_FALSE(store().record_by_key(text).has_value());

    AuditEntry e = audit("search", 1000, text, 1);
    e.actor = text;
    e.target = text;
    e.case_number = text;
    const AuditEntry stored = store().append_audit(e);
    EXPECT_EQ(stored.hash, audit_entry_hash(stored));
  }
  EXPECT_EQ(store().search_reads(ReadQuery{}).size(), kHostile.size() + 1);
  EXPECT_EQ(store().users().size(), 1U);
  const std::vector<AuditEntry> log = store().audit_entries(0, 100);
  ASSERT_EQ(log.size(), kHostile.size());
  for (std::size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].target, kHostile[i]);
    EXPECT_EQ(log[i].purpose, kHostile[i]);
  }
}

// ---- Audit -------------------------------------------------------------------------------

TEST_P(ServerStoreTest, AuditEntriesAreNumberedAndChained) {
  std::vector<AuditEntry> returned;
  for (int i = 0; i < 5; ++i) {
    AuditEntry e = audit(i % 2 == 0 ? "login" : "search", 1000 + i, "", i);
    e.seq = 999;          // ignored: assigned by the store
    e.prev_hash = "bad";  // ignored
    e.hash = "bad";       // ignored
    returned.push_back(store().append_audit(e));
  }
  const std::vector<AuditEntry> log = store().audit_entries(0, 100);
  ASSERT_EQ(log.size(), 5U);
  std::string prev(kZeros);
  for (std::size_t i = 0; i < log.size(); ++i) {
    const AuditEntry& e = log[i];
    EXPECT_EQ(e.seq, static_cast<std::int64_t>(i) + 1);
    EXPECT_EQ(e.prev_hash, prev);
    EXPECT_EQ(e.hash, audit_entry_hash(e));
    EXPECT_EQ(e.hash.size(), 64U);
    EXPECT_EQ(e.hash, returned[i].hash);
    EXPECT_EQ(e.seq, returned[i].seq);
    EXPECT_EQ(e.time, UtcTime{1000 + static_cast<std::int64_t>(i)});
    EXPECT_EQ(e.actor, "investigator1");
    EXPECT_EQ(e.result_count, static_cast<std::int64_t>(i));
    EXPECT_EQ(e.outcome, "ok");
    prev = e.hash;
  }
}

TEST_P(ServerStoreTest, AuditEntriesPageAfterASeq) {
  for (int i = 0; i < 7; ++i) store().append_audit(audit("login", i));
  const std::vector<AuditEntry> page = store().audit_entries(2, 3);
  ASSERT_EQ(page.size(), 3U);
  EXPECT_EQ(page[0].seq, 3);
  EXPECT_EQ(page[2].seq, 5);
  EXPECT_EQ(store().audit_entries(5, 100).size(), 2U);
  EXPECT_TRUE(store().audit_entries(7, 100).empty());
  EXPECT_TRUE(store().audit_entries(0, 0).empty());
}

TEST_P(ServerStoreTest, ConcurrentAppendsFormOneGaplessChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        AuditEntry e = audit("evidence_view", 1000 + i);
        e.actor = fmt::format("user{}", t);
        e.result_count = i;
        store().append_audit(e);
      }
    });
  }
  for (std::thread& th : threads) th.join();

  const std::vector<AuditEntry> log = store().audit_entries(0, 10'000);
  ASSERT_EQ(log.size(), static_cast<std::size_t>(kThreads * kPerThread));
  std::string prev(kZeros);
  std::set<std::pair<std::string, std::int64_t>> seen;
  for (std::size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].seq, static_cast<std::int64_t>(i) + 1);
    ASSERT_EQ(log[i].prev_hash, prev) << "seq " << log[i].seq;
    ASSERT_EQ(log[i].hash, audit_entry_hash(log[i])) << "seq " << log[i].seq;
    seen.emplace(log[i].actor, log[i].result_count);
    prev = log[i].hash;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

// ---- Review ------------------------------------------------------------------------------

TEST_P(ServerStoreTest, IngestStartsViolationsPendingAndOtherRecordsUnreviewed) {
  add_site_and_camera(store());
  IngestedRecord read = plate_read(1, "01A123BC", 1000);
  IngestedRecord v = violation(2, "red_light", 2000);
  // Whatever the caller puts in the review fields, the store decides them at ingest.
  for (IngestedRecord* r : {&read, &v}) {
    r->review_status = ReviewStatus::confirmed;
    r->reviewed_at = UtcTime{5};
    r->review_reason = "set by the caller";
    ASSERT_EQ(store().ingest_record(*r), IngestOutcome::stored);
  }
  EXPECT_EQ(read.review_status, ReviewStatus::none);
  EXPECT_EQ(v.review_status, ReviewStatus::pending);
  EXPECT_FALSE(v.reviewed_at.has_value());
  EXPECT_EQ(v.review_reason, "");
  expect_same_record(*store().record_by_key(key(1)), read);
  expect_same_record(*store().record_by_key(key(2)), v);
}

TEST_P(ServerStoreTest, ReviewOfAViolationIsStoredAndMayChangeBetweenConfirmedAndRejected) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);

  EXPECT_EQ(store().set_review(key(1), from_pending(ReviewStatus::confirmed, 3000)),
            ReviewOutcome::applied);
  IngestedRecord got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.reviewed_at, UtcTime{3000});
  EXPECT_EQ(got.review_reason, "");
  EXPECT_EQ(got.first_reviewer, "alice");
  EXPECT_EQ(got.first_reviewed_at, UtcTime{3000});
  EXPECT_EQ(got.second_reviewer, "");
  EXPECT_FALSE(got.second_reviewed_at.has_value());

  EXPECT_EQ(store().set_review(key(1), decision(ReviewStatus::confirmed, ReviewStatus::rejected,
                                                4000, "plate obscured; ' OR '1'='1", "bob")),
            ReviewOutcome::applied);
  got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::rejected);
  EXPECT_EQ(got.reviewed_at, UtcTime{4000});
  EXPECT_EQ(got.review_reason, "plate obscured; ' OR '1'='1");
  EXPECT_EQ(got.first_reviewer, "bob");

  EXPECT_EQ(store().set_review(key(1), decision(ReviewStatus::rejected, ReviewStatus::confirmed,
                                                5000, "re-checked", "' OR '1'='1")),
            ReviewOutcome::applied);
  got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.reviewed_at, UtcTime{5000});
  EXPECT_EQ(got.review_reason, "re-checked");
  EXPECT_EQ(got.first_reviewer, "' OR '1'='1");
  EXPECT_EQ(got.first_reviewed_at, UtcTime{5000});
  // Search returns the review fields too.
  const auto found = store().search_reads(ReadQuery{});
  ASSERT_EQ(found.size(), 1U);
  expect_same_record(found[0], got);
}

TEST_P(ServerStoreTest, SecondReviewRecordsBothReviewersAndTheirTimes) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);

  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 3000,
                                                    "stop line clear")),
            ReviewOutcome::applied);
  IngestedRecord got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::awaiting_second_review);
  EXPECT_EQ(got.first_reviewer, "alice");
  EXPECT_EQ(got.first_reviewed_at, UtcTime{3000});
  EXPECT_EQ(got.review_reason, "stop line clear");
  EXPECT_EQ(got.second_reviewer, "");

  ASSERT_EQ(store().set_review(
                key(1), decision(ReviewStatus::awaiting_second_review, ReviewStatus::confirmed,
                                 4000, "", "bob", ReviewStage::second)),
            ReviewOutcome::applied);
  got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.reviewed_at, UtcTime{4000});
  EXPECT_EQ(got.first_reviewer, "alice");
  EXPECT_EQ(got.first_reviewed_at, UtcTime{3000});
  EXPECT_EQ(got.second_reviewer, "bob");
  EXPECT_EQ(got.second_reviewed_at, UtcTime{4000});
  EXPECT_EQ(got.review_reason, "");

  // A fresh first-stage decision (e.g. a later rejection) clears the second reviewer.
  ASSERT_EQ(store().set_review(key(1), decision(ReviewStatus::confirmed, ReviewStatus::rejected,
                                                5000, "wrong lane", "carol")),
            ReviewOutcome::applied);
  got = *store().record_by_key(key(1));
  EXPECT_EQ(got.first_reviewer, "carol");
  EXPECT_EQ(got.first_reviewed_at, UtcTime{5000});
  EXPECT_EQ(got.second_reviewer, "");
  EXPECT_FALSE(got.second_reviewed_at.has_value());
}

TEST_P(ServerStoreTest, SecondReviewRejectionRejectsAndKeepsTheFirstReviewer) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 3000)),
            ReviewOutcome::applied);
  ASSERT_EQ(store().set_review(
                key(1), decision(ReviewStatus::awaiting_second_review, ReviewStatus::rejected, 4000,
                                 "ambulance", "bob", ReviewStage::second)),
            ReviewOutcome::applied);
  const IngestedRecord got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::rejected);
  EXPECT_EQ(got.review_reason, "ambulance");
  EXPECT_EQ(got.reviewed_at, UtcTime{4000});
  EXPECT_EQ(got.first_reviewer, "alice");
  EXPECT_EQ(got.second_reviewer, "bob");
  EXPECT_EQ(got.second_reviewed_at, UtcTime{4000});
}

TEST_P(ServerStoreTest, SecondConfirmationByTheFirstReviewerChangesNothing) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 3000)),
            ReviewOutcome::applied);
  const IngestedRecord before = *store().record_by_key(key(1));
  EXPECT_EQ(store().set_review(
                key(1), decision(ReviewStatus::awaiting_second_review, ReviewStatus::confirmed,
                                 4000, "", "alice", ReviewStage::second)),
            ReviewOutcome::same_reviewer);
  expect_same_record(*store().record_by_key(key(1)), before);
}

TEST_P(ServerStoreTest, ReviewIsACompareAndSetOnTheExpectedStatus) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 3000)),
            ReviewOutcome::applied);
  const IngestedRecord before = *store().record_by_key(key(1));
  // Bob read the violation while it was pending: his decision is stale, nothing changes.
  EXPECT_EQ(
      store().set_review(key(1), decision(ReviewStatus::pending,
                                          ReviewStatus::awaiting_second_review, 3500, "", "bob")),
      ReviewOutcome::status_changed);
  EXPECT_EQ(store().set_review(key(1), decision(ReviewStatus::pending, ReviewStatus::rejected, 3500,
                                                "glare", "bob")),
            ReviewOutcome::status_changed);
  expect_same_record(*store().record_by_key(key(1)), before);

  // Two second reviews from awaiting_second_review: the first wins, the other is stale.
  const ReviewDecision bob = decision(ReviewStatus::awaiting_second_review, ReviewStatus::confirmed,
                                      4000, "", "bob", ReviewStage::second);
  const ReviewDecision carol =
      decision(ReviewStatus::awaiting_second_review, ReviewStatus::rejected, 4001, "glare", "carol",
               ReviewStage::second);
  EXPECT_EQ(store().set_review(key(1), bob), ReviewOutcome::applied);
  EXPECT_EQ(store().set_review(key(1), carol), ReviewOutcome::status_changed);
  const IngestedRecord got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.second_reviewer, "bob");
}

TEST_P(ServerStoreTest, ConcurrentReviewsFromOneStatusApplyExactlyOnce) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 3000)),
            ReviewOutcome::applied);
  // Eight people confirm the awaiting violation at once: exactly one becomes its second
  // reviewer; the others see that someone decided first.
  constexpr int kThreads = 8;
  std::vector<ReviewOutcome> outcomes(kThreads, ReviewOutcome::not_found);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t, &outcomes] {
      outcomes[static_cast<std::size_t>(t)] = store().set_review(
          key(1), decision(ReviewStatus::awaiting_second_review, ReviewStatus::confirmed, 4000 + t,
                           "", fmt::format("reviewer{}", t), ReviewStage::second));
    });
  }
  for (std::thread& th : threads) th.join();
  int applied = -1;
  for (int t = 0; t < kThreads; ++t) {
    const ReviewOutcome o = outcomes[static_cast<std::size_t>(t)];
    if (o == ReviewOutcome::applied) {
      EXPECT_EQ(applied, -1) << "two reviews applied";
      applied = t;
    } else {
      EXPECT_EQ(o, ReviewOutcome::status_changed) << t;
    }
  }
  ASSERT_NE(applied, -1);
  const IngestedRecord got = *store().record_by_key(key(1));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.first_reviewer, "alice");
  EXPECT_EQ(got.second_reviewer, fmt::format("reviewer{}", applied));
  EXPECT_EQ(got.second_reviewed_at, UtcTime{4000 + applied});
}

TEST_P(ServerStoreTest, ReviewQueueHoldsPendingViolationsOldestFirstUpToTheLimit) {
  add_site_and_camera(store());
  IngestedRecord read = plate_read(1, "01A123BC", 1000);
  IngestedRecord newer = violation(2, "red_light", 9000);
  IngestedRecord older = violation(3, "seatbelt", 5000);
  IngestedRecord decided = violation(4, "red_light", 2000);
  for (IngestedRecord* r : {&read, &newer, &older, &decided}) {
    ASSERT_EQ(store().ingest_record(*r), IngestOutcome::stored);
  }
  ASSERT_EQ(store().set_review(key(4), from_pending(ReviewStatus::confirmed, 9500)),
            ReviewOutcome::applied);

  const std::vector<IngestedRecord> queue = store().review_queue(10, "");
  ASSERT_EQ(queue.size(), 2U);
  expect_same_record(queue[0], older);
  expect_same_record(queue[1], newer);
  ASSERT_EQ(store().review_queue(1, "").size(), 1U);
  EXPECT_EQ(store().review_queue(1, "")[0].key, key(3));
  EXPECT_TRUE(store().review_queue(0, "").empty());

  ASSERT_EQ(store().set_review(key(3), from_pending(ReviewStatus::rejected, 9600, "glare")),
            ReviewOutcome::applied);
  ASSERT_EQ(store().review_queue(10, "").size(), 1U);
  EXPECT_EQ(store().review_queue(10, "")[0].key, key(2));
}

TEST_P(ServerStoreTest, ReviewQueueHoldsSecondReviewsExceptTheCallersOwn) {
  add_site_and_camera(store());
  for (int n = 1; n <= 3; ++n) {
    IngestedRecord v = violation(n, "red_light", 1000 * n);
    ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  }
  // 1: alice confirmed first; 2: pending; 3: bob confirmed first.
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::awaiting_second_review, 5000)),
            ReviewOutcome::applied);
  ASSERT_EQ(
      store().set_review(key(3), decision(ReviewStatus::pending,
                                          ReviewStatus::awaiting_second_review, 5000, "", "bob")),
      ReviewOutcome::applied);
  EXPECT_EQ(keys_of(store().review_queue(10, "")),
            (std::vector<std::string>{key(1), key(2), key(3)}));
  EXPECT_EQ(keys_of(store().review_queue(10, "alice")), (std::vector<std::string>{key(2), key(3)}));
  EXPECT_EQ(keys_of(store().review_queue(10, "bob")), (std::vector<std::string>{key(1), key(2)}));
  EXPECT_EQ(keys_of(store().review_queue(1, "alice")), (std::vector<std::string>{key(2)}));
  EXPECT_EQ(store().review_queue(10, "carol")[0].review_status,
            ReviewStatus::awaiting_second_review);
}

TEST_P(ServerStoreTest, ReviewOfUnknownKeyChangesNothingAndAnswersNotFound) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  EXPECT_EQ(store().set_review(key(2), from_pending(ReviewStatus::confirmed, 3000)),
            ReviewOutcome::not_found);
  EXPECT_EQ(store().set_review("not a key", from_pending(ReviewStatus::confirmed, 3000)),
            ReviewOutcome::not_found);
  expect_same_record(*store().record_by_key(key(1)), v);
}

TEST_P(ServerStoreTest, ReviewIsRefusedForNonViolationsUndecidedStatusesAndReasonlessRejection) {
  add_site_and_camera(store());
  IngestedRecord read = plate_read(1, "01A123BC", 1000);
  IngestedRecord v = violation(2, "red_light", 2000);
  ASSERT_EQ(store().ingest_record(read), IngestOutcome::stored);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);

  EXPECT_THROW(store().set_review(key(1), from_pending(ReviewStatus::confirmed, 3000)),
               InvalidInput);
  EXPECT_THROW(store().set_review(key(2), from_pending(ReviewStatus::none, 3000, "x")),
               InvalidInput);
  EXPECT_THROW(store().set_review(key(2), from_pending(ReviewStatus::pending, 3000, "x")),
               InvalidInput);
  EXPECT_THROW(store().set_review(key(2), from_pending(ReviewStatus::rejected, 3000)),
               InvalidInput);
  // No reviewer named.
  EXPECT_THROW(store().set_review(
                   key(2), decision(ReviewStatus::pending, ReviewStatus::confirmed, 3000, "", "")),
               InvalidInput);
  // Moves that skip or repeat a stage.
  EXPECT_THROW(store().set_review(key(2), decision(ReviewStatus::pending, ReviewStatus::confirmed,
                                                   3000, "", "bob", ReviewStage::second)),
               InvalidInput);
  EXPECT_THROW(store().set_review(key(2), decision(ReviewStatus::awaiting_second_review,
                                                   ReviewStatus::awaiting_second_review, 3000, "",
                                                   "bob", ReviewStage::second)),
               InvalidInput);
  EXPECT_THROW(store().set_review(key(2), decision(ReviewStatus::confirmed,
                                                   ReviewStatus::awaiting_second_review, 3000)),
               InvalidInput);
  expect_same_record(*store().record_by_key(key(2)), v);
  // A confirmed violation cannot go back to pending either.
  ASSERT_EQ(store().set_review(key(2), from_pending(ReviewStatus::confirmed, 3000)),
            ReviewOutcome::applied);
  EXPECT_THROW(store().set_review(
                   key(2), decision(ReviewStatus::confirmed, ReviewStatus::pending, 4000, "x")),
               InvalidInput);

  expect_same_record(*store().record_by_key(key(1)), read);
  const IngestedRecord got = *store().record_by_key(key(2));
  EXPECT_EQ(got.review_status, ReviewStatus::confirmed);
  EXPECT_EQ(got.reviewed_at, UtcTime{3000});
}

// ---- Retention ---------------------------------------------------------------------------

TEST_P(ServerStoreTest, RejectedViolationIsPurgedAfterItsOwnPeriodFromRejection) {
  constexpr std::int64_t kHour = 3'600'000;
  constexpr std::int64_t kNow = 1'700'000'000'000;
  add_site_and_camera(store());
  // Four violations received 80 h ago: rejected 73 h ago, confirmed 73 h ago, still pending,
  // rejected 71 h ago.
  for (int n = 1; n <= 4; ++n) {
    IngestedRecord v = violation(n, "red_light", kNow - 80 * kHour);
    ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  }
  ASSERT_EQ(store().set_review(
                key(1), from_pending(ReviewStatus::rejected, kNow - 73 * kHour, "wrong plate")),
            ReviewOutcome::applied);
  ASSERT_EQ(store().set_review(key(2), from_pending(ReviewStatus::confirmed, kNow - 73 * kHour)),
            ReviewOutcome::applied);
  ASSERT_EQ(store().set_review(
                key(4), from_pending(ReviewStatus::rejected, kNow - 71 * kHour, "ambulance")),
            ReviewOutcome::applied);
  // A fifth, awaiting its second review since 73 h ago, is kept like a pending one.
  IngestedRecord awaiting = violation(5, "red_light", kNow - 80 * kHour);
  ASSERT_EQ(store().ingest_record(awaiting), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(
                key(5), from_pending(ReviewStatus::awaiting_second_review, kNow - 73 * kHour)),
            ReviewOutcome::applied);

  // Legal period of violations: 5 years; rejected ones: 72 h after rejection.
  const UtcTime violation_before{kNow - 5 * 365 * 24 * kHour};
  const UtcTime rejected_before{kNow - 72 * kHour};
  const std::vector<IngestedRecord> purged =
      store().purge_records(UtcTime{kNow - 72 * kHour}, violation_before, rejected_before);
  ASSERT_EQ(purged.size(), 1U);
  EXPECT_EQ(purged[0].key, key(1));
  EXPECT_EQ(purged[0].review_status, ReviewStatus::rejected);
  EXPECT_EQ(purged[0].files.size(), 2U);
  EXPECT_FALSE(store().record_by_key(key(1)).has_value());
  EXPECT_EQ(store().record_by_key(key(2))->review_status, ReviewStatus::confirmed);
  EXPECT_EQ(store().record_by_key(key(3))->review_status, ReviewStatus::pending);
  EXPECT_EQ(store().record_by_key(key(4))->review_status, ReviewStatus::rejected);
  EXPECT_EQ(store().record_by_key(key(5))->review_status, ReviewStatus::awaiting_second_review);
  // The purged key is a tombstone like any other.
  IngestedRecord again = violation(1, "red_light", kNow - 80 * kHour);
  EXPECT_EQ(store().ingest_record(again), IngestOutcome::duplicate);

  // Two hours later the second rejection has expired too; the others stay.
  const std::vector<IngestedRecord> later = store().purge_records(
      UtcTime{kNow - 70 * kHour}, violation_before, UtcTime{kNow - 70 * kHour});
  EXPECT_EQ(keys_of(later), (std::vector<std::string>{key(4)}));
  EXPECT_TRUE(store().record_by_key(key(2)).has_value());
  EXPECT_TRUE(store().record_by_key(key(3)).has_value());
}

TEST_P(ServerStoreTest, RejectedViolationNeverOutlivesTheLegalPeriod) {
  add_site_and_camera(store());
  IngestedRecord v = violation(1, "red_light", 1000);
  ASSERT_EQ(store().ingest_record(v), IngestOutcome::stored);
  ASSERT_EQ(store().set_review(key(1), from_pending(ReviewStatus::rejected, 50'000, "late review")),
            ReviewOutcome::applied);
  // Rejected at 50000, so not yet expired by the rejection cutoff, but received before the
  // violation cutoff: purged with the confirmed ones.
  EXPECT_TRUE(store().purge_records(UtcTime{0}, UtcTime{1000}, UtcTime{40'000}).empty());
  EXPECT_EQ(keys_of(store().purge_records(UtcTime{0}, UtcTime{2000}, UtcTime{40'000})),
            (std::vector<std::string>{key(1)}));
}

TEST_P(ServerStoreTest, PurgeDeletesExpiredRecordsAndReturnsThemWithFiles) {
  add_site_and_camera(store());
  IngestedRecord old_read = plate_read(1, "01A123BC", 1000);        // received 1010
  IngestedRecord new_read = plate_read(2, "01A123BC", 50'000);      // received 50010
  IngestedRecord old_violation = violation(3, "red_light", 1010);   // received 1010
  IngestedRecord mid_violation = violation(4, "seatbelt", 20'000);  // received 20000
  for (IngestedRecord* r : {&old_read, &new_read, &old_violation, &mid_violation}) {
    ASSERT_EQ(store().ingest_record(*r), IngestOutcome::stored);
  }

  // Non-violations received before 10000 go; violations are kept until their own cutoff.
  std::vector<IngestedRecord> purged =
      store().purge_records(UtcTime{10'000}, UtcTime{1'000}, UtcTime{0});
  ASSERT_EQ(purged.size(), 1U);
  expect_same_record(purged[0], old_read);
  EXPECT_FALSE(store().record_by_key(key(1)).has_value());
  EXPECT_TRUE(store().record_by_key(key(3)).has_value());

  // The violation cutoff is exclusive: received_at 20000 is not before 20000.
  purged = store().purge_records(UtcTime{10'000}, UtcTime{20'000}, UtcTime{0});
  ASSERT_EQ(purged.size(), 1U);
  expect_same_record(purged[0], old_violation);
  EXPECT_TRUE(store().record_by_key(key(4)).has_value());
  EXPECT_TRUE(store().record_by_key(key(2)).has_value());

  EXPECT_TRUE(store().purge_records(UtcTime{10'000}, UtcTime{20'000}, UtcTime{0}).empty());
  EXPECT_EQ(keys_of(store().search_reads(ReadQuery{})), (std::vector<std::string>{key(4), key(2)}));
}

TEST_P(ServerStoreTest, PurgedKeyIngestedAgainIsDuplicateUntilTombstoneIsForgotten) {
  add_site_and_camera(store());
  IngestedRecord r = plate_read(1, "01A123BC", 1000);
  ASSERT_EQ(store().ingest_record(r), IngestOutcome::stored);
  ASSERT_EQ(store().purge_records(UtcTime{2000}, UtcTime{2000}, UtcTime{2000}).size(), 1U);

  IngestedRecord again = plate_read(1, "01A123BC", 1000);
  EXPECT_EQ(store().ingest_record(again), IngestOutcome::duplicate);
  IngestedRecord changed = plate_read(1, "99Z999ZZ", 1000);
  changed.content_sha256 = sha(99);
  EXPECT_EQ(store().ingest_record(changed), IngestOutcome::duplicate);
  EXPECT_FALSE(store().record_by_key(key(1)).has_value());
  EXPECT_TRUE(store().search_reads(ReadQuery{}).empty());

  // Tombstones are stamped with the purge's real time: none is older than the epoch.
  EXPECT_EQ(store().purge_tombstones(UtcTime{0}), 0);
  EXPECT_EQ(store().ingest_record(again), IngestOutcome::duplicate);
  EXPECT_EQ(store().purge_tombstones(UtcTime{std::numeric_limits<std::int64_t>::max()}), 1);
  EXPECT_EQ(store().purge_tombstones(UtcTime{std::numeric_limits<std::int64_t>::max()}), 0);
  EXPECT_EQ(store().ingest_record(again), IngestOutcome::stored);
  EXPECT_TRUE(store().record_by_key(key(1)).has_value());
}

// ---- Transparency ------------------------------------------------------------------------

TEST_P(ServerStoreTest, TransparencyCountsReadsViolationsSearchesAndPurgesInRange) {
  add_site_and_camera(store());
  // Records count by received_at (read_at + 10 here) in [10000, 20000).
  for (IngestedRecord r : {plate_read(1, "A", 9'980), plate_read(2, "B", 9'990),
                           plate_read(3, "C", 15'000), plate_read(4, "D", 19'990)}) {
    ASSERT_EQ(store().ingest_record(r), IngestOutcome::stored);
  }
  for (IngestedRecord r : {violation(5, "red_light", 12'000), violation(6, "seatbelt", 13'000),
                           violation(7, "red_light", 14'000), violation(8, "red_light", 25'000),
                           violation(9, "average_speed", 9'999)}) {
    ASSERT_EQ(store().ingest_record(r), IngestOutcome::stored);
  }
  store().append_audit(audit("search", 9'999, "theft"));
  store().append_audit(audit("search", 10'000, "theft"));
  store().append_audit(audit("search", 11'000, "missing person"));
  store().append_audit(audit("search", 12'000, "theft"));
  store().append_audit(audit("evidence_view", 12'500, "theft"));
  store().append_audit(audit("search", 20'000, "theft"));
  store().append_audit(audit("purge", 13'000, "", 40));
  store().append_audit(audit("purge", 14'000, "", 2));
  store().append_audit(audit("purge", 30'000, "", 100));

  const TransparencyCounts c = store().transparency_counts(UtcTime{10'000}, UtcTime{20'000});
  EXPECT_EQ(c.plate_reads, 2);  // keys 2 (received 10000) and 3; key 4 is received at 20000
  EXPECT_EQ(c.violations_by_kind,
            (std::vector<std::pair<std::string, std::int64_t>>{{"red_light", 2}, {"seatbelt", 1}}));
  EXPECT_EQ(c.searches_by_purpose, (std::vector<std::pair<std::string, std::int64_t>>{
                                       {"missing person", 1}, {"theft", 2}}));
  EXPECT_EQ(c.purges, 2);
  EXPECT_EQ(c.purged_records, 42);

  const TransparencyCounts empty = store().transparency_counts(UtcTime{40'000}, UtcTime{50'000});
  EXPECT_EQ(empty.plate_reads, 0);
  EXPECT_TRUE(empty.violations_by_kind.empty());
  EXPECT_TRUE(empty.searches_by_purpose.empty());
  EXPECT_EQ(empty.purges, 0);
  EXPECT_EQ(empty.purged_records, 0);
}

}  // namespace
}  // namespace roadwarden::store
