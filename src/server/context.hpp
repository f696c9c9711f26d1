// What every part of the running server shares: options, the store, the evidence key, the
// clock and the audit writer. Built once by `roadwarden server` from the data directory.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "store/store.hpp"

namespace roadwarden::server {

/// Options of the server, read from DATA_DIR/server.toml (written by `admin init`, every
/// key documented there and in docs/server.md). Unknown keys are rejected.
struct ServerOptions {
  std::string bind_address = "127.0.0.1";  ///< listen address; 127.0.0.1 unless configured
  int port = 8443;                         ///< HTTPS port
  std::string database;  ///< "" = SQLite DATA_DIR/roadwarden.db; else a PostgreSQL URI
  std::chrono::minutes session_idle{30};                       ///< idle session lock
  std::chrono::hours session_max{12};                          ///< absolute session lifetime
  int lockout_failures = 5;                                    ///< failed logins before lockout
  std::chrono::minutes lockout{10};                            ///< lockout duration
  std::chrono::minutes non_violation_retention{72 * 60};       ///< >= 1 minute
  std::chrono::hours violation_retention{24 * 365 * 5};        ///< legal keeping period
  std::chrono::minutes rejected_violation_retention{72 * 60};  ///< after rejection; >= 1 minute
  std::chrono::seconds purge_interval{60};                     ///< how often retention runs
  std::size_t max_upload_bytes = 64u << 20;                    ///< larger ingest bodies get 413
  /// Serials (lower-case hex, as GET /api/v1/devices lists them) of enrolled devices that are
  /// roadside message boards: they may read GET /api/v1/boards/feed and may never upload
  /// (docs/message-board.md). Empty by default: no device reads the board feed.
  std::vector<std::string> board_devices;
  /// Two-person review: a violation becomes confirmed only when a second person (reviewer or
  /// supervisor) confirms it after the first; off: one confirmation confirms it.
  bool second_review = false;
  /// The camera agents' heartbeat interval (site.toml [health] heartbeat_seconds): a camera
  /// is online while its latest upload is at most 3 × this old (GET /api/v1/cameras/health).
  std::chrono::seconds camera_heartbeat{60};
};

/// Reads ServerOptions from `file` (DATA_DIR/server.toml; every key is listed, commented,
/// in the file `roadwarden admin init` writes). Keys absent keep their defaults. IoError
/// when the file cannot be read; InvalidInput, naming the file and key, for invalid TOML,
/// an unknown key, a wrong type or an out-of-range value (server/options.cpp).
[[nodiscard]] ServerOptions load_server_options(const std::filesystem::path& file);

/// The data directory's layout (created by `roadwarden admin init`, docs/server.md).
struct DataDir {
  std::filesystem::path root;
  [[nodiscard]] std::filesystem::path config() const { return root / "server.toml"; }
  [[nodiscard]] std::filesystem::path ca_cert() const { return root / "tls" / "ca.pem"; }
  [[nodiscard]] std::filesystem::path ca_key() const { return root / "tls" / "ca.key"; }
  [[nodiscard]] std::filesystem::path server_cert() const { return root / "tls" / "server.pem"; }
  [[nodiscard]] std::filesystem::path server_key() const { return root / "tls" / "server.key"; }
  [[nodiscard]] std::filesystem::path evidence_key() const { return root / "evidence.key"; }
  [[nodiscard]] std::filesystem::path database() const { return root / "roadwarden.db"; }
  [[nodiscard]] std::filesystem::path evidence() const { return root / "evidence"; }
  [[nodiscard]] std::filesystem::path audit_head() const { return root / "audit.head"; }
};

/// Shared state of a running server. Store and clock outlive the server.
struct ServerContext {
  ServerOptions options;
  DataDir data;
  store::Store& store;
  const Clock& clock;
  crypto::EvidenceKey evidence_key;
};

}  // namespace roadwarden::server
