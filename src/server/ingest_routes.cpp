// POST /api/v1/ingest/records [device]: the server side of docs/edge-upload.md.
//
// Order of work: size limit → parse and validate (nothing touched yet) → signature with the
// device's key → per-key lock → known key? (duplicate / conflict, nothing written) → files
// written durably → store.ingest_record (one transaction) → 201. The answer is 2xx only
// after everything is durable. Files written for a record that ends up not stored (a
// tombstoned key, a store error) are removed again.
//
// Assumes one server process per data directory: the per-key lock is in memory.
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "server/evidence_vault.hpp"
#include "server/ingest.hpp"
#include "server/plate_search.hpp"
#include "server/routes.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

void answer(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

/// Keys being ingested right now; a second upload of the same key waits for the first.
class KeyLocks {
 public:
  /// Holds the lock of one key while alive.
  class Guard {
   public:
    Guard(KeyLocks& locks, std::string key) : locks_(locks), key_(std::move(key)) {
      std::unique_lock lock(locks_.mutex_);
      locks_.released_.wait(lock, [&] { return !locks_.keys_.contains(key_); });
      locks_.keys_.insert(key_);
    }
    ~Guard() {
      {
        std::lock_guard lock(locks_.mutex_);
        locks_.keys_.erase(key_);
      }
      locks_.released_.notify_all();
    }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    KeyLocks& locks_;
    std::string key_;
  };

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  std::set<std::string> keys_;  // guarded by mutex_
};

/// What the ingest handler keeps between requests.
struct IngestState {
  IngestState(ServerContext& c, AuditLog& a, LiveFeeds& l)
      : context(c), audit(a), live(l), vault(c.data.evidence(), c.evidence_key) {}
  ServerContext& context;
  AuditLog& audit;
  LiveFeeds& live;  // hotlist matching and live streams of stored records
  EvidenceVault vault;
  KeyLocks locks;
};

/// The request's parts: httplib splits multipart bodies into req.files (the raw body is
/// then empty); a body it did not split is parsed here.
IngestRequest parse(const httplib::Request& req, std::size_t max_bytes) {
  const std::string key = req.get_header_value("Idempotency-Key");
  if (!req.body.empty() || req.files.empty()) {
    return parse_ingest_request(key, req.get_header_value("Content-Type"), req.body, max_bytes);
  }
  std::vector<MultipartPart> parts;
  parts.reserve(req.files.size());
  for (const auto& [name, file] : req.files) {
    parts.push_back({file.name, file.filename, file.content_type, file.content});
  }
  return validate_ingest_parts(key, std::move(parts));
}

void handle_ingest(IngestState& state, const httplib::Request& req, httplib::Response& res,
                   const Caller& caller) {
  ServerContext& context = state.context;
  if (!caller.device) throw PermissionDenied("only a camera agent may upload records");
  const store::Device& device = *caller.device;
  // A roadside message board (ServerOptions::board_devices) only reads its feed.
  const std::vector<std::string>& boards = context.options.board_devices;
  if (std::find(boards.begin(), boards.end(), device.serial) != boards.end())
    throw PermissionDenied("a message board may not upload records");
  // docs/edge-upload.md: the certificate must belong to an enrolled, ACTIVE camera. A camera
  // switched off in the registry uploads nothing, whatever its agent still holds.
  const std::optional<store::Camera> camera = context.store.camera(device.camera_id);
  if (!camera || !camera->active)
    throw PermissionDenied("the camera of this device is not active in the registry");

  // 413 before parsing: httplib's payload limit covers the body it reads; the declared
  // length is checked too.
  const std::size_t limit = context.options.max_upload_bytes;
  const std::string length_header = req.get_header_value("Content-Length");
  std::size_t declared = 0;
  const auto [end, ec] =
      std::from_chars(length_header.data(), length_header.data() + length_header.size(), declared);
  std::size_t received = req.body.size();
  for (const auto& [name, file] : req.files) received += file.content.size();
  if ((ec == std::errc() && declared > limit) || ec == std::errc::result_out_of_range ||
      received > limit) {
    answer(res, 413, {{"error", fmt::format("the upload is larger than {} bytes", limit)}});
    return;
  }

  IngestRequest request;
  try {
    request = parse(req, limit);
  } catch (const PayloadTooLarge& e) {
    answer(res, 413, {{"error", e.what()}});
    return;
  } catch (const InvalidInput& e) {
    spdlog::warn("ingest from device {}: refused: {}", device.serial, e.what());
    answer(res, 400, {{"error", e.what()}});
    return;
  }

  try {
    check_ingest_signature(request.record_json, req.get_header_value("X-Roadwarden-Signature"),
                           device.signing_public_key);
  } catch (const PermissionDenied& e) {
    spdlog::warn("ingest of record {} from device {}: {}", request.key, device.serial, e.what());
    store::AuditEntry entry;
    entry.actor = caller.actor();
    entry.role = caller.role();
    entry.action = "ingest_refused";
    entry.target = fmt::format("record {}: bad signature", request.key);
    entry.outcome = "denied";
    state.audit.append(std::move(entry));
    answer(res, 403, {{"error", e.what()}});
    return;
  }

  const std::string content_sha256 = crypto::sha256_hex(request.record_json);
  KeyLocks::Guard key_lock(state.locks, request.key);

  if (const auto existing = context.store.record_by_key(request.key)) {
    if (existing->content_sha256 == content_sha256) {
      answer(res, 200, {{"status", "duplicate"}, {"key", request.key}});
    } else {
      spdlog::warn("ingest of record {} from device {}: the key is stored with other content",
                   request.key, device.serial);
      answer(res, 409,
             {{"error", "this key is stored with different content"}, {"key", request.key}});
    }
    return;
  }

  store::IngestedRecord record;
  record.key = request.key;
  record.kind = request.kind;
  record.violation = request.violation;
  record.camera_id = device.camera_id;  // from the certificate, never from the body
  record.device_serial = device.serial;
  record.created_at = request.created;
  record.received_at = context.clock.now();
  record.manifest = request.record_json;
  record.signature = req.get_header_value("X-Roadwarden-Signature");
  record.content_sha256 = content_sha256;
  record.plate_text = request.plate_text;
  record.plate_skeleton = plate_skeleton(request.plate_text);
  record.read_at = request.read_at;
  record.violation_kind = request.violation_kind;

  std::vector<std::string> written;
  const auto remove_written = [&] {
    for (const std::string& name : written) {
      try {
        state.vault.remove_file(record.key, name);
      } catch (const std::exception& e) {
        spdlog::error("ingest of record {}: cannot remove an unstored file: {}", record.key,
                      e.what());
      }
    }
    if (!written.empty()) {
      try {
        state.vault.remove_record(record.key);
      } catch (const std::exception&) {
        // an empty folder left behind is harmless
      }
    }
  };

  store::IngestOutcome outcome;
  try {
    for (const IngestFile& file : request.files) {
      store::EvidenceFile row;
      row.name = file.name;
      row.media_type = file.media_type;
      row.size = file.size;
      row.sha256 = file.sha256;
      row.storage_path =
          state.vault.write(record.key, file.name,
                            std::span(reinterpret_cast<const std::uint8_t*>(file.content.data()),
                                      file.content.size()));
      written.push_back(file.name);
      record.files.push_back(std::move(row));
    }
    outcome = context.store.ingest_record(record);
  } catch (...) {
    remove_written();
    throw;
  }

  switch (outcome) {
    case store::IngestOutcome::stored:
      // Stored and durable: the answer is 201 whatever the live side does. Alerts are
      // raised before answering, so an alert is never later than the agent's receipt.
      try {
        // The agent's clock when it sent this (docs/edge-upload.md); absent or malformed:
        // no clock offset (never a refusal).
        state.live.on_ingested(
            record, parse_rfc3339(req.get_header_value("X-Roadwarden-Device-Time"),
                                  Rfc3339Form::utc));
      } catch (const std::exception& e) {
        spdlog::error("ingest of record {}: hotlist matching or live publishing failed: {}",
                      record.key, e.what());
      }
      answer(res, 201, {{"status", "stored"}, {"key", record.key}});
      return;
    case store::IngestOutcome::duplicate:  // a key purged by retention (tombstone)
      remove_written();
      answer(res, 200, {{"status", "duplicate"}, {"key", record.key}});
      return;
    case store::IngestOutcome::conflict:
      remove_written();
      answer(res, 409,
             {{"error", "this key is stored with different content"}, {"key", record.key}});
      return;
  }
}

}  // namespace

void register_ingest_routes(Router& router, ServerContext& context, AuditLog& audit,
                            LiveFeeds& live) {
  auto state = std::make_shared<IngestState>(context, audit, live);
  router.add("POST", "/api/v1/ingest/records", "/api/v1/ingest/records", AccessRule::device(),
             [state](const httplib::Request& req, httplib::Response& res, const Caller& caller) {
               handle_ingest(*state, req, res, caller);
             });
}

}  // namespace roadwarden::server
