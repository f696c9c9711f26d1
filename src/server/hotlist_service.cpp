#include "server/hotlist_service.hpp"

#include <span>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/durable_file.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

/// Version of DATA_DIR/hotlist.json's layout (docs/server-api.md, "Hotlists").
constexpr int kFileFormat = 1;

HotlistSummary summarise(const std::vector<rules::HotlistEntry>& entries, UtcTime at,
                         std::string by, std::size_t rejected) {
  HotlistSummary s;
  s.imported_at = at;
  s.imported_by = std::move(by);
  s.entries = entries.size();
  s.rejected_lines = rejected;
  for (const rules::HotlistEntry& e : entries) ++s.lists[e.list];
  return s;
}

json file_json(const std::vector<rules::HotlistEntry>& entries, const HotlistSummary& s) {
  json list = json::array();
  for (const rules::HotlistEntry& e : entries) {
    list.push_back({{"plate", e.plate},
                    {"list", e.list},
                    {"reason", e.reason},
                    {"expires", e.expires ? json(to_iso8601(*e.expires)) : json(nullptr)},
                    {"line", e.line}});
  }
  return {{"format", kFileFormat},
          {"imported_at", to_iso8601(s.imported_at)},
          {"imported_by", s.imported_by},
          {"rejected_lines", s.rejected_lines},
          {"entries", std::move(list)}};
}

UtcTime file_time(const json& value, const std::string& field) {
  const std::optional<UtcTime> t =
      roadwarden::parse_rfc3339(value.get<std::string>(), Rfc3339Form::utc_milliseconds);
  if (!t) throw InvalidInput(field + " is not an RFC 3339 UTC time");
  return *t;
}

}  // namespace

HotlistService::HotlistService(std::filesystem::path file) : file_(std::move(file)) {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) {
    if (ec) throw IoError(fmt::format("{}: cannot be checked: {}", file_.string(), ec.message()));
    return;
  }
  const std::vector<std::uint8_t> bytes = read_file_bytes(file_);
  try {
    const json doc = json::parse(bytes.begin(), bytes.end());
    if (doc.at("format").get<int>() != kFileFormat)
      throw InvalidInput(fmt::format("unknown format {}", doc.at("format").dump()));
    std::vector<rules::HotlistEntry> entries;
    for (const json& e : doc.at("entries")) {
      rules::HotlistEntry entry;
      entry.plate = e.at("plate").get<std::string>();
      entry.list = e.at("list").get<std::string>();
      entry.reason = e.at("reason").get<std::string>();
      if (!e.at("expires").is_null()) entry.expires = file_time(e.at("expires"), "expires");
      entry.line = e.at("line").get<int>();
      entries.push_back(std::move(entry));
    }
    HotlistSummary s =
        summarise(entries, file_time(doc.at("imported_at"), "imported_at"),
                  doc.at("imported_by").get<std::string>(), doc.at("rejected_lines").get<std::size_t>());
    active_ = std::make_shared<Active>(rules::Hotlist(std::move(entries)), std::move(s));
  } catch (const std::exception& e) {
    // Never the plate: the messages of json and Hotlist name fields and lines only.
    throw Corrupt(fmt::format("{}: the stored hotlist cannot be loaded: {}", file_.string(),
                              e.what()));
  }
}

HotlistImportOutcome HotlistService::import_csv(std::string_view csv,
                                                const std::string& imported_by, UtcTime now) {
  rules::HotlistImport imported = rules::import_hotlist_csv(csv);  // InvalidInput: bad header
  if (imported.entries.empty() && !imported.errors.empty())
    throw InvalidInput(fmt::format(
        "no line of the hotlist could be imported ({} refused; the first: line {}: {}); the "
        "active hotlist is unchanged",
        imported.errors.size(), imported.errors.front().line, imported.errors.front().reason));
  HotlistSummary s = summarise(imported.entries, now, imported_by, imported.errors.size());

  std::lock_guard import_lock(import_mutex_);
  auto next = std::make_shared<Active>(rules::Hotlist(imported.entries), s);
  const std::string text = file_json(imported.entries, s).dump();
  write_file_durably(file_, std::span(reinterpret_cast<const std::uint8_t*>(text.data()),
                                      text.size()));
  {
    std::lock_guard lock(mutex_);
    active_ = std::move(next);
  }
  return HotlistImportOutcome{std::move(imported.errors), std::move(s)};
}

std::optional<HotlistSummary> HotlistService::summary() const {
  const std::shared_ptr<Active> a = active();
  if (!a) return std::nullopt;
  return a->summary;
}

std::vector<rules::HotlistAlert> HotlistService::on_read(const PlateRead& read) {
  const std::shared_ptr<Active> a = active();
  if (!a) return {};
  return a->monitor.on_read(read);
}

std::shared_ptr<HotlistService::Active> HotlistService::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

}  // namespace roadwarden::server
