// Audit log, chain verification and transparency statistics (routes.hpp).
#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/ingest.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

/// An integer query parameter in [min, max], or `fallback` when absent.
std::int64_t int_param(const httplib::Request& req, const char* name, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    throw InvalidInput(fmt::format("'{}' must be an integer from {} to {}", name, min, max));
  }
  return value;
}

json entry_json(const store::AuditEntry& e) {
  return {{"seq", e.seq},         {"time", to_iso8601(e.time)},   {"actor", e.actor},
          {"role", e.role},       {"action", e.action},           {"target", e.target},
          {"purpose", e.purpose}, {"case_number", e.case_number}, {"result_count", e.result_count},
          {"outcome", e.outcome}, {"prev_hash", e.prev_hash},     {"hash", e.hash}};
}

void handle_list(ServerContext& context, const httplib::Request& req, httplib::Response& res) {
  std::int64_t after = int_param(req, "after", 0, 0, INT64_MAX);
  const auto limit = static_cast<std::size_t>(int_param(req, "limit", 100, 1, 1000));
  const std::string action = req.get_param_value("action");
  const std::string actor = req.get_param_value("actor");
  // Filters apply while paging, so a page holds up to `limit` matches; `next_after` is the
  // last seq examined (pass it as `after` to continue).
  json entries = json::array();
  constexpr int kPage = 1000;
  constexpr int kMaxScanned = 100000;  // bounds one request's work
  int scanned = 0;
  bool more = false;
  for (;;) {
    const auto page = context.store.audit_entries(after, kPage);
    for (std::size_t i = 0; i < page.size() && entries.size() < limit; ++i) {
      const store::AuditEntry& e = page[i];
      after = e.seq;
      ++scanned;
      if ((action.empty() || e.action == action) && (actor.empty() || e.actor == actor)) {
        entries.push_back(entry_json(e));
        if (entries.size() == limit) more = i + 1 < page.size() || page.size() == kPage;
      }
    }
    if (entries.size() == limit) break;
    if (static_cast<int>(page.size()) < kPage) break;
    if (scanned >= kMaxScanned) {
      more = true;
      break;
    }
  }
  answer(res, 200, {{"entries", entries}, {"next_after", after}, {"more", more}});
}

void handle_verify(ServerContext& context, const httplib::Request&, httplib::Response& res) {
  const std::vector<AuditProblem> problems = verify_audit(context.store, context.data.audit_head());
  std::int64_t count = 0;
  for (std::int64_t after = 0;;) {
    const auto page = context.store.audit_entries(after, 1000);
    count += static_cast<std::int64_t>(page.size());
    if (page.size() < 1000) break;
    after = page.back().seq;
  }
  json list = json::array();
  for (const AuditProblem& p : problems) list.push_back({{"seq", p.seq}, {"what", p.what}});
  answer(res, 200, {{"intact", problems.empty()}, {"problems", list}, {"entries", count}});
}

json pairs_object(const std::vector<std::pair<std::string, std::int64_t>>& pairs) {
  json object = json::object();
  for (const auto& [name, count] : pairs) object[name] = count;
  return object;
}

void handle_transparency(ServerContext& context, const httplib::Request& req,
                         httplib::Response& res) {
  const UtcTime to =
      req.has_param("to") ? parse_rfc3339(req.get_param_value("to"), "to") : context.clock.now();
  const UtcTime from = req.has_param("from")
                           ? parse_rfc3339(req.get_param_value("from"), "from")
                           : UtcTime{to.unix_ms - std::int64_t{30} * 24 * 3600 * 1000};
  if (to <= from) throw InvalidInput("'to' must be after 'from'");
  const store::TransparencyCounts counts = context.store.transparency_counts(from, to);
  const ServerOptions& o = context.options;
  answer(res, 200,
         {{"from", to_iso8601(from)},
          {"to", to_iso8601(to)},
          {"plate_reads", counts.plate_reads},
          {"violations_by_kind", pairs_object(counts.violations_by_kind)},
          {"searches_by_purpose", pairs_object(counts.searches_by_purpose)},
          {"purges", counts.purges},
          {"purged_records", counts.purged_records},
          {"retention",
           {{"non_violation_minutes", o.non_violation_retention.count()},
            {"violation_hours", o.violation_retention.count()},
            {"rejected_violation_minutes", o.rejected_violation_retention.count()},
            {"purge_interval_seconds", o.purge_interval.count()}}}});
}

}  // namespace

void register_audit_routes(Router& router, ServerContext& context, AuditLog& /*audit*/) {
  using store::Role;
  router.add("GET", "/api/v1/audit", "/api/v1/audit", AccessRule::people({Role::auditor}),
             [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
               handle_list(context, req, res);
             });
  router.add("GET", "/api/v1/audit/verify", "/api/v1/audit/verify",
             AccessRule::people({Role::auditor}),
             [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
               handle_verify(context, req, res);
             });
  router.add("GET", "/api/v1/stats/transparency", "/api/v1/stats/transparency",
             AccessRule::people({Role::auditor, Role::supervisor, Role::admin}),
             [&context](const httplib::Request& req, httplib::Response& res, const Caller&) {
               handle_transparency(context, req, res);
             });
}

}  // namespace roadwarden::server
