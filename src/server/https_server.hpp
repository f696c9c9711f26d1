// The server's HTTPS listener: cpp-httplib over OpenSSL, TLS 1.2 or newer only, the
// certificate and key of DATA_DIR/tls, client certificates requested (not required) and
// verified against DATA_DIR/tls/ca.pem only. Plain HTTP gets no HTTP answer: the TLS
// handshake fails and the connection is closed.
#pragma once

#include <memory>
#include <thread>

#include <httplib.h>

#include "server/context.hpp"

namespace roadwarden::server {

/// One HTTPS listener. Routes are added to http() before start(). Not copyable.
class HttpsServer {
 public:
  /// Loads DATA_DIR/tls/server.pem, server.key and ca.pem. IoError when they cannot be
  /// loaded (missing, unreadable, or the key does not match the certificate).
  HttpsServer(const DataDir& data, const ServerOptions& options);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  /// The HTTP layer, for Router.
  [[nodiscard]] httplib::Server& http() { return *http_; }

  /// Binds options.bind_address:options.port (port 0 = any free port) and serves on a
  /// background thread; returns the bound port once the listener accepts. IoError when the
  /// address cannot be bound. Call once.
  int start();
  /// Stops accepting, lets running requests finish and joins the thread. Idempotent.
  void stop();
  /// The bound port (0 before start).
  [[nodiscard]] int port() const { return port_; }

 private:
  ServerOptions options_;
  std::unique_ptr<httplib::SSLServer> http_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace roadwarden::server
