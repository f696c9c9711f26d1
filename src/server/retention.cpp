#include "server/retention.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/evidence_vault.hpp"

namespace roadwarden::server {

RetentionWorker::RetentionWorker(ServerContext& context, AuditLog& audit)
    : context_(context), audit_(audit) {}

RetentionWorker::~RetentionWorker() {
  stop();
}

RetentionResult RetentionWorker::run_once() {
  std::lock_guard pass(pass_mutex_);
  const UtcTime now = context_.clock.now();
  const auto ms = [](auto duration) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
  };
  const UtcTime non_violation_before{now.unix_ms - ms(context_.options.non_violation_retention)};
  const UtcTime violation_before{now.unix_ms - ms(context_.options.violation_retention)};
  const UtcTime rejected_before{now.unix_ms - ms(context_.options.rejected_violation_retention)};

  RetentionResult result;
  const std::vector<store::IngestedRecord> purged =
      context_.store.purge_records(non_violation_before, violation_before, rejected_before);
  result.records_purged = static_cast<std::int64_t>(purged.size());

  const EvidenceVault vault(context_.data.evidence(), context_.evidence_key);
  for (const store::IngestedRecord& record : purged) {
    try {
      vault.remove_record(record.key);
    } catch (const std::exception& e) {
      ++result.files_failed;
      spdlog::error("retention: cannot delete the evidence of record {}: {}", record.key, e.what());
    }
  }
  if (result.records_purged > 0) {
    store::AuditEntry entry;
    entry.actor = "system";
    entry.role = "system";
    entry.action = "purge";
    entry.target = fmt::format(
        "records received before {} (non-violation) / {} (violation), or rejected before {}",
        to_iso8601(non_violation_before), to_iso8601(violation_before),
        to_iso8601(rejected_before));
    entry.result_count = result.records_purged;
    entry.outcome = result.files_failed == 0 ? "ok" : "partial";
    audit_.append(std::move(entry));
  }
  result.tombstones_purged =
      context_.store.purge_tombstones(UtcTime{now.unix_ms - kTombstoneDays * 24 * 3600 * 1000});
  return result;
}

void RetentionWorker::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void RetentionWorker::stop() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void RetentionWorker::loop() {
  for (;;) {
    try {
      const RetentionResult r = run_once();
      if (r.records_purged > 0) {
        spdlog::info("retention: purged {} records", r.records_purged);
      }
    } catch (const std::exception& e) {
      spdlog::error("retention: pass failed: {}", e.what());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, context_.options.purge_interval, [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace roadwarden::server
