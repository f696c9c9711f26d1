// Night-time / time-restricted driving (curfew.hpp).
#include "rules/curfew.hpp"

#include <algorithm>
#include <cstdio>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr int kMinutesPerDay = 24 * 60;

[[noreturn]] void bad_option(const std::string& option, const std::string& why) {
  throw InvalidInput("Curfew option " + option + ": " + why);
}

/// Normalises a list's plates and checks its id and version; `option` names it in errors.
VehicleList checked_list(VehicleList list, const std::string& option) {
  if (list.id.empty()) bad_option(option + ".id", "must not be empty.");
  if (list.version.empty()) bad_option(option + ".version", "must not be empty.");
  std::set<std::string> normalised;
  for (const std::string& plate : list.plates) {
    std::string text = alpr::normalise_plate_text(plate);
    if (text.empty()) bad_option(option + ".plates", "has an entry with no letter or digit.");
    normalised.insert(std::move(text));
  }
  list.plates = std::move(normalised);
  return list;
}

Weekday previous(Weekday day) {
  return day == Weekday::Monday ? Weekday::Sunday : static_cast<Weekday>(static_cast<int>(day) - 1);
}

bool starts_on(const CurfewWindow& w, Weekday day) {
  return std::find(w.start_days.begin(), w.start_days.end(), day) != w.start_days.end();
}

std::string hhmm(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

}  // namespace

int parse_time_of_day(std::string_view text, bool allow_24) {
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    throw InvalidInput("The time of day \"" + std::string(text) + "\" is not HH:MM.");
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  const bool is_24 = hours == 24 && minutes == 0;
  if (minutes > 59 || hours > 24 || (hours == 24 && !(is_24 && allow_24))) {
    throw InvalidInput("The time of day \"" + std::string(text) + "\" is out of range (00:00-" +
                       (allow_24 ? "24:00" : "23:59") + ").");
  }
  return hours * 60 + minutes;
}

CurfewWindow CurfewWindow::from_text(std::string_view start, std::string_view end,
                                     std::vector<Weekday> start_days) {
  return CurfewWindow{parse_time_of_day(start), parse_time_of_day(end, true),
                      std::move(start_days)};
}

std::vector<Weekday> CurfewWindow::every_day() {
  return {Weekday::Monday, Weekday::Tuesday,  Weekday::Wednesday, Weekday::Thursday,
          Weekday::Friday, Weekday::Saturday, Weekday::Sunday};
}

std::string CurfewWindow::label() const {
  return hhmm(start_minute) + "-" + hhmm(end_minute);
}

std::string CurfewWindow::days_label() const {
  std::string out;
  for (const Weekday day : start_days) {
    if (!out.empty()) out += ',';
    out += weekday_name(day);
  }
  return out;
}

CurfewRule::CurfewRule(CurfewOptions options, std::optional<VehicleList> permits)
    : options_(std::move(options)), zone_([&] {
        try {
          return TimeZone(options_.time_zone);
        } catch (const InvalidInput& e) {
          bad_option("time_zone", e.what());
        }
      }()) {
  if (options_.rule_id.empty()) bad_option("rule_id", "must not be empty.");
  if (options_.cameras.empty()) bad_option("cameras", "must name at least one camera.");
  for (const std::string& camera : options_.cameras) {
    if (camera.empty()) bad_option("cameras", "has an empty camera id.");
  }
  if (options_.windows.empty()) bad_option("windows", "must have at least one window.");
  for (std::size_t i = 0; i < options_.windows.size(); ++i) {
    const CurfewWindow& w = options_.windows[i];
    const std::string name = "windows[" + std::to_string(i) + "]";
    if (w.start_minute < 0 || w.start_minute >= kMinutesPerDay) {
      bad_option(name + ".start_minute", "must be 0-1439 (00:00-23:59).");
    }
    if (w.end_minute < 1 || w.end_minute > kMinutesPerDay) {
      bad_option(name + ".end_minute", "must be 1-1440 (00:01-24:00).");
    }
    if (w.end_minute == w.start_minute) {
      bad_option(name, "starts and ends at the same time (ambiguous: empty or 24 h).");
    }
    if (w.start_days.empty()) bad_option(name + ".start_days", "must name at least one day.");
    std::set<Weekday> seen;
    for (const Weekday day : w.start_days) {
      if (static_cast<int>(day) < 1 || static_cast<int>(day) > 7) {
        bad_option(name + ".start_days", "has a day outside Monday-Sunday.");
      }
      if (!seen.insert(day).second) bad_option(name + ".start_days", "repeats a day.");
    }
  }
  CurfewSelector& selector = options_.selector;
  switch (selector.kind) {
    case CurfewSelector::Kind::PlateFormat: {
      if (selector.formats.empty()) {
        bad_option("selector.formats", "must name at least one format (e.g. \"uz.legal\").");
      }
      const std::vector<alpr::PlateFormat>& all = alpr::formats_for("auto");
      for (const std::string& id : selector.formats) {
        const auto it = std::find_if(all.begin(), all.end(),
                                     [&](const alpr::PlateFormat& f) { return f.id == id; });
        if (it == all.end()) bad_option("selector.formats", "unknown format id \"" + id + "\".");
        formats_.push_back(&*it);
      }
      break;
    }
    case CurfewSelector::Kind::VehicleList:
      selector.vehicles = checked_list(std::move(selector.vehicles), "selector.vehicles");
      break;
    case CurfewSelector::Kind::NotOnPermitList:
      if (!permits) {
        bad_option("permits", "a not-on-permit-list selector needs a permit list.");
      }
      break;
    default:
      bad_option("selector.kind", "is not one of the known kinds.");
  }
  if (permits) {
    permits_ = std::make_shared<const VehicleList>(checked_list(std::move(*permits), "permits"));
  }
}

void CurfewRule::replace_permit_list(VehicleList permits) {
  auto next = std::make_shared<const VehicleList>(checked_list(std::move(permits), "permits"));
  const std::lock_guard lock(permits_mutex_);
  permits_ = std::move(next);
}

std::optional<CurfewRule::ActiveWindow> CurfewRule::active_window(UtcTime t) const {
  const LocalDateTime local = zone_.to_local(t);
  for (const CurfewWindow& w : options_.windows) {
    const std::int64_t start = w.start_minute * kMsPerMinute;
    const std::int64_t end = w.end_minute * kMsPerMinute;
    if (w.end_minute > w.start_minute) {
      // Within one local day.
      if (starts_on(w, local.weekday) && local.ms_of_day >= start && local.ms_of_day < end) {
        return ActiveWindow{&w, local.date, local};
      }
      continue;
    }
    // Across midnight: the evening part belongs to today's occurrence, the morning part to
    // the occurrence that started yesterday.
    if (local.ms_of_day >= start && starts_on(w, local.weekday)) {
      return ActiveWindow{&w, local.date, local};
    }
    if (local.ms_of_day < end && starts_on(w, previous(local.weekday))) {
      return ActiveWindow{&w, add_days(local.date, -1), local};
    }
  }
  return std::nullopt;
}

std::optional<CurfewDecision> CurfewRule::evaluate(const PlateRead& read) const {
  const auto& cameras = options_.cameras;
  if (std::find(cameras.begin(), cameras.end(), read.camera) == cameras.end()) {
    return std::nullopt;
  }
  const std::string plate = alpr::normalise_plate_text(read.text);
  if (plate.empty()) return std::nullopt;
  const std::optional<ActiveWindow> active = active_window(read.best_time);
  if (!active) return std::nullopt;

  std::shared_ptr<const VehicleList> permits;
  {
    const std::lock_guard lock(permits_mutex_);
    permits = permits_;
  }
  if (permits && permits->plates.contains(plate)) return std::nullopt;

  CurfewDecision decision;
  const CurfewSelector& selector = options_.selector;
  switch (selector.kind) {
    case CurfewSelector::Kind::PlateFormat: {
      const auto it =
          std::find_if(formats_.begin(), formats_.end(),
                       [&](const alpr::PlateFormat* f) { return alpr::matches(plate, *f); });
      if (it == formats_.end()) return std::nullopt;
      decision.selector = "format:" + (*it)->id;
      break;
    }
    case CurfewSelector::Kind::VehicleList:
      if (!selector.vehicles.plates.contains(plate)) return std::nullopt;
      decision.selector = "list:" + selector.vehicles.id;
      decision.vehicle_list_version = selector.vehicles.version;
      break;
    case CurfewSelector::Kind::NotOnPermitList:
      // Not on the permit list: checked above.
      decision.selector = "not_on_permit_list";
      break;
  }
  decision.rule_id = options_.rule_id;
  decision.camera = read.camera;
  decision.plate = plate;
  decision.at = read.best_time;
  decision.window = active->window->label();
  decision.window_days = active->window->days_label();
  decision.window_started_on = to_string(active->started_on);
  decision.local_time = to_iso8601(active->local);
  decision.zone_abbreviation = active->local.abbreviation;
  decision.time_zone = zone_.name();
  decision.tz_database_version = TimeZone::database_version();
  if (permits) {
    decision.permit_list_id = permits->id;
    decision.permit_list_version = permits->version;
  }
  return decision;
}

}  // namespace roadwarden::rules
