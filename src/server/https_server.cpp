#include "server/https_server.hpp"

#include <chrono>

#include <openssl/ssl.h>

#include "core/errors.hpp"

namespace roadwarden::server {
namespace {

/// Worker threads serving connections (httplib's default is max(8, cores - 1)).
constexpr std::size_t kWorkers = 64;

}  // namespace

HttpsServer::HttpsServer(const DataDir& data, const ServerOptions& options) : options_(options) {
  const std::string cert = data.server_cert().string();
  const std::string key = data.server_key().string();
  const std::string ca = data.ca_cert().string();
  http_ = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
    if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) return false;
    SSL_CTX_set_options(
        &ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (SSL_CTX_use_certificate_chain_file(&ctx, cert.c_str()) != 1) return false;
    if (SSL_CTX_use_PrivateKey_file(&ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) return false;
    if (SSL_CTX_check_private_key(&ctx) != 1) return false;
    // Trust only our own CA for client certificates (no system store).
    if (SSL_CTX_load_verify_locations(&ctx, ca.c_str(), nullptr) != 1) return false;
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(ca.c_str());
    if (!names) return false;
    SSL_CTX_set_client_CA_list(&ctx, names);
    // Requested, not required: people log in without a certificate; a certificate that is
    // presented must verify against ca.pem or the handshake fails.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
    // With client certificates requested, OpenSSL fails (rather than skips) the handshake
    // of a client resuming a TLS session unless a session id context is set; browsers
    // resume on every connection after the first (Chromium: ERR_SSL_PROTOCOL_ERROR). A
    // resumed session keeps its verified client certificate, so devices are identified the
    // same way.
    static constexpr unsigned char kSessionContext[] = "roadwarden";
    if (SSL_CTX_set_session_id_context(&ctx, kSessionContext, sizeof kSessionContext - 1) != 1)
      return false;
    return true;
  });
  if (!http_->is_valid())
    throw IoError("cannot load the TLS certificate and key of " + data.root.string() +
                  "/tls (server.pem, server.key, ca.pem)");
  http_->set_payload_max_length(options_.max_upload_bytes);
  // Slow or idle connections each hold a worker thread (httplib is thread-per-connection):
  // a pool of kWorkers, and 10 s for each read/write (TLS handshake included), so a
  // stranger needs kWorkers connections kept busy to delay others.
  // httplib's API takes ownership of a raw pointer here (it deletes the queue at stop).
  http_->new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  http_->set_read_timeout(std::chrono::seconds(10));
  http_->set_write_timeout(std::chrono::seconds(10));
  // One request per connection: after a refusal made from the headers (router.cpp, before
  // the body) the connection closes, so an unread body is never parsed as a next request.
  http_->set_keep_alive_max_count(1);
}

HttpsServer::~HttpsServer() {
  stop();
}

int HttpsServer::start() {
  if (thread_.joinable()) throw InternalError("HttpsServer::start called twice");
  if (options_.port == 0) {
    port_ = http_->bind_to_any_port(options_.bind_address);
    if (port_ <= 0) port_ = 0;
  } else if (http_->bind_to_port(options_.bind_address, options_.port)) {
    port_ = options_.port;
  }
  if (port_ == 0)
    throw IoError("cannot listen on " + options_.bind_address + ":" +
                  std::to_string(options_.port));
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  while (!http_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return port_;
}

void HttpsServer::stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

}  // namespace roadwarden::server
