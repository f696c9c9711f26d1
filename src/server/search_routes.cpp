// Plate search, movement timeline and evidence download (routes.hpp). Every call states a
// purpose and a case number, checked before any data is read, and every call — found or
// not, tampered or not — leaves one audit entry.
#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/evidence_vault.hpp"
#include "server/ingest.hpp"
#include "server/json_body.hpp"
#include "server/plate_search.hpp"
#include "server/purpose.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

/// Purpose (a code of kSearchPurposes) and case number (1–64) — required for every search
/// and evidence view.
struct Justification {
  std::string purpose;
  std::string case_number;
};

Justification justification(const json& body) {
  Justification j;
  const auto purpose = string_field(body, "purpose");
  if (!purpose || !is_search_purpose(*purpose)) {
    std::string codes;
    for (const SearchPurpose& p : kSearchPurposes)
      codes += (codes.empty() ? "" : ", ") + std::string(p.code);
    throw InvalidInput("state the purpose of this search ('purpose', one of: " + codes + ")");
  }
  const auto case_number = string_field(body, "case_number");
  if (!case_number || case_number->empty() || code_points(*case_number) > 64) {
    throw InvalidInput(
        "give the case number this search belongs to ('case_number', 1 to 64 "
        "characters)");
  }
  if (std::any_of(case_number->begin(), case_number->end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    throw InvalidInput("'case_number' must not hold control characters");
  }
  j.purpose = *purpose;
  j.case_number = *case_number;
  return j;
}

/// The parsed query of a search or timeline request.
struct PlateQuery {
  store::ReadQuery query;
  std::string plate;
  std::string match;
  std::string description;  // for the audit target
};

PlateQuery plate_query(const json& body) {
  PlateQuery q;
  const auto plate = string_field(body, "plate");
  if (!plate) throw InvalidInput("'plate' is required");
  q.plate = normalise_plate_query(*plate);
  q.match = string_field(body, "match").value_or("exact");
  if (q.match == "exact") {
    q.query.plate_text = q.plate;
  } else if (q.match == "confusable") {
    q.query.plate_skeleton = plate_skeleton(q.plate);
  } else {
    throw InvalidInput("'match' must be \"exact\" or \"confusable\"");
  }
  if (const auto from = string_field(body, "from")) q.query.from = parse_rfc3339(*from, "from");
  if (const auto to = string_field(body, "to")) q.query.to = parse_rfc3339(*to, "to");
  if (q.query.from && q.query.to && *q.query.to <= *q.query.from) {
    throw InvalidInput("'to' must be after 'from'");
  }
  if (const auto it = body.find("cameras"); it != body.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 100) {
      throw InvalidInput("'cameras' must be an array of at most 100 camera ids");
    }
    for (const json& camera : *it) {
      if (!camera.is_string()) throw InvalidInput("'cameras' must hold camera ids (strings)");
      const std::string& id = camera.get_ref<const std::string&>();
      const bool ok =
          !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
          });
      if (!ok) throw InvalidInput("a camera id must be 1-64 of [A-Za-z0-9_.-]");
      q.query.camera_ids.push_back(id);
    }
  }
  if (const auto it = body.find("limit"); it != body.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 1000) {
      throw InvalidInput("'limit' must be an integer from 1 to 1000");
    }
    q.query.limit = it->get<int>();
  }
  std::string cameras;
  for (const std::string& c : q.query.camera_ids) cameras += (cameras.empty() ? "" : ",") + c;
  q.description =
      fmt::format("plate={} match={} from={} to={} cameras={}", q.plate, q.match,
                  q.query.from ? to_iso8601(*q.query.from) : "-",
                  q.query.to ? to_iso8601(*q.query.to) : "-", cameras.empty() ? "any" : cameras);
  return q;
}

store::AuditEntry audit_entry(const Caller& caller, std::string action, std::string target,
                              const Justification& j) {
  store::AuditEntry entry;
  entry.actor = caller.actor();
  entry.role = caller.role();
  entry.action = std::move(action);
  entry.target = std::move(target);
  entry.purpose = j.purpose;
  entry.case_number = j.case_number;
  return entry;
}

/// Runs a plate-read search with its audit entry (audited_read).
std::vector<store::IngestedRecord> audited_search(ServerContext& context, AuditLog& audit,
                                                  store::AuditEntry entry,
                                                  const store::ReadQuery& query) {
  return audited_read(audit, std::move(entry), [&] { return context.store.search_reads(query); });
}

void handle_search(ServerContext& context, AuditLog& audit, const httplib::Request& req,
                   httplib::Response& res, const Caller& caller) {
  const json body = body_object(
      req, {"plate", "match", "from", "to", "cameras", "purpose", "case_number", "limit"});
  const Justification j = justification(body);
  const PlateQuery q = plate_query(body);
  const auto records =
      audited_search(context, audit, audit_entry(caller, "search", q.description, j), q.query);
  json results = json::array();
  for (const store::IngestedRecord& r : records) {
    json files = json::array();
    for (const store::EvidenceFile& f : r.files) files.push_back(f.name);
    results.push_back({{"key", r.key},
                       {"camera", r.camera_id},
                       {"read_at", r.read_at ? json(to_iso8601(*r.read_at)) : json(nullptr)},
                       {"text", r.plate_text},
                       {"confidence", read_confidence(r.manifest)},
                       {"violation", r.violation},
                       {"files", files}});
  }
  answer(res, 200,
         {{"results", results},
          {"count", results.size()},
          {"truncated", static_cast<int>(results.size()) >= q.query.limit}});
}

void handle_timeline(ServerContext& context, AuditLog& audit, const httplib::Request& req,
                     httplib::Response& res, const Caller& caller) {
  const json body =
      body_object(req, {"plate", "match", "from", "to", "purpose", "case_number", "limit"});
  const Justification j = justification(body);
  const PlateQuery q = plate_query(body);
  const auto records =
      audited_search(context, audit, audit_entry(caller, "timeline", q.description, j), q.query);
  std::map<std::string, std::optional<store::Camera>> cameras;
  json points = json::array();
  for (const store::IngestedRecord& r : records) {
    auto it = cameras.find(r.camera_id);
    if (it == cameras.end())
      it = cameras.emplace(r.camera_id, context.store.camera(r.camera_id)).first;
    json point = {{"key", r.key},
                  {"read_at", r.read_at ? json(to_iso8601(*r.read_at)) : json(nullptr)},
                  {"text", r.plate_text},
                  {"camera", r.camera_id},
                  {"site", nullptr},
                  {"camera_name", nullptr},
                  {"latitude", nullptr},
                  {"longitude", nullptr}};
    if (const auto& camera = it->second) {
      point["site"] = camera->site_id;
      point["camera_name"] = camera->name;
      point["latitude"] = camera->latitude;
      point["longitude"] = camera->longitude;
    }
    points.push_back(std::move(point));
  }
  answer(res, 200, {{"plate", q.plate}, {"points", points}, {"count", points.size()}});
}

void handle_evidence(ServerContext& context, AuditLog& audit, const EvidenceVault& vault,
                     const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const json body = body_object(req, {"purpose", "case_number"});
  const Justification j = justification(body);
  const std::string key = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  const std::string name = req.matches.size() > 2 ? std::string(req.matches[2]) : "";
  if (!valid_record_key(key) || !valid_evidence_file_name(name)) {
    throw InvalidInput("the evidence path must be /api/v1/evidence/<32 hex key>/<file name>");
  }
  store::AuditEntry entry = audit_entry(caller, "evidence_view", key + "/" + name, j);
  const auto record = context.store.record_by_key(key);
  const auto file = record
                        ? std::find_if(record->files.begin(), record->files.end(),
                                       [&](const store::EvidenceFile& f) { return f.name == name; })
                        : std::vector<store::EvidenceFile>::const_iterator{};
  if (!record || file == record->files.end()) {
    entry.outcome = "not_found";
    audit.append(std::move(entry));
    answer(res, 404, {{"error", "no such evidence file"}});
    return;
  }
  std::string device_key;
  for (const store::Device& d : context.store.devices()) {
    if (d.serial == record->device_serial) device_key = d.signing_public_key;
  }
  std::vector<std::uint8_t> bytes;
  try {
    if (device_key.empty()) throw Corrupt("the record's device is unknown");
    bytes = vault.read(*record, name, device_key);
  } catch (const Corrupt& e) {
    spdlog::error("evidence {}/{}: integrity check failed: {}", key, name, e.what());
    entry.outcome = "tampered";
    audit.append(std::move(entry));
    answer(res, 409, {{"error", "evidence failed its integrity check"}});
    return;
  } catch (...) {
    entry.outcome = "failed";
    audit.append(std::move(entry));
    throw;
  }
  entry.result_count = 1;
  entry.outcome = "ok";
  audit.append(std::move(entry));
  res.status = 200;
  res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
  res.set_content(std::string(bytes.begin(), bytes.end()), file->media_type);
}

}  // namespace

void register_search_routes(Router& router, ServerContext& context, AuditLog& audit) {
  using store::Role;
  router.add("GET", "/api/v1/search/purposes", "/api/v1/search/purposes",
             AccessRule::people({Role::investigator, Role::reviewer, Role::supervisor}),
             [](const httplib::Request&, httplib::Response& res, const Caller&) {
               json list = json::array();
               for (const SearchPurpose& p : kSearchPurposes)
                 list.push_back({{"code", p.code}, {"meaning", p.meaning}});
               answer(res, 200, {{"purposes", list}});
             });
  router.add("POST", "/api/v1/search/reads", "/api/v1/search/reads",
             AccessRule::people({Role::investigator}),
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               handle_search(context, audit, req, res, caller);
             });
  router.add("POST", "/api/v1/search/timeline", "/api/v1/search/timeline",
             AccessRule::people({Role::investigator}),
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               handle_timeline(context, audit, req, res, caller);
             });
  auto vault = std::make_shared<EvidenceVault>(context.data.evidence(), context.evidence_key);
  router.add("POST", R"(/api/v1/evidence/([^/]+)/([^/]+))",
             "/api/v1/evidence/0123456789abcdef0123456789abcdef/frame.jpg",
             AccessRule::people({Role::investigator, Role::reviewer, Role::supervisor}),
             [&context, &audit, vault](const httplib::Request& req, httplib::Response& res,
                                       const Caller& caller) {
               handle_evidence(context, audit, *vault, req, res, caller);
             });
}

}  // namespace roadwarden::server
