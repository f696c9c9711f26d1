// Uploader against a real local HTTPS server (httplib::SSLServer on 127.0.0.1) with a
// throw-away CA and server certificate made at test time. The server plays the central
// ingest endpoint of docs/edge-upload.md: it checks the request, stores each key once and
// answers "stored" or "duplicate"; fault modes make it fail after storing, drop the
// acknowledgement, or echo a wrong key.
#include "edge/uploader.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "edge/digest.hpp"
#include "edge/spool.hpp"
#include "unit/edge/fake_clock.hpp"
#include "unit/edge/ingest_server.hpp"
#include "unit/edge/random_bytes.hpp"
#include "unit/edge/test_certs.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::FakeClock;
using testing::Fault;
using testing::IngestServer;
using testing::random_bytes;
using testing::TestCert;
using namespace std::chrono_literals;

std::vector<EvidenceFile> evidence(unsigned seed = 1) {
  return {
      EvidenceFile{"frame.jpg", "image/jpeg", random_bytes(150'000, seed)},
      EvidenceFile{"plate.jpg", "image/jpeg", random_bytes(2'500, seed + 1)},
      EvidenceFile{"manifest.json", "application/json", std::vector<std::uint8_t>{'{', '}', '\n'}}};
}

class UploaderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ::signal(SIGPIPE, SIG_IGN);  // as the agent does: a closed connection is an error, not death
  }

  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rw_uploader_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    ca_ = testing::make_ca("roadwarden test CA");
    ca_.write_pem(dir_ / "ca.pem", {});
    server_cert_ = testing::make_leaf(ca_, "ingest.test", "IP:127.0.0.1,DNS:localhost");
    SpoolOptions spool_options;
    spool_options.dir = dir_ / "spool";
    spool_ = std::make_unique<Spool>(spool_options, clock_);
  }
  void TearDown() override {
    spool_.reset();
    fs::remove_all(dir_);
  }

  UploaderOptions options(const IngestServer& server) const {
    UploaderOptions o;
    o.url = server.url();
    o.ca_file = dir_ / "ca.pem";
    o.timeout_ms = 400;
    o.backoff_initial_ms = 1000;
    o.backoff_max_ms = 8000;
    return o;
  }

  fs::path dir_;
  FakeClock clock_;
  TestCert ca_;
  TestCert server_cert_;
  std::unique_ptr<Spool> spool_;
};

TEST_F(UploaderTest, UploadsRecordAndDeletesItAfterAcknowledgement) {
  IngestServer server(server_cert_, Fault::kNone);
  const json meta = {{"camera", "cam-01"}, {"text", "01A123BC"}};
  const std::string key = spool_->put("plate_read", meta, evidence(), false);
  const std::string health = spool_->put("health", json{{"fps", 25.0}}, {}, false);
  Uploader uploader(options(server), *spool_, clock_);

  const UploadStats stats = uploader.upload_due();
  EXPECT_EQ(stats.acknowledged, 2);
  EXPECT_EQ(stats.failed, 0);
  EXPECT_EQ(spool_->usage().entries, 0u);
  EXPECT_TRUE(spool_->due(clock_.now(), 10).empty());
  EXPECT_TRUE(server.problems().empty()) << server.problems().front();

  const auto stored = server.stored();
  ASSERT_EQ(stored.size(), 2u);
  const auto& s = stored.at(key);
  EXPECT_EQ(s.record.at("kind"), "plate_read");
  EXPECT_EQ(s.record.at("violation"), false);
  EXPECT_EQ(s.record.at("created"), to_iso8601(clock_.now()));
  EXPECT_EQ(s.device_time, to_iso8601(clock_.now()));  // the agent's clock as it sent
  EXPECT_EQ(s.record.at("metadata"), meta);
  ASSERT_EQ(s.record.at("files").size(), 3u);
  for (const EvidenceFile& f : evidence()) {
    ASSERT_TRUE(s.files.contains(f.name)) << f.name;
    EXPECT_EQ(s.files.at(f.name), std::string(f.bytes.begin(), f.bytes.end())) << f.name;
    EXPECT_EQ(s.media_types.at(f.name), f.media_type);
  }
  EXPECT_TRUE(stored.at(health).files.empty());
}

TEST_F(UploaderTest, SignsTheExactRecordBytesWithTheAgentKey) {
  IngestServer server(server_cert_, Fault::kNone);
  const crypto::SigningKey key = crypto::generate_signing_key();
  crypto::save_signing_key(key, dir_ / "signing.key");
  const std::string record_key =
      spool_->put("plate_read", json{{"text", "01A123BC"}}, evidence(), false);
  UploaderOptions o = options(server);
  o.signing_key = dir_ / "signing.key";
  Uploader uploader(o, *spool_, clock_);
  ASSERT_EQ(uploader.upload_due().acknowledged, 1);

  const auto stored = server.stored().at(record_key);
  ASSERT_EQ(stored.signature.size(), 128u);
  EXPECT_TRUE(crypto::verify_signature(key.public_hex, stored.record_bytes, stored.signature));
  // The signature covers the manifest, which lists every file's SHA-256: a changed manifest
  // (e.g. another file hash) no longer verifies.
  std::string altered = stored.record_bytes;
  altered[altered.find("sha256") + 10] ^= 1;
  EXPECT_FALSE(crypto::verify_signature(key.public_hex, altered, stored.signature));
}

TEST_F(UploaderTest, WithoutASigningKeyNoSignatureIsSent) {
  IngestServer server(server_cert_, Fault::kNone);
  const std::string record_key = spool_->put("health", json{{"fps", 25.0}}, {}, false);
  Uploader uploader(options(server), *spool_, clock_);
  ASSERT_EQ(uploader.upload_due().acknowledged, 1);
  EXPECT_EQ(server.stored().at(record_key).signature, "");
}

TEST_F(UploaderTest, RefusesASigningKeyReadableByOthers) {
  IngestServer server(server_cert_, Fault::kNone);
  crypto::save_signing_key(crypto::generate_signing_key(), dir_ / "signing.key");
  fs::permissions(dir_ / "signing.key", fs::perms::others_read, fs::perm_options::add);
  UploaderOptions o = options(server);
  o.signing_key = dir_ / "signing.key";
  EXPECT_THROW(Uploader(o, *spool_, clock_), PermissionDenied);
}

TEST_F(UploaderTest, ServerErrorAfterStoringIsRetriedAndStoredExactlyOnce) {
  IngestServer server(server_cert_, Fault::kFailAfterStore);
  const std::string key = spool_->put("violation", json{{"rule", "red_light"}}, evidence(), true);
  Uploader uploader(options(server), *spool_, clock_);

  UploadStats stats = uploader.upload_due();
  EXPECT_EQ(stats.acknowledged, 0);
  EXPECT_EQ(stats.failed, 1);
  auto left = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 10);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].attempts, 1);
  EXPECT_EQ(left[0].next_attempt.unix_ms, clock_.now().unix_ms + 1000);  // initial backoff
  EXPECT_EQ(left[0].last_error, "HTTP 500");

  stats = uploader.upload_due();  // not due yet: nothing sent
  EXPECT_EQ(stats.acknowledged + stats.failed, 0);
  EXPECT_EQ(server.requests(), 1);

  clock_.advance(1s);
  stats = uploader.upload_due();
  EXPECT_EQ(stats.acknowledged, 1);
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(spool_->usage().entries, 0u);
  ASSERT_EQ(server.stored().size(), 1u);
  EXPECT_TRUE(server.stored().contains(key));
}

TEST_F(UploaderTest, DroppedAcknowledgementIsRetriedAndStoredExactlyOnce) {
  IngestServer server(server_cert_, Fault::kDropAckOnce);
  const std::string key = spool_->put("plate_read", json::object(), evidence(3), false);
  Uploader uploader(options(server), *spool_, clock_);

  UploadStats stats = uploader.upload_due();  // server stores, the answer never arrives
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(server.stored().size(), 1u);
  ASSERT_EQ(spool_->usage().entries, 1u);

  clock_.advance(1s);
  stats = uploader.upload_due();
  EXPECT_EQ(stats.acknowledged, 1);
  EXPECT_EQ(spool_->usage().entries, 0u);
  EXPECT_EQ(server.requests(), 2);
  ASSERT_EQ(server.stored().size(), 1u);
  EXPECT_TRUE(server.stored().contains(key));
}

TEST_F(UploaderTest, BackoffDoublesPerAttemptUpToTheMaximum) {
  IngestServer server(server_cert_, Fault::kRefuse400);
  spool_->put("plate_read", json::object(), {}, false);
  Uploader uploader(options(server), *spool_, clock_);
  const std::vector<std::int64_t> expected = {1000, 2000, 4000, 8000, 8000};
  for (const std::int64_t delay : expected) {
    const std::int64_t now = clock_.now().unix_ms;
    EXPECT_EQ(uploader.upload_due().failed, 1);
    const auto entries = spool_->due(UtcTime{now + 100'000}, 1);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].next_attempt.unix_ms - now, delay);
    EXPECT_EQ(entries[0].last_error, "HTTP 400");  // a 4xx is kept, not retried faster
    clock_.advance(std::chrono::milliseconds(delay));
  }
  EXPECT_TRUE(server.stored().empty());
}

TEST_F(UploaderTest, ServerWithCertificateFromAnotherCaGetsNothing) {
  const TestCert rogue_ca = testing::make_ca("rogue CA");
  const TestCert rogue = testing::make_leaf(rogue_ca, "ingest.test", "IP:127.0.0.1");
  IngestServer server(rogue, Fault::kNone);
  spool_->put("violation", json{{"rule", "red_light"}}, evidence(), true);
  Uploader uploader(options(server), *spool_, clock_);

  const UploadStats stats = uploader.upload_due();
  EXPECT_EQ(stats.failed, 1);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_TRUE(server.stored().empty());
  ASSERT_EQ(spool_->usage().entries, 1u);
  const auto entries = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_NE(entries[0].last_error.find("TLS"), std::string::npos) << entries[0].last_error;
  EXPECT_NE(entries[0].last_error.find(server.url().substr(8)), std::string::npos)  // host:port
      << entries[0].last_error;
}

TEST_F(UploaderTest, ServerCertificateForAnotherHostGetsNothing) {
  // Signed by the trusted CA, but issued to another name: host name verification must refuse.
  const TestCert other = testing::make_leaf(ca_, "other.example", "DNS:other.example");
  IngestServer server(other, Fault::kNone);
  spool_->put("plate_read", json::object(), evidence(), false);
  Uploader uploader(options(server), *spool_, clock_);

  EXPECT_EQ(uploader.upload_due().failed, 1);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(spool_->usage().entries, 1u);
  const auto entries = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_NE(entries[0].last_error.find("not issued to '127.0.0.1'"), std::string::npos)
      << entries[0].last_error;
}

TEST_F(UploaderTest, AcknowledgementWithAnotherKeyKeepsTheRecord) {
  IngestServer server(server_cert_, Fault::kWrongKey);
  const std::string key = spool_->put("plate_read", json::object(), evidence(), false);
  Uploader uploader(options(server), *spool_, clock_);

  const UploadStats stats = uploader.upload_due();
  EXPECT_EQ(stats.acknowledged, 0);
  EXPECT_EQ(stats.failed, 1);
  const auto entries = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].key, key);
  EXPECT_NE(entries[0].last_error.find("key"), std::string::npos) << entries[0].last_error;
  EXPECT_EQ(spool_->read_file(key, "frame.jpg"), evidence()[0].bytes);
}

TEST_F(UploaderTest, TamperedEvidenceIsNotSent) {
  IngestServer server(server_cert_, Fault::kNone);
  const std::string key = spool_->put("violation", json::object(), evidence(), true);
  fs::resize_file(dir_ / "spool" / "evidence" / key / "plate.jpg", 10);
  Uploader uploader(options(server), *spool_, clock_);

  EXPECT_EQ(uploader.upload_due().failed, 1);
  EXPECT_EQ(server.requests(), 0);
  EXPECT_EQ(spool_->usage().entries, 1u);
}

TEST_F(UploaderTest, MutualTlsPresentsTheClientCertificate) {
  X509_STORE* client_cas = X509_STORE_new();  // owned by the server's SSL_CTX
  X509_STORE_add_cert(client_cas, ca_.cert.get());
  IngestServer server(server_cert_, Fault::kNone, client_cas);
  spool_->put("plate_read", json::object(), evidence(), false);

  {  // Without a client certificate the server refuses the handshake.
    Uploader anonymous(options(server), *spool_, clock_);
    EXPECT_EQ(anonymous.upload_due().failed, 1);
    EXPECT_EQ(server.requests(), 0);
  }
  const TestCert device = testing::make_leaf(ca_, "cam-01", "DNS:cam-01", /*client=*/true);
  device.write_pem(dir_ / "device.pem", dir_ / "device.key");
  UploaderOptions o = options(server);
  o.client_cert = dir_ / "device.pem";
  o.client_key = dir_ / "device.key";
  {  // Regression (newcomer test): a key others can read was used without a word.
    fs::permissions(o.client_key, fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::add);
    try {
      Uploader refused(o, *spool_, clock_);
      ADD_FAILURE() << "a world-readable client key was accepted";
    } catch (const PermissionDenied& e) {
      EXPECT_NE(std::string(e.what()).find("0644"), std::string::npos) << e.what();
    }
    fs::permissions(o.client_key, fs::perms::group_read | fs::perms::others_read,
                    fs::perm_options::remove);
  }
  Uploader uploader(o, *spool_, clock_);
  clock_.advance(1s);
  EXPECT_EQ(uploader.upload_due().acknowledged, 1);
  EXPECT_EQ(server.stored().size(), 1u);
}

TEST_F(UploaderTest, RefusesPlainHttpAndBadOptions) {
  UploaderOptions o;
  o.ca_file = dir_ / "ca.pem";
  for (const std::string url :
       {"http://127.0.0.1:8080", "HTTP://server", "ftp://server", "server:8443", "https://",
        "https://:8443", "https://h:0", "https://h:99999", "https://user@h", "https://h/?q=1"}) {
    o.url = url;
    EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput) << url;
  }
  // Regression (newcomer test): the password of a refused URL was printed in the message.
  o.url = "https://admin:S3cretPW@127.0.0.1:9/x?token=T0KEN";
  try {
    Uploader refused(o, *spool_, clock_);
    ADD_FAILURE() << "a URL with credentials was accepted";
  } catch (const InvalidInput& e) {
    EXPECT_EQ(std::string(e.what()).find("S3cretPW"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("T0KEN"), std::string::npos) << e.what();
  }
  o.url = "HTTPS://127.0.0.1:8443/base/";
  EXPECT_NO_THROW(Uploader(o, *spool_, clock_));
  o.url = "https://[::1]:8443";
  EXPECT_NO_THROW(Uploader(o, *spool_, clock_));

  o.url = "https://127.0.0.1:8443";
  o.ca_file.clear();
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.ca_file = dir_ / "missing.pem";
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.ca_file = dir_ / "ca.pem";
  o.client_cert = dir_ / "ca.pem";  // no key
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.client_key = dir_ / "missing.key";
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.client_cert.clear();
  o.client_key.clear();
  o.timeout_ms = 0;
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.timeout_ms = 1000;
  o.batch = 0;
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
  o.batch = 1;
  o.backoff_initial_ms = 5000;
  o.backoff_max_ms = 1000;
  EXPECT_THROW(Uploader(o, *spool_, clock_), InvalidInput);
}

TEST_F(UploaderTest, RunUploadsUntilStopped) {
  IngestServer server(server_cert_, Fault::kNone);
  Uploader uploader(options(server), *spool_, clock_);
  std::jthread worker([&uploader](std::stop_token stop) { uploader.run(stop, 20ms); });
  for (int i = 0; i < 5; ++i) spool_->put("plate_read", json{{"i", i}}, evidence(i), false);
  for (int i = 0; i < 500 && server.stored().size() < 5; ++i) std::this_thread::sleep_for(10ms);
  worker.request_stop();
  worker.join();
  EXPECT_EQ(server.stored().size(), 5u);
  EXPECT_EQ(spool_->usage().entries, 0u);
}

// Regression: after SIGTERM the agent took 54 s to stop (timeout_ms 2000, 16 records) against
// a server that accepts TLS and never answers, because run() finished its whole batch. A
// stop request must wait at most for the one request in flight.
TEST_F(UploaderTest, StopDuringBatchWaitsOnlyForTheRequestInFlight) {
  IngestServer server(server_cert_, Fault::kNeverAnswer);
  for (int i = 0; i < 5; ++i) spool_->put("violation", json{{"i", i}}, evidence(i), true);
  UploaderOptions o = options(server);
  o.timeout_ms = 500;
  Uploader uploader(o, *spool_, clock_);
  std::jthread worker([&uploader](std::stop_token stop) { uploader.run(stop, 20ms); });
  for (int i = 0; i < 500 && server.requests() == 0; ++i) std::this_thread::sleep_for(2ms);
  ASSERT_EQ(server.requests(), 1);

  const auto asked = std::chrono::steady_clock::now();
  worker.request_stop();
  worker.join();
  const auto waited = std::chrono::steady_clock::now() - asked;
  EXPECT_LT(waited, 1000ms) << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                            << " ms";
  EXPECT_EQ(server.requests(), 1);
  EXPECT_TRUE(server.stored().empty());
  EXPECT_EQ(spool_->usage().entries, 5u);  // nothing lost
  // The one in flight is deferred; the four never sent are untouched and still due now.
  const auto untouched = spool_->due(clock_.now(), 10);
  ASSERT_EQ(untouched.size(), 4u);
  for (const SpoolEntry& e : untouched) EXPECT_EQ(e.attempts, 0) << e.key;
  const auto all = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 10);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all[0].attempts, 1);
  EXPECT_EQ(all[0].last_error.rfind("no answer from " + server.url().substr(8) + " (", 0), 0u)
      << all[0].last_error;
}

// Regression: connection refused was logged and stored as "transport: Connection".
TEST_F(UploaderTest, ConnectionRefusedIsReportedInWordsWithHostAndPort) {
  int port = 0;
  {  // a port on which nothing listens
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  spool_->put("plate_read", json::object(), {}, false);
  UploaderOptions o;
  o.url = "https://127.0.0.1:" + std::to_string(port);
  o.ca_file = dir_ / "ca.pem";
  Uploader uploader(o, *spool_, clock_);
  EXPECT_EQ(uploader.upload_due().failed, 1);
  const auto entries = spool_->due(UtcTime{clock_.now().unix_ms + 1000}, 1);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].last_error,
            "cannot connect to 127.0.0.1:" + std::to_string(port) + " (connection refused)");
}

}  // namespace
}  // namespace roadwarden::edge
