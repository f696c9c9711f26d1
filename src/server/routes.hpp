// Route groups of the central server. Each function registers its routes on the Router,
// each route with its access rule (router.hpp); `roadwarden server` (server.cpp) calls
// them all. The JSON API is documented in docs/server-api.md.
//
// Route map (rule in brackets):
//   GET  /api/v1/health                      [anyone]
//   POST /api/v1/login, /api/v1/logout, GET /api/v1/me   [anyone / any person]
//   /api/v1/users…, /api/v1/sites…, /api/v1/cameras…, /api/v1/devices…   [admin]
//   POST /api/v1/ingest/records              [device]
//   POST /api/v1/search/reads, /api/v1/search/timeline   [investigator]
//   POST /api/v1/evidence/{key}/{file}       [investigator, reviewer, supervisor]
//   GET  /api/v1/review/queue, POST /api/v1/review/{key}, POST /api/v1/citations/{key}
//                                            [reviewer, supervisor]
//   PUT/GET /api/v1/hotlists                 [supervisor, admin]
//   GET  /api/v1/events (text/event-stream)  [reviewer, supervisor]
//   GET  /api/v1/boards/feed (text/plain)    [board device, supervisor]
//   GET  /api/v1/audit, /api/v1/audit/verify [auditor]
//   GET  /api/v1/stats/transparency          [auditor, supervisor, admin]
//   GET  /, /assets/…  the web console's embedded files   [public asset: no data]
// Personal data (plate text) travels only in request bodies, never in URLs.
#pragma once

#include "server/audit.hpp"
#include "server/context.hpp"
#include "server/live_feeds.hpp"
#include "server/router.hpp"

namespace roadwarden::server {

/// Health, login, logout, me; users, sites, cameras, device enrolment (server/auth_routes.cpp,
/// server/admin_routes.cpp).
void register_account_routes(Router& router, ServerContext& context, AuditLog& audit);
void register_admin_routes(Router& router, ServerContext& context, AuditLog& audit);
/// Ingest of camera-agent records (docs/edge-upload.md) (server/ingest_routes.cpp); each
/// stored record is handed to `live` (hotlist matching, live streams).
void register_ingest_routes(Router& router, ServerContext& context, AuditLog& audit,
                            LiveFeeds& live);
/// Plate search, movement timeline, evidence download (server/search_routes.cpp).
void register_search_routes(Router& router, ServerContext& context, AuditLog& audit);
/// Review queue, review decisions, citation export (server/review_routes.cpp).
void register_review_routes(Router& router, ServerContext& context, AuditLog& audit);
/// Hotlist import and summary, the live event stream and the message-board feed
/// (server/live_routes.cpp); `live` outlives the router's server.
void register_live_routes(Router& router, ServerContext& context, AuditLog& audit,
                          LiveFeeds& live);
/// Audit log, chain verification, transparency statistics (server/audit_routes.cpp).
void register_audit_routes(Router& router, ServerContext& context, AuditLog& audit);
/// The web console's embedded static files, GET / and /assets/… (server/web_routes.cpp,
/// docs/web-console.md).
void register_web_routes(Router& router);

}  // namespace roadwarden::server
