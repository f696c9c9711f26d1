// Review workflow and citation export (routes.hpp): the queue of violations awaiting review,
// a reviewer's decision (confirm, or reject with a reason) — with the server option
// second_review, a confirmation by a second, different person after the first — and the
// citation of a confirmed violation as JSON or as a printable HTML page with its evidence
// images and both reviewers. Every call leaves one audit entry: "review_queue" (it shows
// plate text), "review" (the decision), "export" (the citation), found or not, refused or
// not, tampered or not.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/evidence_vault.hpp"
#include "server/ingest.hpp"
#include "server/json_body.hpp"
#include "server/routes.hpp"
#include "store/record_rules.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

/// Most items one queue call returns (and the default when no limit is given).
constexpr int kMaxQueueLimit = 200;
/// Length of a rejection reason, in characters (UTF-8 code points).
constexpr std::size_t kMinReasonChars = 3;
constexpr std::size_t kMaxReasonChars = 500;

store::AuditEntry audit_entry(const Caller& caller, std::string action, std::string target) {
  store::AuditEntry entry;
  entry.actor = caller.actor();
  entry.role = caller.role();
  entry.action = std::move(action);
  entry.target = std::move(target);
  return entry;
}

/// The record key of a /…/{key} path; InvalidInput unless it is 32 lower-case hex digits.
std::string key_of(const httplib::Request& req) {
  const std::string key = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  if (!valid_record_key(key)) throw InvalidInput("the record key must be 32 lower-case hex digits");
  return key;
}

json time_or_null(const std::optional<UtcTime>& t) {
  return t ? json(to_iso8601(*t)) : json(nullptr);
}

/// Standard base64 (RFC 4648 §4, with padding) of `bytes`.
std::string base64(const std::vector<std::uint8_t>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) |
                            (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0U) |
                            (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0U);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

/// `text` with the HTML special characters escaped (element content and quoted attributes).
std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- Queue ------------------------------------------------------------------------------

void handle_queue(ServerContext& context, AuditLog& audit, const httplib::Request& req,
                  httplib::Response& res, const Caller& caller) {
  int limit = kMaxQueueLimit;
  if (req.has_param("limit")) {
    const std::string text = req.get_param_value("limit");
    const bool digits =
        !text.empty() && text.size() <= 4 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    limit = digits ? std::stoi(text) : 0;
    if (limit < 1 || limit > kMaxQueueLimit) {
      throw InvalidInput(fmt::format("'limit' must be an integer from 1 to {}", kMaxQueueLimit));
    }
  }
  // With second review on, nobody is shown their own first review to confirm again.
  const std::string not_first_reviewer = context.options.second_review ? caller.actor() : "";
  const std::vector<store::IngestedRecord> records =
      audited_read(audit, audit_entry(caller, "review_queue", fmt::format("limit={}", limit)),
                   [&] { return context.store.review_queue(limit, not_first_reviewer); });
  json items = json::array();
  for (const store::IngestedRecord& r : records) {
    json files = json::array();
    for (const store::EvidenceFile& f : r.files) files.push_back(f.name);
    items.push_back(
        {{"key", r.key},
         {"camera", r.camera_id},
         {"read_at", time_or_null(r.read_at)},
         {"received_at", to_iso8601(r.received_at)},
         {"violation_kind", r.violation_kind},
         {"text", r.plate_text},
         {"confidence", read_confidence(r.manifest)},
         {"candidates", read_candidates(r.manifest)},
         {"files", files},
         {"review_status", store::to_string(r.review_status)},
         {"stage",
          r.review_status == store::ReviewStatus::awaiting_second_review ? "second" : "first"}});
  }
  answer(res, 200,
         {{"items", items},
          {"count", items.size()},
          {"truncated", static_cast<int>(items.size()) >= limit}});
}

// ---- Decision ---------------------------------------------------------------------------

/// What a reviewer's decision does to a violation in its current state: the store decision
/// to apply (a compare-and-set from the status read), or why it is refused (409).
struct ReviewPlan {
  store::ReviewDecision decision;
  std::string refusal;  ///< not empty: refused with this message, nothing changed
};

/// Refusal of a second confirmation by the person who confirmed first.
constexpr const char* kSameReviewer =
    "the second review must be made by a different person: you confirmed this violation first";

/// The decision `reviewer` (`confirm` or reject, with `reason`, at `at`) makes on `record`.
/// Second review off: a confirmation confirms. On: a confirmation of a pending (or rejected)
/// violation makes it awaiting_second_review; one by a different person then confirms it;
/// the first reviewer again, or a confirmation of a confirmed violation, is refused. A
/// rejection at either stage rejects — except that, with second review on, a violation two
/// people confirmed is withdrawn (rejected) only by a supervisor (`supervisor`): one reviewer
/// must not undo a two-person decision and send the evidence to the short rejected-case
/// retention. Throws InvalidInput when the record is not a violation.
ReviewPlan plan_review(const store::IngestedRecord& record, bool confirm, bool second_review,
                       bool supervisor, const std::string& reviewer, UtcTime at,
                       const std::string& reason) {
  using store::ReviewStage;
  using store::ReviewStatus;
  store::check_reviewable(record.key, record.violation);
  ReviewPlan plan;
  store::ReviewDecision& d = plan.decision;
  d.expected = record.review_status;
  d.reviewer = reviewer;
  d.at = at;
  d.reason = reason;
  const bool awaiting = record.review_status == ReviewStatus::awaiting_second_review;
  if (!confirm) {
    if (second_review && !supervisor && record.review_status == ReviewStatus::confirmed &&
        !record.second_reviewer.empty()) {
      plan.refusal =
          "a violation confirmed by two reviewers can only be withdrawn by a supervisor";
      return plan;
    }
    d.status = ReviewStatus::rejected;
    d.stage = awaiting ? ReviewStage::second : ReviewStage::first;
    return plan;
  }
  d.status = ReviewStatus::confirmed;
  if (awaiting) {
    if (reviewer != record.first_reviewer) {
      d.stage = ReviewStage::second;
    } else if (second_review) {
      plan.refusal = kSameReviewer;
    }  // else: second review is off now, so the first reviewer's confirmation suffices
  } else if (record.review_status == ReviewStatus::confirmed) {
    if (second_review) plan.refusal = "this violation is already confirmed";
  } else if (second_review) {  // pending or rejected
    d.status = ReviewStatus::awaiting_second_review;
  }
  return plan;
}

void handle_review(ServerContext& context, AuditLog& audit, const httplib::Request& req,
                   httplib::Response& res, const Caller& caller) {
  const std::string key = key_of(req);
  const json body = body_object(req, {"decision", "reason"});
  const std::string decision = string_field(body, "decision").value_or("");
  if (decision != "confirm" && decision != "reject") {
    throw InvalidInput("'decision' must be \"confirm\" or \"reject\"");
  }
  const bool confirm = decision == "confirm";
  const std::string reason = string_field(body, "reason").value_or("");
  if (!confirm &&
      (code_points(reason) < kMinReasonChars || code_points(reason) > kMaxReasonChars)) {
    throw InvalidInput(fmt::format("a rejection needs a 'reason' of {} to {} characters",
                                   kMinReasonChars, kMaxReasonChars));
  }
  if (code_points(reason) > kMaxReasonChars) {
    throw InvalidInput(fmt::format("'reason' must be at most {} characters", kMaxReasonChars));
  }
  if (std::any_of(reason.begin(), reason.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; })) {
    throw InvalidInput("'reason' must not hold control characters");
  }
  store::AuditEntry entry = audit_entry(caller, "review", key);
  bool audited = false;
  const auto finish = [&](const std::string& outcome) {
    audited = true;
    entry.outcome = outcome;
    audit.append(std::move(entry));
  };
  const UtcTime now = context.clock.now();
  // A decision is a compare-and-set from the status read here; when another reviewer
  // decided in between (status_changed), it is planned again from the new state.
  constexpr int kAttempts = 3;
  try {
    for (int attempt = 1;; ++attempt) {
      const std::optional<store::IngestedRecord> record = context.store.record_by_key(key);
      if (!record) {
        finish("not_found");
        answer(res, 404, {{"error", "no such record"}});
        return;
      }
      const ReviewPlan plan =
          plan_review(*record, confirm, context.options.second_review,
                      caller.user && caller.user->role == store::Role::supervisor, caller.actor(),
                      now, reason);
      if (!plan.refusal.empty()) {
        finish("refused");
        answer(res, 409, {{"error", plan.refusal}});
        return;
      }
      switch (context.store.set_review(key, plan.decision)) {
        case store::ReviewOutcome::applied:
          entry.result_count = 1;
          finish(store::to_string(plan.decision.status));
          answer(res, 200,
                 {{"key", key},
                  {"review_status", store::to_string(plan.decision.status)},
                  {"reviewed_at", to_iso8601(now)}});
          return;
        case store::ReviewOutcome::not_found:  // purged meanwhile
          finish("not_found");
          answer(res, 404, {{"error", "no such record"}});
          return;
        case store::ReviewOutcome::same_reviewer:
          finish("refused");
          answer(res, 409, {{"error", kSameReviewer}});
          return;
        case store::ReviewOutcome::status_changed:
          if (attempt < kAttempts) continue;
          finish("refused");
          answer(res, 409,
                 {{"error",
                   "another review of this violation was recorded at the same time; reload it "
                   "and decide again"}});
          return;
      }
    }
  } catch (const InvalidInput&) {
    if (!audited) finish("refused");
    throw;  // not a violation: 400
  } catch (...) {
    if (!audited) finish("failed");
    throw;
  }
}

// ---- Citation ---------------------------------------------------------------------------

/// The signing public key of the device with `serial`; empty when unknown.
std::string device_key_of(const store::Store& store, const std::string& serial) {
  for (const store::Device& d : store.devices()) {
    if (d.serial == serial) return d.signing_public_key;
  }
  return {};
}

/// The citation's data as JSON: what the device signed and what the reviewer decided.
json citation_json(const store::IngestedRecord& r, const std::optional<store::Camera>& camera) {
  json files = json::array();
  for (const store::EvidenceFile& f : r.files) {
    files.push_back(
        {{"name", f.name}, {"media_type", f.media_type}, {"size", f.size}, {"sha256", f.sha256}});
  }
  return {
      {"key", r.key},
      {"kind", r.kind},
      {"camera", r.camera_id},
      {"camera_name", camera ? json(camera->name) : json(nullptr)},
      {"site", camera ? json(camera->site_id) : json(nullptr)},
      {"created", to_iso8601(r.created_at)},
      {"received_at", to_iso8601(r.received_at)},
      {"read_at", time_or_null(r.read_at)},
      {"plate", r.plate_text},
      {"confidence", read_confidence(r.manifest)},
      {"violation_kind", r.violation_kind},
      {"review",
       {{"decision", store::to_string(r.review_status)},
        {"reviewed_at", time_or_null(r.reviewed_at)},
        {"first_reviewer", r.first_reviewer.empty() ? json(nullptr) : json(r.first_reviewer)},
        {"first_reviewed_at", time_or_null(r.first_reviewed_at)},
        {"second_reviewer", r.second_reviewer.empty() ? json(nullptr) : json(r.second_reviewer)},
        {"second_reviewed_at", time_or_null(r.second_reviewed_at)}}},
      {"files", files},
      {"device_serial", r.device_serial},
      {"manifest", r.manifest},
      {"signature", r.signature}};
}

/// One decrypted evidence image of the citation page.
struct EvidenceImage {
  std::string name;
  std::string media_type;
  std::vector<std::uint8_t> bytes;
};

/// The printable citation page: a data bar (camera, time, plate, violation), the evidence
/// images as data: URIs, and the file hashes and signature. Self-contained: no scripts, no
/// requests of its own.
std::string citation_html(const json& c, const std::vector<EvidenceImage>& images) {
  const auto text = [&](const char* field) {
    const json& v = c.at(field);
    return html_escape(v.is_string() ? v.get<std::string>() : std::string("-"));
  };
  const std::string when = c.at("read_at").is_string() ? text("read_at") : text("created");
  const json& review = c.at("review");
  // "name (UTC time)", or "-" when that stage has no reviewer.
  const auto reviewer_of = [&](const char* name, const char* at) {
    if (!review.at(name).is_string()) return std::string("-");
    return html_escape(review.at(name).get<std::string>()) + " at " +
           html_escape(review.at(at).is_string() ? review.at(at).get<std::string>() : "-");
  };
  std::string html = fmt::format(
      R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Citation {key}</title>
<style>
body{{font-family:sans-serif;margin:2em}}
.databar{{font-family:monospace;background:#000;color:#fff;padding:.4em .8em;white-space:pre-wrap}}
img{{max-width:100%;display:block;margin:1em 0;page-break-inside:avoid}}
td,th{{text-align:left;padding:.2em .8em .2em 0;vertical-align:top}}
code{{word-break:break-all}}
</style></head><body>
<h1>Traffic violation citation</h1>
<div class="databar">Camera: {camera} | Time (UTC): {when} | Plate: {plate} | Violation: {kind}</div>
<table>
<tr><th>Record</th><td><code>{key}</code></td></tr>
<tr><th>Camera</th><td>{camera} ({camera_name}, site {site})</td></tr>
<tr><th>Read at (UTC)</th><td>{read_at}</td></tr>
<tr><th>Recorded by the camera (UTC)</th><td>{created}</td></tr>
<tr><th>Received by the server (UTC)</th><td>{received_at}</td></tr>
<tr><th>Plate</th><td>{plate}</td></tr>
<tr><th>Violation</th><td>{kind}</td></tr>
<tr><th>Review</th><td>{decision} at {reviewed_at}</td></tr>
<tr><th>First review</th><td>{first_review}</td></tr>
<tr><th>Second review</th><td>{second_review}</td></tr>
<tr><th>Device</th><td><code>{device}</code></td></tr>
<tr><th>Signature (Ed25519)</th><td><code>{signature}</code></td></tr>
</table>
<h2>Evidence</h2>
)",
      fmt::arg("key", text("key")), fmt::arg("camera", text("camera")), fmt::arg("when", when),
      fmt::arg("plate", text("plate")), fmt::arg("kind", text("violation_kind")),
      fmt::arg("camera_name", text("camera_name")), fmt::arg("site", text("site")),
      fmt::arg("read_at", text("read_at")), fmt::arg("created", text("created")),
      fmt::arg("received_at", text("received_at")),
      fmt::arg("decision", html_escape(c.at("review").at("decision").get<std::string>())),
      fmt::arg("reviewed_at", html_escape(c.at("review").at("reviewed_at").is_string()
                                              ? c.at("review").at("reviewed_at").get<std::string>()
                                              : std::string("-"))),
      fmt::arg("first_review", reviewer_of("first_reviewer", "first_reviewed_at")),
      fmt::arg("second_review", reviewer_of("second_reviewer", "second_reviewed_at")),
      fmt::arg("device", text("device_serial")), fmt::arg("signature", text("signature")));
  for (const EvidenceImage& image : images) {
    html += fmt::format(
        R"(<figure><img src="data:{};base64,{}" alt="{}"><figcaption>{}</figcaption></figure>
)",
        html_escape(image.media_type), base64(image.bytes), html_escape(image.name),
        html_escape(image.name));
  }
  html += "<h2>Files (SHA-256)</h2>\n<table>\n";
  for (const json& f : c.at("files")) {
    html +=
        fmt::format("<tr><td>{}</td><td>{} bytes</td><td><code>{}</code></td></tr>\n",
                    html_escape(f.at("name").get<std::string>()), f.at("size").get<std::int64_t>(),
                    html_escape(f.at("sha256").get<std::string>()));
  }
  html += "</table>\n</body></html>\n";
  return html;
}

void handle_citation(ServerContext& context, AuditLog& audit, const EvidenceVault& vault,
                     const httplib::Request& req, httplib::Response& res, const Caller& caller) {
  const std::string key = key_of(req);
  const json body = body_object(req, {"format"});
  const std::string format = string_field(body, "format").value_or("");
  if (format != "json" && format != "html") {
    throw InvalidInput("'format' must be \"json\" or \"html\"");
  }
  store::AuditEntry entry =
      audit_entry(caller, "export", fmt::format("citation {} {}", key, format));
  const auto fail = [&](const char* outcome) {
    entry.outcome = outcome;
    audit.append(std::move(entry));
  };
  std::optional<store::IngestedRecord> record;
  try {
    record = context.store.record_by_key(key);
  } catch (...) {
    fail("failed");
    throw;
  }
  if (!record) {
    fail("not_found");
    answer(res, 404, {{"error", "no such record"}});
    return;
  }
  if (!record->violation || record->review_status != store::ReviewStatus::confirmed) {
    fail("refused");
    answer(res, 409, {{"error", "only a confirmed violation can be exported as a citation"}});
    return;
  }
  const json citation = citation_json(*record, context.store.camera(record->camera_id));
  std::vector<EvidenceImage> images;
  if (format == "html") {
    const std::string device_key = device_key_of(context.store, record->device_serial);
    try {
      if (device_key.empty()) throw Corrupt("the record's device is unknown");
      for (const store::EvidenceFile& f : record->files) {
        if (f.media_type.rfind("image/", 0) != 0) continue;
        images.push_back({f.name, f.media_type, vault.read(*record, f.name, device_key)});
      }
    } catch (const Corrupt& e) {
      spdlog::error("citation {}: evidence integrity check failed: {}", key, e.what());
      fail("tampered");
      answer(res, 409, {{"error", "evidence failed its integrity check"}});
      return;
    } catch (...) {
      fail("failed");
      throw;
    }
  }
  entry.result_count = 1;
  entry.outcome = "ok";
  audit.append(std::move(entry));
  if (format == "json") {
    answer(res, 200, citation);
    return;
  }
  res.status = 200;
  // The strict policy, opened only for the page's own inline style and data: images.
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                 "frame-ancestors 'none'");
  res.set_header("Content-Disposition", fmt::format("inline; filename=\"citation-{}.html\"", key));
  res.set_content(citation_html(citation, images), "text/html; charset=utf-8");
}

}  // namespace

void register_review_routes(Router& router, ServerContext& context, AuditLog& audit) {
  using store::Role;
  router.add(
      "GET", "/api/v1/review/queue", "/api/v1/review/queue",
      AccessRule::people({Role::reviewer, Role::supervisor}),
      [&context, &audit](const httplib::Request& req, httplib::Response& res,
                         const Caller& caller) { handle_queue(context, audit, req, res, caller); });
  router.add("POST", R"(/api/v1/review/([^/]+))", "/api/v1/review/0123456789abcdef0123456789abcdef",
             AccessRule::people({Role::reviewer, Role::supervisor}),
             [&context, &audit](const httplib::Request& req, httplib::Response& res,
                                const Caller& caller) {
               handle_review(context, audit, req, res, caller);
             });
  auto vault = std::make_shared<EvidenceVault>(context.data.evidence(), context.evidence_key);
  router.add("POST", R"(/api/v1/citations/([^/]+))",
             "/api/v1/citations/0123456789abcdef0123456789abcdef",
             AccessRule::people({Role::reviewer, Role::supervisor}),
             [&context, &audit, vault](const httplib::Request& req, httplib::Response& res,
                                       const Caller& caller) {
               handle_citation(context, audit, *vault, req, res, caller);
             });
}

}  // namespace roadwarden::server
