// The central server (`roadwarden server`): opens the store of a data directory, loads the
// evidence key, and serves every route group of routes.hpp over HTTPS (https_server.hpp)
// behind the router's access rules (router.hpp).
#pragma once

#include <memory>
#include <vector>

#include "server/audit.hpp"
#include "server/auth.hpp"
#include "server/context.hpp"
#include "server/https_server.hpp"
#include "server/live_feeds.hpp"
#include "server/retention.hpp"
#include "server/router.hpp"
#include "store/store.hpp"

namespace roadwarden::server {

/// Opens the store the options name: SQLite at data.database() when options.database is
/// empty, else PostgreSQL. Throws what the store's open throws.
[[nodiscard]] std::unique_ptr<store::Store> open_store(const DataDir& data,
                                                       const ServerOptions& options);

/// A running-or-ready server over one data directory. Construction opens everything and
/// registers the routes; start() begins serving. Not copyable; `clock` outlives it.
class Server {
 public:
  /// Reads options from data.config(). Throws IoError / InvalidInput / PermissionDenied
  /// (evidence key readable by others) as the parts it opens do.
  Server(DataDir data, const Clock& clock);
  /// With explicit options (tests: port 0, short retention).
  Server(DataDir data, ServerOptions options, const Clock& clock);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Starts serving on a background thread; returns the bound port.
  int start();
  /// Starts the retention worker's background thread (`roadwarden server` does; tests run
  /// retention().run_once() instead, on their fake clock).
  void start_retention() { retention_->start(); }
  /// Stops serving and retention (running requests finish). Idempotent; the destructor
  /// calls it.
  void stop();
  /// The bound port (0 before start).
  [[nodiscard]] int port() const { return https_->port(); }
  /// Every route with its access rule (the route scanner test enumerates these).
  [[nodiscard]] const std::vector<RouteInfo>& routes() const { return router_->routes(); }
  [[nodiscard]] store::Store& store() { return *store_; }
  [[nodiscard]] AuditLog& audit() { return *audit_; }
  /// The authenticator behind the login route (tests read its password-check counters).
  [[nodiscard]] Authenticator& auth() { return *auth_; }
  [[nodiscard]] ServerContext& context() { return *context_; }
  [[nodiscard]] RetentionWorker& retention() { return *retention_; }
  /// The active hotlist and the live streams' hubs (tests read subscriber counts).
  [[nodiscard]] LiveFeeds& live() { return *live_; }

 private:
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ServerContext> context_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<LiveFeeds> live_;  // before https_: outlives the streams it feeds
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<HttpsServer> https_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<RetentionWorker> retention_;
};

}  // namespace roadwarden::server
