// Parsing and validation of a camera agent's upload (docs/edge-upload.md, "What the server
// MUST check before storing" and "Signature"). Pure functions over bytes: no store, no
// files, no clock, so that they can be fuzzed (tests/fuzz/ingest_fuzz.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/time.hpp"

namespace roadwarden::server {

/// A request body larger than the server accepts (answered 413).
class PayloadTooLarge : public InvalidInput {
 public:
  using InvalidInput::InvalidInput;
};

/// One part of a multipart/form-data body (RFC 7578).
struct MultipartPart {
  std::string name;          ///< the Content-Disposition name
  std::string filename;      ///< the Content-Disposition filename ("" when absent)
  std::string content_type;  ///< the part's Content-Type ("" when absent)
  std::string content;       ///< the part's bytes, unchanged
};

/// One entry of the record's `files` array, checked against its part.
struct IngestFile {
  std::string name;        ///< valid_evidence_file_name
  std::string media_type;  ///< 1–127 printable ASCII characters
  std::int64_t size = 0;   ///< bytes, equal to content.size()
  std::string sha256;      ///< 64 lower-case hex digits, equal to SHA-256 of content
  std::string content;     ///< the file's bytes
};

/// An upload that passed every check of the contract (except the signature, which needs
/// the device's key: check_ingest_signature).
struct IngestRequest {
  std::string key;          ///< 32 lower-case hex digits (header == record.key)
  std::string record_json;  ///< the `record` part exactly as received (the signed bytes)
  std::string kind;         ///< 1–32 of [a-z0-9_]
  bool violation = false;
  UtcTime created;  ///< record.created
  /// Extracted for search. For kind "plate_read" and for violations: metadata.read.text
  /// (plate_text; "" when absent) and metadata.read.best_time (read_at; nullopt when absent). Both
  /// must have the right type when present (string; RFC 3339 string).
  std::string plate_text;
  std::optional<UtcTime> read_at;
  /// For violations: metadata.violation.kind, else metadata.violation_kind, else `kind`
  /// (each a string of 1–64 of [a-z0-9_]); "" for non-violations.
  std::string violation_kind;
  std::vector<IngestFile> files;  ///< in the order of record.files
};

/// True when `key` is exactly 32 lower-case hex digits.
[[nodiscard]] bool valid_record_key(std::string_view key);

/// True when `name` is a valid evidence file name: 1–64 of [a-z0-9_.-], not starting with
/// '.', not "record". Such a name never names a folder or leaves one.
[[nodiscard]] bool valid_evidence_file_name(std::string_view name);

/// Parses an RFC 3339 timestamp ("2026-11-29T20:55:42.123Z", "…T20:55:42Z",
/// "…T22:55:42+02:00"; 'T' or 't', 'Z' or 'z', 0–9 fraction digits, kept to milliseconds)
/// into UTC. Years 1970–9999. InvalidInput naming `field` (never the value) otherwise.
[[nodiscard]] UtcTime parse_rfc3339(std::string_view text, std::string_view field);

/// Splits a multipart/form-data body into its parts. `content_type` is the request's
/// Content-Type header (`multipart/form-data; boundary=…`, boundary 1–70 characters,
/// optionally quoted). Each part must carry `Content-Disposition: form-data; name="…"`.
/// A preamble before the first delimiter and an epilogue after the last are ignored.
/// InvalidInput with the reason for anything else (no closing delimiter, headers over
/// 8 KiB, …).
[[nodiscard]] std::vector<MultipartPart> parse_multipart(std::string_view content_type,
                                                         std::string_view body);

/// Validates already-split parts against the contract: `idempotency_key` is 32 lower-case
/// hex digits; exactly one part named "record" holding a JSON object with the fields of
/// docs/edge-upload.md of the right types, `key` equal to the header; file names valid and
/// unique; every `files` entry has exactly one part of that name whose length equals
/// `size` and whose SHA-256 equals `sha256` (and whose filename and Content-Type, when
/// present, equal the name and media type); no other parts. Throws InvalidInput with a
/// clear reason (never the plate text or file bytes).
[[nodiscard]] IngestRequest validate_ingest_parts(std::string_view idempotency_key,
                                                  std::vector<MultipartPart> parts);

/// The whole check of one upload: body size (PayloadTooLarge when body.size() > max_bytes),
/// parse_multipart, validate_ingest_parts. Pure; thread-safe.
[[nodiscard]] IngestRequest parse_ingest_request(std::string_view idempotency_key,
                                                 std::string_view content_type,
                                                 std::string_view body, std::size_t max_bytes);

/// Checks the `X-Roadwarden-Signature` header: 128 lower-case hex digits, an Ed25519
/// signature of `record_json` by `device_public_key` (64 hex). Throws PermissionDenied
/// ("the record's signature is missing" / "… does not verify") otherwise.
void check_ingest_signature(std::string_view record_json, std::string_view signature_header,
                            std::string_view device_public_key);

}  // namespace roadwarden::server
