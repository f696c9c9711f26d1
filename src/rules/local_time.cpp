// Local time of a site over date/tz (USE_OS_TZDB: the system's TZif files).
#include "rules/local_time.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "core/errors.hpp"

namespace roadwarden::rules {
namespace {

using Ms = std::chrono::milliseconds;

date::sys_time<Ms> to_sys(UtcTime t) {
  return date::sys_time<Ms>(Ms(t.unix_ms));
}

}  // namespace

std::string_view weekday_name(Weekday day) {
  switch (day) {
    case Weekday::Monday:
      return "Mon";
    case Weekday::Tuesday:
      return "Tue";
    case Weekday::Wednesday:
      return "Wed";
    case Weekday::Thursday:
      return "Thu";
    case Weekday::Friday:
      return "Fri";
    case Weekday::Saturday:
      return "Sat";
    case Weekday::Sunday:
      return "Sun";
  }
  return "?";
}

std::string to_string(LocalDate d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

LocalDate add_days(LocalDate d, int days) {
  const date::year_month_day ymd{date::year{d.year}, date::month{static_cast<unsigned>(d.month)},
                                 date::day{static_cast<unsigned>(d.day)}};
  if (!ymd.ok()) throw InvalidInput("The date " + to_string(d) + " does not exist.");
  const date::year_month_day moved{date::sys_days(ymd) + date::days{days}};
  return LocalDate{static_cast<int>(moved.year()), static_cast<int>(unsigned(moved.month())),
                   static_cast<int>(unsigned(moved.day()))};
}

std::string to_iso8601(const LocalDateTime& local) {
  const std::int64_t ms = local.ms_of_day;
  const std::int64_t offset_min = local.utc_offset_ms / 60'000;
  const std::int64_t abs_min = offset_min < 0 ? -offset_min : offset_min;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02d.%03d%c%02d:%02d", to_string(local.date).c_str(),
                static_cast<int>(ms / 3'600'000), static_cast<int>(ms / 60'000 % 60),
                static_cast<int>(ms / 1000 % 60), static_cast<int>(ms % 1000),
                offset_min < 0 ? '-' : '+', static_cast<int>(abs_min / 60),
                static_cast<int>(abs_min % 60));
  return buf;
}

TimeZone::TimeZone(std::string_view iana_name) : name_(iana_name) {
  if (name_.empty()) throw InvalidInput("The time zone name is empty.");
  try {
    zone_ = date::locate_zone(name_);
  } catch (const std::runtime_error&) {
    zone_ = nullptr;
  }
  if (zone_ == nullptr) {
    throw InvalidInput("Unknown time zone \"" + name_ +
                       "\": not in the system tz database (/usr/share/zoneinfo, Debian "
                       "tzdata); use an IANA name such as \"Asia/Tashkent\".");
  }
}

std::int64_t TimeZone::utc_offset_ms(UtcTime t) const {
  const date::sys_info info = zone_->get_info(to_sys(t));
  return std::chrono::duration_cast<Ms>(info.offset).count();
}

LocalDateTime TimeZone::to_local(UtcTime t) const {
  const date::sys_info info = zone_->get_info(to_sys(t));
  LocalDateTime out;
  out.utc_offset_ms = std::chrono::duration_cast<Ms>(info.offset).count();
  out.abbreviation = info.abbrev;
  const date::local_time<Ms> local(Ms(t.unix_ms + out.utc_offset_ms));
  const date::local_days day = date::floor<date::days>(local);
  const date::year_month_day ymd(day);
  out.date = LocalDate{static_cast<int>(ymd.year()), static_cast<int>(unsigned(ymd.month())),
                       static_cast<int>(unsigned(ymd.day()))};
  out.weekday = static_cast<Weekday>(date::weekday(day).iso_encoding());
  out.ms_of_day = (local - day).count();
  return out;
}

std::string TimeZone::database_version() {
  return date::get_tzdb().version;
}

}  // namespace roadwarden::rules
