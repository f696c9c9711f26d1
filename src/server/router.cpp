#include "server/router.hpp"

#include <algorithm>
#include <exception>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "server/auth.hpp"

namespace roadwarden::server {
namespace {

constexpr const char* kSessionCookie = "rw_session";
/// Largest body read for a public route (login) and for a person's route. Only device
/// routes (ingest) may send up to ServerOptions::max_upload_bytes. Checked from the headers,
/// before the body is read, so an anonymous caller can never make the server buffer more.
constexpr std::size_t kPublicBodyBytes = 64 * 1024;
constexpr std::size_t kPersonBodyBytes = 1024 * 1024;

void answer_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

bool unsafe_method(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

/// The session token of the request and whether it came from the cookie.
struct Credentials {
  std::string token;
  bool from_cookie = false;
};

Credentials credentials(const httplib::Request& req) {
  Credentials c;
  const std::string auth = req.get_header_value("Authorization");
  const std::string bearer = "Bearer ";
  if (auth.size() > bearer.size() && auth.compare(0, bearer.size(), bearer) == 0) {
    c.token = auth.substr(bearer.size());
    return c;
  }
  const std::string cookies = req.get_header_value("Cookie");
  std::size_t pos = 0;
  while (pos < cookies.size()) {
    std::size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string part = cookies.substr(pos, end - pos);
    const std::size_t first = part.find_first_not_of(' ');
    part = first == std::string::npos ? "" : part.substr(first);
    const std::string prefix = std::string(kSessionCookie) + "=";
    if (part.compare(0, prefix.size(), prefix) == 0) {
      c.token = part.substr(prefix.size());
      c.from_cookie = true;
      return c;
    }
    pos = end + 1;
  }
  return c;
}

void security_headers(httplib::Response& res) {
  res.set_header("Strict-Transport-Security", "max-age=31536000");
  // A handler may narrow-open the policy for its own page (the printable citation's data:
  // images); every other response gets the strict one.
  if (!res.has_header("Content-Security-Policy")) {
    res.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  res.set_header("X-Content-Type-Options", "nosniff");
  // The web console's static assets revalidate with their ETag ("no-cache"); every other
  // answer is never stored.
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
}

/// Runs `fn`, turning error kinds into statuses (the one boundary).
template <typename Fn>
void guarded(httplib::Response& res, const std::string& what, Fn&& fn) {
  try {
    fn();
  } catch (const InvalidInput& e) {
    answer_error(res, 400, e.what());
  } catch (const nlohmann::json::exception&) {
    answer_error(res, 400, "the request body is not the expected JSON");
  } catch (const PermissionDenied& e) {
    answer_error(res, 403, e.what());
  } catch (const Corrupt& e) {
    spdlog::error("{}: integrity check failed: {}", what, e.what());
    answer_error(res, 409, "stored data failed its integrity check and is not served");
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", what, e.what());
    answer_error(res, 500, "internal error");
  }
}

}  // namespace

std::string Caller::actor() const {
  if (user) return user->username;
  if (device) return "device:" + device->serial;
  return "anonymous";
}

std::string Caller::role() const {
  if (user) return store::to_string(user->role);
  if (device) return "device";
  return "anonymous";
}

Router::Router(httplib::Server& http, Authenticator& auth) : http_(http), auth_(auth) {
  // Unregistered method + path: 401 to anonymous callers (no route discovery), 404 otherwise.
  http_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    for (std::size_t i = 0; i < routes_.size(); ++i) {
      if (routes_[i].method == method && std::regex_match(req.path, patterns_[i]))
        return before_body(req, res, routes_[i].rule) ? httplib::Server::HandlerResponse::Unhandled
                                                      : httplib::Server::HandlerResponse::Handled;
    }
    guarded(res, "unknown route", [&] {
      const Credentials c = credentials(req);
      const UtcTime now = auth_.clock().now();
      const bool known = (!c.token.empty() && auth_.session(c.token, now)) || auth_.device(req.ssl);
      if (known)
        answer_error(res, 404, "not found");
      else
        answer_error(res, 401, "authentication required");
    });
    return httplib::Server::HandlerResponse::Handled;
  });
  http_.set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& res) { security_headers(res); });
  http_.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                 std::exception_ptr) { answer_error(res, 500, "internal error"); });
}

bool Router::is_board_device(const store::Device& device) const {
  const std::vector<std::string>& boards = auth_.options().board_devices;
  return std::find(boards.begin(), boards.end(), device.serial) != boards.end();
}

bool Router::before_body(const httplib::Request& req, httplib::Response& res,
                         const AccessRule& rule) {
  bool go_on = false;
  guarded(res, "request headers", [&] {
    // Who is calling, from the headers and the TLS connection alone: a caller of the wrong
    // kind is refused here, so its body is never read. Roles and CSRF are checked after.
    const UtcTime now = auth_.clock().now();
    if (rule.kind == AccessRule::Kind::person) {
      const Credentials c = credentials(req);
      if (c.token.empty() || !auth_.session(c.token, now))
        return answer_error(res, 401, "authentication required");
    } else if (rule.kind == AccessRule::Kind::board) {
      // A person's session first (roles are checked after), else a message board's device.
      const Credentials c = credentials(req);
      if (c.token.empty() || !auth_.session(c.token, now)) {
        const std::optional<store::Device> d = auth_.device(req.ssl);
        if (!d) return answer_error(res, 401, "authentication required");
        if (!is_board_device(*d)) return answer_error(res, 403, "forbidden");
      }
    } else if (rule.kind == AccessRule::Kind::device && !auth_.device(req.ssl)) {
      const Credentials c = credentials(req);
      const bool person = !c.token.empty() && auth_.session(c.token, now);
      return answer_error(res, person ? 403 : 401,
                          person ? "forbidden" : "authentication required");
    }
    if (rule.kind != AccessRule::Kind::device) {
      if (req.has_header("Transfer-Encoding"))
        return answer_error(res, 411, "send the body with a Content-Length");
      const bool open = rule.kind == AccessRule::Kind::public_route ||
                        rule.kind == AccessRule::Kind::public_asset;
      const std::size_t limit = open ? kPublicBodyBytes : kPersonBodyBytes;
      const std::string length = req.get_header_value("Content-Length");
      if (!length.empty() &&
          (length.size() > 12 || length.find_first_not_of("0123456789") != std::string::npos ||
           std::stoull(length) > limit))
        return answer_error(res, 413, "the request body is too large");
    }
    go_on = true;
  });
  return go_on;
}

void Router::add(std::string method, std::string pattern, std::string example, AccessRule rule,
                 Handler handler) {
  const bool people_rule =
      rule.kind == AccessRule::Kind::person || rule.kind == AccessRule::Kind::board;
  if (people_rule && rule.roles.empty())
    throw InvalidInput("route " + method + " " + pattern + ": a person rule needs roles");
  if (people_rule && rule.roles.count(store::Role::device))
    throw InvalidInput("route " + method + " " + pattern + ": devices are not people");
  if (rule.kind == AccessRule::Kind::public_asset && method != "GET")
    throw InvalidInput("route " + method + " " + pattern + ": a static asset is GET only");
  for (const RouteInfo& r : routes_) {
    if (r.method == method && r.pattern == pattern)
      throw InvalidInput("route " + method + " " + pattern + " is registered twice");
  }
  std::regex compiled(pattern);
  if (!std::regex_match(example, compiled))
    throw InvalidInput("route " + method + " " + pattern + ": example " + example +
                       " does not match");

  httplib::Server::Handler wrapped = [this, rule, handler = std::move(handler),
                                      name = method + " " + pattern](const httplib::Request& req,
                                                                     httplib::Response& res) {
    guarded(res, name, [&] {
      Caller caller;
      const UtcTime now = auth_.clock().now();
      switch (rule.kind) {
        case AccessRule::Kind::public_route:
        case AccessRule::Kind::public_asset:
          break;
        case AccessRule::Kind::person: {
          const Credentials c = credentials(req);
          std::optional<ActiveSession> s;
          if (!c.token.empty()) s = auth_.session(c.token, now);
          if (!s) return answer_error(res, 401, "authentication required");
          if (!rule.roles.count(s->user.role)) return answer_error(res, 403, "forbidden");
          if (c.from_cookie && unsafe_method(req.method) &&
              !crypto::equal_constant_time(req.get_header_value("X-CSRF-Token"),
                                           s->session.csrf_token))
            return answer_error(res, 403, "missing or wrong X-CSRF-Token header");
          caller.session_token_hash = s->session.token_hash;
          caller.user = std::move(s->user);
          break;
        }
        case AccessRule::Kind::board: {
          const Credentials c = credentials(req);
          std::optional<ActiveSession> s;
          if (!c.token.empty()) s = auth_.session(c.token, now);
          if (s) {
            if (!rule.roles.count(s->user.role)) return answer_error(res, 403, "forbidden");
            if (c.from_cookie && unsafe_method(req.method) &&
                !crypto::equal_constant_time(req.get_header_value("X-CSRF-Token"),
                                             s->session.csrf_token))
              return answer_error(res, 403, "missing or wrong X-CSRF-Token header");
            caller.session_token_hash = s->session.token_hash;
            caller.user = std::move(s->user);
            break;
          }
          caller.device = auth_.device(req.ssl);
          if (!caller.device) return answer_error(res, 401, "authentication required");
          if (!is_board_device(*caller.device)) return answer_error(res, 403, "forbidden");
          break;
        }
        case AccessRule::Kind::device: {
          caller.device = auth_.device(req.ssl);
          if (!caller.device) {
            const Credentials c = credentials(req);
            const bool person = !c.token.empty() && auth_.session(c.token, now);
            return answer_error(res, person ? 403 : 401,
                                person ? "forbidden" : "authentication required");
          }
          break;
        }
      }
      handler(req, res, caller);
    });
  };

  if (method == "GET")
    http_.Get(pattern, wrapped);
  else if (method == "POST")
    http_.Post(pattern, wrapped);
  else if (method == "PUT")
    http_.Put(pattern, wrapped);
  else if (method == "DELETE")
    http_.Delete(pattern, wrapped);
  else
    throw InvalidInput("route " + pattern + ": unsupported method " + method);
  routes_.push_back(RouteInfo{std::move(method), std::move(pattern), std::move(example), rule});
  patterns_.push_back(std::move(compiled));
}

}  // namespace roadwarden::server
