// The uploader: one multipart/form-data POST per spooled record over HTTPS, acknowledged
// records deleted, everything else deferred with exponential backoff. Contract:
// docs/edge-upload.md.
#include "edge/uploader.hpp"

#include <httplib.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "crypto/crypto.hpp"
#include "video/stream_source.hpp"

namespace roadwarden::edge {
namespace {

using nlohmann::json;

/// Path of the ingest endpoint below the base URL.
constexpr std::string_view kIngestPath = "/api/v1/ingest/records";

/// A parsed https:// base URL.
struct BaseUrl {
  std::string host;  // without brackets for an IPv6 literal
  int port = 443;
  std::string prefix;  // "" or "/something" without a trailing '/'
};

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  throw InvalidInput(
      fmt::format("Uploader option url '{}' is not usable: {}.", video::redact_url(url), why));
}

BaseUrl parse_url(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  std::string lower = url.substr(0, std::min(url.size(), kScheme.size()));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != kScheme) {
    bad_url(url,
            "only https:// is allowed (records are never uploaded in plain text), e.g. "
            "https://server:8443");
  }
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  if (rest.find_first_of("?#@ \t\r\n") != std::string_view::npos) {
    bad_url(url, "it must not hold a query, fragment, user name or white space");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  BaseUrl out;
  if (slash != std::string_view::npos) {
    out.prefix = std::string(rest.substr(slash));
    while (!out.prefix.empty() && out.prefix.back() == '/') out.prefix.pop_back();
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) bad_url(url, "unterminated IPv6 address");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url(url, "unexpected text after the IPv6 address");
      port_text = after.substr(1);
      if (port_text.empty()) bad_url(url, "empty port");
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad_url(url, "empty port");
    }
  }
  if (out.host.empty()) bad_url(url, "no host name");
  if (!port_text.empty()) {
    int port = 0;
    for (const char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) bad_url(url, "the port is not a number 1-65535");
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) bad_url(url, "the port is not a number 1-65535");
    out.port = port;
  }
  return out;
}

/// Checks that `ca_file` is a readable PEM file holding at least one certificate.
void check_ca_file(const std::filesystem::path& ca_file) {
  if (ca_file.empty()) {
    throw InvalidInput(
        "Uploader option ca_file is empty: name the PEM CA bundle that signs the server "
        "certificate (server verification cannot be turned off).");
  }
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(ca_file.c_str(), "r"),
                                                      &BIO_free);
  if (!bio) {
    throw InvalidInput(
        fmt::format("Uploader option ca_file '{}' cannot be read.", ca_file.string()));
  }
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (cert == nullptr) {
    throw InvalidInput(
        fmt::format("Uploader option ca_file '{}' holds no PEM certificate.", ca_file.string()));
  }
  X509_free(cert);
}

/// Retry delay after a failure, given the attempts that failed before it.
std::int64_t backoff_ms(const UploaderOptions& options, int previous_attempts) {
  std::int64_t delay = options.backoff_initial_ms;
  for (int i = 0; i < previous_attempts && delay < options.backoff_max_ms; ++i) delay *= 2;
  return std::min<std::int64_t>(delay, options.backoff_max_ms);
}

/// "host:port" as a person writes it (an IPv6 address in brackets).
std::string host_port(const BaseUrl& url) {
  return url.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", url.host, url.port)
                                                 : fmt::format("{}:{}", url.host, url.port);
}

/// Why a connection to `url` cannot be made, e.g. "connection refused", "no route to host",
/// "host name not found: Name or service not known"; empty when it connects now. Tries once
/// more because httplib 0.11 loses the OS reason of its failed connect. Only called after
/// httplib reported Error::Connection (a connect that failed at once, not a timeout): the
/// connect waits at most timeout_ms in all, plus the name lookup.
std::string connect_failure_reason(const BaseUrl& url, int timeout_ms) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  const int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) return fmt::format("host name not found: {}", ::gai_strerror(rc));
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int err = 0;
  for (const addrinfo* ai = addresses.get(); ai != nullptr; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    err = ::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (err == EINPROGRESS) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLOUT, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (n < 0) {
        err = errno;
      } else {
        socklen_t len = sizeof err;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    ::close(fd);
    if (err == 0) return {};
    if (std::chrono::steady_clock::now() >= deadline) break;
  }
  std::string reason = std::generic_category().message(err);  // e.g. "Connection refused"
  if (!reason.empty()) {
    reason[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(reason[0])));
  }
  return reason;
}

/// What went wrong, in words, for a request that got no HTTP answer: what failed, the
/// server's host:port, and the reason when known. Never holds credentials (the URL has no
/// user part; key paths and contents are not named). httplib 0.11's to_string() gives only
/// the enum name ("Connection"), so the words are ours.
std::string transport_error_text(httplib::Error error, const BaseUrl& url, int timeout_ms,
                                 unsigned long tls_error) {
  const std::string where = host_port(url);
  const std::string tls_reason = tls_error != 0 && ERR_reason_error_string(tls_error) != nullptr
                                     ? fmt::format(": {}", ERR_reason_error_string(tls_error))
                                     : std::string();
  switch (error) {
    case httplib::Error::Connection: {
      const std::string reason = connect_failure_reason(url, timeout_ms);
      return fmt::format(
          "cannot connect to {} ({})", where,
          reason.empty() ? "it failed once, then connected on a second try" : reason);
    }
    case httplib::Error::ConnectionTimeout:
      return fmt::format("cannot connect to {} (no answer within {} ms)", where, timeout_ms);
    case httplib::Error::BindIPAddress:
      return fmt::format("cannot bind a local address to connect to {}", where);
    case httplib::Error::Read:
      return fmt::format(
          "no answer from {} (nothing within {} ms, or the connection closed before the full "
          "answer; the server may have stored the record)",
          where, timeout_ms);
    case httplib::Error::Write:
      return fmt::format(
          "cannot send the request to {} (the server closed the connection, e.g. it refused "
          "this agent's client certificate, or it stalled for {} ms)",
          where, timeout_ms);
    case httplib::Error::SSLConnection:
      return fmt::format(
          "TLS handshake with {} failed{} (untrusted server certificate, client certificate "
          "refused, no TLS on that port, or no answer within {} ms)",
          where, tls_reason, timeout_ms);
    case httplib::Error::SSLLoadingCerts:
      return fmt::format("cannot load the CA bundle or client certificate to connect to {}", where);
    case httplib::Error::SSLServerVerification:
      return fmt::format("the TLS certificate of {} is not accepted", where);
    case httplib::Error::Canceled:
      return fmt::format("the request to {} was canceled", where);
    case httplib::Error::ExceedRedirectCount:
      return fmt::format("{} redirected too often", where);
    default:
      return fmt::format("the request to {} failed (httplib error {})", where,
                         httplib::to_string(error));
  }
}

/// The "record" part: the record's metadata and its file list (docs/edge-upload.md).
json record_json(const SpoolEntry& entry) {
  json files = json::array();
  for (const SpooledFile& f : entry.files) {
    files.push_back(
        {{"name", f.name}, {"media_type", f.media_type}, {"size", f.size}, {"sha256", f.sha256}});
  }
  return {{"key", entry.key},
          {"kind", entry.kind},
          {"violation", entry.violation},
          {"created", to_iso8601(entry.created)},
          {"metadata", entry.metadata},
          {"files", files}};
}

}  // namespace

class Uploader::Impl {
 public:
  Impl(UploaderOptions options, Spool& spool, const Clock& clock)
      : options_(std::move(options)), spool_(spool), clock_(clock), url_(parse_url(options_.url)) {
    if (options_.timeout_ms <= 0) {
      throw InvalidInput(
          fmt::format("Uploader option timeout_ms is {}, expected > 0.", options_.timeout_ms));
    }
    if (options_.batch < 1) {
      throw InvalidInput(
          fmt::format("Uploader option batch is {}, expected >= 1.", options_.batch));
    }
    if (options_.backoff_initial_ms < 1 || options_.backoff_max_ms < options_.backoff_initial_ms) {
      throw InvalidInput(fmt::format(
          "Uploader options backoff_initial_ms ({}) and backoff_max_ms ({}) must satisfy "
          "1 <= initial <= max.",
          options_.backoff_initial_ms, options_.backoff_max_ms));
    }
    check_ca_file(options_.ca_file);
    if (options_.client_cert.empty() != options_.client_key.empty()) {
      throw InvalidInput(
          "Uploader options client_cert and client_key go together: set both or neither.");
    }
    // A missing or unreadable key is reported below, with the certificate.
    std::error_code exists_ec;
    if (!options_.client_key.empty() && std::filesystem::exists(options_.client_key, exists_ec))
      crypto::require_private_key_file(options_.client_key, "upload client_key");
    if (options_.client_cert.empty()) {
      client_ = std::make_unique<httplib::SSLClient>(url_.host, url_.port);
    } else {
      client_ = std::make_unique<httplib::SSLClient>(
          url_.host, url_.port, options_.client_cert.string(), options_.client_key.string());
    }
    if (!client_->is_valid()) {
      throw InvalidInput(fmt::format(
          "Uploader cannot load the client certificate '{}' with its key (missing, unreadable, "
          "not PEM, or the key does not match the certificate).",
          options_.client_cert.string()));
    }
    if (!options_.signing_key.empty())
      signing_key_ = crypto::load_signing_key(options_.signing_key);
    SSL_CTX_set_min_proto_version(client_->ssl_context(), TLS1_2_VERSION);
    client_->set_ca_cert_path(options_.ca_file.string());
    client_->enable_server_certificate_verification(true);
    const std::chrono::milliseconds timeout(options_.timeout_ms);
    client_->set_connection_timeout(timeout);
    client_->set_read_timeout(timeout);
    client_->set_write_timeout(timeout);
    client_->set_keep_alive(false);
    client_->set_follow_location(false);
    path_ = url_.prefix + std::string(kIngestPath);
  }

  UploadStats upload_due(const std::stop_token& stop) {
    UploadStats stats;
    for (const SpoolEntry& entry : spool_.due(clock_.now(), options_.batch)) {
      // A stop waits for the one request in flight, never for the rest of the batch: the
      // records not sent stay in the spool, due, with no attempt counted.
      if (stop.stop_requested()) break;
      if (send(entry)) {
        ++stats.acknowledged;
      } else {
        ++stats.failed;
      }
    }
    return stats;
  }

  void run(const std::stop_token& stop, std::chrono::milliseconds idle) {
    std::mutex mutex;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      bool more = false;
      try {
        const UploadStats stats = upload_due(stop);
        more = stats.failed == 0 && stats.acknowledged >= options_.batch;
      } catch (const std::exception& e) {
        spdlog::error("edge uploader: pass failed: {}", e.what());
      }
      if (more) continue;
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, idle, [] { return false; });
    }
  }

 private:
  /// Sends one record; true when acknowledged (and deleted), false when deferred.
  bool send(const SpoolEntry& entry) {
    httplib::MultipartFormDataItems items;
    std::string manifest = record_json(entry).dump();
    std::string signature;
    if (signing_key_) signature = crypto::sign(*signing_key_, manifest);
    items.push_back({"record", std::move(manifest), "", "application/json"});
    for (const SpooledFile& file : entry.files) {
      std::vector<std::uint8_t> bytes;
      try {
        bytes = spool_.read_file(entry.key, file.name);
      } catch (const Error& e) {
        // Tampered or missing evidence is never sent as if it were genuine: keep the record
        // (a person must look at it) and retry later in case the disk recovers.
        spdlog::error("edge uploader: record {} ({}) not sent: {}", entry.key, entry.kind,
                      e.what());
        return fail(entry, fmt::format("evidence unreadable: {}", e.what()));
      }
      items.push_back(
          {file.name, std::string(bytes.begin(), bytes.end()), file.name, file.media_type});
    }
    httplib::Headers headers{{"Idempotency-Key", entry.key},
                             {"Accept", "application/json"},
                             {"User-Agent", "roadwarden-edge/0.1"},
                             // The agent's clock as it sends (the server's clock offset).
                             {"X-Roadwarden-Device-Time", to_iso8601(clock_.now())}};
    if (!signature.empty()) headers.emplace("X-Roadwarden-Signature", std::move(signature));
    ERR_clear_error();
    const httplib::Result result = client_->Post(path_, headers, items);
    const unsigned long tls_error = ERR_peek_last_error();
    if (!result) {
      std::string error =
          transport_error_text(result.error(), url_, options_.timeout_ms, tls_error);
      if (result.error() == httplib::Error::SSLServerVerification) {
        const long verify = client_->get_openssl_verify_result();
        error += verify == X509_V_OK
                     ? fmt::format(" (the certificate is not issued to '{}')", url_.host)
                     : fmt::format(" ({})", X509_verify_cert_error_string(verify));
      }
      spdlog::warn("edge uploader: record {} ({}) not acknowledged: {} [httplib {}]", entry.key,
                   entry.kind, error, httplib::to_string(result.error()));
      return fail(entry, error);
    }
    const int status = result->status;
    if (status == 200 || status == 201) {
      std::string problem;
      try {
        const json body = json::parse(result->body);
        if (!body.is_object() || !body.contains("key") || body.at("key") != entry.key) {
          problem = "the acknowledgement does not echo the record's key";
        } else if (!body.contains("status") ||
                   (body.at("status") != "stored" && body.at("status") != "duplicate")) {
          problem = "the acknowledgement's status is not \"stored\" or \"duplicate\"";
        }
      } catch (const json::exception&) {
        problem = "the acknowledgement is not JSON";
      }
      if (problem.empty()) {
        spool_.acknowledge(entry.key);
        return true;
      }
      spdlog::error("edge uploader: contract error for record {} ({}): HTTP {} but {}; kept",
                    entry.key, entry.kind, status, problem);
      return fail(entry, fmt::format("HTTP {}: {}", status, problem));
    }
    if (status >= 400 && status < 500 && status != 409 && status != 429) {
      spdlog::error(
          "edge uploader: contract error for record {} ({}): the server refused it with HTTP "
          "{}; kept in the spool",
          entry.key, entry.kind, status);
    } else {
      spdlog::warn("edge uploader: record {} ({}) not acknowledged: HTTP {}", entry.key, entry.kind,
                   status);
    }
    return fail(entry, fmt::format("HTTP {}", status));
  }

  bool fail(const SpoolEntry& entry, std::string error) {
    const UtcTime now = clock_.now();
    spool_.defer(entry.key, UtcTime{now.unix_ms + backoff_ms(options_, entry.attempts)},
                 std::move(error));
    return false;
  }

  const UploaderOptions options_;
  Spool& spool_;
  const Clock& clock_;
  const BaseUrl url_;
  std::string path_;
  /// Used only by the thread running upload_due()/run().
  std::unique_ptr<httplib::SSLClient> client_;
  std::optional<crypto::SigningKey> signing_key_;  // set when options_.signing_key is
};

Uploader::Uploader(UploaderOptions options, Spool& spool, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), spool, clock)) {}

Uploader::~Uploader() = default;

UploadStats Uploader::upload_due(std::stop_token stop) {
  return impl_->upload_due(stop);
}

void Uploader::run(std::stop_token stop, std::chrono::milliseconds idle) {
  impl_->run(stop, idle);
}

}  // namespace roadwarden::edge
