// The purposes for which a person may search plate reads or view evidence. A purpose is a
// code from this fixed list, never free text: it is what the audit log records as "why",
// and the transparency report counts searches by it, so it must never carry personal data
// (a name, a plate) and must aggregate into meaningful counts. The case number ties the
// search to the file where the details live.
#pragma once

#include <array>
#include <string_view>

namespace roadwarden::server {

/// A search purpose: its code (the API value) and what it means (for people and reports).
struct SearchPurpose {
  std::string_view code;
  std::string_view meaning;
};

/// Every accepted purpose, in the order shown to people. Categories follow the grounds on
/// which police ANPR data may be consulted (a specific crime or person sought, a court
/// order, a violation under review, a data subject's own request).
inline constexpr std::array<SearchPurpose, 7> kSearchPurposes{{
    {"stolen_vehicle", "a vehicle reported stolen"},
    {"wanted_person", "a person sought by a warrant"},
    {"missing_person", "a missing or endangered person"},
    {"criminal_investigation", "the investigation of a specific crime"},
    {"violation_review", "review of a recorded traffic violation"},
    {"court_order", "production ordered by a court"},
    {"data_subject_request", "a person's request for the data about their own vehicle"},
}};

/// True when `code` is one of kSearchPurposes.
[[nodiscard]] constexpr bool is_search_purpose(std::string_view code) {
  for (const SearchPurpose& p : kSearchPurposes)
    if (p.code == code) return true;
  return false;
}

}  // namespace roadwarden::server
