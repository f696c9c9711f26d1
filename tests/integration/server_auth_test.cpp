// Authentication and transport of a real server: TLS only (no plain HTTP, no TLS 1.0/1.1),
// login with password + TOTP, lockout, idle sessions, TOTP replay, CSRF, devices.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>
#include <vector>

#include "unit/server/server_fixture.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::TestUser;

class ServerAuth : public testing::ServerFixture {};

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/// True when a TLS handshake limited to `version` (and no newer) succeeds.
bool handshake_with(int port, int version) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_security_level(ctx, 0);  // let the client offer old protocols at all
  SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  const int fd = connect_loopback(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  const bool ok = SSL_connect(ssl) == 1;
  SSL_free(ssl);
  ::close(fd);
  SSL_CTX_free(ctx);
  return ok;
}

TEST_F(ServerAuth, PlainHttpGetsNoHttpAnswer) {
  const int fd = connect_loopback(port_);
  ASSERT_GE(fd, 0);
  const std::string request = "GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::string got;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  EXPECT_EQ(got.find("HTTP/"), std::string::npos) << got;
  EXPECT_EQ(got.find("status"), std::string::npos);
}

TEST_F(ServerAuth, Tls10AndTls11HandshakesFailAndTls12Succeeds) {
  EXPECT_FALSE(handshake_with(port_, TLS1_VERSION));
  EXPECT_FALSE(handshake_with(port_, TLS1_1_VERSION));
  EXPECT_TRUE(handshake_with(port_, TLS1_2_VERSION));  // the same client, so the refusal is ours
  EXPECT_TRUE(handshake_with(port_, TLS1_3_VERSION));
}

TEST_F(ServerAuth, HealthIsPublicSaysOnlyOkAndCarriesSecurityHeaders) {
  const httplib::Result r = client()->Get("/api/v1/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body), json({{"status", "ok"}}));
  EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r->get_header_value("Cache-Control"), "no-store");
  EXPECT_EQ(r->get_header_value("Content-Security-Policy"),
            "default-src 'none'; frame-ancestors 'none'");
  EXPECT_NE(r->get_header_value("Strict-Transport-Security").find("max-age="), std::string::npos);
  const httplib::Result refused = client()->Get("/api/v1/me");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->get_header_value("Cache-Control"), "no-store");
}

TEST_F(ServerAuth, LoginAnswersTokenAndSetsASecureCookie) {
  const TestSession s = login(user(Role::reviewer));
  EXPECT_EQ(s.token.size(), 64u);
  EXPECT_EQ(s.csrf.size(), 64u);
  EXPECT_NE(s.set_cookie.find("rw_session=" + s.token), std::string::npos);
  for (const char* attribute : {"HttpOnly", "Secure", "SameSite=Strict"})
    EXPECT_NE(s.set_cookie.find(attribute), std::string::npos) << attribute;
  // Only the token's hash is stored.
  EXPECT_FALSE(server_->store().session(s.token));
  EXPECT_TRUE(server_->store().session(crypto::sha256_hex(s.token)));
  const httplib::Result me = client()->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(json::parse(me->body)["username"], "reviewer1");
}

TEST_F(ServerAuth, UnknownUserWrongPasswordAndWrongTotpGetTheSameAnswer) {
  const TestUser& u = user(Role::investigator);
  const httplib::Result unknown = login_raw("nobody", u.password, totp_now(u));
  const httplib::Result wrong_password = login_raw(u.username, "wrong password", totp_now(u));
  const httplib::Result wrong_totp = login_raw(u.username, u.password, "000000");
  ASSERT_TRUE(unknown && wrong_password && wrong_totp);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_EQ(unknown->body, wrong_password->body);
  EXPECT_EQ(unknown->body, wrong_totp->body);
  EXPECT_EQ(unknown->get_header_value("Set-Cookie"), "");
}

TEST_F(ServerAuth, FailedLoginOfAnUnknownNameIsAuditedWithoutTheTypedName) {
  // Someone types their password into the user field: it must not stay in the audit log.
  const std::string typed = "Tr0ub4dor&3-typed-in-the-wrong-field";
  const httplib::Result r = login_raw(typed, "whatever", "123456");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  int failures = 0;
  for (const store::AuditEntry& e : server_->store().audit_entries(0, 10000)) {
    for (const std::string* field : {&e.actor, &e.target, &e.purpose, &e.case_number})
      EXPECT_EQ(field->find(typed), std::string::npos) << e.action;
    if (e.action == "login_failed" && e.actor == "(unknown user name)") ++failures;
  }
  EXPECT_EQ(failures, 1);
}

TEST_F(ServerAuth, FiveFailuresLockTheAccountEvenAgainstACorrectLogin) {
  const TestUser& u = user(Role::reviewer);
  for (int i = 0; i < 5; ++i) {
    const httplib::Result r = login_raw(u.username, "wrong password", totp_now(u));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
  }
  const httplib::Result unknown = login_raw("nobody", u.password, totp_now(u));
  ASSERT_TRUE(unknown);
  clock_.advance(std::chrono::seconds(30));
  const httplib::Result locked = login_raw(u.username, u.password, totp_now(u));
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 401);
  // The lockout is seen only in what it does: the answer is the generic one.
  EXPECT_EQ(locked->body, unknown->body);
  clock_.advance(std::chrono::minutes(9));
  const httplib::Result still = login_raw(u.username, u.password, totp_now(u));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 401);
  clock_.advance(std::chrono::minutes(1) + std::chrono::seconds(30));
  const httplib::Result after = login_raw(u.username, u.password, totp_now(u));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200) << after->body;
  // Every attempt is audited with its reason: 4 denied, the locking one and the two made
  // while locked "locked".
  std::map<std::string, int> outcomes;
  for (const store::AuditEntry& e : server_->store().audit_entries(0, 1000))
    if (e.action == "login_failed" && e.actor == u.username) ++outcomes[e.outcome];
  EXPECT_EQ(outcomes, (std::map<std::string, int>{{"denied", 4}, {"locked", 3}}));
}

TEST_F(ServerAuth, LockedAccountAnswersLikeAnUnknownNameAndCostsTheSamePasswordCheck) {
  const TestUser& u = user(Role::investigator);
  for (const std::string& name : {u.username, std::string("ghost")}) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(login_raw(name, "wrong password", "000000"));
  }
  clock_.advance(std::chrono::seconds(30));
  // The known account is locked now; the unknown name has nothing to lock. Each attempt
  // gets the same answer and runs exactly one argon2id check (no shortcut that would
  // answer sooner).
  Authenticator& auth = server_->auth();
  const std::int64_t before = auth.password_checks();
  const httplib::Result known = login_raw(u.username, u.password, totp_now(u));
  ASSERT_TRUE(known);
  EXPECT_EQ(auth.password_checks(), before + 1);
  const httplib::Result ghost = login_raw("ghost", u.password, totp_now(u));
  ASSERT_TRUE(ghost);
  EXPECT_EQ(auth.password_checks(), before + 2);
  EXPECT_EQ(known->status, 401);
  EXPECT_EQ(ghost->status, known->status);
  EXPECT_EQ(ghost->body, known->body);
  EXPECT_EQ(ghost->get_header_value("Set-Cookie"), known->get_header_value("Set-Cookie"));
  EXPECT_EQ(json::parse(known->body), json({{"error", "invalid credentials"}}));
}

TEST_F(ServerAuth, BurstOfSixParallelLoginsRunsAtMostTwoPasswordChecksAtOnce) {
  // 6 logins at once (3 known people with the right credentials, 3 unknown names): each
  // costs one 256 MiB argon2id check, and at most two may run together; the rest wait.
  clock_.advance(std::chrono::seconds(30));
  struct Attempt {
    std::string username, password, totp;
    int status = 0;
  };
  std::vector<Attempt> attempts;
  for (const Role role : {Role::supervisor, Role::reviewer, Role::investigator})
    attempts.push_back({user(role).username, user(role).password, totp_now(user(role))});
  for (int i = 0; i < 3; ++i)
    attempts.push_back({"nobody" + std::to_string(i), kPassword, "123456"});
  std::vector<std::thread> threads;
  for (Attempt& a : attempts) {
    threads.emplace_back([this, &a] {
      const httplib::Result r = login_raw(a.username, a.password, a.totp);
      a.status = r ? r->status : -1;
    });
  }
  for (std::thread& t : threads) t.join();
  for (std::size_t i = 0; i < attempts.size(); ++i)
    EXPECT_EQ(attempts[i].status, i < 3 ? 200 : 401) << attempts[i].username;
  // The burst did overlap (two at once), and never more than the limit.
  EXPECT_EQ(server_->auth().peak_concurrent_password_checks(),
            Authenticator::kMaxConcurrentPasswordChecks);
  EXPECT_EQ(Authenticator::kMaxConcurrentPasswordChecks, 2);
}

TEST_F(ServerAuth, SessionLocksAfterThirtyIdleMinutes) {
  const TestSession s = login(user(Role::auditor));
  auto c = client();
  clock_.advance(std::chrono::minutes(29));
  const httplib::Result active = c->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(active);
  EXPECT_EQ(active->status, 200);
  clock_.advance(std::chrono::minutes(29));  // used 29 minutes ago: still alive
  const httplib::Result again = c->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  clock_.advance(std::chrono::minutes(31));
  const httplib::Result idle = c->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(idle);
  EXPECT_EQ(idle->status, 401);
  clock_.advance(std::chrono::seconds(-31 * 60));  // the session is gone, not only idle
  const httplib::Result gone = c->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 401);
}

TEST_F(ServerAuth, TotpCodeIsAcceptedOnlyOnce) {
  const TestUser& u = user(Role::supervisor);
  clock_.advance(std::chrono::seconds(30));
  const std::string code = totp_now(u);
  const httplib::Result first = login_raw(u.username, u.password, code);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  const httplib::Result replay = login_raw(u.username, u.password, code);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  clock_.advance(std::chrono::seconds(30));
  const httplib::Result next = login_raw(u.username, u.password, totp_now(u));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
}

TEST_F(ServerAuth, CookieSessionNeedsCsrfHeaderOnUnsafeMethodsBearerDoesNot) {
  const TestSession s = login(user(Role::admin));
  auto c = client();
  const std::string site = R"({"name":"Main road","timezone":"Asia/Tashkent"})";
  const httplib::Result no_csrf = call(*c, "PUT", "/api/v1/sites/s1", s.cookie(false), site);
  ASSERT_TRUE(no_csrf);
  EXPECT_EQ(no_csrf->status, 403);
  EXPECT_TRUE(server_->store().sites().empty());
  httplib::Headers wrong = s.cookie(false);
  wrong.emplace("X-CSRF-Token", std::string(64, '0'));
  const httplib::Result wrong_csrf = call(*c, "PUT", "/api/v1/sites/s1", wrong, site);
  ASSERT_TRUE(wrong_csrf);
  EXPECT_EQ(wrong_csrf->status, 403);
  const httplib::Result with_csrf = call(*c, "PUT", "/api/v1/sites/s1", s.cookie(true), site);
  ASSERT_TRUE(with_csrf);
  EXPECT_EQ(with_csrf->status, 200) << with_csrf->body;
  const httplib::Result get = call(*c, "GET", "/api/v1/sites", s.cookie(false));
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  const httplib::Result bearer = call(*c, "PUT", "/api/v1/sites/s2", s.bearer(), site);
  ASSERT_TRUE(bearer);
  EXPECT_EQ(bearer->status, 200);
  EXPECT_EQ(server_->store().sites().size(), 2u);
  int changes = 0;
  for (const store::AuditEntry& e : server_->store().audit_entries(0, 1000))
    if (e.action == "config_change" && e.actor == "admin") ++changes;
  EXPECT_EQ(changes, 2);
}

TEST_F(ServerAuth, LogoutEndsTheSession) {
  const TestSession s = login(user(Role::investigator));
  auto c = client();
  const httplib::Result out = call(*c, "POST", "/api/v1/logout", s.bearer());
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 200);
  const httplib::Result me = c->Get("/api/v1/me", s.bearer());
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 401);
}

TEST_F(ServerAuth, AdminCreatesAUserWhoLogsInWithTheIssuedCredentials) {
  const TestSession s = login(user(Role::admin));
  auto c = client();
  const httplib::Result created =
      call(*c, "POST", "/api/v1/users", s.bearer(), R"({"username":"bob","role":"auditor"})");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const json body = json::parse(created->body);
  const TestUser bob{"bob", Role::auditor, body["password"], body["totp_secret"]};
  // The users table holds the TOTP secret sealed, not the base32 the admin was shown.
  const std::string stored = server_->store().user_by_name("bob")->totp_secret;
  EXPECT_FALSE(stored.empty());
  EXPECT_EQ(stored.find(bob.totp_secret), std::string::npos);
  const TestSession b = login(bob);
  const httplib::Result me = c->Get("/api/v1/me", b.bearer());
  ASSERT_TRUE(me);
  EXPECT_EQ(json::parse(me->body)["role"], "auditor");
  // A device is never a person.
  const httplib::Result device_role =
      call(*c, "POST", "/api/v1/users", s.bearer(), R"({"username":"cam","role":"device"})");
  ASSERT_TRUE(device_role);
  EXPECT_EQ(device_role->status, 400);
}

TEST_F(ServerAuth, ResetCredentialsAreSealedAndTheNewOnesLogIn) {
  const TestSession s = login(user(Role::admin));
  const httplib::Result r = call(*client(), "POST", "/api/v1/users/reviewer1/reset", s.bearer());
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json body = json::parse(r->body);
  const TestUser reset{"reviewer1", Role::reviewer, body["password"], body["totp_secret"]};
  EXPECT_EQ(server_->store().user_by_name("reviewer1")->totp_secret.find(reset.totp_secret),
            std::string::npos);
  (void)login(reset);
}

TEST_F(ServerAuth, TotpSecretCopiedToAnotherUsersRowDoesNotLogThemIn) {
  // Someone with write access to the database copies the reviewer's sealed secret (whose
  // codes they can get) into the investigator's row.
  const TestUser& reviewer = user(Role::reviewer);
  const TestUser& investigator = user(Role::investigator);
  store::Store& store = server_->store();
  store::User target = *store.user_by_name(investigator.username);
  target.totp_secret = store.user_by_name(reviewer.username)->totp_secret;
  store.update_user(target);
  clock_.advance(std::chrono::seconds(30));
  const httplib::Result with_copied =
      login_raw(investigator.username, investigator.password, totp_now(reviewer));
  ASSERT_TRUE(with_copied);
  EXPECT_EQ(with_copied->status, 401) << with_copied->body;
  // The reviewer's own row still opens.
  (void)login(reviewer);
}

TEST_F(ServerAuth, DeviceEnrolledThroughTheApiIsRecognisedAndRefusedOnceRevoked) {
  const TestSession s = login(user(Role::admin));
  auto c = client();
  server_->store().put_site(store::Site{"site-1", "Test site", "UTC"});
  server_->store().put_camera(store::Camera{"cam-7", "site-1", "North", 41.3, 69.2, true});
  const httplib::Result r =
      call(*c, "POST", "/api/v1/devices", s.bearer(), R"({"camera_id":"cam-7"})");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;
  const json body = json::parse(r->body);
  EnrolledDevice d;
  d.serial = body["serial"];
  d.cert_pem = body["cert_pem"];
  d.key_pem = body["key_pem"];
  EXPECT_EQ(body["signing_key"].get<std::string>().size(), 64u);
  EXPECT_NE(body["ca_pem"].get<std::string>().find("BEGIN CERTIFICATE"), std::string::npos);
  auto dc = device_client(d);
  // A known device gets 404 (not 401) on an unknown path: it was identified.
  const httplib::Result known = dc->Get("/api/v1/no-such-route");
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 404);
  const RouteInfo* device_route = nullptr;
  for (const RouteInfo& route : server_->routes())
    if (route.rule.kind == AccessRule::Kind::device) device_route = &route;
  if (device_route) {
    const httplib::Result before = call(*dc, device_route->method, device_route->example);
    ASSERT_TRUE(before);
    EXPECT_NE(before->status, 401);
    EXPECT_NE(before->status, 403);
  }
  const httplib::Result revoke =
      call(*c, "POST", "/api/v1/devices/" + d.serial + "/revoke", s.bearer());
  ASSERT_TRUE(revoke);
  EXPECT_EQ(revoke->status, 200) << revoke->body;
  auto dc2 = device_client(d);
  const httplib::Result unknown = dc2->Get("/api/v1/no-such-route");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  if (device_route) {
    const httplib::Result after = call(*dc2, device_route->method, device_route->example);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 401);
  }
}

TEST_F(ServerAuth, CertificateFromAnotherCaIsRefusedAtTheHandshake) {
  const crypto::CertifiedKey other_ca = crypto::create_certificate_authority("other CA", 30);
  const crypto::CertifiedKey cert = crypto::issue_client_certificate(other_ca, "cam-1", 30);
  EnrolledDevice d;
  d.serial = "other";
  d.cert_pem = cert.cert_pem;
  d.key_pem = cert.key_pem;
  const httplib::Result r = device_client(d)->Get("/api/v1/health");
  EXPECT_FALSE(r);  // the handshake fails: no HTTP answer at all
}

}  // namespace
}  // namespace roadwarden::server
