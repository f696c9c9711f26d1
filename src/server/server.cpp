#include "server/server.hpp"

#include "server/routes.hpp"

namespace roadwarden::server {

std::unique_ptr<store::Store> open_store(const DataDir& data, const ServerOptions& options) {
  if (options.database.empty()) return store::open_sqlite_store(data.database());
  return store::open_postgres_store(options.database);
}

Server::Server(DataDir data, const Clock& clock)
    : Server(data, load_server_options(data.config()), clock) {}

Server::Server(DataDir data, ServerOptions options, const Clock& clock) {
  store_ = open_store(data, options);
  crypto::EvidenceKey key = crypto::load_evidence_key(data.evidence_key());
  context_ = std::unique_ptr<ServerContext>(
      new ServerContext{options, std::move(data), *store_, clock, std::move(key)});
  audit_ = std::make_unique<AuditLog>(*store_, clock, context_->data.audit_head());
  live_ = std::make_unique<LiveFeeds>(context_->data.root / "hotlist.json", *audit_,
                                      options.camera_heartbeat);
  auth_ = std::make_unique<Authenticator>(*store_, clock, options, *audit_, context_->evidence_key);
  https_ = std::make_unique<HttpsServer>(context_->data, options);
  router_ = std::make_unique<Router>(https_->http(), *auth_);
  register_account_routes(*router_, *context_, *audit_);
  register_admin_routes(*router_, *context_, *audit_);
  register_ingest_routes(*router_, *context_, *audit_, *live_);
  register_search_routes(*router_, *context_, *audit_);
  register_review_routes(*router_, *context_, *audit_);
  register_live_routes(*router_, *context_, *audit_, *live_);
  register_audit_routes(*router_, *context_, *audit_);
  register_web_routes(*router_);
  retention_ = std::make_unique<RetentionWorker>(*context_, *audit_);
}

Server::~Server() {
  stop();
}

int Server::start() {
  return https_->start();
}

void Server::stop() {
  if (retention_) retention_->stop();
  if (live_) live_->close();  // ends every open stream, so the listener can stop
  if (https_) https_->stop();
}

}  // namespace roadwarden::server
