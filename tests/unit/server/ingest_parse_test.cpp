#include "server/ingest.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "upload_builder.hpp"

namespace roadwarden::server {
namespace {

using testing::Upload;
constexpr std::size_t kMax = 64u << 20;

IngestRequest parse(const Upload& u, const std::string& body) {
  return parse_ingest_request(u.key, u.content_type(), body, kMax);
}

/// Expects InvalidInput whose message contains `reason`.
void expect_refused(const Upload& u, const std::string& body, const std::string& reason,
                    const std::string& header_key = "") {
  try {
    (void)parse_ingest_request(header_key.empty() ? u.key : header_key, u.content_type(), body,
                               kMax);
    ADD_FAILURE() << "accepted; expected: " << reason;
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST(ParseIngestRequest, AcceptsAValidUploadAndExtractsSearchFields) {
  const Upload u;
  const IngestRequest r = parse(u, u.body());
  EXPECT_EQ(r.key, u.key);
  EXPECT_EQ(r.record_json, u.record_json());
  EXPECT_EQ(r.kind, "plate_read");
  EXPECT_FALSE(r.violation);
  EXPECT_EQ(to_iso8601(r.created), "2026-11-29T20:55:42.123Z");
  EXPECT_EQ(r.plate_text, "01A123BC");
  ASSERT_TRUE(r.read_at);
  EXPECT_EQ(to_iso8601(*r.read_at), "2026-11-29T20:55:41.500Z");
  EXPECT_EQ(r.violation_kind, "");
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].name, "frame.jpg");
  EXPECT_EQ(r.files[1].content, u.files[1].content);  // binary with CRLF and "--" inside
  EXPECT_EQ(r.files[1].sha256, crypto::sha256_hex(u.files[1].content));
}

TEST(ParseIngestRequest, AcceptsAHealthRecordWithoutFiles) {
  Upload u;
  u.kind = "health";
  u.metadata = {{"type", "camera_health"}, {"event", "lost"}};
  u.files.clear();
  const IngestRequest r = parse(u, u.body());
  EXPECT_TRUE(r.files.empty());
  EXPECT_EQ(r.plate_text, "");
  EXPECT_FALSE(r.read_at);
}

TEST(ParseIngestRequest, ViolationKindFromMetadataOrKind) {
  Upload u;
  u.violation = true;
  u.metadata["violation"] = {{"kind", "red_light"}};
  EXPECT_EQ(parse(u, u.body()).violation_kind, "red_light");
  u.metadata.erase("violation");
  EXPECT_EQ(parse(u, u.body()).violation_kind, "plate_read");
  u.metadata["violation"] = {{"kind", "Red Light; DROP"}};
  expect_refused(u, u.body(), "violation kind");
}

TEST(ParseIngestRequest, RejectsKeyHeaderMismatchAndMalformedKeys) {
  const Upload u;
  expect_refused(u, u.body(), "differs from the Idempotency-Key",
                 "ffffffffffffffffffffffffffffffff");
  expect_refused(u, u.body(), "32 lower-case hex", "0123456789ABCDEF0123456789ABCDEF");
  expect_refused(u, u.body(), "32 lower-case hex", "0123");
}

TEST(ParseIngestRequest, RejectsBadJson) {
  const Upload u;
  expect_refused(u, u.body("{\"key\": "), "not valid JSON");
  expect_refused(u, u.body("[1,2]"), "not a JSON object");
  expect_refused(u, u.body(""), "not valid JSON");
}

TEST(ParseIngestRequest, RejectsMissingOrMistypedFields) {
  const Upload u;
  for (const char* field : {"key", "kind", "violation", "created", "metadata", "files"}) {
    nlohmann::json record = nlohmann::json::parse(u.record_json());
    record.erase(field);
    expect_refused(u, u.body(record.dump()), std::string("record.") + field + " is missing");
  }
  nlohmann::json record = nlohmann::json::parse(u.record_json());
  record["violation"] = "no";
  expect_refused(u, u.body(record.dump()), "record.violation is not a boolean");
  record = nlohmann::json::parse(u.record_json());
  record["kind"] = "Plate-Read";
  expect_refused(u, u.body(record.dump()), "record.kind");
  record = nlohmann::json::parse(u.record_json());
  record["created"] = "yesterday";
  expect_refused(u, u.body(record.dump()), "RFC 3339");
  record = nlohmann::json::parse(u.record_json());
  record["files"][0]["size"] = 3000.5;
  expect_refused(u, u.body(record.dump()), "size is not a non-negative integer");
  record = nlohmann::json::parse(u.record_json());
  record["files"][0]["sha256"] = std::string(64, 'G');
  expect_refused(u, u.body(record.dump()), "sha256 must be 64 lower-case hex");
  record = nlohmann::json::parse(u.record_json());
  record["metadata"]["read"]["text"] = 42;
  expect_refused(u, u.body(record.dump()), "metadata.read.text");
}

TEST(ParseIngestRequest, RejectsAMissingRecordPart) {
  Upload u;
  std::string body = u.body();
  body.replace(body.find("name=\"record\""), 13, "name=\"recxrd\"");
  expect_refused(u, body, "no 'record' part");
}

TEST(ParseIngestRequest, RejectsAMissingFilePart) {
  Upload u;
  const std::string record = u.record_json();
  u.files.pop_back();
  expect_refused(u, u.body(record), "no part of this name");
}

TEST(ParseIngestRequest, RejectsAnExtraPart) {
  Upload u;
  const std::string record = u.record_json();
  u.files.push_back({"extra.jpg", "image/jpeg", "x"});
  expect_refused(u, u.body(record), "a part that record.files does not list");
}

TEST(ParseIngestRequest, RejectsADuplicatedPart) {
  Upload u;
  const std::string record = u.record_json();
  u.files.push_back(u.files[0]);
  expect_refused(u, u.body(record), "two parts have the same name");
}

TEST(ParseIngestRequest, RejectsSizeAndHashMismatch) {
  Upload u;
  std::string record = u.record_json();
  u.files[0].content += "x";
  expect_refused(u, u.body(record), "length differs from size");
  u = Upload{};
  record = u.record_json();
  u.files[0].content[10] = 'g';
  expect_refused(u, u.body(record), "SHA-256 differs");
}

TEST(ParseIngestRequest, RejectsBadFileNames) {
  for (const char* name : {"../x", "..", ".hidden", "a/b", "Frame.jpg", "", "a\\b", "a b", "%2e%2e",
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    Upload u;
    u.files = {{name, "image/jpeg", "abc"}};
    expect_refused(u, u.body(), "name must be 1-64");
  }
}

TEST(ParseIngestRequest, RejectsAFileNamedRecord) {
  Upload u;
  u.files = {{"record", "image/jpeg", "abc"}};
  EXPECT_THROW((void)parse(u, u.body()), InvalidInput);
  nlohmann::json record = nlohmann::json::parse(Upload{}.record_json());
  record["files"][0]["name"] = "record";
  expect_refused(u, Upload{}.body(record.dump()), "not 'record'");
}

TEST(ParseIngestRequest, RejectsAFileListedTwice) {
  Upload u;
  u.files = {{"a.jpg", "image/jpeg", "abc"}};
  nlohmann::json record = nlohmann::json::parse(u.record_json());
  record["files"].push_back(record["files"][0]);
  expect_refused(u, u.body(record.dump()), "listed twice");
}

TEST(ParseIngestRequest, RejectsOversizedBodiesAsPayloadTooLarge) {
  const Upload u;
  const std::string body = u.body();
  EXPECT_THROW((void)parse_ingest_request(u.key, u.content_type(), body, body.size() - 1),
               PayloadTooLarge);
  EXPECT_NO_THROW((void)parse_ingest_request(u.key, u.content_type(), body, body.size()));
}

TEST(ParseIngestRequest, RejectsMalformedMultipart) {
  const Upload u;
  const std::string body = u.body();
  expect_refused(u, body.substr(0, body.size() - 30), "closing delimiter");
  EXPECT_THROW((void)parse_ingest_request(u.key, "application/json", body, kMax), InvalidInput);
  EXPECT_THROW((void)parse_ingest_request(u.key, "multipart/form-data", body, kMax), InvalidInput);
  EXPECT_THROW((void)parse_ingest_request(u.key, "multipart/form-data; boundary=other", body, kMax),
               InvalidInput);
  EXPECT_THROW((void)parse_ingest_request(u.key, u.content_type(), "", kMax), InvalidInput);
}

TEST(ParseMultipart, AcceptsAQuotedBoundaryAndAPreamble) {
  const Upload u;
  const std::string body = "preamble\r\n" + u.body();
  const auto parts = parse_multipart("multipart/form-data; boundary=\"" + u.boundary + "\"", body);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].name, "record");
  EXPECT_EQ(parts[1].filename, "frame.jpg");
  EXPECT_EQ(parts[2].content_type, "image/jpeg");
}

TEST(ParseRfc3339, ParsesUtcAndOffsets) {
  EXPECT_EQ(to_iso8601(parse_rfc3339("2026-11-29T20:55:42.123Z", "t")), "2026-11-29T20:55:42.123Z");
  EXPECT_EQ(to_iso8601(parse_rfc3339("2026-11-29T22:55:42+02:00", "t")),
            "2026-11-29T20:55:42.000Z");
  EXPECT_EQ(to_iso8601(parse_rfc3339("2024-02-29t00:00:00.5z", "t")), "2024-02-29T00:00:00.500Z");
  for (const char* bad : {"2026-02-29T00:00:00Z", "2026-11-29 20:55:42Z", "2026-11-29T20:55:42",
                          "2026-13-01T00:00:00Z", "1969-12-31T23:59:59Z", "2026-11-29T20:55:42.Z",
                          "2026-11-29T20:55:42Zx"}) {
    EXPECT_THROW((void)parse_rfc3339(bad, "t"), InvalidInput) << bad;
  }
}

TEST(CheckIngestSignature, AcceptsTheDeviceSignatureOnly) {
  const Upload u;
  const std::string record = u.record_json();
  const crypto::SigningKey device = crypto::generate_signing_key();
  const crypto::SigningKey other = crypto::generate_signing_key();
  EXPECT_NO_THROW(check_ingest_signature(record, crypto::sign(device, record), device.public_hex));
  EXPECT_THROW(check_ingest_signature(record, "", device.public_hex), PermissionDenied);
  EXPECT_THROW(check_ingest_signature(record, crypto::sign(other, record), device.public_hex),
               PermissionDenied);
  EXPECT_THROW(
      check_ingest_signature(record + " ", crypto::sign(device, record), device.public_hex),
      PermissionDenied);
  EXPECT_THROW(check_ingest_signature(record, std::string(128, 'z'), device.public_hex),
               PermissionDenied);
}

}  // namespace
}  // namespace roadwarden::server
