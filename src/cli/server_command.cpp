// `roadwarden server` and `roadwarden admin …` (init, enrol-device, revoke-device,
// verify-audit): the central server and the administration of its data directory.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/unique_fd.hpp"
#include "crypto/crypto.hpp"
#include "server/admin_init.hpp"
#include "server/audit.hpp"
#include "server/server.hpp"

namespace roadwarden::cli {
namespace {

/// Writes a new file created with `mode` from the start (O_CREAT | O_EXCL | O_NOFOLLOW: never
/// an existing file or a symbolic link, and no moment in which a key is readable by others),
/// then fsyncs it. IoError naming the file and the OS reason.
void write_new(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0)
    throw IoError(fmt::format("{}: cannot create ({})", path.string(), std::strerror(errno)));
  const UniqueFd file(fd);
  if (::fchmod(fd, mode) != 0)  // the umask may have narrowed it; never widens beyond `mode`
    throw IoError(fmt::format("{}: cannot set its mode ({})", path.string(), std::strerror(errno)));
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw IoError(fmt::format("{}: cannot write ({})", path.string(), std::strerror(errno)));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0)
    throw IoError(fmt::format("{}: cannot sync ({})", path.string(), std::strerror(errno)));
}

}  // namespace

void AdminCommand::add_to(CLI::App& app, int& status) {
  CLI::App* admin = app.add_subcommand("admin", "Administer a server data directory");
  admin->require_subcommand(1);

  CLI::App* init = admin->add_subcommand(
      "init",
      "Create a data directory: CA and TLS certificate, evidence key, database and the first "
      "admin account (its password and TOTP enrolment are printed once)");
  init->add_option("DATA_DIR", data_dir, "New (or empty) data directory")->required();
  init->add_option("--host", hosts,
                   "Host name or IP address of the server certificate (repeatable; default "
                   "localhost and 127.0.0.1)");
  init->add_option("--admin", admin_name, "User name of the first admin")->capture_default_str();
  init->add_option("--database", database,
                   "PostgreSQL URI (postgresql://user@host:5432/db; password from the URI, "
                   "PGPASSWORD or ~/.pgpass): written to server.toml, and the first admin is "
                   "created there (the database must have no users). Default: SQLite in DATA_DIR");
  init->callback([this, &status] { status = run_init(); });

  CLI::App* enrol = admin->add_subcommand(
      "enrol-device",
      "Issue a camera agent's client certificate and signing key (written to --out, keys mode "
      "0600); the camera must be registered");
  enrol->add_option("DATA_DIR", data_dir, "Server data directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  enrol->add_option("--camera", camera, "Camera id")->required();
  enrol->add_option("--out", out_dir, "Folder for client.pem, client.key, ca.pem, signing.key")
      ->required();
  enrol->callback([this, &status] { status = run_enrol(); });

  CLI::App* revoke = admin->add_subcommand("revoke-device", "Revoke a camera agent's certificate");
  revoke->add_option("DATA_DIR", data_dir, "Server data directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  revoke->add_option("SERIAL", serial, "Certificate serial (hex, see GET /api/v1/devices)")
      ->required();
  revoke->callback([this, &status] { status = run_revoke(); });

  CLI::App* verify = admin->add_subcommand(
      "verify-audit", "Re-compute the audit log's hash chain; exit 1 and list each problem");
  verify->add_option("DATA_DIR", data_dir, "Server data directory")
      ->required()
      ->check(CLI::ExistingDirectory);
  verify->add_option("--anchor", anchors,
                     "SEQ:HASH of an entry recorded outside the data directory (e.g. printed by "
                     "an earlier verify-audit); a missing or different entry is a problem");
  verify->callback([this, &status] { status = run_verify(); });
}

int AdminCommand::run_init() const {
  SystemClock clock;
  const std::vector<std::string> h =
      hosts.empty() ? std::vector<std::string>{"localhost", "127.0.0.1"} : hosts;
  const server::InitResult r = server::init_data_dir({data_dir}, h, admin_name, clock, database);
  // The only place the password is ever shown: stdout of this command, never a log.
  // The URI is not echoed: it may hold a password.
  std::cout << "Data directory " << data_dir << " created"
            << (database.empty() ? " (SQLite database roadwarden.db)"
                                 : " (PostgreSQL database named in server.toml)")
            << ".\n\n"
            << "First admin: " << r.admin.username << "\n"
            << "Password (shown once, store it now): " << r.admin.password << "\n\n"
            << "Enrol the TOTP secret in an authenticator app (scan, or enter the secret):\n"
            << r.admin.otpauth_uri << "\n\n"
            << crypto::terminal_qr(r.admin.otpauth_uri) << "\n"
            << "CA certificate SHA-256: " << r.ca_sha256 << "\n"
            << "Start the server with: roadwarden server --data " << data_dir << "\n";
  return 0;
}

int AdminCommand::run_enrol() const {
  const server::DataDir data{data_dir};
  const server::ServerOptions options = server::load_server_options(data.config());
  const std::unique_ptr<store::Store> store = server::open_store(data, options);
  SystemClock clock;
  server::AuditLog audit(*store, clock, data.audit_head());
  std::filesystem::create_directories(out_dir);
  const std::filesystem::path out(out_dir);
  for (const char* name : {"client.pem", "client.key", "ca.pem", "signing.key"}) {
    if (std::filesystem::exists(out / name))
      throw IoError(fmt::format("{} exists; refusing to overwrite it", (out / name).string()));
  }
  const server::EnrolledDevice d =
      server::enrol_device(data, *store, audit, clock, camera, "system", "system");
  write_new(out / "client.pem", d.cert_pem, 0644);
  write_new(out / "client.key", d.key_pem, 0600);
  write_new(out / "ca.pem", d.ca_pem, 0644);
  crypto::save_signing_key(d.signing_key, out / "signing.key");
  std::cout << fmt::format(
      "Device {} enrolled for camera {}.\nWrote {}/client.pem, client.key, ca.pem, "
      "signing.key.\nSigning public key: {}\n",
      d.serial, d.camera_id, out.string(), d.signing_key.public_hex);
  return 0;
}

int AdminCommand::run_revoke() const {
  const server::DataDir data{data_dir};
  const server::ServerOptions options = server::load_server_options(data.config());
  const std::unique_ptr<store::Store> store = server::open_store(data, options);
  SystemClock clock;
  server::AuditLog audit(*store, clock, data.audit_head());
  if (!server::revoke_device(*store, audit, clock, serial, "system", "system")) {
    std::cerr << "roadwarden: no unrevoked device with serial " << serial << '\n';
    return 1;
  }
  std::cout << "Device " << serial << " revoked.\n";
  return 0;
}

int AdminCommand::run_verify() const {
  const server::DataDir data{data_dir};
  const server::ServerOptions options = server::load_server_options(data.config());
  const std::unique_ptr<store::Store> store = server::open_store(data, options);
  std::vector<server::AuditAnchor> parsed;
  for (const std::string& a : anchors) parsed.push_back(server::parse_audit_anchor(a));
  const std::vector<server::AuditProblem> problems =
      server::verify_audit(*store, data.audit_head(), parsed);
  if (problems.empty()) {
    std::cout << "audit log intact\n";
    // The newest entry, to keep outside the data directory and pass back as --anchor later:
    // a rewrite of the whole chain by someone with write access to DATA_DIR then shows.
    std::int64_t after = 0;
    std::optional<store::AuditEntry> last;
    for (;;) {
      const auto page = store->audit_entries(after, 1000);
      if (page.empty()) break;
      last = page.back();
      after = page.back().seq;
    }
    if (last) std::cout << "anchor: " << last->seq << ':' << last->hash << '\n';
    return 0;
  }
  for (const server::AuditProblem& p : problems)
    std::cout << "seq " << p.seq << ": " << p.what << '\n';
  return 1;
}

void ServerCommand::add_to(CLI::App& app, int& status) {
  CLI::App* cmd = app.add_subcommand(
      "server", "Run the central server (HTTPS only) over a data directory made by admin init");
  cmd->add_option("--data", data_dir, "Data directory (roadwarden admin init DATA_DIR)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([this, &status] { status = run(); });
}

int ServerCommand::run() const {
  spdlog::set_default_logger(spdlog::stderr_color_mt("server"));
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before any thread starts

  SystemClock clock;
  server::Server server(server::DataDir{data_dir}, clock);
  const int port = server.start();
  server.start_retention();
  const server::ServerOptions& o = server.context().options;
  spdlog::info("listening on https://{}:{}", o.bind_address, port);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {} received: stopping", sig);
  server.stop();
  return 0;
}

}  // namespace roadwarden::cli
