#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "unit/crypto/temp_dir.hpp"

namespace roadwarden::crypto {
namespace {

using testing::TempDir;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr parse(const std::string& pem) {
  const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  EXPECT_NE(cert, nullptr);
  return cert;
}

/// X509_verify_cert of `leaf` against the single trusted `ca`, for `purpose`.
bool verifies(const CertifiedKey& ca, const CertifiedKey& leaf, int purpose) {
  const X509Ptr ca_cert = parse(ca.cert_pem);
  const X509Ptr leaf_cert = parse(leaf.cert_pem);
  const std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                      &X509_STORE_free);
  EXPECT_EQ(X509_STORE_add_cert(store.get(), ca_cert.get()), 1);
  const std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                            &X509_STORE_CTX_free);
  EXPECT_EQ(X509_STORE_CTX_init(ctx.get(), store.get(), leaf_cert.get(), nullptr), 1);
  EXPECT_EQ(X509_STORE_CTX_set_purpose(ctx.get(), purpose), 1);
  return X509_verify_cert(ctx.get()) == 1;
}

std::string common_name(X509* cert) {
  std::array<char, 256> buf{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf.data(),
                            static_cast<int>(buf.size()));
  return buf.data();
}

std::string der_sha256(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  EXPECT_GT(len, 0);
  std::array<unsigned char, 32> digest{};
  unsigned int n = 0;
  EXPECT_EQ(
      EVP_Digest(der, static_cast<std::size_t>(len), digest.data(), &n, EVP_sha256(), nullptr), 1);
  OPENSSL_free(der);
  return to_hex(digest);
}

void write_text(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

/// One CA with a server and a client certificate, made once for the whole file.
struct Certs {
  CertifiedKey ca = create_certificate_authority("roadwarden test CA", 30);
  CertifiedKey server = issue_server_certificate(ca, {"localhost", "127.0.0.1"}, 30);
  CertifiedKey client = issue_client_certificate(ca, "camera-017", 30);
};

const Certs& certs() {
  static const Certs made;
  return made;
}

class X509Test : public ::testing::Test {
 protected:
  const CertifiedKey* ca_ = &certs().ca;
  const CertifiedKey* server_ = &certs().server;
  const CertifiedKey* client_ = &certs().client;
};

TEST_F(X509Test, AuthorityIsSelfSignedCaWithPemKey) {
  const X509Ptr ca = parse(ca_->cert_pem);
  EXPECT_EQ(common_name(ca.get()), "roadwarden test CA");
  EXPECT_EQ(X509_check_ca(ca.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(ca.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(ca.get()), X509_get_issuer_name(ca.get())), 0);
  EXPECT_EQ(ca_->key_pem.rfind("-----BEGIN PRIVATE KEY-----", 0), 0u);
  EXPECT_TRUE(verifies(*ca_, *ca_, X509_PURPOSE_ANY));
}

TEST_F(X509Test, ServerCertificateVerifiesAndNamesEveryHost) {
  EXPECT_TRUE(verifies(*ca_, *server_, X509_PURPOSE_SSL_SERVER));
  const X509Ptr cert = parse(server_->cert_pem);
  EXPECT_EQ(common_name(cert.get()), "localhost");
  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_NE(X509_check_host(cert.get(), "example.org", 0, 0, nullptr), 1);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  EXPECT_FALSE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
}

TEST_F(X509Test, ClientCertificateHasClientAuthOnly) {
  EXPECT_TRUE(verifies(*ca_, *client_, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(verifies(*ca_, *client_, X509_PURPOSE_SSL_SERVER));
  const X509Ptr cert = parse(client_->cert_pem);
  EXPECT_EQ(common_name(cert.get()), "camera-017");
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_FALSE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
}

TEST_F(X509Test, CertificateFromAnotherAuthorityDoesNotVerify) {
  const CertifiedKey other = create_certificate_authority("other CA", 30);
  EXPECT_FALSE(verifies(other, *server_, X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(verifies(other, *client_, X509_PURPOSE_SSL_CLIENT));
}

TEST_F(X509Test, Sha256AndSerialDescribeTheDerCertificate) {
  for (const CertifiedKey* c : {ca_, server_, client_}) {
    const X509Ptr cert = parse(c->cert_pem);
    EXPECT_EQ(c->sha256, der_sha256(cert.get()));
    EXPECT_EQ(certificate_sha256(c->cert_pem), c->sha256);
    const std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
        ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr), &BN_free);
    EXPECT_FALSE(BN_is_negative(serial.get()));
    EXPECT_GE(BN_num_bits(serial.get()), 121);  // 16 random bytes, top bit cleared
    EXPECT_EQ(from_hex(c->serial_hex).size(), 16u);
    const std::unique_ptr<char, void (*)(char*)> hex(BN_bn2hex(serial.get()),
                                                     [](char* p) { OPENSSL_free(p); });
    std::string expected = hex.get();
    for (char& ch : expected) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_EQ(c->serial_hex, expected);
  }
  EXPECT_NE(server_->serial_hex, client_->serial_hex);
}

TEST_F(X509Test, RejectsBadArguments) {
  EXPECT_THROW((void)issue_server_certificate(*ca_, {}, 30), InvalidInput);
  EXPECT_THROW((void)issue_server_certificate(*ca_, {"bad host,DNS:evil"}, 30), InvalidInput);
  EXPECT_THROW((void)issue_client_certificate(*ca_, "", 30), InvalidInput);
  EXPECT_THROW((void)issue_client_certificate(*ca_, "camera", 0), InvalidInput);
  EXPECT_THROW((void)create_certificate_authority("ca", -1), InvalidInput);
  EXPECT_THROW((void)certificate_sha256("not a certificate"), InvalidInput);
  // A leaf cannot act as the authority, and a key must match its certificate.
  EXPECT_THROW((void)issue_client_certificate(*server_, "camera", 30), InvalidInput);
  CertifiedKey mismatched = *ca_;
  mismatched.key_pem = client_->key_pem;
  EXPECT_THROW((void)issue_client_certificate(mismatched, "camera", 30), InvalidInput);
}

/// An HTTPS server on 127.0.0.1 requiring a client certificate from the test CA; answers
/// GET / with the client certificate's common name.
class MutualTlsServer {
 public:
  MutualTlsServer(const std::filesystem::path& cert, const std::filesystem::path& key,
                  const std::filesystem::path& client_ca)
      : server_(cert.c_str(), key.c_str(), client_ca.c_str()) {
    server_.Get("/", [](const httplib::Request& req, httplib::Response& res) {
      X509* peer = SSL_get1_peer_certificate(req.ssl);
      res.set_content(peer != nullptr ? common_name(peer) : "", "text/plain");
      X509_free(peer);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (!valid()) return;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket already listens; wait (bounded) for the accept loop so stop() can end it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
  }
  ~MutualTlsServer() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  MutualTlsServer(const MutualTlsServer&) = delete;
  MutualTlsServer& operator=(const MutualTlsServer&) = delete;
  [[nodiscard]] bool valid() const { return server_.is_valid() && port_ > 0; }
  [[nodiscard]] bool running() const { return server_.is_running(); }
  [[nodiscard]] int port() const { return port_; }

 private:
  httplib::SSLServer server_;
  int port_ = -1;
  std::thread thread_;
};

TEST_F(X509Test, IssuedCertificatesCompleteAMutualTlsHandshake) {
  const TempDir dir;
  const auto p = [&](const char* name) { return dir.path() / name; };
  write_text(p("ca.pem"), ca_->cert_pem);
  write_text(p("server.pem"), server_->cert_pem);
  write_text(p("server.key"), server_->key_pem);
  write_text(p("client.pem"), client_->cert_pem);
  write_text(p("client.key"), client_->key_pem);
  const CertifiedKey stranger_ca = create_certificate_authority("stranger CA", 30);
  const CertifiedKey stranger = issue_client_certificate(stranger_ca, "camera-666", 30);
  write_text(p("stranger.pem"), stranger.cert_pem);
  write_text(p("stranger.key"), stranger.key_pem);

  MutualTlsServer server(p("server.pem"), p("server.key"), p("ca.pem"));
  ASSERT_TRUE(server.valid());
  ASSERT_TRUE(server.running());

  const auto get = [&](const char* cert, const char* key, const char* host) {
    std::unique_ptr<httplib::SSLClient> client =
        cert != nullptr ? std::make_unique<httplib::SSLClient>(host, server.port(),
                                                               p(cert).string(), p(key).string())
                        : std::make_unique<httplib::SSLClient>(host, server.port());
    client->set_ca_cert_path(p("ca.pem").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5);
    client->set_read_timeout(5);
    return client->Get("/");
  };

  // With the issued client certificate, over the IP address and over the DNS name.
  for (const char* host : {"127.0.0.1", "localhost"}) {
    const httplib::Result ok = get("client.pem", "client.key", host);
    ASSERT_TRUE(ok) << host << ": " << httplib::to_string(ok.error());
    EXPECT_EQ(ok->status, 200);
    EXPECT_EQ(ok->body, "camera-017");
  }
  // Without a client certificate, or with one from another authority: no response.
  const httplib::Result anonymous = get(nullptr, nullptr, "127.0.0.1");
  EXPECT_FALSE(anonymous);
  const httplib::Result foreign = get("stranger.pem", "stranger.key", "127.0.0.1");
  EXPECT_FALSE(foreign);
}

}  // namespace
}  // namespace roadwarden::crypto
