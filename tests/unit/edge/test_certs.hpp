// Throw-away X.509 certificates for TLS tests, made at test time with the OpenSSL 3 C API:
// a CA, and leaf certificates (server or client) signed by it. EC P-256 keys, SHA-256,
// valid from one hour ago for one day. Test-only: the keys are not protected.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace roadwarden::edge::testing {

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

/// A certificate with its private key.
struct TestCert {
  std::unique_ptr<X509, X509Deleter> cert;
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key;

  /// Writes the certificate and the key as PEM files.
  void write_pem(const std::filesystem::path& cert_file,
                 const std::filesystem::path& key_file) const;
};

/// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign) named `common_name`.
TestCert make_ca(const std::string& common_name);

/// A leaf certificate signed by `ca`. `subject_alt_names` in OpenSSL config syntax, e.g.
/// "IP:127.0.0.1,DNS:localhost"; `client` selects extendedKeyUsage clientAuth instead of
/// serverAuth.
TestCert make_leaf(const TestCert& ca, const std::string& common_name,
                   const std::string& subject_alt_names, bool client = false);

}  // namespace roadwarden::edge::testing
