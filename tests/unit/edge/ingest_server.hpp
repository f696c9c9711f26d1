// A fake central ingest endpoint for tests: plays docs/edge-upload.md over HTTPS on
// 127.0.0.1 (httplib::SSLServer with a test certificate). It checks each request, stores each
// key once and answers "stored" or "duplicate"; fault modes make it fail after storing, drop
// the acknowledgement, echo a wrong key, refuse, or never answer.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "edge/digest.hpp"
#include "unit/edge/test_certs.hpp"

namespace roadwarden::edge::testing {

/// What the fake server does with a valid request.
enum class Fault {
  kNone,            // store, answer 201 stored (or 200 duplicate)
  kFailAfterStore,  // store, then answer 500 (first request of a key only)
  kDropAckOnce,     // store, then stall past the client timeout (first request only)
  kWrongKey,        // store, answer 201 with another key
  kRefuse400,       // store nothing, answer 400
  kNeverAnswer,     // accept the request over TLS, store nothing, never answer (until the
                    // server is destroyed)
};

/// The central ingest endpoint, as the contract requires, over HTTPS on 127.0.0.1.
class IngestServer {
 public:
  struct Stored {
    nlohmann::json record;
    std::string record_bytes;  // the record part exactly as received (what is signed)
    std::string signature;     // X-Roadwarden-Signature, "" when absent
    std::string device_time;   // X-Roadwarden-Device-Time, "" when absent
    std::map<std::string, std::string> files;  // name -> content
    std::map<std::string, std::string> media_types;
  };

  IngestServer(const TestCert& server, Fault fault, X509_STORE* client_cas = nullptr)
      : server_(server.cert.get(), server.key.get(), client_cas), fault_(fault) {
    server_.Post("/api/v1/ingest/records",
                 [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ~IngestServer() {
    closing_ = true;  // releases kNeverAnswer handlers
    server_.stop();
    thread_.join();
  }

  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int requests() const { return requests_; }
  [[nodiscard]] std::map<std::string, Stored> stored() const {
    const std::lock_guard lock(mutex_);
    return stored_;
  }
  [[nodiscard]] std::vector<std::string> problems() const {
    const std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  void reject(httplib::Response& res, const std::string& why) {
    {
      const std::lock_guard lock(mutex_);
      problems_.push_back(why);
    }
    res.status = 400;
    res.set_content(nlohmann::json{{"error", why}}.dump(), "application/json");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    ++requests_;
    if (fault_ == Fault::kNeverAnswer) {
      while (!closing_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return;
    }
    if (!req.is_multipart_form_data() || !req.has_file("record")) {
      return reject(res, "not multipart or no record part");
    }
    const auto record_part = req.get_file_value("record");
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(record_part.content);
    } catch (const nlohmann::json::exception&) {
      return reject(res, "record is not JSON");
    }
    const std::string key = record.value("key", "");
    if (req.get_header_value("Idempotency-Key") != key || !is_key_hex(key)) {
      return reject(res, "Idempotency-Key does not match record.key");
    }
    Stored stored;
    stored.record = record;
    stored.record_bytes = record_part.content;
    stored.signature = req.get_header_value("X-Roadwarden-Signature");
    stored.device_time = req.get_header_value("X-Roadwarden-Device-Time");
    for (const nlohmann::json& f : record.at("files")) {
      const std::string name = f.at("name");
      if (!req.has_file(name)) return reject(res, "missing part " + name);
      const auto part = req.get_file_value(name);
      const std::vector<std::uint8_t> bytes(part.content.begin(), part.content.end());
      if (part.content.size() != f.at("size").get<std::size_t>() ||
          sha256_hex(bytes) != f.at("sha256").get<std::string>()) {
        return reject(res, "part " + name + " does not match its size or sha256");
      }
      stored.files[name] = part.content;
      stored.media_types[name] = part.content_type;
    }
    if (fault_ == Fault::kRefuse400) return reject(res, "refused by test");

    bool duplicate = false;
    bool first_request_of_key = false;
    {
      const std::lock_guard lock(mutex_);
      duplicate = stored_.contains(key);
      if (!duplicate) stored_[key] = std::move(stored);  // durable before acknowledging
      first_request_of_key = seen_.insert({key, true}).second;
    }
    if (fault_ == Fault::kFailAfterStore && first_request_of_key) {
      res.status = 500;
      res.set_content(R"({"error":"internal"})", "application/json");
      return;
    }
    if (fault_ == Fault::kDropAckOnce && first_request_of_key) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(1500));  // the client (timeout 400 ms) has given up
    }
    const std::string echoed = fault_ == Fault::kWrongKey ? random_key_hex() : key;
    res.status = duplicate ? 200 : 201;
    res.set_content(
        nlohmann::json{{"status", duplicate ? "duplicate" : "stored"}, {"key", echoed}}.dump(),
        "application/json");
  }

  httplib::SSLServer server_;
  const Fault fault_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_{0};
  std::atomic<bool> closing_{false};
  mutable std::mutex mutex_;
  std::map<std::string, Stored> stored_;  // guarded by mutex_
  std::map<std::string, bool> seen_;      // guarded by mutex_
  std::vector<std::string> problems_;     // guarded by mutex_
};

}  // namespace roadwarden::edge::testing
