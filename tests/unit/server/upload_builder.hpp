// A manual clock, a scratch folder, and camera-agent uploads (docs/edge-upload.md) for the server's
// tests: the record JSON, its multipart body, and the signature header.
#pragma once

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::server::testing {

/// A Clock that moves only when the test moves it (starts 2026-09-21). Thread-safe.
class ManualClock final : public Clock {
 public:
  [[nodiscard]] UtcTime now() const override { return UtcTime{ms_.load()}; }
  [[nodiscard]] std::string source() const override { return "manual"; }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_{1'790'000'000'000};
};

/// A temporary folder removed with everything in it at destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rw-data-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// One file of an upload.
struct UploadFile {
  std::string name;
  std::string media_type = "image/jpeg";
  std::string content;
};

/// An upload being built; fields are public so a test can break one rule at a time.
struct Upload {
  std::string key = "0123456789abcdef0123456789abcdef";
  std::string kind = "plate_read";
  bool violation = false;
  std::string created = "2026-11-29T20:55:42.123Z";
  nlohmann::json metadata = {{"type", "plate_read"},
                             {"site", "site-1"},
                             {"read",
                              {{"camera", "cam-from-body"},
                               {"text", "01A123BC"},
                               {"confidence", 0.93},
                               {"best_time", "2026-11-29T20:55:41.500Z"}}}};
  std::vector<UploadFile> files = {{"frame.jpg", "image/jpeg", std::string(3000, 'f')},
                                   {"plate.jpg", "image/jpeg", std::string("\0plate\r\n--x", 11)}};
  std::string boundary = "--roadwarden-test-boundary";

  /// The `files` array entries as the agent lists them.
  [[nodiscard]] nlohmann::json files_json() const {
    nlohmann::json list = nlohmann::json::array();
    for (const UploadFile& f : files) {
      list.push_back({{"name", f.name},
                      {"media_type", f.media_type},
                      {"size", f.content.size()},
                      {"sha256", crypto::sha256_hex(f.content)}});
    }
    return list;
  }

  /// The record part's JSON text.
  [[nodiscard]] std::string record_json() const {
    return nlohmann::json{{"key", key},         {"kind", kind},         {"violation", violation},
                          {"created", created}, {"metadata", metadata}, {"files", files_json()}}
        .dump();
  }

  /// "multipart/form-data; boundary=…".
  [[nodiscard]] std::string content_type() const {
    return "multipart/form-data; boundary=" + boundary;
  }

  /// A multipart body with `record` as the record part, then every file.
  [[nodiscard]] std::string body(const std::string& record) const {
    std::string out = "--" + boundary +
                      "\r\nContent-Disposition: form-data; name=\"record\"\r\n"
                      "Content-Type: application/json\r\n\r\n" +
                      record + "\r\n";
    for (const UploadFile& f : files) {
      out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.name +
             "\"; filename=\"" + f.name + "\"\r\nContent-Type: " + f.media_type + "\r\n\r\n" +
             f.content + "\r\n";
    }
    out += "--" + boundary + "--\r\n";
    return out;
  }
  [[nodiscard]] std::string body() const { return body(record_json()); }
};

}  // namespace roadwarden::server::testing
