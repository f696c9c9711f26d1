// Health, login, logout and "who am I" (routes.hpp: register_account_routes).
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/auth.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;

std::string string_field(const json& body, const char* key) {
  const auto it = body.find(key);
  if (it == body.end() || !it->is_string())
    throw InvalidInput(std::string("field \"") + key + "\" must be a string");
  return it->get<std::string>();
}

}  // namespace

void register_account_routes(Router& router, ServerContext& context, AuditLog&) {
  const std::set<Role> people{Role::admin, Role::supervisor, Role::reviewer, Role::investigator,
                              Role::auditor};

  // Public: says only that the server answers (no version, no data).
  router.add("GET", "/api/v1/health", "/api/v1/health", AccessRule::anyone(),
             [](const httplib::Request&, httplib::Response& res, const Caller&) {
               res.set_content(R"({"status":"ok"})", "application/json");
             });

  // Public: {username, password, totp} → {token, csrf, username, role}; also sets the
  // session cookie (HttpOnly, Secure, SameSite=Strict).
  router.add(
      "POST", "/api/v1/login", "/api/v1/login", AccessRule::anyone(),
      [&router, &context](const httplib::Request& req, httplib::Response& res, const Caller&) {
        const json body = json::parse(req.body);
        if (!body.is_object()) throw InvalidInput("the body must be a JSON object");
        const LoginResult r =
            router.auth().login(string_field(body, "username"), string_field(body, "password"),
                                string_field(body, "totp"), context.clock.now());
        if (!r.ok) {
          res.status = 401;
          res.set_content(json{{"error", r.refusal}}.dump(), "application/json");
          return;
        }
        const auto max_age =
            std::chrono::duration_cast<std::chrono::seconds>(context.options.session_max);
        res.set_header("Set-Cookie", "rw_session=" + r.token +
                                         "; Path=/; Max-Age=" + std::to_string(max_age.count()) +
                                         "; HttpOnly; Secure; SameSite=Strict");
        res.set_content(json{{"token", r.token},
                             {"csrf", r.csrf_token},
                             {"username", r.user->username},
                             {"role", store::to_string(r.user->role)}}
                            .dump(),
                        "application/json");
      });

  router.add("POST", "/api/v1/logout", "/api/v1/logout", AccessRule::people(people),
             [&router](const httplib::Request&, httplib::Response& res, const Caller& caller) {
               router.auth().logout(caller.session_token_hash, caller.actor(), caller.role());
               res.set_header("Set-Cookie",
                              "rw_session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
               res.set_content(R"({"status":"logged out"})", "application/json");
             });

  router.add("GET", "/api/v1/me", "/api/v1/me", AccessRule::people(people),
             [](const httplib::Request&, httplib::Response& res, const Caller& caller) {
               res.set_content(json{{"username", caller.user->username},
                                    {"role", store::to_string(caller.user->role)}}
                                   .dump(),
                               "application/json");
             });
}

}  // namespace roadwarden::server
