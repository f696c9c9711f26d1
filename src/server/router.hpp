// The server's routes and their access rules. Every route is registered together with the
// rule that guards it, so no route can exist without one; the route scanner test
// (tests/integration/server_routes_test.cpp) enumerates routes() and checks each rule is
// enforced. The rule is checked before the handler runs: a handler never sees a request
// its rule refused.
#pragma once

#include <functional>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <httplib.h>

#include "store/server_records.hpp"

namespace roadwarden::server {

/// Who may call a route.
struct AccessRule {
  enum class Kind {
    public_route,  ///< anyone, no credentials: only health and login
    person,        ///< a logged-in person (session) whose role is in `roles`
    device,        ///< an enrolled, unrevoked camera agent (mTLS client certificate) only
    /// a roadside message board (an enrolled, unrevoked device whose serial is listed in
    /// ServerOptions::board_devices) or a logged-in person whose role is in `roles`: only
    /// the board feed (docs/message-board.md). Any other device gets 403.
    board,
    /// anyone, GET only: a static file of the web console (web/, embedded in the binary at
    /// build time; server/web_routes.cpp). These files hold no data; every datum the console
    /// shows comes from a person route.
    public_asset,
  };
  Kind kind = Kind::person;
  std::set<store::Role> roles;  ///< for Kind::person and Kind::board; never empty there

  [[nodiscard]] static AccessRule anyone() { return {Kind::public_route, {}}; }
  [[nodiscard]] static AccessRule device() { return {Kind::device, {}}; }
  /// A public static asset of the web console (GET only; Router::add refuses other methods).
  [[nodiscard]] static AccessRule static_asset() { return {Kind::public_asset, {}}; }
  [[nodiscard]] static AccessRule people(std::set<store::Role> roles) {
    return {Kind::person, std::move(roles)};
  }
  /// A message board's device certificate, or a person of `roles` (never empty).
  [[nodiscard]] static AccessRule board_or(std::set<store::Role> roles) {
    return {Kind::board, std::move(roles)};
  }
};

/// The authenticated caller of a request, as established by the access check.
struct Caller {
  /// Set for a person's session.
  std::optional<store::User> user;
  std::string session_token_hash;  ///< the session's key (persons)
  /// Set for a device (mTLS).
  std::optional<store::Device> device;
  /// "alice", "device:<serial>" or "anonymous" (for the audit log).
  [[nodiscard]] std::string actor() const;
  /// The role name for the audit log ("device" for devices, "anonymous" for none).
  [[nodiscard]] std::string role() const;
};

/// A route handler: the request, the response to fill, and the authenticated caller.
using Handler = std::function<void(const httplib::Request&, httplib::Response&, const Caller&)>;

/// One registered route (for the scanner test and the documentation).
struct RouteInfo {
  std::string method;   ///< "GET", "POST", "PUT", "DELETE"
  std::string pattern;  ///< httplib pattern, e.g. R"(/api/v1/records/([0-9a-f]{32}))"
  std::string example;  ///< a concrete path that matches, e.g. "/api/v1/records/0123…"
  AccessRule rule;
};

class Authenticator;  // server/auth.hpp: sessions, CSRF, device certificates

/// Registers routes on an httplib server, each behind its access rule.
///
/// For every request the router: (1) finds the caller — a device by the verified client
/// certificate of the TLS connection (looked up by its SHA-256 in the store; revoked or
/// unknown → no device), a person by the session token (cookie "rw_session" or
/// "Authorization: Bearer <token>"), refusing expired or idle-locked sessions; (2) applies
/// the rule: no caller for a non-public route → 401 with {"error": …} and nothing else;
/// caller of the wrong kind or role → 403; a cookie session's unsafe method (POST, PUT,
/// DELETE) without a matching "X-CSRF-Token" header → 403; (3) runs the handler. Error
/// kinds thrown by a handler become statuses at this one boundary: InvalidInput 400,
/// PermissionDenied 403, Corrupt 409 (tampered evidence is never served), anything else
/// 500 with a generic message (details logged, never personal data). A path no route
/// matches answers 401 to an anonymous caller (no route discovery) and 404 to a logged-in
/// person or a device. Every response carries Strict-Transport-Security,
/// Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" (unless the
/// handler set its own: only the printable citation does, to show its data: images),
/// X-Content-Type-Options nosniff and Cache-Control no-store (unless the handler set its own
/// Cache-Control: only the web console's static assets do, "no-cache" with an ETag).
///
/// Threading: routes are registered before the server starts; handlers run on httplib's
/// worker threads concurrently.
class Router {
 public:
  Router(httplib::Server& http, Authenticator& auth);
  /// Registers `handler` for `method` + `pattern` guarded by `rule`. `example` is a path
  /// the pattern matches (the scanner test calls it). InvalidInput for a person rule with
  /// no roles, a public-asset rule on a method other than GET, or a pattern registered twice.
  void add(std::string method, std::string pattern, std::string example, AccessRule rule,
           Handler handler);
  /// The authenticator the router checks callers with (the login and logout routes use it).
  [[nodiscard]] Authenticator& auth() { return auth_; }
  /// Every registered route, in registration order.
  [[nodiscard]] const std::vector<RouteInfo>& routes() const { return routes_; }

 private:
  httplib::Server& http_;
  Authenticator& auth_;
  std::vector<RouteInfo> routes_;
  std::vector<std::regex> patterns_;  // compiled routes_[i].pattern (unknown-path answers)

  /// Checks made from the request line, headers and TLS connection before httplib reads the
  /// body (pre-routing): a caller of the wrong kind gets 401/403 and its body is never read;
  /// a public route's body is limited to 64 KiB and a person's to 1 MiB (413; chunked
  /// bodies: 411), so only an enrolled device may send up to max_upload_bytes. False (and
  /// `res` filled) when refused.
  bool before_body(const httplib::Request& req, httplib::Response& res, const AccessRule& rule);
  /// True when `device`'s serial is listed in ServerOptions::board_devices.
  [[nodiscard]] bool is_board_device(const store::Device& device) const;
};

}  // namespace roadwarden::server
