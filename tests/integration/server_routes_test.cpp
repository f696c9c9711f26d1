// THE ROUTE SCANNER: calls every registered route of a real server as every kind of caller
// and checks that its access rule is enforced. A new route is scanned automatically (the
// Router cannot register a route without a rule), so a rule that is not enforced fails here.
#include <gtest/gtest.h>

#include <algorithm>

#include "unit/server/server_fixture.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;
using testing::TestSession;
using testing::TestUser;

class RouteScanner : public testing::ServerFixture {};

const std::vector<Role> kPeople{Role::admin, Role::supervisor, Role::reviewer, Role::investigator,
                                Role::auditor};

std::string label(const RouteInfo& r) {
  return r.method + " " + r.example;
}

/// The body of a refusal: {"error": …} and nothing else.
void expect_refusal_body(const httplib::Result& res, const RouteInfo& r) {
  const json body = json::parse(res->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << label(r) << ": " << res->body;
  EXPECT_EQ(body.size(), 1u) << label(r) << ": " << res->body;
  EXPECT_TRUE(body.contains("error")) << label(r) << ": " << res->body;
}

TEST_F(RouteScanner, EveryRouteRegistersTheDocumentedGroups) {
  std::vector<std::string> have;
  for (const RouteInfo& r : server_->routes()) have.push_back(r.method + " " + r.pattern);
  for (const char* expected :
       {"GET /api/v1/health", "POST /api/v1/login", "POST /api/v1/logout", "GET /api/v1/me",
        "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/devices", "POST /api/v1/devices",
        "GET /api/v1/review/queue", "POST /api/v1/review/([^/]+)",
        "POST /api/v1/citations/([^/]+)"}) {
    EXPECT_NE(std::find(have.begin(), have.end(), expected), have.end()) << expected;
  }
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route) {
      EXPECT_TRUE(r.pattern == "/api/v1/health" || r.pattern == "/api/v1/login")
          << "only health and login may be public, not " << label(r);
    }
  }
}

TEST_F(RouteScanner, AnonymousCallerGets401WithNoDataOnEveryNonPublicRoute) {
  auto c = client();
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route) continue;
    const httplib::Result res = call(*c, r.method, r.example);
    ASSERT_TRUE(res) << label(r);
    EXPECT_EQ(res->status, 401) << label(r);
    expect_refusal_body(res, r);
  }
}

TEST_F(RouteScanner, EveryPersonRoleOutsideTheRuleGets403AndInsideIsLetThrough) {
  std::map<Role, TestSession> sessions;
  for (const Role role : kPeople) sessions[role] = login(user(role));
  auto c = client();
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route) continue;
    for (const Role role : kPeople) {
      const bool allowed = r.rule.kind == AccessRule::Kind::person && r.rule.roles.count(role);
      if (allowed && r.pattern == "/api/v1/logout") continue;  // would end the session
      const httplib::Result res = call(*c, r.method, r.example, sessions[role].bearer());
      ASSERT_TRUE(res) << label(r);
      if (allowed) {
        EXPECT_NE(res->status, 401) << label(r) << " as " << to_string(role);
        EXPECT_NE(res->status, 403) << label(r) << " as " << to_string(role) << ": " << res->body;
      } else {
        EXPECT_EQ(res->status, 403) << label(r) << " as " << to_string(role);
        expect_refusal_body(res, r);
      }
    }
  }
}

TEST_F(RouteScanner, DeviceCertificateOpensOnlyDeviceRoutes) {
  const EnrolledDevice device = enrol();
  auto c = device_client(device);
  for (const RouteInfo& r : server_->routes()) {
    if (r.rule.kind == AccessRule::Kind::public_route) continue;
    const httplib::Result res = call(*c, r.method, r.example);
    ASSERT_TRUE(res) << label(r);
    if (r.rule.kind == AccessRule::Kind::device) {
      EXPECT_NE(res->status, 401) << label(r);
      EXPECT_NE(res->status, 403) << label(r);
    } else {
      EXPECT_EQ(res->status, 401) << label(r) << " (a person route with a device certificate)";
      expect_refusal_body(res, r);
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
