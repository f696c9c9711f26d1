#include "server/ingest.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "crypto/crypto.hpp"

namespace roadwarden::server {
namespace {

using nlohmann::json;

bool is_lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_identifier(std::string_view s, std::size_t max) {
  return !s.empty() && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Parameters of a header value "type; a=b; c=\"d\"" (names lower-cased). The first
/// element of the returned pair is the value before the first ';', lower-cased.
std::pair<std::string, std::map<std::string, std::string>> header_params(std::string_view value) {
  std::map<std::string, std::string> params;
  std::size_t i = value.find(';');
  std::string head = lower(trim(value.substr(0, i)));
  while (i != std::string_view::npos && i < value.size()) {
    ++i;  // skip ';'
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const std::size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) {
      throw InvalidInput("a header parameter has no '=' value");
    }
    const std::string name = lower(trim(value.substr(i, eq - i)));
    std::size_t j = eq + 1;
    std::string param;
    if (j < value.size() && value[j] == '"') {
      ++j;
      while (j < value.size() && value[j] != '"') {
        if (value[j] == '\\' && j + 1 < value.size()) ++j;
        param.push_back(value[j]);
        ++j;
      }
      if (j >= value.size()) throw InvalidInput("a quoted header parameter is not closed");
      ++j;  // closing quote
      while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
      if (j < value.size() && value[j] != ';') {
        throw InvalidInput("unexpected text after a quoted header parameter");
      }
    } else {
      const std::size_t end = value.find(';', j);
      param = std::string(trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
      j = end;
    }
    if (name.empty()) throw InvalidInput("a header parameter has no name");
    if (!params.emplace(name, param).second) {
      throw InvalidInput(fmt::format("the header parameter '{}' is repeated", name));
    }
    i = j;
  }
  return {head, params};
}

const json* find(const json& object, const char* name) {
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

/// metadata.<a>.<b> when every step is an object, else nullptr.
const json* path(const json& root, std::initializer_list<const char*> names) {
  const json* node = &root;
  for (const char* name : names) {
    if (!node->is_object()) return nullptr;
    node = find(*node, name);
    if (node == nullptr) return nullptr;
  }
  return node;
}

}  // namespace

bool valid_record_key(std::string_view key) {
  return key.size() == 32 && is_lower_hex(key);
}

bool valid_evidence_file_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.' || name == "record") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

UtcTime parse_rfc3339(std::string_view text, std::string_view field) {
  if (const auto t = roadwarden::parse_rfc3339(text, Rfc3339Form::any_zone)) return *t;
  throw InvalidInput(
      fmt::format("'{}' is not an RFC 3339 time such as 2026-11-29T20:55:42.123Z.", field));
}

std::vector<MultipartPart> parse_multipart(std::string_view content_type, std::string_view body) {
  const auto [type, params] = header_params(content_type);
  if (type != "multipart/form-data") {
    throw InvalidInput("the body is not multipart/form-data");
  }
  const auto b = params.find("boundary");
  if (b == params.end() || b->second.empty() || b->second.size() > 70) {
    throw InvalidInput("the multipart boundary is missing or longer than 70 characters");
  }
  const std::string dash_boundary = "--" + b->second;
  const std::string delimiter = "\r\n" + dash_boundary;

  // The first delimiter: at the very start, or after a preamble ending in CRLF.
  std::size_t pos;
  if (body.substr(0, dash_boundary.size()) == dash_boundary) {
    pos = dash_boundary.size();
  } else {
    const std::size_t found = body.find(delimiter);
    if (found == std::string_view::npos) throw InvalidInput("the multipart body has no parts");
    pos = found + delimiter.size();
  }

  constexpr std::size_t kMaxHeaderBytes = 8 * 1024;
  constexpr std::size_t kMaxParts = 1024;
  std::vector<MultipartPart> parts;
  for (;;) {
    // After a delimiter: "--" closes the body; else optional whitespace then CRLF.
    if (body.substr(pos, 2) == "--") return parts;
    while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
    if (body.substr(pos, 2) != "\r\n") throw InvalidInput("a multipart delimiter is malformed");
    pos += 2;
    if (parts.size() == kMaxParts) throw InvalidInput("the multipart body has too many parts");

    const std::size_t header_end = body.find("\r\n\r\n", pos);
    const bool no_headers = body.substr(pos, 2) == "\r\n";
    if (!no_headers &&
        (header_end == std::string_view::npos || header_end - pos > kMaxHeaderBytes)) {
      throw InvalidInput("a multipart part's headers are not terminated (or exceed 8 KiB)");
    }
    MultipartPart part;
    bool has_disposition = false;
    std::string_view headers = no_headers ? std::string_view() : body.substr(pos, header_end - pos);
    pos = no_headers ? pos + 2 : header_end + 4;
    while (!headers.empty()) {
      const std::size_t eol = headers.find("\r\n");
      const std::string_view line = headers.substr(0, eol);
      headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) throw InvalidInput("a multipart header has no ':'");
      const std::string name = lower(trim(line.substr(0, colon)));
      const std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        if (has_disposition) throw InvalidInput("a part has two Content-Disposition headers");
        has_disposition = true;
        const auto [disposition, dparams] = header_params(value);
        if (disposition != "form-data") {
          throw InvalidInput("a part's Content-Disposition is not form-data");
        }
        const auto n = dparams.find("name");
        if (n == dparams.end()) throw InvalidInput("a part's Content-Disposition has no name");
        part.name = n->second;
        if (const auto f = dparams.find("filename"); f != dparams.end()) part.filename = f->second;
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!has_disposition) throw InvalidInput("a multipart part has no Content-Disposition");
    const std::size_t end = body.find(delimiter, pos);
    if (end == std::string_view::npos) {
      throw InvalidInput("the multipart body ends without its closing delimiter");
    }
    part.content = std::string(body.substr(pos, end - pos));
    parts.push_back(std::move(part));
    pos = end + delimiter.size();
  }
}

IngestRequest validate_ingest_parts(std::string_view idempotency_key,
                                    std::vector<MultipartPart> parts) {
  if (!valid_record_key(idempotency_key)) {
    throw InvalidInput("the Idempotency-Key header must be 32 lower-case hex digits");
  }
  IngestRequest request;
  request.key = std::string(idempotency_key);

  // Exactly one record part; file parts by name (each name once).
  std::map<std::string, MultipartPart*> by_name;
  MultipartPart* record_part = nullptr;
  for (MultipartPart& part : parts) {
    if (part.name == "record") {
      if (record_part != nullptr) throw InvalidInput("the body has two 'record' parts");
      record_part = &part;
    } else if (!by_name.emplace(part.name, &part).second) {
      throw InvalidInput("two parts have the same name");
    }
  }
  if (record_part == nullptr) throw InvalidInput("the body has no 'record' part");
  request.record_json = record_part->content;

  const json record = json::parse(request.record_json, nullptr, false);
  if (record.is_discarded()) throw InvalidInput("the 'record' part is not valid JSON");
  if (!record.is_object()) throw InvalidInput("the 'record' part is not a JSON object");

  const auto field = [&](const char* name) -> const json& {
    const json* value = find(record, name);
    if (value == nullptr) throw InvalidInput(fmt::format("record.{} is missing", name));
    return *value;
  };
  const json& key = field("key");
  if (!key.is_string()) throw InvalidInput("record.key is not a string");
  if (key.get_ref<const std::string&>() != request.key) {
    throw InvalidInput("record.key differs from the Idempotency-Key header");
  }
  const json& kind = field("kind");
  if (!kind.is_string() || !is_identifier(kind.get_ref<const std::string&>(), 32)) {
    throw InvalidInput("record.kind must be a string of 1-32 of [a-z0-9_]");
  }
  request.kind = kind.get<std::string>();
  const json& violation = field("violation");
  if (!violation.is_boolean()) throw InvalidInput("record.violation is not a boolean");
  request.violation = violation.get<bool>();
  const json& created = field("created");
  if (!created.is_string()) throw InvalidInput("record.created is not a string");
  request.created = parse_rfc3339(created.get_ref<const std::string&>(), "record.created");
  const json& metadata = field("metadata");

  // A violation carries the plate read of the offending vehicle (metadata.read) too.
  if (request.kind == "plate_read" || request.violation) {
    if (const json* text = path(metadata, {"read", "text"})) {
      if (!text->is_string() || text->get_ref<const std::string&>().size() > 64) {
        throw InvalidInput("record.metadata.read.text is not a string of at most 64 bytes");
      }
      request.plate_text = text->get<std::string>();
    }
    if (const json* best = path(metadata, {"read", "best_time"})) {
      if (!best->is_string()) throw InvalidInput("record.metadata.read.best_time is not a string");
      request.read_at =
          parse_rfc3339(best->get_ref<const std::string&>(), "record.metadata.read.best_time");
    }
  }
  if (request.violation) {
    const json* vk = path(metadata, {"violation", "kind"});
    if (vk == nullptr) vk = path(metadata, {"violation_kind"});
    if (vk == nullptr) {
      request.violation_kind = request.kind;
    } else if (vk->is_string() && is_identifier(vk->get_ref<const std::string&>(), 64)) {
      request.violation_kind = vk->get<std::string>();
    } else {
      throw InvalidInput("the record's violation kind must be a string of 1-64 of [a-z0-9_]");
    }
  }

  const json& files = field("files");
  if (!files.is_array()) throw InvalidInput("record.files is not an array");
  std::set<std::string> listed;
  for (std::size_t index = 0; index < files.size(); ++index) {
    const json& entry = files[index];
    const auto bad = [&](const char* what) {
      return InvalidInput(fmt::format("record.files[{}]: {}", index, what));
    };
    if (!entry.is_object()) throw bad("not an object");
    const json* name = find(entry, "name");
    const json* media_type = find(entry, "media_type");
    const json* size = find(entry, "size");
    const json* sha256 = find(entry, "sha256");
    if (name == nullptr || !name->is_string() ||
        !valid_evidence_file_name(name->get_ref<const std::string&>())) {
      throw bad("name must be 1-64 of [a-z0-9_.-], not starting with '.', not 'record'");
    }
    if (media_type == nullptr || !media_type->is_string()) throw bad("media_type is not a string");
    const std::string& mt = media_type->get_ref<const std::string&>();
    if (mt.empty() || mt.size() > 127 ||
        !std::all_of(mt.begin(), mt.end(), [](char c) { return c > ' ' && c < 127; })) {
      throw bad("media_type must be 1-127 printable characters");
    }
    if (size == nullptr || !(size->is_number_unsigned() || size->is_number_integer()) ||
        size->get<std::int64_t>() < 0) {
      throw bad("size is not a non-negative integer");
    }
    if (sha256 == nullptr || !sha256->is_string() ||
        sha256->get_ref<const std::string&>().size() != 64 ||
        !is_lower_hex(sha256->get_ref<const std::string&>())) {
      throw bad("sha256 must be 64 lower-case hex digits");
    }
    IngestFile file;
    file.name = name->get<std::string>();
    if (!listed.insert(file.name).second) throw bad("the name is listed twice");
    file.media_type = mt;
    file.size = size->get<std::int64_t>();
    file.sha256 = sha256->get<std::string>();
    const auto part = by_name.find(file.name);
    if (part == by_name.end()) throw bad("no part of this name");
    const MultipartPart& p = *part->second;
    if (!p.filename.empty() && p.filename != file.name) throw bad("the part's filename differs");
    if (!p.content_type.empty() && lower(p.content_type) != lower(file.media_type)) {
      throw bad("the part's Content-Type differs from media_type");
    }
    if (static_cast<std::int64_t>(p.content.size()) != file.size) {
      throw bad("the part's length differs from size");
    }
    if (crypto::sha256_hex(p.content) != file.sha256) {
      throw bad("the part's SHA-256 differs from sha256");
    }
    file.content = std::move(part->second->content);
    request.files.push_back(std::move(file));
  }
  if (by_name.size() != listed.size()) {
    throw InvalidInput("the body has a part that record.files does not list");
  }
  return request;
}

IngestRequest parse_ingest_request(std::string_view idempotency_key, std::string_view content_type,
                                   std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes) {
    throw PayloadTooLarge(
        fmt::format("the body has {} bytes, more than the limit of {}", body.size(), max_bytes));
  }
  return validate_ingest_parts(idempotency_key, parse_multipart(content_type, body));
}

void check_ingest_signature(std::string_view record_json, std::string_view signature_header,
                            std::string_view device_public_key) {
  if (signature_header.empty()) {
    throw PermissionDenied(
        "the record's signature is missing (header X-Roadwarden-Signature, docs/edge-upload.md)");
  }
  if (signature_header.size() != 128 || !is_lower_hex(signature_header) ||
      !crypto::verify_signature(device_public_key, record_json, signature_header)) {
    throw PermissionDenied("the record's signature does not verify with this device's signing key");
  }
}

}  // namespace roadwarden::server
