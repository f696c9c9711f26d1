#include "server/admin_init.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "server/auth.hpp"

namespace roadwarden::server {
namespace {

namespace fs = std::filesystem;

constexpr int kCaDays = 3650;
constexpr int kServerCertDays = 730;
constexpr int kClientCertDays = 730;

/// Creates `path` (which must not exist) with `mode`, writes `content`, fsyncs.
void write_new_file(const fs::path& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    throw IoError(fmt::format("{}: cannot create: {}", path.string(), std::strerror(errno)));
  std::size_t done = 0;
  bool ok = true;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw IoError(fmt::format("{}: cannot write: {}", path.string(), std::strerror(errno)));
}

void make_private_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw IoError(
        fmt::format("{}: cannot create the directory: {}", dir.string(), std::strerror(errno)));
  if (::chmod(dir.c_str(), 0700) != 0)
    throw IoError(fmt::format("{}: cannot set mode 0700: {}", dir.string(), std::strerror(errno)));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot read", path.string()));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// `value` as a TOML basic string ("…" with \\ and \" escaped). InvalidInput for a control
/// character (the message does not repeat the value: it may hold a password).
std::string toml_string(std::string_view value, const char* what) {
  std::string out = "\"";
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw InvalidInput(fmt::format("{} must not contain control characters", what));
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

/// server.toml as init writes it; `database` "" leaves the database option commented out.
std::string server_toml(const std::vector<std::string>& hosts, const std::string& database) {
  const ServerOptions d;
  const std::string database_line = database.empty()
                                        ? std::string("# database = \"\"")
                                        : "database = " + toml_string(database, "--database");
  return fmt::format(
      R"(# roadwarden server configuration (written by `roadwarden admin init`).
# Every option is listed with its default; uncomment to change. Unknown keys are rejected.
# The TLS certificate in tls/server.pem was issued for: {hosts}
# There is no option to turn off TLS, authentication or the audit log.

# Listen address. 127.0.0.1 keeps the server local; set a LAN address to expose it.
# bind_address = "{bind}"
# HTTPS port (0 = any free port).
# port = {port}
# "" = SQLite at DATA_DIR/roadwarden.db; or a PostgreSQL URI,
# e.g. "postgresql://roadwarden@127.0.0.1:5432/roadwarden" (password from PGPASSWORD or ~/.pgpass).
{database}

# A session locks after this many minutes without a request.
# session_idle_minutes = {idle}
# A session ends this many hours after login, used or not.
# session_max_hours = {max}
# Consecutive failed logins that lock an account, and for how many minutes.
# lockout_failures = {failures}
# lockout_minutes = {lockout}

# Plate reads that are not violations are deleted this many minutes after receipt (>= 1).
# non_violation_retention_minutes = {nvr}
# Violation records are kept this many days (the legal keeping period).
# violation_retention_days = {vr}
# Violations a reviewer rejected are deleted this many minutes after the rejection (>= 1).
# rejected_violation_retention_minutes = {rvr}
# How often retention runs, in seconds.
# purge_interval_seconds = {purge}
# Two-person review: a violation is confirmed only when a second person (reviewer or
# supervisor, not the first) confirms it too.
# second_review = {second_review}
# The camera agents' heartbeat interval in seconds (site.toml [health] heartbeat_seconds);
# a camera shows as online while its latest upload is at most 3 x this old.
# camera_heartbeat_seconds = {heartbeat}
# Largest upload body accepted from a camera agent, in MiB (larger: 413).
# max_upload_mb = {upload}
# Serials of enrolled devices that are roadside message boards (docs/message-board.md): they
# may read the board feed and never upload.
# board_devices = []
)",
      fmt::arg("hosts", fmt::join(hosts, ", ")), fmt::arg("database", database_line),
      fmt::arg("bind", d.bind_address), fmt::arg("port", d.port),
      fmt::arg("idle", d.session_idle.count()), fmt::arg("max", d.session_max.count()),
      fmt::arg("failures", d.lockout_failures), fmt::arg("lockout", d.lockout.count()),
      fmt::arg("nvr", d.non_violation_retention.count()),
      fmt::arg("vr", d.violation_retention.count() / 24),
      fmt::arg("rvr", d.rejected_violation_retention.count()),
      fmt::arg("purge", d.purge_interval.count()), fmt::arg("second_review", d.second_review),
      fmt::arg("upload", d.max_upload_bytes >> 20), fmt::arg("heartbeat", d.camera_heartbeat.count()));
}

}  // namespace

IssuedCredentials issue_credentials(store::Store& store, const Clock& clock,
                                    const crypto::EvidenceKey& totp_key,
                                    const std::string& username, store::Role role,
                                    const store::User* existing) {
  if (role == store::Role::device)
    throw InvalidInput("a person cannot have the role device (devices enrol with a certificate)");
  IssuedCredentials c;
  c.username = username;
  c.role = role;
  c.password = crypto::generate_password();
  c.totp_secret = crypto::generate_totp_secret();
  c.otpauth_uri = crypto::otpauth_uri("roadwarden", username, c.totp_secret);
  store::User user = existing ? *existing : store::User{};
  user.username = username;
  user.role = role;
  user.password_hash = crypto::hash_password(c.password);
  user.totp_secret = seal_totp_secret(totp_key, username, c.totp_secret);
  user.totp_last_step = -1;
  user.failed_logins = 0;
  user.locked_until.reset();
  if (existing) {
    store.update_user(user);
    store.delete_user_sessions(user.id);
  } else {
    user.created_at = clock.now();
    user.disabled = false;
    (void)store.add_user(user);
  }
  return c;
}

InitResult init_data_dir(const DataDir& data, const std::vector<std::string>& hosts,
                         const std::string& admin_username, const Clock& clock,
                         const std::string& database) {
  if (hosts.empty())
    throw InvalidInput("admin init needs at least one host name for the TLS certificate");
  if (!database.empty() && database.rfind("postgresql://", 0) != 0 &&
      database.rfind("postgres://", 0) != 0)
    throw InvalidInput("--database must be a PostgreSQL URI (postgresql://…)");
  const std::string config = server_toml(hosts, database);  // checks the URI's characters
  std::error_code ec;
  if (fs::exists(data.root, ec)) {
    if (!fs::is_directory(data.root, ec))
      throw InvalidInput(fmt::format("{} exists and is not a directory", data.root.string()));
    if (!fs::is_empty(data.root, ec))
      throw InvalidInput(fmt::format(
          "{} is not empty: admin init only creates a new data directory", data.root.string()));
  } else if (data.root.has_parent_path() && !data.root.parent_path().empty()) {
    fs::create_directories(data.root.parent_path(), ec);
  }
  // PostgreSQL is opened and checked before any file is made, so that a refusal leaves
  // nothing behind.
  std::unique_ptr<store::Store> store;
  if (!database.empty()) {
    store = store::open_postgres_store(database);
    if (!store->users().empty())
      throw InvalidInput(
          "that PostgreSQL database already has users: admin init only creates the first "
          "admin of an empty database (create more users through the API as an admin)");
  }
  make_private_dir(data.root);
  make_private_dir(data.root / "tls");
  make_private_dir(data.evidence());

  const crypto::CertifiedKey ca = crypto::create_certificate_authority("roadwarden CA", kCaDays);
  const crypto::CertifiedKey server = crypto::issue_server_certificate(ca, hosts, kServerCertDays);
  write_new_file(data.ca_cert(), ca.cert_pem, 0644);
  write_new_file(data.ca_key(), ca.key_pem, 0600);
  write_new_file(data.server_cert(), server.cert_pem + ca.cert_pem, 0644);
  write_new_file(data.server_key(), server.key_pem, 0600);
  const crypto::EvidenceKey key = crypto::create_evidence_key(data.evidence_key());
  write_new_file(data.config(), config, 0600);

  if (!store) {
    store = store::open_sqlite_store(data.database());
    ::chmod(data.database().c_str(), 0600);
  }
  InitResult result;
  result.admin = issue_credentials(*store, clock, key, admin_username, store::Role::admin);
  result.ca_sha256 = ca.sha256;
  AuditLog audit(*store, clock, data.audit_head());
  store::AuditEntry entry;
  entry.actor = "system";
  entry.role = "system";
  entry.action = "init";
  entry.target = "data directory; first admin " + admin_username;
  entry.outcome = "ok";
  audit.append(std::move(entry));
  return result;
}

EnrolledDevice enrol_device(const DataDir& data, store::Store& store, AuditLog& audit,
                            const Clock& clock, const std::string& camera_id,
                            const std::string& actor, const std::string& role) {
  if (!store.camera(camera_id))
    throw InvalidInput(
        fmt::format("camera \"{}\" is not registered (add it first: PUT /api/v1/cameras/{})",
                    camera_id, camera_id));
  crypto::CertifiedKey ca;
  ca.cert_pem = read_file(data.ca_cert());
  ca.key_pem = read_file(data.ca_key());
  const crypto::CertifiedKey client =
      crypto::issue_client_certificate(ca, camera_id, kClientCertDays);
  EnrolledDevice d;
  d.serial = client.serial_hex;
  d.camera_id = camera_id;
  d.cert_pem = client.cert_pem;
  d.key_pem = client.key_pem;
  d.ca_pem = ca.cert_pem;
  d.signing_key = crypto::generate_signing_key();

  store::Device device;
  device.serial = client.serial_hex;
  device.camera_id = camera_id;
  device.cert_sha256 = client.sha256;
  device.signing_public_key = d.signing_key.public_hex;
  device.issued_at = clock.now();
  store.add_device(device);

  store::AuditEntry entry;
  entry.actor = actor;
  entry.role = role;
  entry.action = "config_change";
  entry.target = fmt::format("device {} enrolled for camera {}", d.serial, camera_id);
  entry.outcome = "ok";
  audit.append(std::move(entry));
  return d;
}

bool revoke_device(store::Store& store, AuditLog& audit, const Clock& clock,
                   const std::string& serial, const std::string& actor, const std::string& role) {
  const bool revoked = store.revoke_device(serial, clock.now());
  store::AuditEntry entry;
  entry.actor = actor;
  entry.role = role;
  entry.action = "config_change";
  entry.target = fmt::format("device {} revoked", serial.substr(0, 64));
  entry.outcome = revoked ? "ok" : "failed";
  audit.append(std::move(entry));
  return revoked;
}

}  // namespace roadwarden::server
