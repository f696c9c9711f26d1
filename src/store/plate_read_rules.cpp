// Backend-independent rules and JSON encoding of stored plate reads (plate_read_rules.hpp).
#include "store/plate_read_rules.hpp"

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace roadwarden::store {
namespace {

using nlohmann::json;

void check_unit_interval(std::size_t index, std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {  // also rejects NaN
    reject_plate_read(index, fmt::format("{} is {}, expected a number in [0, 1]", field, value));
  }
}

void check_utf8(std::size_t index, std::string_view field, const std::string& value) {
  if (!is_valid_utf8(value)) reject_plate_read(index, fmt::format("{} is not valid UTF-8", field));
}

}  // namespace

bool is_valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();  // nlohmann's strict decoder
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

std::string replace_invalid_utf8(const std::string& s) {
  if (is_valid_utf8(s)) return s;
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

void reject_plate_read(std::size_t index, std::string_view problem) {
  throw InvalidInput(fmt::format(
      "Plate read {} of the batch cannot be stored: {}; nothing of the batch was stored.", index,
      problem));
}

void validate_plate_read(const StoredPlateRead& read, std::size_t index) {
  const PlateResult& plate = read.plate;
  if (read.frame < -1) {
    reject_plate_read(index, fmt::format("frame is {}, expected >= -1", read.frame));
  }
  check_utf8(index, "clock_source", read.clock_source);
  check_utf8(index, "text", plate.text);
  check_utf8(index, "country", plate.country);
  check_utf8(index, "format", plate.format);
  for (std::size_t i = 0; i < plate.corners.corners.size(); ++i) {
    const Point& p = plate.corners.corners[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      reject_plate_read(index,
                        fmt::format("corner {} is ({}, {}), expected finite pixels", i, p.x, p.y));
    }
  }
  check_unit_interval(index, "confidence", plate.confidence);
  check_unit_interval(index, "detector_confidence", plate.detector_confidence);
  for (std::size_t i = 0; i < plate.char_confidences.size(); ++i) {
    check_unit_interval(index, fmt::format("char_confidences[{}]", i), plate.char_confidences[i]);
  }
  for (std::size_t i = 0; i < plate.candidates.size(); ++i) {
    const Candidate& c = plate.candidates[i];
    check_utf8(index, fmt::format("candidates[{}].text", i), c.text);
    check_utf8(index, fmt::format("candidates[{}].format", i), c.format);
    check_unit_interval(index, fmt::format("candidates[{}].confidence", i), c.confidence);
  }
}

std::string encode_char_confidences(const std::vector<double>& confidences) {
  return json(confidences).dump();
}

std::string encode_candidates(const std::vector<Candidate>& candidates) {
  json out = json::array();
  for (const Candidate& c : candidates) {
    out.push_back({{"text", c.text},
                   {"confidence", c.confidence},
                   {"format", c.format},
                   {"corrected", c.corrected}});
  }
  return out.dump();
}

std::vector<double> decode_char_confidences(const std::string& text, std::string_view where) {
  try {
    return json::parse(text).get<std::vector<double>>();
  } catch (const json::exception& e) {
    throw Corrupt(fmt::format("{} has malformed char_confidences: {}.", where, e.what()));
  }
}

std::vector<Candidate> decode_candidates(const std::string& text, std::string_view where) {
  try {
    std::vector<Candidate> out;
    for (const json& c : json::parse(text).get<std::vector<json>>()) {
      out.push_back(Candidate{c.at("text").get<std::string>(), c.at("confidence").get<double>(),
                              c.at("format").get<std::string>(), c.at("corrected").get<bool>()});
    }
    return out;
  } catch (const json::exception& e) {
    throw Corrupt(fmt::format("{} has malformed candidates: {}.", where, e.what()));
  }
}

}  // namespace roadwarden::store
