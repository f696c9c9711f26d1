// Average speed over a section (section_speed.hpp).
#include "rules/section_speed.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

constexpr std::int64_t kMaxTransitMs = 24LL * 3'600'000;

[[noreturn]] void bad_option(const std::string& option, const std::string& why) {
  throw InvalidInput("Section speed option " + option + ": " + why);
}

bool finite_in(double v, double lo_exclusive, double hi_inclusive) {
  return std::isfinite(v) && v > lo_exclusive && v <= hi_inclusive;
}

void check_read(const SectionRead& read) {
  if (read.clock_uncertainty_ms < 0) {
    throw InvalidInput("A section read from camera " + read.camera +
                       " has a negative clock uncertainty.");
  }
}

double kmh(std::int64_t distance_mm, std::int64_t transit_ms) {
  return static_cast<double>(distance_mm) * 3.6 / static_cast<double>(transit_ms);
}

}  // namespace

SectionSpeedRule::SectionSpeedRule(SectionSpeedOptions options) : options_(std::move(options)) {
  const SectionSpeedOptions& o = options_;
  if (o.section_id.empty()) bad_option("section_id", "must not be empty.");
  if (o.entry_camera.empty()) bad_option("entry_camera", "must not be empty.");
  if (o.exit_camera.empty()) bad_option("exit_camera", "must not be empty.");
  if (o.entry_camera == o.exit_camera) {
    bad_option("exit_camera", "must differ from entry_camera.");
  }
  if (!finite_in(o.distance_m, 0, 100'000)) bad_option("distance_m", "must be in (0, 100000] m.");
  distance_mm_ = std::llround(o.distance_m * 1000);
  if (distance_mm_ < 1) bad_option("distance_m", "must be at least 1 mm.");
  if (!finite_in(o.limit_kmh, 0, 300)) bad_option("limit_kmh", "must be in (0, 300] km/h.");
  limit_mkmh_ = std::llround(o.limit_kmh * 1000);
  if (!std::isfinite(o.tolerance_kmh) || o.tolerance_kmh < 0 || o.tolerance_kmh >= o.limit_kmh) {
    bad_option("tolerance_kmh", "must be in [0, limit_kmh) km/h.");
  }
  if (!std::isfinite(o.tolerance_percent) || o.tolerance_percent < 0 ||
      o.tolerance_percent >= 100) {
    bad_option("tolerance_percent", "must be in [0, 100) %.");
  }
  // Rounded up to 0.001 km/h; the 1e-6 absorbs binary representation error (e.g. 3.3 %).
  const std::int64_t absolute = static_cast<std::int64_t>(std::ceil(o.tolerance_kmh * 1000 - 1e-6));
  const std::int64_t relative = static_cast<std::int64_t>(
      std::ceil(static_cast<double>(limit_mkmh_) * o.tolerance_percent / 100 - 1e-6));
  threshold_mkmh_ = limit_mkmh_ + std::max<std::int64_t>({absolute, relative, 0});

  if (o.lane_groups.empty()) bad_option("lane_groups", "must have at least one group.");
  std::set<std::string> names;
  std::set<int> entry_lanes;
  std::set<int> exit_lanes;
  for (std::size_t i = 0; i < o.lane_groups.size(); ++i) {
    const SectionLaneGroup& g = o.lane_groups[i];
    const std::string name = "lane_groups[" + std::to_string(i) + "]";
    if (g.name.empty()) bad_option(name + ".name", "must not be empty.");
    if (!names.insert(g.name).second) bad_option(name + ".name", "repeats \"" + g.name + "\".");
    if (g.entry_lanes.empty()) bad_option(name + ".entry_lanes", "must name a lane.");
    if (g.exit_lanes.empty()) bad_option(name + ".exit_lanes", "must name a lane.");
    for (const int lane : g.entry_lanes) {
      if (!entry_lanes.insert(lane).second) {
        bad_option(name + ".entry_lanes", "lane " + std::to_string(lane) + " is in two groups.");
      }
    }
    for (const int lane : g.exit_lanes) {
      if (!exit_lanes.insert(lane).second) {
        bad_option(name + ".exit_lanes", "lane " + std::to_string(lane) + " is in two groups.");
      }
    }
  }
  if (o.max_transit_ms <= 0 || o.max_transit_ms > kMaxTransitMs) {
    bad_option("max_transit_ms", "must be in (0, 86400000] ms (24 h).");
  }
  if (o.plate_key.bytes.size() != crypto::kHmacKeyBytes) {
    bad_option("plate_key", "must be " + std::to_string(crypto::kHmacKeyBytes) + " bytes.");
  }
}

const SectionLaneGroup* SectionSpeedRule::group_of(int lane, bool at_entry) const {
  for (const SectionLaneGroup& g : options_.lane_groups) {
    const std::vector<int>& lanes = at_entry ? g.entry_lanes : g.exit_lanes;
    if (std::find(lanes.begin(), lanes.end(), lane) != lanes.end()) return &g;
  }
  return nullptr;
}

SectionPassEvidence SectionSpeedRule::evidence_of(const SectionRead& read) const {
  SectionPassEvidence e;
  e.camera = read.camera;
  e.captured = read.captured;
  e.clock_offset_ms = read.clock_offset_ms;
  e.clock_uncertainty_ms = read.clock_uncertainty_ms;
  e.reference_time = UtcTime{read.captured.unix_ms - read.clock_offset_ms};
  e.lane = read.lane;
  e.evidence_id = read.evidence_id;
  return e;
}

bool SectionSpeedRule::on_entry(const SectionRead& read) {
  check_read(read);
  if (read.camera != options_.entry_camera) return false;
  const SectionLaneGroup* group = group_of(read.lane, true);
  if (group == nullptr) return false;
  const std::string plate = alpr::normalise_plate_text(read.plate);
  if (plate.empty()) return false;
  Pending entry{crypto::hmac_sha256_hex(options_.plate_key, plate), group->name, evidence_of(read)};
  const std::string key = entry.plate_hmac + '/' + entry.lane_group;
  const std::lock_guard lock(mutex_);
  pending_.insert_or_assign(key, std::move(entry));
  return true;
}

std::optional<SectionSpeedDecision> SectionSpeedRule::on_exit(const SectionRead& read) {
  check_read(read);
  if (read.camera != options_.exit_camera) return std::nullopt;
  const SectionLaneGroup* group = group_of(read.lane, false);
  if (group == nullptr) return std::nullopt;
  std::string plate = alpr::normalise_plate_text(read.plate);
  if (plate.empty()) return std::nullopt;
  const std::string hmac = crypto::hmac_sha256_hex(options_.plate_key, plate);
  const SectionPassEvidence exit = evidence_of(read);

  SectionPassEvidence entry;
  {
    const std::lock_guard lock(mutex_);
    const auto it = pending_.find(hmac + '/' + group->name);
    if (it == pending_.end()) return std::nullopt;
    const std::int64_t transit =
        exit.reference_time.unix_ms - it->second.entry.reference_time.unix_ms;
    if (transit <= 0) return std::nullopt;
    if (transit > options_.max_transit_ms) {
      pending_.erase(it);
      return std::nullopt;
    }
    entry = std::move(it->second.entry);
    pending_.erase(it);
  }

  SectionSpeedDecision d;
  d.section_id = options_.section_id;
  d.plate_hmac = hmac;
  d.lane_group = group->name;
  d.distance_m = static_cast<double>(distance_mm_) / 1000;
  d.transit_ms = exit.reference_time.unix_ms - entry.reference_time.unix_ms;
  d.judged_transit_ms = d.transit_ms + entry.clock_uncertainty_ms + exit.clock_uncertainty_ms;
  d.speed_kmh = kmh(distance_mm_, d.transit_ms);
  d.judged_speed_kmh = kmh(distance_mm_, d.judged_transit_ms);
  d.limit_kmh = static_cast<double>(limit_mkmh_) / 1000;
  d.threshold_kmh = static_cast<double>(threshold_mkmh_) / 1000;
  // speed_kmh = distance_mm * 3.6 / transit_ms > threshold_mkmh / 1000
  //   <=> distance_mm * 3600 > threshold_mkmh * transit_ms   (exact, in 128-bit integers)
  d.violation = static_cast<__int128>(distance_mm_) * 3600 >
                static_cast<__int128>(threshold_mkmh_) * d.judged_transit_ms;
  if (d.violation) d.plate = std::move(plate);
  d.entry = std::move(entry);
  d.exit = exit;
  return d;
}

std::size_t SectionSpeedRule::expire(UtcTime now) {
  const std::lock_guard lock(mutex_);
  return std::erase_if(pending_, [&](const auto& row) {
    return row.second.entry.reference_time.unix_ms + options_.max_transit_ms < now.unix_ms;
  });
}

std::vector<SectionPendingEntry> SectionSpeedRule::pending() const {
  const std::lock_guard lock(mutex_);
  std::vector<SectionPendingEntry> out;
  out.reserve(pending_.size());
  for (const auto& [key, row] : pending_) {
    out.push_back(SectionPendingEntry{row.plate_hmac, row.lane_group, row.entry});
  }
  return out;
}

}  // namespace roadwarden::rules
