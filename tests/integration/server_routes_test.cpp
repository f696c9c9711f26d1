// THE ROUTE SCANNER: calls every registered route of a real server as every kind of caller
// and checks that its access rule is enforced. A new route is scanned automatically (the
// Router cannot register a route without a rule), so a rule that is not enforced fails here.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "unit/server/server_fixture.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::TestUser;

/// What a scanned call answered.
struct ScanReply {
  int status = 0;    ///< 0 = no answer
  std::string body;  ///< empty for a stream
};

class RouteScanner : public testing::ServerFixture {
 protected:
  /// Calls route `r` like ServerFixture::call, but a streaming answer (text/event-stream, the
  /// board feed's text/plain) is cut after its headers: the scanner checks who gets in, not
  /// what a stream carries (tests/integration/server_live_test.cpp does).
  static ScanReply scan(httplib::SSLClient& c, const RouteInfo& r,
                        const httplib::Headers& headers = {}) {
    ScanReply reply;
    if (r.method != "GET") {
      const httplib::Result res = call(c, r.method, r.example, headers);
      if (res) reply = ScanReply{res->status, res->body};
      return reply;
    }
    (void)c.Get(
        r.example, headers,
        [&](const httplib::Response& res) {
          reply.status = res.status;
          const std::string type = res.get_header_value("Content-Type");
          return type.rfind("text/event-stream", 0) != 0 && type.rfind("text/plain", 0) != 0;
        },
        [&](const char* data, std::size_t size) {
          reply.body.append(data, size);
          return true;
        });
    return reply;
  }
};

const std::vector<Role> kPeople{Role::admin, Role::supervisor, Role::reviewer, Role::investigator,
                                Role::auditor};

std::string label(const RouteInfo& r) {
  return r.method + " " + r.example;
}

/// The body of a refusal: {"error": …} and nothing else.
void expect_refusal_body(const std::string& text, const RouteInfo& r) {
  const json body = json::parse(text, nullptr, false);
  ASSERT_TRUE(body.is_object()) << label(r) << ": " << text;
  EXPECT_EQ(body.size(), 1u) << label(r) << ": " << text;
  EXPECT_TRUE(body.contains("error")) << label(r) << ": " << text;
}

TEST_F(RouteScanner, EveryRouteRegistersTheDocumentedGroups) {
  std::vector<std::string> have;
  for (const RouteInfo& r : server_->routes()) have.push_back(r.method + " " + r.pattern);
  for (const char* expected :
       {"GET /api/v1/health", "POST /api/v1/login", "POST /api/v1/logout", "GET /api/v1/me",
        "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/devices", "POST /api/v1/devices",
        "GET /api/v1/review/queue", "POST /api/v1/review/([^/]+)",
        "PUT /api/v1/hotlists", "GET /api/v1/hotlists", "GET /api/v1/events",
        "GET /api/v1/boards/feed",
        "POST /api/v1/citations/([^/]+)", "GET /", "GET /assets/app\\.js"}) {
    EXPECT_NE(std::find(have.begin(), have.end(), expected), have.end()) << expected;
  }
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route) {
      EXPECT_TRUE(r.pattern == "/api/v1/health" || r.pattern == "/api/v1/login")
          << "only health and login may be public, not " << label(r);
    }
    if (r.rule.kind == AccessRule::Kind::public_asset) {
      // The web console's files: GET of one exact path each, never under /api.
      EXPECT_EQ(r.method, "GET") << label(r);
      EXPECT_TRUE(r.example == "/" || r.example.rfind("/assets/", 0) == 0) << label(r);
      EXPECT_NE(r.example.rfind("/api/", 0), 0u) << label(r);
      EXPECT_TRUE(std::regex_match(r.example, std::regex(R"(/(assets/([a-z0-9_-]+/)*[a-z0-9_.-]+)?)")))
          << label(r);
    }
  }
}

/// The console's policy (server/web_routes.cpp, docs/web-console.md).
constexpr const char* kConsolePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

TEST_F(RouteScanner, ConsoleAssetsAreServedToAnyoneWithTheConsolePolicyAndNothingElse) {
  auto c = client();
  int assets = 0;
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind != AccessRule::Kind::public_asset) continue;
    ++assets;
    const httplib::Result res = c->Get(r.example);
    ASSERT_TRUE(res) << label(r);
    EXPECT_EQ(res->status, 200) << label(r);
    EXPECT_FALSE(res->body.empty()) << label(r);
    EXPECT_EQ(res->get_header_value("Content-Security-Policy"), kConsolePolicy) << label(r);
    EXPECT_EQ(res->get_header_value("Strict-Transport-Security"), "max-age=31536000");
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    EXPECT_EQ(res->get_header_value_count("Cache-Control"), 1u) << label(r);
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-cache") << label(r);
    const std::string etag = res->get_header_value("ETag");
    EXPECT_TRUE(std::regex_match(etag, std::regex(R"("[0-9a-f]{64}")"))) << label(r);
    const httplib::Result again = c->Get(r.example, {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << label(r);
    EXPECT_TRUE(again->body.empty());
    // Only GET: any other method on the same path is an unknown route.
    for (const char* method : {"POST", "PUT", "DELETE"}) {
      const httplib::Result other = call(*c, method, r.example);
      ASSERT_TRUE(other);
      EXPECT_EQ(other->status, 401) << method << " " << r.example;
    }
  }
  EXPECT_GE(assets, 3);  // index.html, app.js, style.css at least
  const httplib::Result index = c->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(index->body.find("style="), std::string::npos) << "no inline style";
  // A path that is not an embedded file stays unknown: 401 to a stranger.
  for (const char* path : {"/assets/", "/assets/../index.html", "/assets/secret.js", "/index.html"}) {
    const httplib::Result res = c->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
  }
  // An API answer keeps the strict policy and is never stored.
  const httplib::Result health = c->Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->get_header_value("Content-Security-Policy"),
            "default-src 'none'; frame-ancestors 'none'");
  EXPECT_EQ(health->get_header_value("Cache-Control"), "no-store");
}

TEST_F(RouteScanner, AnonymousCallerGets401WithNoDataOnEveryNonPublicRoute) {
  auto c = client();
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route ||
        r.rule.kind == AccessRule::Kind::public_asset)
      continue;
    const ScanReply res = scan(*c, r);
    ASSERT_NE(res.status, 0) << label(r);
    EXPECT_EQ(res.status, 401) << label(r);
    expect_refusal_body(res.body, r);
  }
}

TEST_F(RouteScanner, EveryPersonRoleOutsideTheRuleGets403AndInsideIsLetThrough) {
  std::map<Role, TestSession> sessions;
  for (const Role role : kPeople) sessions[role] = login(user(role));
  auto c = client();
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route ||
        r.rule.kind == AccessRule::Kind::public_asset)
      continue;
    for (const Role role : kPeople) {
      const bool allowed = (r.rule.kind == AccessRule::Kind::person ||
                            r.rule.kind == AccessRule::Kind::board) &&
                           r.rule.roles.count(role);
      if (allowed && r.pattern == "/api/v1/logout") continue;  // would end the session
      const ScanReply res = scan(*c, r, sessions[role].bearer());
      ASSERT_NE(res.status, 0) << label(r);
      if (allowed) {
        EXPECT_NE(res.status, 401) << label(r) << " as " << to_string(role);
        EXPECT_NE(res.status, 403) << label(r) << " as " << to_string(role) << ": " << res.body;
      } else {
        EXPECT_EQ(res.status, 403) << label(r) << " as " << to_string(role);
        expect_refusal_body(res.body, r);
      }
    }
  }
}

TEST_F(RouteScanner, DeviceCertificateOpensOnlyDeviceRoutes) {
  const EnrolledDevice device = enrol();
  auto c = device_client(device);
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route ||
        r.rule.kind == AccessRule::Kind::public_asset)
      continue;
    const ScanReply res = scan(*c, r);
    ASSERT_NE(res.status, 0) << label(r);
    if (r.rule.kind == AccessRule::Kind::device) {
      EXPECT_NE(res.status, 401) << label(r);
      EXPECT_NE(res.status, 403) << label(r);
    } else if (r.rule.kind == AccessRule::Kind::board) {
      // Identified, but a camera is not a message board (ServerOptions::board_devices).
      EXPECT_EQ(res.status, 403) << label(r) << " (a camera's certificate on a board route)";
      expect_refusal_body(res.body, r);
    } else {
      EXPECT_EQ(res.status, 401) << label(r) << " (a person route with a device certificate)";
      expect_refusal_body(res.body, r);
    }
  }
}

TEST_F(RouteScanner, UnknownPathIs401ForAnonymousAnd404ForALoggedInPerson) {
  auto c = client();
  for (const char* method : {"GET", "POST", "PUT", "DELETE"}) {
    const httplib::Result anon = call(*c, method, "/api/v1/no-such-route");
    ASSERT_TRUE(anon);
    EXPECT_EQ(anon->status, 401) << method;
    const httplib::Result admin_env = call(*c, method, "/.env");
    ASSERT_TRUE(admin_env);
    EXPECT_EQ(admin_env->status, 401) << method;
  }
  const TestSession s = login(user(Role::auditor));
  const httplib::Result known = call(*c, "GET", "/api/v1/no-such-route", s.bearer());
  ASSERT_TRUE(known);
  EXPECT_EQ(known->status, 404);
}

TEST_F(RouteScanner, AdminCannotSearchPlates) {
  const TestSession s = login(user(Role::admin));
  auto c = client();
  int search_routes = 0;
  for (const RouteInfo& r : server_->routes()) {
    if (r.pattern.rfind("/api/v1/search", 0) != 0 && r.pattern.rfind("/api/v1/evidence", 0) != 0)
      continue;
    ++search_routes;
    const httplib::Result res = call(*c, r.method, r.example, s.bearer());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << label(r);
  }
  // The contract (routes.hpp) has search routes; fail loudly if they disappear.
  EXPECT_GT(search_routes, 0);
  const httplib::Result res =
      call(*c, "POST", "/api/v1/search/reads", s.bearer(), R"({"plate":"01A123BC"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403);
}

}  // namespace
}  // namespace roadwarden::server
