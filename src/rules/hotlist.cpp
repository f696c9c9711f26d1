#include "rules/hotlist.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/plate_text.hpp"

namespace roadwarden::rules {
namespace {

constexpr std::size_t min_plate_length = 2;
constexpr std::size_t max_plate_length = 16;
constexpr std::size_t max_list_length = 32;
constexpr std::size_t max_reason_length = 200;
constexpr std::int64_t max_window_ms = 86'400'000;

bool is_plate_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// The read text as matched: upper-cased, only 0-9 A-Z kept.
std::string lenient_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    c = to_upper(c);
    if (is_plate_char(c)) out.push_back(c);
  }
  return out;
}

/// Validates and lower-cases a list name; throws InvalidInput.
std::string normalise_list(std::string_view text) {
  std::string out;
  for (char c : trim(text)) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-')) {
      throw InvalidInput("The list name may hold only a-z, 0-9, '_' and '-'.");
    }
    out.push_back(c);
  }
  if (out.empty() || out.size() > max_list_length) {
    throw InvalidInput("The list name must have 1 to 32 characters.");
  }
  return out;
}

/// Validates a reason; throws InvalidInput.
std::string normalise_reason(std::string_view text) {
  const std::string_view r = trim(text);
  if (r.empty()) throw InvalidInput("The reason is empty; say why the plate is listed.");
  if (r.size() > max_reason_length) {
    throw InvalidInput("The reason is longer than 200 bytes.");
  }
  for (char c : r) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) throw InvalidInput("The reason holds a control character.");
  }
  return std::string(r);
}

/// Splits one CSV record (no line end) into fields; throws InvalidInput on a bad quote.
std::vector<std::string> split_csv(std::string_view line) {
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        field.push_back(line[i++]);
      }
      if (!closed) throw InvalidInput("A quoted field has no closing quote.");
      if (i < line.size() && line[i] != ',') {
        throw InvalidInput("A closing quote is followed by something other than a comma.");
      }
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') throw InvalidInput("A quote appears inside an unquoted field.");
        field.push_back(line[i++]);
      }
    }
    fields.push_back(field);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  return fields;
}

/// Levenshtein distance of a and b is exactly 1 (an insertion, deletion or substitution).
bool one_edit_apart(std::string_view a, std::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return false;
  std::size_t i = 0;
  while (i < a.size() && a[i] == b[i]) ++i;
  if (a.size() == b.size()) {
    return i < a.size() && a.substr(i + 1) == b.substr(i + 1);
  }
  return a.substr(i) == b.substr(i + 1);
}

}  // namespace

std::string normalise_hotlist_plate(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    c = to_upper(c);
    if (!is_plate_char(c)) {
      throw InvalidInput("The plate holds a character other than 0-9, A-Z, a-z, space or dash.");
    }
    out.push_back(c);
    if (out.size() > max_plate_length) break;
  }
  if (out.size() < min_plate_length || out.size() > max_plate_length) {
    throw InvalidInput("The plate must have 2 to 16 letters and digits.");
  }
  return out;
}

UtcTime parse_rfc3339_utc(std::string_view text) {
  if (const auto t = parse_rfc3339(text, Rfc3339Form::utc)) return *t;
  throw InvalidInput(
      "The time is not RFC 3339 UTC of the form 2026-03-01T00:00:00Z (fraction optional, no "
      "offset such as +05:00, a date and time of day that exist).");
}

HotlistImport import_hotlist_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  HotlistImport out;
  std::map<std::pair<std::string, std::string>, int> seen;  // (plate, list) → line
  bool header_seen = false;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    if (!header_seen) {
      if (trim(line) != "plate,list,reason,expires") {
        throw InvalidInput(fmt::format(
            "Hotlist line {}: the first line must be the header \"plate,list,reason,expires\".",
            line_no));
      }
      header_seen = true;
      continue;
    }
    try {
      const std::vector<std::string> fields = split_csv(line);
      if (fields.size() != 4) {
        throw InvalidInput(fmt::format("The line has {} fields; plate,list,reason,expires needs 4.",
                                       fields.size()));
      }
      HotlistEntry entry;
      entry.plate = normalise_hotlist_plate(trim(fields[0]));
      entry.list = normalise_list(fields[1]);
      entry.reason = normalise_reason(fields[2]);
      const std::string_view expires = trim(fields[3]);
      if (!expires.empty()) entry.expires = parse_rfc3339_utc(expires);
      entry.line = line_no;
      const auto [it, inserted] = seen.emplace(std::pair{entry.plate, entry.list}, line_no);
      if (!inserted) {
        throw InvalidInput(
            fmt::format("The plate is already on list \"{}\" at line {}; the first entry is kept.",
                        entry.list, it->second));
      }
      out.entries.push_back(std::move(entry));
    } catch (const InvalidInput& e) {
      out.errors.push_back({line_no, e.what()});
    }
  }
  if (!header_seen) {
    throw InvalidInput("The hotlist is empty; it needs the header \"plate,list,reason,expires\".");
  }
  return out;
}

std::string_view to_string(HotlistRule rule) {
  switch (rule) {
    case HotlistRule::exact:
      return "exact";
    case HotlistRule::confusable:
      return "confusable";
    case HotlistRule::near:
      return "near";
  }
  throw InternalError("Unknown hotlist rule.");
}

Hotlist::Hotlist(std::vector<HotlistEntry> entries, HotlistOptions options)
    : entries_(std::move(entries)), options_(options) {
  if (options_.near_min_length < 4 || options_.near_min_length > max_plate_length) {
    throw InvalidInput("Hotlist option near_min_length must be in [4, 16].");
  }
  std::set<std::pair<std::string_view, std::string_view>> seen;
  skeletons_.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const HotlistEntry& e = entries_[i];
    const auto where = [&] { return fmt::format("Hotlist entry {} (line {})", i + 1, e.line); };
    try {
      if (normalise_hotlist_plate(e.plate) != e.plate) {
        throw InvalidInput("the plate is not normalised (0-9 A-Z only).");
      }
      if (normalise_list(e.list) != e.list) throw InvalidInput("the list name is not lower-case.");
    } catch (const InvalidInput& error) {
      throw InvalidInput(fmt::format("{}: {}", where(), error.what()));
    }
    if (!seen.emplace(e.plate, e.list).second) {
      throw InvalidInput(
          fmt::format("{}: the plate appears twice on list \"{}\".", where(), e.list));
    }
    skeletons_.push_back(plate_skeleton(e.plate));
    const std::string& s = skeletons_.back();
    by_skeleton_[s].push_back(i);
    if (options_.near_matches && s.size() >= options_.near_min_length) {
      for (std::size_t k = 0; k < s.size(); ++k) {
        std::string d = s;
        d.erase(k, 1);
        auto& ids = by_deletion_[d];
        if (ids.empty() || ids.back() != i) ids.push_back(i);
      }
    }
  }
}

std::vector<HotlistMatch> Hotlist::match(std::string_view text, UtcTime at) const {
  const std::string read = lenient_text(text);
  std::vector<HotlistMatch> out;
  if (read.empty()) return out;
  const std::string skeleton = plate_skeleton(read);
  std::vector<bool> taken(entries_.size(), false);
  const auto live = [&](std::size_t i) {
    return !taken[i] && !(entries_[i].expires && *entries_[i].expires <= at);
  };
  if (const auto it = by_skeleton_.find(skeleton); it != by_skeleton_.end()) {
    for (std::size_t i : it->second) {
      if (!live(i)) continue;
      taken[i] = true;
      out.push_back(
          {entries_[i], entries_[i].plate == read ? HotlistRule::exact : HotlistRule::confusable});
    }
  }
  if (options_.near_matches && skeleton.size() >= options_.near_min_length) {
    const auto consider = [&](const std::vector<std::size_t>& ids) {
      for (std::size_t i : ids) {
        if (live(i) && skeletons_[i].size() >= options_.near_min_length &&
            one_edit_apart(skeletons_[i], skeleton)) {
          taken[i] = true;
          out.push_back({entries_[i], HotlistRule::near});
        }
      }
    };
    // Entry longer by one: the read equals one of its deletions.
    if (const auto it = by_deletion_.find(skeleton); it != by_deletion_.end()) consider(it->second);
    for (std::size_t k = 0; k < skeleton.size(); ++k) {
      std::string d = skeleton;
      d.erase(k, 1);
      // Substitution: both lose the differing character; entry shorter by one: it is d.
      if (const auto it = by_deletion_.find(d); it != by_deletion_.end()) consider(it->second);
      if (const auto it = by_skeleton_.find(d); it != by_skeleton_.end()) consider(it->second);
    }
  }
  std::sort(out.begin(), out.end(), [](const HotlistMatch& a, const HotlistMatch& b) {
    return std::tie(a.rule, a.entry.plate, a.entry.list) <
           std::tie(b.rule, b.entry.plate, b.entry.list);
  });
  return out;
}

AlertDeduplicator::AlertDeduplicator(std::int64_t window_ms) : window_ms_(window_ms) {
  if (window_ms < 1 || window_ms > max_window_ms) {
    throw InvalidInput("Hotlist option dedup_window_ms must be in [1, 86400000] (1 ms to 24 h).");
  }
}

bool AlertDeduplicator::admit(std::string_view camera, HotlistRule rule, std::string_view plate,
                              UtcTime at) {
  const std::lock_guard lock(mutex_);
  Key key{std::string(camera), rule, std::string(plate)};
  const auto it = last_raised_.find(key);
  if (it != last_raised_.end()) {
    const std::int64_t gap = at.unix_ms - it->second.unix_ms;
    if (gap < window_ms_ && gap > -window_ms_) return false;
    if (gap > 0) it->second = at;  // an older out-of-window alert keeps the newer anchor
    return true;
  }
  last_raised_.emplace(std::move(key), at);
  if (last_raised_.size() >= next_sweep_) forget_expired(at);
  return true;
}

void AlertDeduplicator::forget_expired(UtcTime at) {
  std::erase_if(last_raised_,
                [&](const auto& kv) { return at.unix_ms - kv.second.unix_ms >= window_ms_; });
  next_sweep_ = std::max<std::size_t>(64, 2 * last_raised_.size());
}

HotlistMonitor::HotlistMonitor(Hotlist hotlist, std::int64_t dedup_window_ms)
    : hotlist_(std::move(hotlist)), dedup_(dedup_window_ms) {}

std::vector<HotlistAlert> HotlistMonitor::on_read(const PlateRead& read) {
  std::vector<HotlistAlert> alerts;
  for (HotlistMatch& m : hotlist_.match(read.text, read.best_time)) {
    // Matches are sorted by rule then plate: entries of one (rule, plate) are adjacent.
    if (!alerts.empty() && alerts.back().rule == m.rule && alerts.back().plate == m.entry.plate) {
      alerts.back().entries.push_back(std::move(m.entry));
      continue;
    }
    HotlistAlert alert;
    alert.camera = read.camera;
    alert.rule = m.rule;
    alert.plate = m.entry.plate;
    alert.read_text = read.text;
    alert.at = read.best_time;
    alert.entries.push_back(std::move(m.entry));
    alerts.push_back(std::move(alert));
  }
  std::vector<HotlistAlert> raised;
  for (HotlistAlert& a : alerts) {
    if (dedup_.admit(a.camera, a.rule, a.plate, a.at)) raised.push_back(std::move(a));
  }
  return raised;
}

}  // namespace roadwarden::rules
