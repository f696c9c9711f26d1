// JSON request and response helpers shared by the route files (search_routes.cpp,
// review_routes.cpp): answering with a JSON body, reading a request body as a JSON object
// with only known fields, reading an optional string field, and a stored manifest's read
// confidence. Errors are thrown as InvalidInput (core/errors.hpp), which the router turns into 400.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"

namespace roadwarden::server {

/// Sets `res` to `status` with `body` as application/json.
inline void answer(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

/// Characters (UTF-8 code points) of a valid UTF-8 string.
[[nodiscard]] inline std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

/// The request body as a JSON object whose keys are all in `allowed`. InvalidInput when
/// the body is not a JSON object or holds another key (named when at most 32 bytes long).
[[nodiscard]] inline nlohmann::json body_object(const httplib::Request& req,
                                                std::initializer_list<std::string_view> allowed) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw InvalidInput("the request body must be a JSON object");
  }
  for (const auto& [key, value] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      throw InvalidInput(fmt::format("unknown field '{}'", key.size() <= 32 ? key : "…"));
    }
  }
  return body;
}

/// A string field of `body`; std::nullopt when absent or null. InvalidInput when it holds
/// something other than a string.
[[nodiscard]] inline std::optional<std::string> string_field(const nlohmann::json& body,
                                                             const char* name) {
  const auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw InvalidInput(fmt::format("'{}' must be a string", name));
  return it->get<std::string>();
}

/// metadata.read.candidates of a stored manifest (docs/edge-upload.md: [{text, confidence,
/// format, corrected}], most votes first) as [{text, confidence}] — entries whose text is not
/// a string are skipped, a confidence that is not a number becomes null; [] when absent.
[[nodiscard]] inline nlohmann::json read_candidates(const std::string& manifest) {
  nlohmann::json out = nlohmann::json::array();
  const nlohmann::json record = nlohmann::json::parse(manifest, nullptr, false);
  if (!record.is_object()) return out;
  const auto metadata = record.find("metadata");
  if (metadata == record.end() || !metadata->is_object()) return out;
  const auto read = metadata->find("read");
  if (read == metadata->end() || !read->is_object()) return out;
  const auto candidates = read->find("candidates");
  if (candidates == read->end() || !candidates->is_array()) return out;
  for (const nlohmann::json& c : *candidates) {
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string()) continue;
    const auto confidence = c.find("confidence");
    out.push_back({{"text", c["text"]},
                   {"confidence", confidence != c.end() && confidence->is_number()
                                      ? *confidence
                                      : nlohmann::json(nullptr)}});
  }
  return out;
}

/// metadata.read.confidence of a stored manifest (the record JSON), or null.
[[nodiscard]] inline nlohmann::json read_confidence(const std::string& manifest) {
  const nlohmann::json record = nlohmann::json::parse(manifest, nullptr, false);
  if (!record.is_object()) return nullptr;
  const auto metadata = record.find("metadata");
  if (metadata == record.end() || !metadata->is_object()) return nullptr;
  const auto read = metadata->find("read");
  if (read == metadata->end() || !read->is_object()) return nullptr;
  const auto confidence = read->find("confidence");
  if (confidence == read->end() || !confidence->is_number()) return nullptr;
  return *confidence;
}

}  // namespace roadwarden::server
