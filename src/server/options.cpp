// DATA_DIR/server.toml → ServerOptions (context.hpp). Same rules as the camera agent's site
// configuration (edge/site_config.cpp): unknown keys, wrong types and out-of-range values
// are rejected with the file and key named.
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml.hpp>

#include "core/errors.hpp"
#include "server/context.hpp"

namespace roadwarden::server {
namespace {

class Keys {
 public:
  Keys(const toml::value& root, std::string file) : file_(std::move(file)) {
    if (!root.is_table()) fail("(top level)", "must be a table");
    table_ = &root.as_table();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    throw InvalidInput(fmt::format("{}: {}: {}", file_, key, why));
  }
  const toml::value* get(const std::string& key) {
    used_.insert(key);
    const auto it = table_->find(key);
    return it == table_->end() ? nullptr : &it->second;
  }
  void string(const std::string& key, std::string& out) {
    const toml::value* v = get(key);
    if (!v) return;
    if (!v->is_string()) fail(key, "must be a string");
    out = v->as_string().str;
  }
  long long integer(const std::string& key, long long current, long long lo, long long hi) {
    const toml::value* v = get(key);
    if (!v) return current;
    if (!v->is_integer()) fail(key, "must be an integer");
    const long long x = v->as_integer();
    if (x < lo || x > hi) fail(key, fmt::format("must be in {}..{}, got {}", lo, hi, x));
    return x;
  }
  bool boolean(const std::string& key, bool current) {
    const toml::value* v = get(key);
    if (!v) return current;
    if (!v->is_boolean()) fail(key, "must be true or false");
    return v->as_boolean();
  }
  void reject_unknown() const {
    for (const auto& [key, value] : *table_) {
      if (!used_.count(key))
        fail(key, "unknown key (every option is listed in the server.toml `admin init` writes)");
    }
  }

 private:
  const toml::table* table_ = nullptr;
  std::string file_;
  std::set<std::string> used_;
};

}  // namespace

ServerOptions load_server_options(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read the server configuration", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  const std::string file = path.string();
  toml::value root;
  try {
    std::istringstream is(text.str());
    root = toml::parse(is, file);
  } catch (const std::exception& e) {
    throw InvalidInput(fmt::format("{}: not valid TOML: {}", file, e.what()));
  }
  ServerOptions o;
  Keys k(root, file);
  k.string("bind_address", o.bind_address);
  if (o.bind_address.empty()) k.fail("bind_address", "must not be empty");
  o.port = static_cast<int>(k.integer("port", o.port, 0, 65535));
  k.string("database", o.database);
  if (!o.database.empty() && o.database.rfind("postgresql://", 0) != 0 &&
      o.database.rfind("postgres://", 0) != 0)
    k.fail("database", "must be empty (SQLite) or a postgresql:// URI");
  o.session_idle =
      std::chrono::minutes(k.integer("session_idle_minutes", o.session_idle.count(), 1, 24 * 60));
  o.session_max =
      std::chrono::hours(k.integer("session_max_hours", o.session_max.count(), 1, 24 * 7));
  o.lockout_failures = static_cast<int>(k.integer("lockout_failures", o.lockout_failures, 1, 100));
  o.lockout = std::chrono::minutes(k.integer("lockout_minutes", o.lockout.count(), 1, 24 * 60));
  o.non_violation_retention =
      std::chrono::minutes(k.integer("non_violation_retention_minutes",
                                     o.non_violation_retention.count(), 1, 10LL * 365 * 24 * 60));
  o.rejected_violation_retention = std::chrono::minutes(
      k.integer("rejected_violation_retention_minutes", o.rejected_violation_retention.count(), 1,
                10LL * 365 * 24 * 60));
  o.violation_retention = std::chrono::hours(
      24 * k.integer("violation_retention_days", o.violation_retention.count() / 24, 1, 100 * 365));
  o.purge_interval = std::chrono::seconds(
      k.integer("purge_interval_seconds", o.purge_interval.count(), 1, 24 * 3600));
  o.second_review = k.boolean("second_review", o.second_review);
  o.camera_heartbeat = std::chrono::seconds(
      k.integer("camera_heartbeat_seconds", o.camera_heartbeat.count(), 1, 24 * 3600));
  o.max_upload_bytes =
      static_cast<std::size_t>(
          k.integer("max_upload_mb", static_cast<long long>(o.max_upload_bytes >> 20), 1, 4096))
      << 20;
  if (const toml::value* v = k.get("board_devices")) {
    if (!v->is_array()) k.fail("board_devices", "must be an array of device serials");
    for (const toml::value& item : v->as_array()) {
      if (!item.is_string()) k.fail("board_devices", "must be an array of device serials");
      const std::string serial = item.as_string().str;
      if (serial.empty() || serial.size() > 64 ||
          serial.find_first_not_of("0123456789abcdef") != std::string::npos)
        k.fail("board_devices", "each serial must be 1-64 lower-case hex digits");
      o.board_devices.push_back(serial);
    }
  }
  k.reject_unknown();
  return o;
}

}  // namespace roadwarden::server
