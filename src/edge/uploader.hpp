// The uploader: sends spooled records to the central server over HTTPS (mutual TLS when a
// client certificate is configured) and deletes each only after the server acknowledged it
// durably stored. The wire contract (request, acknowledgement, retries, idempotency):
// docs/edge-upload.md.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <stop_token>
#include <string>

#include "core/time.hpp"
#include "edge/spool.hpp"

namespace roadwarden::edge {

/// Options of an Uploader, validated by its constructor (InvalidInput names the option).
/// There is no switch that turns TLS or certificate verification off.
struct UploaderOptions {
  /// Base URL of the server: "https://host[:port][/path-prefix]" (port 443 when omitted).
  /// Only https:// is accepted: http:// or any other scheme -> InvalidInput (no plain-text
  /// uploads). Records are POSTed to {url}/api/v1/ingest/records.
  std::string url;
  /// PEM CA bundle that signs the server certificate (required). Only these CAs are trusted
  /// (not the system store); the server's host name or IP must match its certificate.
  std::filesystem::path ca_file;
  /// PEM client certificate and private key: this agent's identity for mutual TLS. Both or
  /// neither (optional for now; the server will require them). The key file is read by
  /// OpenSSL only; its content and path are never logged.
  std::filesystem::path client_cert, client_key;
  /// Ed25519 signing key of this agent (crypto::save_signing_key format, mode 0600), issued
  /// with the client certificate at enrolment. When set, every request carries
  /// `X-Roadwarden-Signature`, the signature of the exact `record` part bytes (the evidence
  /// manifest: it lists each file's SHA-256), docs/edge-upload.md "Signature". The
  /// roadwarden server refuses unsigned records; optional here only for tests of the
  /// transport. Never logged.
  std::filesystem::path signing_key;
  /// Limit for connecting, and for each read and write on the connection, milliseconds. > 0.
  int timeout_ms = 10000;
  /// Most records sent per upload_due() pass. >= 1.
  int batch = 16;
  /// Retry delay after a failed attempt, milliseconds: backoff_initial_ms * 2^(attempts
  /// before this failure), at most backoff_max_ms. 1 <= initial <= max.
  int backoff_initial_ms = 1000, backoff_max_ms = 300000;
};

/// Result of one upload_due() pass.
struct UploadStats {
  /// Records the server acknowledged (and the spool deleted).
  int acknowledged = 0;
  /// Records whose attempt failed (deferred with backoff, kept in the spool).
  int failed = 0;
};

/// Uploads due spool records, one HTTPS request per record, oldest first.
///
/// Threading: one Uploader runs on one thread (its own loop, run()); upload_due() and run()
/// must not be called concurrently on the same Uploader. The Spool may be used by other
/// threads meanwhile (put() from the pipeline). The process should ignore SIGPIPE (a server
/// closing the connection mid-request must not kill the agent); the CLI does so at start-up.
///
/// Logging (spdlog): failures are logged with the record key, kind, HTTP status or transport
/// error — never metadata, file contents (plate images) or key material. A transport error
/// is said in words with the server's host:port, e.g. "cannot connect to 127.0.0.1:8443
/// (connection refused)"; the same text is the record's SpoolEntry::last_error. To name the
/// OS reason of a failed connect (httplib 0.11 loses it) the uploader connects once more
/// without TLS, sending nothing, for at most timeout_ms (docs/edge-upload.md).
class Uploader {
 public:
  /// Checks the options and loads the CA bundle and client identity. `spool` and `clock`
  /// must outlive the Uploader. Throws InvalidInput for a URL that is not https:// or is
  /// malformed, an empty or unreadable ca_file without a certificate, a client_cert without
  /// client_key (or the reverse) or a pair OpenSSL cannot load, or an out-of-range number;
  /// what crypto::load_signing_key throws for an unreadable, malformed or group/other-readable
  /// signing key.
  Uploader(UploaderOptions options, Spool& spool, const Clock& clock);
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  /// One pass: sends up to `batch` records due at clock.now(), one request at a time. A
  /// record is acknowledged (deleted from the spool) only when the server answers 200 or 201
  /// with a JSON body whose "key" equals the record's key and whose "status" is "stored" or
  /// "duplicate". Anything else (transport or TLS failure, timeout, other status, bad body,
  /// unreadable or corrupt evidence file) defers the record to now + backoff and counts as
  /// failed. `stop` is checked before each record: once it is requested the pass returns
  /// after the request in flight (at most about 3 * timeout_ms, one connect plus one write
  /// plus one read; in practice one timeout_ms against a server that never answers), and the
  /// records not yet sent stay in the spool untouched (still due, no attempt counted).
  /// Without a stop request it blocks for at most about batch * 3 * timeout_ms. Throws only
  /// on spool database failures (IoError, Corrupt).
  UploadStats upload_due(std::stop_token stop = {});

  /// Calls upload_due(stop) until `stop` is requested: again at once after a full batch was
  /// acknowledged, otherwise after waiting `idle` (the wait ends early on stop). A pass that
  /// throws is logged and retried after `idle`. Returns when stop is requested, after at most
  /// the one request in flight (see upload_due). Call once at start-up on the uploader's own
  /// thread (e.g. a std::jthread); request_stop() from any thread at shutdown.
  void run(std::stop_token stop, std::chrono::milliseconds idle = std::chrono::seconds(2));

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace roadwarden::edge
