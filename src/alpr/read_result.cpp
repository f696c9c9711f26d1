#include "alpr/read_result.hpp"

#include <fmt/format.h>

namespace roadwarden::alpr {
namespace {

// Replaces every byte sequence that is not valid UTF-8 with U+FFFD.
std::string sanitise_utf8(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json plate_json(const PlateResult& p) {
  return {{"text", p.text},
          {"confidence", p.confidence},
          {"detector_confidence", p.detector_confidence},
          {"corners", to_json(p.corners)},
          {"char_confidences", p.char_confidences},
          {"country", p.country},
          {"format", p.format},
          {"candidates", to_json(p.candidates)}};
}

}  // namespace

nlohmann::json to_json(const Quad& q) {
  nlohmann::json corners = nlohmann::json::array();
  for (const Point& c : q.corners) corners.push_back({c.x, c.y});
  return corners;
}

nlohmann::json to_json(const std::vector<Candidate>& candidates) {
  nlohmann::json out = nlohmann::json::array();
  for (const Candidate& c : candidates) {
    out.push_back({{"text", c.text},
                   {"confidence", c.confidence},
                   {"format", c.format},
                   {"corrected", c.corrected}});
  }
  return out;
}

nlohmann::json to_json(const ReadResult& r) {
  nlohmann::json plates = nlohmann::json::array();
  for (const PlateResult& p : r.plates) plates.push_back(plate_json(p));
  nlohmann::json j = {{"image", r.image},
                      {"frame", nullptr},
                      {"processing_ms", r.processing_ms},
                      {"error", nullptr},
                      {"plates", plates}};
  if (r.frame) j["frame"] = *r.frame;
  if (r.error) j["error"] = *r.error;
  return j;
}

std::string to_json_line(const ReadResult& r) {
  return to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string to_text_line(const ReadResult& r) {
  std::string name = sanitise_utf8(r.image);
  name = name.substr(1, name.size() - 2);  // drop the JSON quotes
  if (r.frame) name += fmt::format("#{}", *r.frame);
  if (r.error) return fmt::format("{}: error: {}", name, *r.error);
  if (r.plates.empty()) return fmt::format("{}: no plate", name);
  std::string line = name + ":";
  for (const PlateResult& p : r.plates) {
    if (p.text.empty()) {
      line += fmt::format(" unreadable (best guess {} {:.2f})",
                          p.candidates.empty() ? "-" : p.candidates.front().text, p.confidence);
      continue;
    }
    line += fmt::format(" {} {:.2f}", p.text, p.confidence);
    if (!p.format.empty()) line += fmt::format(" ({})", p.format);
  }
  return line;
}

}  // namespace roadwarden::alpr
