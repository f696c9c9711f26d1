#include "server/auth.hpp"

#include <chrono>
#include <vector>

#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::server {
namespace {

constexpr const char* kInvalid = "invalid credentials";

std::int64_t ms(std::chrono::milliseconds d) {
  return d.count();
}

std::string totp_associated_data(std::string_view username) {
  return fmt::format("totp:{}", username);
}

/// The user's TOTP secret, or "" (no code matches it) when it does not open: logged without
/// the secret, and the login fails like a wrong code.
std::string user_totp_secret(const crypto::EvidenceKey& key, const store::User& user) {
  try {
    return open_totp_secret(key, user.username, user.totp_secret);
  } catch (const Corrupt& e) {
    spdlog::error("login: {}", e.what());
    return {};
  }
}

}  // namespace

std::string seal_totp_secret(const crypto::EvidenceKey& key, std::string_view username,
                             std::string_view secret_base32) {
  const std::span<const std::uint8_t> plain(
      reinterpret_cast<const std::uint8_t*>(secret_base32.data()), secret_base32.size());
  return crypto::to_hex(crypto::encrypt_evidence(key, plain, totp_associated_data(username)));
}

std::string open_totp_secret(const crypto::EvidenceKey& key, std::string_view username,
                             std::string_view stored) {
  const auto fail = [&username] {
    return Corrupt(
        fmt::format("the stored TOTP secret of user \"{}\" does not decrypt (altered, "
                    "copied from another user or sealed under another key)",
                    username.substr(0, 64)));
  };
  std::vector<std::uint8_t> sealed;
  try {
    sealed = crypto::from_hex(stored);
  } catch (const InvalidInput&) {
    throw fail();
  }
  std::vector<std::uint8_t> plain;
  try {
    plain = crypto::decrypt_evidence(key, sealed, totp_associated_data(username));
  } catch (const Corrupt&) {
    throw fail();
  }
  return std::string(plain.begin(), plain.end());
}

Authenticator::Authenticator(store::Store& store, const Clock& clock, ServerOptions options,
                             AuditLog& audit, const crypto::EvidenceKey& totp_key)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      audit_(audit),
      totp_key_(totp_key) {}

std::string Authenticator::token_hash(const std::string& token) {
  return crypto::sha256_hex(token);
}

const std::string& Authenticator::dummy_hash() {
  std::call_once(dummy_once_,
                 [this] { dummy_hash_ = crypto::hash_password(crypto::random_hex(16)); });
  return dummy_hash_;
}

bool Authenticator::check_password(const std::string* encoded, const std::string& password) {
  // Holds a slot and counts the check as running while it lives (released on any exit).
  struct Slot {
    explicit Slot(Authenticator& a) : auth(a) {
      auth.password_slots_.acquire();
      const int running = auth.checks_running_.fetch_add(1) + 1;
      int peak = auth.checks_peak_.load();
      while (running > peak && !auth.checks_peak_.compare_exchange_weak(peak, running)) {
      }
    }
    ~Slot() {
      auth.checks_running_.fetch_sub(1);
      auth.password_slots_.release();
    }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Authenticator& auth;
  };
  const Slot slot(*this);
  checks_total_.fetch_add(1);
  // No account has an empty password (hash_password refuses one): check a stand-in so that
  // an empty password costs the same, and refuse it.
  const bool ok = crypto::verify_password(encoded ? *encoded : dummy_hash(),
                                          password.empty() ? std::string_view("x") : password);
  return ok && encoded != nullptr && !password.empty();
}

void Authenticator::audit_login(const std::string& username, const std::string& role,
                                const std::string& action, const std::string& outcome) {
  store::AuditEntry entry;
  entry.actor = username.substr(0, 64);
  entry.role = role;
  entry.action = action;
  entry.target = "session";
  entry.outcome = outcome;
  audit_.append(std::move(entry));
}

LoginResult Authenticator::login(const std::string& username, const std::string& password,
                                 const std::string& totp_code, UtcTime now) {
  LoginResult result;
  result.refusal = kInvalid;
  const std::optional<store::User> found =
      username.size() <= 64 ? store_.user_by_name(username) : std::nullopt;
  // Exactly one argon2id check for every attempt — against the user's hash, or a dummy hash
  // for an unknown name — and before anything else is decided, so that neither an unknown
  // name nor a locked account answers sooner than a wrong password. It runs outside the
  // lock; the user is re-read under it.
  const bool password_ok = check_password(found ? &found->password_hash : nullptr, password);
  if (!found) {
    // Not the typed name: a password typed into the user field must not stay forever in
    // the append-only log. The attempt itself is still counted.
    audit_login("(unknown user name)", "anonymous", "login_failed", "denied");
    return result;
  }

  std::unique_lock lock(mutex_);
  std::optional<store::User> user = store_.user_by_id(found->id);
  if (!user) {
    lock.unlock();
    audit_login(username, "anonymous", "login_failed", "denied");
    return result;
  }
  if (user->locked_until && now < *user->locked_until) {
    // The caller gets the same "invalid credentials" as anyone; only the audit log says
    // why (outcome "locked"). The attempt neither counts nor extends the lockout.
    lock.unlock();
    audit_login(username, store::to_string(user->role), "login_failed", "locked");
    return result;
  }
  std::optional<std::int64_t> step;
  if (password_ok && !user->disabled)
    step = crypto::verify_totp(user_totp_secret(totp_key_, *user), totp_code, now,
                               user->totp_last_step);
  if (!step) {
    user->failed_logins += 1;
    bool locked = false;
    if (user->failed_logins >= options_.lockout_failures) {
      user->locked_until = UtcTime{now.unix_ms + ms(options_.lockout)};
      user->failed_logins = 0;
      locked = true;
    }
    store_.update_user(*user);
    lock.unlock();
    audit_login(username, store::to_string(user->role), "login_failed",
                locked ? "locked" : "denied");
    return result;
  }
  user->failed_logins = 0;
  user->locked_until.reset();
  user->totp_last_step = *step;
  store_.update_user(*user);
  lock.unlock();

  store::Session session;
  const std::string token = crypto::random_hex(32);
  session.token_hash = token_hash(token);
  session.user_id = user->id;
  session.csrf_token = crypto::random_hex(32);
  session.created_at = now;
  session.last_seen = now;
  store_.add_session(session);
  audit_login(user->username, store::to_string(user->role), "login", "ok");

  result.ok = true;
  result.refusal.clear();
  result.token = token;
  result.csrf_token = session.csrf_token;
  result.user = std::move(user);
  return result;
}

std::optional<ActiveSession> Authenticator::session(const std::string& token, UtcTime now) {
  if (token.size() != 64) return std::nullopt;
  const std::string hash = token_hash(token);
  std::optional<store::Session> s = store_.session(hash);
  if (!s) return std::nullopt;
  const bool idle = now.unix_ms - s->last_seen.unix_ms > ms(options_.session_idle);
  const bool old = now.unix_ms - s->created_at.unix_ms > ms(options_.session_max);
  if (idle || old) {
    store_.delete_session(hash);
    return std::nullopt;
  }
  std::optional<store::User> user = store_.user_by_id(s->user_id);
  if (!user || user->disabled || user->role == store::Role::device) return std::nullopt;
  // Refresh last_seen at most every 15 s: enough for a 1-minute-granular idle lock
  // without a database write on every request.
  if (now.unix_ms - s->last_seen.unix_ms >= 15'000) {
    store_.touch_session(hash, now);
    s->last_seen = now;
  }
  return ActiveSession{std::move(*s), std::move(*user)};
}

bool Authenticator::session_alive(const std::string& token_hash, UtcTime now) const {
  const std::optional<store::Session> s = store_.session(token_hash);
  if (!s) return false;
  if (now.unix_ms - s->last_seen.unix_ms > ms(options_.session_idle)) return false;
  if (now.unix_ms - s->created_at.unix_ms > ms(options_.session_max)) return false;
  const std::optional<store::User> user = store_.user_by_id(s->user_id);
  return user && !user->disabled && user->role != store::Role::device;
}

void Authenticator::logout(const std::string& token_hash, const std::string& username,
                           const std::string& role) {
  store_.delete_session(token_hash);
  audit_login(username, role, "logout", "ok");
}

std::optional<store::Device> Authenticator::device(const SSL* ssl) const {
  if (!ssl) return std::nullopt;
  X509* cert = SSL_get0_peer_certificate(ssl);  // not owned
  if (!cert) return std::nullopt;
  // The handshake verified the chain against DATA_DIR/tls/ca.pem (https_server.cpp);
  // a failed verification would have ended the handshake, but check again.
  if (SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  const int len = i2d_X509(cert, nullptr);
  if (len <= 0) return std::nullopt;
  std::vector<std::uint8_t> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_X509(cert, &p) != len) return std::nullopt;
  std::optional<store::Device> d = store_.device_by_cert(crypto::sha256_hex(der));
  if (!d || d->revoked_at) return std::nullopt;
  return d;
}

}  // namespace roadwarden::server
