#include "server/live_feeds.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace roadwarden::server {
namespace {

using nlohmann::json;

/// "YYYY-MM-DDTHH:MM:SSZ": to_iso8601 without its milliseconds (boards show seconds).
std::string seconds_utc(UtcTime t) {
  const std::string ms = to_iso8601(UtcTime{t.unix_ms - ((t.unix_ms % 1000) + 1000) % 1000});
  const std::size_t dot = ms.find('.');
  return dot == std::string::npos ? ms : ms.substr(0, dot) + "Z";
}

}  // namespace

std::string board_line(UtcTime at, std::string_view plate, std::string_view kind) {
  std::string p;
  for (const char c : plate) {
    const char u = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (((u >= '0' && u <= '9') || (u >= 'A' && u <= 'Z')) && p.size() < 16) p += u;
  }
  std::string k;
  for (const char c : kind) {
    if (((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '_') && k.size() < 64) k += c;
  }
  if (p.empty() || k.empty()) return {};
  return seconds_utc(at) + " " + p + " " + k + "\n";
}

LiveFeeds::LiveFeeds(const std::filesystem::path& hotlist_file, AuditLog& audit,
                     std::chrono::seconds heartbeat)
    : audit_(audit), hotlists_(hotlist_file), health_(heartbeat) {}

void LiveFeeds::on_ingested(const store::IngestedRecord& record,
                            std::optional<UtcTime> device_time) {
  // A rules report counts as an upload for health but is not a health event.
  const bool rules_report = site_rules_.observe(record);
  if (health_.observe(record, device_time) && !rules_report)
    events_.publish(LiveEvent{"camera_health", health_.row(record.camera_id, record.received_at).dump()});
  const UtcTime at = record.read_at.value_or(record.created_at);
  if (record.violation) {
    // Minimal on purpose: what a reviewer's live list needs to pick the record up (its key
    // opens the review queue and the evidence); no confidence, site, files or images.
    const json data{{"key", record.key},
                    {"kind", record.violation_kind},
                    {"camera", record.camera_id},
                    {"time", to_iso8601(at)},
                    {"plate", record.plate_text}};
    events_.publish(LiveEvent{"violation", data.dump()});
    const std::string line = board_line(at, record.plate_text, record.violation_kind);
    if (!line.empty()) boards_.publish(LiveEvent{"violation", line});
  }
  if (record.plate_text.empty()) return;
  PlateRead read;
  read.camera = record.camera_id;
  read.text = record.plate_text;
  read.best_time = at;
  read.first_seen = read.last_seen = at;
  for (const rules::HotlistAlert& alert : hotlists_.on_read(read)) {
    json lists = json::array();
    std::string names;
    for (const rules::HotlistEntry& e : alert.entries) {
      lists.push_back({{"list", e.list}, {"reason", e.reason}});
      names += (names.empty() ? "" : ",") + e.list;
    }
    // The alert is a record of what officers were told: the audit log keeps it hash-chained
    // (tamper-evident) beside who then searched or viewed what. The reason text stays out
    // (the hotlist file has it; it may name a case).
    store::AuditEntry entry;
    entry.actor = "system";
    entry.role = "system";
    entry.action = "hotlist_hit";
    entry.target = fmt::format("record {} camera {} rule {} plate {} lists {}", record.key,
                               alert.camera, rules::to_string(alert.rule), alert.plate, names);
    entry.result_count = static_cast<std::int64_t>(alert.entries.size());
    entry.outcome = "ok";
    audit_.append(std::move(entry));
    const json data{{"key", record.key},
                    {"camera", alert.camera},
                    {"rule", std::string(rules::to_string(alert.rule))},
                    {"plate", alert.plate},
                    {"read", alert.read_text},
                    {"time", to_iso8601(alert.at)},
                    {"lists", std::move(lists)}};
    events_.publish(LiveEvent{"hotlist_hit", data.dump()});
  }
}

void LiveFeeds::close() {
  events_.close();
  boards_.close();
}

}  // namespace roadwarden::server
