// Realistic stored plate reads and an exact field-by-field comparison, for store tests of
// any backend.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>

#include <fmt/format.h>

#include "store/store.hpp"

namespace roadwarden {

// GoogleTest printers, so failures show values rather than bytes.
inline void PrintTo(const Candidate& c, std::ostream* os) {
  *os << fmt::format("{{text={}, confidence={}, format={}, corrected={}}}", c.text, c.confidence,
                     c.format, c.corrected);
}
inline void PrintTo(const Quad& q, std::ostream* os) {
  for (const Point& p : q.corners) *os << fmt::format("({}, {}) ", p.x, p.y);
}

}  // namespace roadwarden

namespace roadwarden::store::testing {

/// A realistic plate read, different for each `i`, using every field: UTF-8 source,
/// sub-pixel corners, per-character confidences and several candidates.
inline StoredPlateRead make_read(std::int64_t i) {
  StoredPlateRead r;
  r.read_at = UtcTime{1'764'449'742'123 + i * 40};
  r.clock_source = i % 2 == 0 ? "system" : "ptp";
  r.source = fmt::format("Тошкент/Чиланзар камера-{} 🚗.mp4", i % 3);
  r.frame = i % 5 == 0 ? -1 : i * 7;
  const double d = static_cast<double>(i);
  r.plate.corners = Quad{{Point{100.25 + d, 200.5}, Point{1000.0 / 7.0 + d, 201.0 / 3.0},
                          Point{301.1, 260.9 + d / 3.0}, Point{-0.1, 1e-300}}};
  r.plate.detector_confidence = 0.987654321 - d * 1e-7;
  r.plate.text = fmt::format("01A{:03}BC", i % 1000);
  r.plate.confidence = 0.9123456789012345 - d * 1e-9;
  r.plate.char_confidences = {0.99, 0.98, 1.0, 0.1 + d * 1e-6, 0.0, 0.5, 0.75, 1.0 / 3.0};
  r.plate.candidates = {
      Candidate{r.plate.text, r.plate.confidence, "uz.private", false},
      Candidate{fmt::format("01A{:03}8C", i % 1000), 0.05 + d * 1e-9, "uz.private", true},
      Candidate{"O1A123BC", 1e-5, "", false},
  };
  r.plate.country = "uz";
  r.plate.format = "uz.private";
  return r;
}

/// Every field of `actual` equals `expected` exactly (ids are not compared).
inline void expect_same_read(const StoredPlateRead& expected, const StoredPlateRead& actual) {
  EXPECT_EQ(actual.read_at.unix_ms, expected.read_at.unix_ms);
  EXPECT_EQ(actual.clock_source, expected.clock_source);
  EXPECT_EQ(actual.source, expected.source);
  EXPECT_EQ(actual.frame, expected.frame);
  EXPECT_EQ(actual.plate.corners, expected.plate.corners);
  EXPECT_EQ(actual.plate.detector_confidence, expected.plate.detector_confidence);
  EXPECT_EQ(actual.plate.text, expected.plate.text);
  EXPECT_EQ(actual.plate.confidence, expected.plate.confidence);
  EXPECT_EQ(actual.plate.char_confidences, expected.plate.char_confidences);
  EXPECT_EQ(actual.plate.candidates, expected.plate.candidates);
  EXPECT_EQ(actual.plate.country, expected.plate.country);
  EXPECT_EQ(actual.plate.format, expected.plate.format);
}

}  // namespace roadwarden::store::testing
