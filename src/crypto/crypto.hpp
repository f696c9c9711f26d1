// Cryptographic building blocks of roadwarden, each a thin wrapper over a well-kept
// library: libsodium (argon2id passwords, Ed25519 signatures, XChaCha20-Poly1305 evidence
// encryption, randomness), liboath (TOTP, RFC 6238), libqrencode (terminal QR codes) and
// OpenSSL 3 (SHA-256, X.509 certificates). Nothing here keeps global mutable state beyond
// the libraries' one-time initialisation; every function is thread-safe.
//
// Errors: InvalidInput for malformed arguments, IoError for files, Corrupt when
// authenticated decryption or a signature check fails, InternalError when a library call
// fails unexpectedly. Secret material is never put into an exception message or a log.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"

namespace roadwarden::crypto {

/// `n` bytes from libsodium's CSPRNG (randombytes_buf).
[[nodiscard]] std::vector<std::uint8_t> random_bytes(std::size_t n);
/// `n` random bytes as 2n lower-case hex digits (session tokens, CSRF tokens, keys).
[[nodiscard]] std::string random_hex(std::size_t n);
/// Lower-case hex of `bytes`; from_hex parses it back (InvalidInput for odd length or a
/// non-hex digit; upper case accepted).
[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::vector<std::uint8_t> from_hex(std::string_view hex);
/// SHA-256 (FIPS 180-4) of `bytes` as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string sha256_hex(std::string_view bytes);
/// Constant-time comparison of two strings (sodium_memcmp); false when lengths differ.
[[nodiscard]] bool equal_constant_time(std::string_view a, std::string_view b);

// ---- Passwords -------------------------------------------------------------------------

/// argon2id hash of `password` in libsodium's encoded form ("$argon2id$v=19$m=…"),
/// crypto_pwhash_str with OPSLIMIT_MODERATE / MEMLIMIT_MODERATE (256 MiB; about 0.5–1 s on
/// one core), a fresh random salt each call. InvalidInput when password is empty or over
/// 1024 bytes.
[[nodiscard]] std::string hash_password(std::string_view password);
/// True when `password` matches `encoded` (crypto_pwhash_str_verify). A malformed
/// `encoded` gives false, never an exception.
[[nodiscard]] bool verify_password(std::string_view encoded, std::string_view password);
/// A generated password shown once to a new user: 20 characters from an alphabet of 57
/// unambiguous letters and digits (about 117 bits).
[[nodiscard]] std::string generate_password();

// ---- TOTP (RFC 6238 over HMAC-SHA1, 30 s steps, 6 digits; liboath) ---------------------

/// A new TOTP secret: 20 random bytes (RFC 4226 §4 recommends 160 bits), RFC 4648 base32
/// without padding (32 characters).
[[nodiscard]] std::string generate_totp_secret();
/// The code for the time step containing `at`. InvalidInput for a malformed secret (not
/// base32, or under 128 bits: RFC 4226 §4 R6) or a time before 1970.
[[nodiscard]] std::string totp_code(std::string_view secret_base32, UtcTime at);
/// The RFC 6238 time step of `at` (Unix seconds / 30).
[[nodiscard]] std::int64_t totp_step(UtcTime at);
/// Checks `code` against steps step(now)-1 … step(now)+1 (±30 s clock drift). Returns the
/// matched step when it is greater than `last_used_step` (a code is accepted once: replay
/// protection), std::nullopt otherwise (wrong code, replay, malformed secret or code).
[[nodiscard]] std::optional<std::int64_t> verify_totp(std::string_view secret_base32,
                                                      std::string_view code, UtcTime now,
                                                      std::int64_t last_used_step);
/// "otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30"
/// (Google Authenticator key URI format), issuer and account percent-encoded. InvalidInput
/// when issuer or account is empty or the secret is not upper-case base32.
[[nodiscard]] std::string otpauth_uri(std::string_view issuer, std::string_view account,
                                      std::string_view secret_base32);
/// `text` as a QR code (libqrencode, error correction M) drawn for a terminal with Unicode
/// half blocks (two modules per character row), with a 2-module quiet zone, '\n'-separated
/// (no trailing newline). Light modules are drawn as blocks, dark ones as spaces (for the
/// usual light-on-dark terminal, like `qrencode -t UTF8`). InvalidInput for empty or
/// too-long text.
[[nodiscard]] std::string terminal_qr(std::string_view text);

// ---- Ed25519 signatures (libsodium crypto_sign_detached) -------------------------------

/// An Ed25519 key pair.
struct SigningKey {
  std::vector<std::uint8_t> secret;  ///< 64 bytes (libsodium's seed + public key form)
  std::string public_hex;            ///< 32-byte public key as 64 lower-case hex digits
};
/// A new key pair from the CSPRNG.
[[nodiscard]] SigningKey generate_signing_key();
/// Writes the key's 32-byte seed as 64 hex digits + '\n' to `path`, created with mode 0600
/// (IoError when it exists or cannot be written; fsynced).
void save_signing_key(const SigningKey& key, const std::filesystem::path& path);
/// Reads a key written by save_signing_key. IoError when unreadable; InvalidInput when the
/// content is not 64 hex digits; PermissionDenied when the file is readable by group or
/// others (mode & 077).
[[nodiscard]] SigningKey load_signing_key(const std::filesystem::path& path);
/// Detached signature of `message`: 64 bytes as 128 lower-case hex digits.
[[nodiscard]] std::string sign(const SigningKey& key, std::string_view message);
/// True when `signature_hex` is a valid signature of `message` by `public_hex`; false for
/// any malformed input.
[[nodiscard]] bool verify_signature(std::string_view public_hex, std::string_view message,
                                    std::string_view signature_hex);

// ---- Evidence encryption at rest (libsodium crypto_secretstream_xchacha20poly1305) -----

/// Checks a private key file another library will read (e.g. a TLS client key in PEM): IoError
/// when it cannot be stat'ed or is not a regular file; PermissionDenied, naming `what`, the
/// path and the mode, when group or others may read or write it — the rule every roadwarden
/// key file follows.
void require_private_key_file(const std::filesystem::path& path, std::string_view what);

/// A 256-bit evidence encryption key.
struct EvidenceKey {
  std::vector<std::uint8_t> bytes;  ///< 32 bytes
};
/// Generates a key and writes it (64 hex digits + '\n') to `path` with mode 0600, fsynced;
/// IoError when the file exists or cannot be written.
[[nodiscard]] EvidenceKey create_evidence_key(const std::filesystem::path& path);
/// Reads a key file. IoError when unreadable, InvalidInput when malformed, PermissionDenied
/// when readable by group or others.
[[nodiscard]] EvidenceKey load_evidence_key(const std::filesystem::path& path);
/// Encrypts `plaintext` in 64 KiB chunks (secretstream: header, then chunks each with a
/// 17-byte tag; the last chunk tagged FINAL, so truncation is detected). `associated`
/// (e.g. the record key and file name) is authenticated with every chunk, so a file moved
/// to another record fails to decrypt. Returns the ciphertext (header first).
[[nodiscard]] std::vector<std::uint8_t> encrypt_evidence(const EvidenceKey& key,
                                                         std::span<const std::uint8_t> plaintext,
                                                         std::string_view associated);
/// Decrypts what encrypt_evidence made. Corrupt when any byte was changed, chunks were
/// reordered, removed or appended, or `associated` differs.
[[nodiscard]] std::vector<std::uint8_t> decrypt_evidence(const EvidenceKey& key,
                                                         std::span<const std::uint8_t> ciphertext,
                                                         std::string_view associated);

// ---- HMAC-SHA-256 (RFC 2104 over SHA-256; libsodium crypto_auth_hmacsha256) ---------

/// Size of an HmacKey: 32 bytes (256 bits, the SHA-256 output size, RFC 2104 §3).
inline constexpr std::size_t kHmacKeyBytes = 32;
/// A 256-bit HMAC key, e.g. the key that pseudonymises plate texts between the cameras of
/// a section. Never logged or put into an error message.
struct HmacKey {
  std::vector<std::uint8_t> bytes;  ///< kHmacKeyBytes bytes
};
/// HMAC-SHA-256 of `message` under `key` (any non-empty length; keys over 64 bytes are
/// hashed first, RFC 2104 §2) as 64 lower-case hex digits. Checked against RFC 4231's test
/// vectors. InvalidInput when `key` is empty.
[[nodiscard]] std::string hmac_sha256_hex(std::span<const std::uint8_t> key,
                                          std::string_view message);
/// The same with an HmacKey; InvalidInput when it is not kHmacKeyBytes long.
[[nodiscard]] std::string hmac_sha256_hex(const HmacKey& key, std::string_view message);
/// Generates a key and writes it (64 hex digits + '\n') to `path` with mode 0600, fsynced;
/// IoError when the file exists or cannot be written.
[[nodiscard]] HmacKey create_hmac_key(const std::filesystem::path& path);
/// Reads a key file written by create_hmac_key. IoError when unreadable, InvalidInput when
/// malformed, PermissionDenied when readable by group or others.
[[nodiscard]] HmacKey load_hmac_key(const std::filesystem::path& path);

// ---- X.509 (OpenSSL 3): the server's own certificate authority -------------------------

/// A PEM certificate and its PEM private key (PKCS#8, unencrypted: the caller stores it
/// with mode 0600).
struct CertifiedKey {
  std::string cert_pem;
  std::string key_pem;
  std::string serial_hex;  ///< the certificate's serial number, lower-case hex
  std::string sha256;      ///< SHA-256 hex of the DER certificate
};
/// A new self-signed CA: ECDSA P-256 key, CN = `common_name`, basicConstraints CA:TRUE
/// (critical), keyUsage keyCertSign+cRLSign, valid `days` days from now, 16-byte random
/// serial (top bit cleared so it stays positive). For every certificate here: validity
/// starts one hour before now (clock skew between hosts); `days` must be 1…36500, and a
/// common name 1–64 printable ASCII characters (InvalidInput otherwise).
[[nodiscard]] CertifiedKey create_certificate_authority(std::string_view common_name, int days);
/// A TLS server certificate signed by `ca`: new P-256 key, CN = first host, subjectAltName
/// with every entry of `hosts` (IP addresses as iPAddress, other names as dNSName),
/// extendedKeyUsage serverAuth, valid `days` days. InvalidInput when hosts is empty.
[[nodiscard]] CertifiedKey issue_server_certificate(const CertifiedKey& ca,
                                                    const std::vector<std::string>& hosts,
                                                    int days);
/// A TLS client certificate for a camera agent, signed by `ca`: new P-256 key, CN =
/// `device_name` (e.g. the camera id), extendedKeyUsage clientAuth, valid `days` days.
[[nodiscard]] CertifiedKey issue_client_certificate(const CertifiedKey& ca,
                                                    std::string_view device_name, int days);
/// SHA-256 hex of the DER encoding of a PEM certificate (the first in `cert_pem`).
/// InvalidInput when it does not parse.
[[nodiscard]] std::string certificate_sha256(std::string_view cert_pem);

}  // namespace roadwarden::crypto
