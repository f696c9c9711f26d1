// Authentication of the server's callers: people by password (argon2id) + TOTP with
// lockout and sessions, camera agents by the client certificate of the TLS connection.
// See docs/server.md for the rules; router.hpp for how the result is applied to routes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <semaphore>
#include <string>
#include <string_view>

#include <openssl/ssl.h>

#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "server/audit.hpp"
#include "server/context.hpp"
#include "store/store.hpp"

namespace roadwarden::server {

// ---- TOTP secrets at rest ----------------------------------------------------------------
//
// users.totp_secret never holds the base32 secret. It holds the lower-case hex of
// crypto::encrypt_evidence(key, secret, "totp:<username>") under the data directory's
// evidence key (DATA_DIR/evidence.key, mode 0600, made by `admin init`): XChaCha20-Poly1305
// with a fresh random header per sealing. The associated data "totp:<username>" is a domain
// of its own (evidence files use "<32 hex record key>/<file name>", which never starts with
// "totp:") and binds the sealed secret to its user: copied to another user's row it no longer
// decrypts. Usernames never change, so the binding holds for the account's life. A copy of
// the database alone (a backup, a PostgreSQL dump) therefore does not give the second factor;
// the data directory's key is needed too. (An evidence-key rotation would have to re-seal
// these secrets as well.)

/// Seals `secret_base32` for the users row of `username` (see above): hex, 2 × (24-byte
/// header + secret + 17-byte tag) digits. Thread-safe.
[[nodiscard]] std::string seal_totp_secret(const crypto::EvidenceKey& key,
                                           std::string_view username,
                                           std::string_view secret_base32);

/// The base32 secret that seal_totp_secret sealed for `username`. Corrupt when `stored` is not
/// hex, was sealed for another user or under another key, or was altered (the message names
/// the user, never the secret). Thread-safe.
[[nodiscard]] std::string open_totp_secret(const crypto::EvidenceKey& key,
                                           std::string_view username, std::string_view stored);

/// Result of Authenticator::login.
struct LoginResult {
  bool ok = false;
  /// On success: the session token (64 hex digits; shown to the caller once, only its
  /// SHA-256 is stored), its CSRF token and the user.
  std::string token;
  std::string csrf_token;
  std::optional<store::User> user;
  /// On refusal: always "invalid credentials" (unknown user, wrong password, wrong or
  /// replayed TOTP code, disabled or locked account: one answer, so that names cannot be
  /// enumerated; the reason is in the audit log only).
  std::string refusal;
};

/// A person's session as found by Authenticator::session.
struct ActiveSession {
  store::Session session;
  store::User user;
};

/// Logs people in and out and identifies callers. Thread-safe: logins, session checks and
/// device look-ups run concurrently on the HTTP worker threads; one mutex serialises the
/// read-modify-write of a user's failure count, lockout and last TOTP step, and a counting
/// semaphore lets at most kMaxConcurrentPasswordChecks argon2id verifications run at once.
class Authenticator {
 public:
  /// Most argon2id password verifications (256 MiB each: crypto::hash_password) that run at
  /// the same time; further logins wait (first come, roughly first served) for a free slot, so
  /// a burst of login attempts needs at most 2 × 256 MiB however many arrive.
  static constexpr int kMaxConcurrentPasswordChecks = 2;

  /// `store`, `clock`, `audit` and `totp_key` (the evidence key that seals TOTP secrets:
  /// seal_totp_secret) outlive the authenticator. Uses options.session_idle, session_max,
  /// lockout_failures and lockout.
  Authenticator(store::Store& store, const Clock& clock, ServerOptions options, AuditLog& audit,
                const crypto::EvidenceKey& totp_key);

  /// Checks password and TOTP code and opens a session. Every outcome is audited: "login"
  /// (ok), "login_failed" (outcome "denied", or "locked" for the attempt that locks the
  /// account and for every attempt while it is locked). `options.lockout_failures`
  /// consecutive failures lock the account for `options.lockout`; while locked even a
  /// correct login is refused, with the same answer as a wrong password. Every attempt,
  /// for an unknown name (against a dummy hash made once) or a locked account too, costs
  /// exactly one argon2id check, so neither answer nor timing tells whether a name exists.
  /// A TOTP code is accepted once (User::totp_last_step). Blocks while
  /// kMaxConcurrentPasswordChecks other checks run. Throws only what the store throws.
  LoginResult login(const std::string& username, const std::string& password,
                    const std::string& totp_code, UtcTime now);

  /// The session of `token` when it exists, its user is enabled, it has been used within
  /// `session_idle` and is younger than `session_max`; refreshes its last_seen. An
  /// expired or idle session is deleted. std::nullopt otherwise.
  std::optional<ActiveSession> session(const std::string& token, UtcTime now);

  /// True when the session of `token_hash` (token_hash()) still exists, its user is enabled,
  /// it has been used within `session_idle` and is younger than `session_max`. Unlike
  /// session() it does NOT refresh last_seen, so a long-running stream checking it does not
  /// keep an unattended session alive (the event stream, server/live_routes.cpp).
  [[nodiscard]] bool session_alive(const std::string& token_hash, UtcTime now) const;

  /// Ends the session of `token_hash` and audits "logout" for `username`.
  void logout(const std::string& token_hash, const std::string& username, const std::string& role);

  /// The enrolled, unrevoked device whose client certificate this TLS connection presented
  /// and the handshake verified against the server's CA; std::nullopt for no connection,
  /// no or unverified certificate, unknown or revoked device.
  [[nodiscard]] std::optional<store::Device> device(const SSL* ssl) const;

  /// SHA-256 hex of a session token (the store's key of the session).
  [[nodiscard]] static std::string token_hash(const std::string& token);

  /// The highest number of argon2id verifications that ran at the same time since
  /// construction (never above kMaxConcurrentPasswordChecks). For tests and monitoring.
  [[nodiscard]] int peak_concurrent_password_checks() const { return checks_peak_.load(); }
  /// How many argon2id verifications ran since construction (one per login attempt).
  [[nodiscard]] std::int64_t password_checks() const { return checks_total_.load(); }

  /// The clock sessions are judged by.
  [[nodiscard]] const Clock& clock() const { return clock_; }
  [[nodiscard]] const ServerOptions& options() const { return options_; }

 private:
  void audit_login(const std::string& username, const std::string& role, const std::string& action,
                   const std::string& outcome);
  const std::string& dummy_hash();
  /// crypto::verify_password(*encoded, password) in a semaphore slot; a null `encoded` checks
  /// against the dummy hash (made, the first time, in the slot too: it is an argon2id hash).
  bool check_password(const std::string* encoded, const std::string& password);

  store::Store& store_;
  const Clock& clock_;
  ServerOptions options_;
  AuditLog& audit_;
  const crypto::EvidenceKey& totp_key_;
  std::mutex mutex_;  // guards user read-modify-write during login
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // written once under dummy_once_
  std::counting_semaphore<kMaxConcurrentPasswordChecks> password_slots_{
      kMaxConcurrentPasswordChecks};
  std::atomic<int> checks_running_{0};         // verifications in progress (holding a slot)
  std::atomic<int> checks_peak_{0};            // max of checks_running_ so far
  std::atomic<std::int64_t> checks_total_{0};  // verifications started
};

}  // namespace roadwarden::server
