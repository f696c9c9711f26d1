// Night-time / time-restricted driving: a zone closed to some vehicles at set local times.
//
// A curfew rule covers the cameras of one zone. Its schedule is a set of windows on the
// wall clock of the site's legal time zone (e.g. 23:00–06:00 Asia/Tashkent); it selects
// vehicles by plate format (e.g. the Uzbek legal-entity format "uz.legal", see
// src/alpr/formats/plate_format.hpp and ../shared/docs/plate-formats.md), by a vehicle list,
// or as "every vehicle not on the permit list"; a versioned permit list exempts vehicles
// from every selector. A plate read by one of the zone's cameras inside a window, selected
// and not exempt, is a violation; the decision records the rule, the window, the local time
// with its UTC offset and tz database version, the selector that matched and the versions
// of the lists consulted.
//
// Schedule semantics (DST). An instant is inside a window when the zone's wall-clock
// reading *at that instant* (UTC + the zone's offset at that instant) lies in the window.
// A window whose end is not after its start (23:00–06:00) spans midnight and belongs to the
// night that starts at its start time: its weekdays are the days on which it starts, so
// "23:00–06:00 Fri, Sat" covers Friday 23:00 to Saturday 06:00 and Saturday 23:00 to Sunday
// 06:00. Start is inclusive, end exclusive (06:00:00.000 is outside), to the millisecond.
// On a spring-forward day the readings in the gap never occur: a window starting at 02:30
// in Europe/Berlin on 29 March 2026 starts at 03:00 CEST (the first reading at or after
// 02:30), and 23:00–06:00 across that night lasts 6 real hours. On a fall-back day the
// repeated hour is judged by its reading on both passes: with a window ending at 02:30 on
// 25 October 2026, readings 02:00–02:29 are inside on both the CEST and the CET pass, and
// 23:00–06:00 across that night lasts 8 real hours. This is what a driver reading a clock
// sees, and it needs no choice between "earliest" and "latest" for non-unique local times.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/plate.hpp"
#include "core/time.hpp"
#include "rules/local_time.hpp"

namespace roadwarden::alpr {
struct PlateFormat;
}  // namespace roadwarden::alpr

namespace roadwarden::rules {

/// "HH:MM" (24-hour, 00:00 … 23:59; "24:00" only when `allow_24` — a window's end) as
/// minutes since local midnight. Throws InvalidInput quoting the text otherwise.
[[nodiscard]] int parse_time_of_day(std::string_view text, bool allow_24 = false);

/// One window of a curfew schedule, in local wall-clock time of the rule's zone.
struct CurfewWindow {
  /// Start, minutes since local midnight, 0 … 1439 (inclusive).
  int start_minute = 0;
  /// End, minutes since local midnight, 1 … 1440 (exclusive). When end <= start the
  /// window ends on the next local day (it spans midnight); end == start is rejected.
  int end_minute = 0;
  /// Days on which the window starts (for a window across midnight: the evening's day).
  /// Non-empty, no duplicates.
  std::vector<Weekday> start_days;

  /// A window from "HH:MM" texts, e.g. ("23:00", "06:00", every day). InvalidInput for a
  /// malformed time.
  [[nodiscard]] static CurfewWindow from_text(std::string_view start, std::string_view end,
                                              std::vector<Weekday> start_days);
  /// Every day of the week.
  [[nodiscard]] static std::vector<Weekday> every_day();
  /// "23:00-06:00" (the end as "24:00" for a window ending at midnight).
  [[nodiscard]] std::string label() const;
  /// "Fri,Sat" (in the order given).
  [[nodiscard]] std::string days_label() const;
};

/// A named, versioned list of plates (a vehicle list or a permit list). Texts are
/// normalised (upper-case A-Z, 0-9 only) when the rule is built.
struct VehicleList {
  /// Stable id, e.g. "tashkent-night-permits". Non-empty.
  std::string id;
  /// Version of the list's content (opaque, non-empty, e.g. "2026-03-01.3"); recorded in
  /// every decision that consulted the list, so the decision can be checked against it.
  std::string version;
  /// Plate texts.
  std::set<std::string> plates;
};

/// Which vehicles a curfew applies to.
struct CurfewSelector {
  enum class Kind {
    PlateFormat,      ///< plates whose text matches one of `formats`
    VehicleList,      ///< plates on `vehicles`
    NotOnPermitList,  ///< every plate not on the rule's permit list
  };
  Kind kind = Kind::PlateFormat;
  /// PlateFormat: format ids from src/alpr/formats (e.g. "uz.legal"); the read's text is
  /// matched against them here (alpr::matches), not taken from the read's own format tag.
  std::vector<std::string> formats;
  /// VehicleList: the listed vehicles.
  VehicleList vehicles;
};

/// Options of a CurfewRule, validated once by its constructor.
struct CurfewOptions {
  /// Rule id recorded in decisions, e.g. "tashkent-centre-night-trucks". Non-empty.
  std::string rule_id;
  /// IANA name of the site's legal time zone, e.g. "Asia/Tashkent".
  std::string time_zone;
  /// Ids of the cameras inside the zone; reads from other cameras are not judged. Non-empty.
  std::vector<std::string> cameras;
  /// The schedule; non-empty. Windows may overlap (the first matching one is recorded).
  std::vector<CurfewWindow> windows;
  /// The vehicles the curfew applies to.
  CurfewSelector selector;
};

/// A curfew violation: one plate read inside a window by a selected, non-exempt vehicle.
struct CurfewDecision {
  std::string rule_id;
  std::string camera;
  /// Normalised plate text of the read.
  std::string plate;
  /// The instant judged: the read's best frame time (PlateRead::best_time), UTC.
  UtcTime at;
  /// The window that matched ("23:00-06:00"), its start days ("Fri,Sat") and the local date
  /// on which this occurrence of it started (the evening's date for a night window).
  std::string window;
  std::string window_days;
  std::string window_started_on;
  /// Local time at `at` with its offset ("2026-03-29T03:00:00.000+02:00"), the zone's
  /// abbreviation then ("CEST"), the zone and the tz database version used.
  std::string local_time;
  std::string zone_abbreviation;
  std::string time_zone;
  std::string tz_database_version;
  /// The selector that matched: "format:uz.legal", "list:<id>" or "not_on_permit_list".
  std::string selector;
  /// Version of the vehicle list of a "list:" selector, "" otherwise.
  std::string vehicle_list_version;
  /// Id and version of the permit list checked (the plate was not on it), "" when none.
  std::string permit_list_id;
  std::string permit_list_version;
};

/// Judges plate reads against one curfew. Thread-safe: evaluate() may run on many threads
/// at once and concurrently with replace_permit_list(); each evaluation uses one consistent
/// permit list, whose version it records.
class CurfewRule {
 public:
  /// Validates `options` once. `permits` is the exemption list (optional, except for a
  /// NotOnPermitList selector, which needs it). Throws InvalidInput naming the option for
  /// an empty id/camera list/schedule, an unknown time zone or format id, a window with
  /// end == start or out-of-range minutes, empty or duplicate start days, an empty list id
  /// or version, or a missing permit list.
  CurfewRule(CurfewOptions options, std::optional<VehicleList> permits);

  /// Replaces the permit list (a new version); the same checks as in the constructor.
  /// Decisions made after it returns record the new version.
  void replace_permit_list(VehicleList permits);

  /// The decision for `read`: a violation when the read's camera is in the zone, its text
  /// is non-empty, the wall-clock time at `read.best_time` lies in a window, the selector
  /// selects it and it is not on the permit list; std::nullopt otherwise (not a violation,
  /// or not this rule's business). Never throws for any read.
  [[nodiscard]] std::optional<CurfewDecision> evaluate(const PlateRead& read) const;

  /// The first window that contains instant `t`, or std::nullopt; with the local date on
  /// which that occurrence started. For diagnostics and tests of the schedule alone.
  struct ActiveWindow {
    const CurfewWindow* window = nullptr;
    LocalDate started_on;
    LocalDateTime local;
  };
  [[nodiscard]] std::optional<ActiveWindow> active_window(UtcTime t) const;

  [[nodiscard]] const CurfewOptions& options() const { return options_; }

 private:
  CurfewOptions options_;
  TimeZone zone_;
  std::vector<const alpr::PlateFormat*> formats_;  // the selector's formats (static tables)
  mutable std::mutex permits_mutex_;
  std::shared_ptr<const VehicleList> permits_;  // guarded by permits_mutex_
};

}  // namespace roadwarden::rules
