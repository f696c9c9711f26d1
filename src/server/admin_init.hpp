// Administration that works on the data directory itself (the `roadwarden admin …`
// commands and the admin API): creating a data directory with its CA, TLS certificate,
// evidence key and first admin; issuing people's credentials; enrolling and revoking camera
// agents. Layout in context.hpp (DataDir) and docs/server.md.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "server/audit.hpp"
#include "server/context.hpp"
#include "store/store.hpp"

namespace roadwarden::server {

/// Credentials of a new (or reset) person, shown once and never stored in clear.
struct IssuedCredentials {
  std::string username;
  store::Role role = store::Role::reviewer;
  std::string password;     ///< generated (crypto::generate_password)
  std::string totp_secret;  ///< base32, for the authenticator app
  std::string otpauth_uri;  ///< the same as an otpauth:// URI (QR code content)
};

/// What init_data_dir made.
struct InitResult {
  IssuedCredentials admin;
  std::string ca_sha256;  ///< SHA-256 of the CA certificate (to pin in camera agents)
};

/// Creates a data directory: tls/ca.pem + ca.key (CA, 10 years), tls/server.pem + server.key
/// (CN/subjectAltName = `hosts`, 2 years), evidence.key, evidence/, server.toml with every
/// option commented, the database with the first admin (generated password, TOTP secret
/// sealed under evidence.key) and the audit entry "init". Keys are mode 0600, directories
/// 0700. Takes about a second (argon2id).
///
/// `database` "" (the default): a new SQLite database at DATA_DIR/roadwarden.db. Else a
/// PostgreSQL URI (postgresql:// or postgres://; password from the URI, PGPASSWORD or
/// ~/.pgpass): server.toml gets `database = "<URI>"` (the file is mode 0600: a password in
/// the URI stays private), and the first admin and the "init" entry go into that database
/// (schema created or migrated by store::open_postgres_store). The database is opened and
/// checked before anything is written, and must have no users yet.
///
/// Errors: InvalidInput when `data.root` exists and is not an empty directory, `hosts` is
/// empty, the username is malformed, `database` is neither empty nor a PostgreSQL URI (or
/// holds a control character), or that database already has users — nothing is created
/// then; IoError when a file cannot be written or PostgreSQL cannot be reached; what the
/// store throws. No message contains the URI's password.
InitResult init_data_dir(const DataDir& data, const std::vector<std::string>& hosts,
                         const std::string& admin_username, const Clock& clock,
                         const std::string& database = "");

/// Generates a password and TOTP secret for a person: a new user when `existing` is null
/// (added to the store), else a reset of `existing` (new password and secret, unlocked,
/// failures cleared, sessions ended). The store gets the argon2id hash of the password and the
/// TOTP secret sealed under `totp_key` (the evidence key; seal_totp_secret in auth.hpp), never
/// either in clear. InvalidInput for a malformed or taken username or Role::device. The caller
/// audits.
IssuedCredentials issue_credentials(store::Store& store, const Clock& clock,
                                    const crypto::EvidenceKey& totp_key,
                                    const std::string& username, store::Role role,
                                    const store::User* existing = nullptr);

/// A camera agent's identity, returned once: nothing secret of it is kept by the server.
struct EnrolledDevice {
  std::string serial;  ///< certificate serial, lower-case hex
  std::string camera_id;
  std::string cert_pem;            ///< client certificate (CN = camera id), signed by our CA
  std::string key_pem;             ///< its private key (store with mode 0600)
  std::string ca_pem;              ///< the server's CA (to verify the server)
  crypto::SigningKey signing_key;  ///< Ed25519 key that signs the agent's evidence
};

/// Issues a client certificate (2 years) and an Ed25519 key for `camera_id`, registers the
/// device (serial, certificate SHA-256, public signing key) and audits "config_change" as
/// `actor`/`role`. InvalidInput when the camera is not registered; IoError when the CA
/// cannot be read.
EnrolledDevice enrol_device(const DataDir& data, store::Store& store, AuditLog& audit,
                            const Clock& clock, const std::string& camera_id,
                            const std::string& actor, const std::string& role);

/// Revokes the device with `serial` (its certificate is refused from now on) and audits
/// "config_change". False when no such unrevoked device exists.
bool revoke_device(store::Store& store, AuditLog& audit, const Clock& clock,
                   const std::string& serial, const std::string& actor, const std::string& role);

}  // namespace roadwarden::server
