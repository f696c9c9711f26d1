// Users, sites, cameras and devices: the admin's routes (routes.hpp: register_admin_routes).
// Every change is audited as "config_change". Credentials and device keys are answered
// once and never stored in clear.
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/admin_init.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using json = nlohmann::json;
using store::Role;

const std::string kUserName = "([a-z0-9_.-]{1,64})";
const std::string kId = "([A-Za-z0-9_.-]{1,64})";

json parse_object(const httplib::Request& req) {
  json body = json::parse(req.body);
  if (!body.is_object()) throw InvalidInput("the body must be a JSON object");
  return body;
}

std::string string_field(const json& body, const char* key, bool required = true,
                         std::string fallback = "") {
  const auto it = body.find(key);
  if (it == body.end()) {
    if (required) throw InvalidInput(std::string("field \"") + key + "\" is required");
    return fallback;
  }
  if (!it->is_string()) throw InvalidInput(std::string("field \"") + key + "\" must be a string");
  return it->get<std::string>();
}

Role person_role(const std::string& name) {
  const std::optional<Role> role = store::parse_role(name);
  if (!role || *role == Role::device)
    throw InvalidInput(fmt::format(
        "role must be one of admin, supervisor, reviewer, investigator, auditor; got \"{}\"",
        name.substr(0, 32)));
  return *role;
}

bool valid_timezone(const std::string& name) {
  static const std::regex re("[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*");
  if (!std::regex_match(name, re)) return false;
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path("/usr/share/zoneinfo") / name, ec);
}

json user_json(const store::User& u) {
  json j{{"id", u.id},
         {"username", u.username},
         {"role", store::to_string(u.role)},
         {"disabled", u.disabled},
         {"created_at", to_iso8601(u.created_at)}};
  j["locked_until"] = u.locked_until ? json(to_iso8601(*u.locked_until)) : json(nullptr);
  return j;
}

json credentials_json(const IssuedCredentials& c) {
  return json{{"username", c.username},
              {"role", store::to_string(c.role)},
              {"password", c.password},
              {"totp_secret", c.totp_secret},
              {"otpauth_uri", c.otpauth_uri}};
}

void reply(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

/// Audits one configuration change by `caller`.
void audit_change(AuditLog& audit, const Caller& caller, std::string target) {
  store::AuditEntry e;
  e.actor = caller.actor();
  e.role = caller.role();
  e.action = "config_change";
  e.target = std::move(target);
  e.outcome = "ok";
  audit.append(std::move(e));
}

store::User existing_user(store::Store& store, const std::string& name) {
  std::optional<store::User> u = store.user_by_name(name);
  if (!u) throw InvalidInput(fmt::format("no user \"{}\"", name));
  return *u;
}

/// Refuses a change that would leave no enabled admin (nobody could administer the server).
void keep_an_admin(store::Store& store, const store::User& changed) {
  if (changed.role != Role::admin || changed.disabled) {
    for (const store::User& u : store.users()) {
      if (u.id != changed.id && u.role == Role::admin && !u.disabled) return;
    }
    throw InvalidInput("this change would leave no enabled admin");
  }
}

}  // namespace

void register_admin_routes(Router& router, ServerContext& context, AuditLog& audit) {
  const AccessRule admin = AccessRule::people({Role::admin});
  store::Store& store = context.store;
  const Clock& clock = context.clock;

  // ---- users ----
  router.add("GET", "/api/v1/users", "/api/v1/users", admin,
             [&store](const httplib::Request&, httplib::Response& res, const Caller&) {
               json list = json::array();
               for (const store::User& u : store.users()) list.push_back(user_json(u));
               reply(res, json{{"users", list}});
             });
  router.add("POST", "/api/v1/users", "/api/v1/users", admin,
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               store::Store& store = context.store;
               const json body = parse_object(req);
               const std::string name = string_field(body, "username");
               const Role role = person_role(string_field(body, "role"));
               if (store.user_by_name(name))
                 throw InvalidInput(fmt::format("user \"{}\" exists", name.substr(0, 64)));
               const IssuedCredentials c =
                   issue_credentials(store, context.clock, context.evidence_key, name, role);
               audit_change(audit, caller,
                            fmt::format("user {} created with role {}", name, to_string(role)));
               reply(res, credentials_json(c), 201);
             });
  router.add(
      "PUT", "/api/v1/users/" + kUserName + "/role", "/api/v1/users/alice/role", admin,
      [&store, &audit](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
        const json body = parse_object(req);
        store::User u = existing_user(store, req.matches[1]);
        u.role = person_role(string_field(body, "role"));
        keep_an_admin(store, u);
        store.update_user(u);
        store.delete_user_sessions(u.id);  // the old role's sessions end
        audit_change(audit, caller,
                     fmt::format("user {} role set to {}", u.username, to_string(u.role)));
        reply(res, user_json(u));
      });
  for (const bool disable : {true, false}) {
    const std::string verb = disable ? "disable" : "enable";
    router.add("POST", "/api/v1/users/" + kUserName + "/" + verb, "/api/v1/users/alice/" + verb,
               admin,
               [&store, &audit, disable, verb](const httplib::Request& req, httplib::Response& res,
                                               const Caller& caller) {
                 store::User u = existing_user(store, req.matches[1]);
                 u.disabled = disable;
                 keep_an_admin(store, u);
                 store.update_user(u);
                 if (disable) store.delete_user_sessions(u.id);
                 audit_change(audit, caller, fmt::format("user {} {}d", u.username, verb));
                 reply(res, user_json(u));
               });
  }
  router.add("POST", "/api/v1/users/" + kUserName + "/reset", "/api/v1/users/alice/reset", admin,
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               const store::User u = existing_user(context.store, req.matches[1]);
               const IssuedCredentials c = issue_credentials(
                   context.store, context.clock, context.evidence_key, u.username, u.role, &u);
               audit_change(audit, caller,
                            fmt::format("user {} password and TOTP reset", u.username));
               reply(res, credentials_json(c));
             });

  // ---- sites and cameras ----
  router.add("GET", "/api/v1/sites", "/api/v1/sites", admin,
             [&store](const httplib::Request&, httplib::Response& res, const Caller&) {
               json list = json::array();
               for (const store::Site& s : store.sites())
                 list.push_back({{"id", s.id}, {"name", s.name}, {"timezone", s.timezone}});
               reply(res, json{{"sites", list}});
             });
  router.add(
      "PUT", "/api/v1/sites/" + kId, "/api/v1/sites/site-1", admin,
      [&store, &audit](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
        const json body = parse_object(req);
        store::Site s;
        s.id = req.matches[1];
        s.name = string_field(body, "name");
        s.timezone = string_field(body, "timezone", false, "UTC");
        if (!valid_timezone(s.timezone))
          throw InvalidInput("timezone must be an IANA zone such as \"Asia/Tashkent\"");
        store.put_site(s);
        audit_change(audit, caller, fmt::format("site {} saved", s.id));
        reply(res, json{{"id", s.id}, {"name", s.name}, {"timezone", s.timezone}});
      });
  const auto camera_json = [](const store::Camera& c) {
    return json{{"id", c.id},
                {"site_id", c.site_id},
                {"name", c.name},
                {"latitude", c.latitude},
                {"longitude", c.longitude},
                {"active", c.active}};
  };
  router.add("GET", "/api/v1/cameras", "/api/v1/cameras", admin,
             [&store, camera_json](const httplib::Request&, httplib::Response& res, const Caller&) {
               json list = json::array();
               for (const store::Camera& c : store.cameras()) list.push_back(camera_json(c));
               reply(res, json{{"cameras", list}});
             });
  router.add("PUT", "/api/v1/cameras/" + kId, "/api/v1/cameras/cam-1", admin,
             [&store, &audit, camera_json](const httplib::Request& req, httplib::Response& res,
                                           const Caller& caller) {
               const json body = parse_object(req);
               store::Camera c;
               c.id = req.matches[1];
               c.site_id = string_field(body, "site_id");
               c.name = string_field(body, "name", false, c.id);
               const auto number = [&body](const char* key, double lo, double hi) {
                 const auto it = body.find(key);
                 if (it == body.end()) return 0.0;
                 if (!it->is_number())
                   throw InvalidInput(std::string("field \"") + key + "\" must be a number");
                 const double v = it->get<double>();
                 if (!(v >= lo && v <= hi))
                   throw InvalidInput(fmt::format("field \"{}\" must be in [{}, {}]", key, lo, hi));
                 return v;
               };
               c.latitude = number("latitude", -90, 90);
               c.longitude = number("longitude", -180, 180);
               if (const auto it = body.find("active"); it != body.end()) {
                 if (!it->is_boolean())
                   throw InvalidInput("field \"active\" must be true or false");
                 c.active = it->get<bool>();
               }
               store.put_camera(c);
               audit_change(audit, caller, fmt::format("camera {} saved", c.id));
               reply(res, camera_json(c));
             });

  // ---- devices ----
  router.add("GET", "/api/v1/devices", "/api/v1/devices", admin,
             [&store](const httplib::Request&, httplib::Response& res, const Caller&) {
               json list = json::array();
               for (const store::Device& d : store.devices()) {
                 json j{{"serial", d.serial},
                        {"camera_id", d.camera_id},
                        {"cert_sha256", d.cert_sha256},
                        {"signing_public_key", d.signing_public_key},
                        {"issued_at", to_iso8601(d.issued_at)}};
                 j["revoked_at"] = d.revoked_at ? json(to_iso8601(*d.revoked_at)) : json(nullptr);
                 list.push_back(std::move(j));
               }
               reply(res, json{{"devices", list}});
             });
  router.add("POST", "/api/v1/devices", "/api/v1/devices", admin,
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               const json body = parse_object(req);
               const EnrolledDevice d =
                   enrol_device(context.data, context.store, audit, context.clock,
                                string_field(body, "camera_id"), caller.actor(), caller.role());
               const std::vector<std::uint8_t> seed(d.signing_key.secret.begin(),
                                                    d.signing_key.secret.begin() + 32);
               reply(res,
                     json{{"serial", d.serial},
                          {"camera_id", d.camera_id},
                          {"cert_pem", d.cert_pem},
                          {"key_pem", d.key_pem},
                          {"ca_pem", d.ca_pem},
                          {"signing_key", crypto::to_hex(seed)},
                          {"signing_public_key", d.signing_key.public_hex}},
                     201);
             });
  router.add("POST", "/api/v1/devices/([0-9a-f]{1,64})/revoke",
             "/api/v1/devices/0123456789abcdef/revoke", admin,
             [&store, &clock, &audit](const httplib::Request& req, httplib::Response& res,
                                      const Caller& caller) {
               const std::string serial = req.matches[1];
               if (!revoke_device(store, audit, clock, serial, caller.actor(), caller.role())) {
                 reply(res, json{{"error", "no such unrevoked device"}}, 404);
                 return;
               }
               reply(res, json{{"serial", serial}, {"revoked", true}});
             });
}

}  // namespace roadwarden::server
