#include "unit/edge/test_certs.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <stdexcept>

namespace roadwarden::edge::testing {
namespace {

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test certificate: ") + what + " failed");
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "X509V3_EXT_conf_nid");
  check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

TestCert new_cert(const std::string& common_name) {
  static std::atomic<long> serial{1000};
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  check(out.key != nullptr, "EVP_EC_gen");
  out.cert.reset(X509_new());
  X509* x = out.cert.get();
  check(X509_set_version(x, 2) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr, "notAfter");
  check(X509_set_pubkey(x, out.key.get()) == 1, "X509_set_pubkey");
  X509_NAME* name = X509_get_subject_name(x);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0) == 1,
        "subject name");
  return out;
}

}  // namespace

void TestCert::write_pem(const std::filesystem::path& cert_file,
                         const std::filesystem::path& key_file) const {
  {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(cert_file.c_str(), "w"),
                                                        &BIO_free);
    check(bio && PEM_write_bio_X509(bio.get(), cert.get()) == 1, "write certificate");
  }
  if (!key_file.empty()) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(key_file.c_str(), "w"),
                                                        &BIO_free);
    check(bio && PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                          nullptr) == 1,
          "write key");
  }
  if (!key_file.empty()) {  // as a deployed private key is (the uploader refuses any other)
    std::filesystem::permissions(
        key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
}

TestCert make_ca(const std::string& common_name) {
  TestCert ca = new_cert(common_name);
  X509* x = ca.cert.get();
  check(X509_set_issuer_name(x, X509_get_subject_name(x)) == 1, "issuer");
  add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, x, NID_subject_key_identifier, "hash");
  check(X509_sign(x, ca.key.get(), EVP_sha256()) > 0, "X509_sign");
  return ca;
}

TestCert make_leaf(const TestCert& ca, const std::string& common_name,
                   const std::string& subject_alt_names, bool client) {
  TestCert leaf = new_cert(common_name);
  X509* x = leaf.cert.get();
  check(X509_set_issuer_name(x, X509_get_subject_name(ca.cert.get())) == 1, "issuer");
  add_ext(x, ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x, ca.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(x, ca.cert.get(), NID_ext_key_usage, client ? "clientAuth" : "serverAuth");
  add_ext(x, ca.cert.get(), NID_authority_key_identifier, "keyid");
  if (!subject_alt_names.empty()) {
    add_ext(x, ca.cert.get(), NID_subject_alt_name, subject_alt_names.c_str());
  }
  check(X509_sign(x, ca.key.get(), EVP_sha256()) > 0, "X509_sign");
  return leaf;
}

}  // namespace roadwarden::edge::testing
