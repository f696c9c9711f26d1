// The server's own certificate authority (OpenSSL 3): ECDSA P-256 keys, SHA-256 signatures.
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;
using OctetPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using Ia5Ptr = std::unique_ptr<ASN1_IA5STRING, Deleter<ASN1_IA5STRING_free>>;
struct OpensslFree {
  void operator()(char* p) const { OPENSSL_free(p); }
};

constexpr int kMaxDays = 36500;
constexpr long kBackdateSeconds = 3600;     // tolerate an hour of clock skew between hosts
constexpr std::size_t kMaxCommonName = 64;  // RFC 5280 ub-common-name

void check(bool ok, const char* what) {
  if (!ok) throw InternalError(std::string("OpenSSL failed to ") + what + ".");
}

BioPtr memory_bio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "allocate a memory buffer");
  return bio;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(std::max(0L, n)));
}

X509Ptr parse_cert(std::string_view pem, const char* what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "allocate a memory buffer");
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) throw InvalidInput(std::string("The ") + what + " is not a PEM X.509 certificate.");
  return cert;
}

PkeyPtr parse_key(std::string_view pem, const char* what) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "allocate a memory buffer");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw InvalidInput(std::string("The ") + what + " is not an unencrypted PEM key.");
  return key;
}

void check_days(int days) {
  if (days < 1 || days > kMaxDays) {
    throw InvalidInput("A certificate's validity must be 1 to " + std::to_string(kMaxDays) +
                       " days, not " + std::to_string(days) + ".");
  }
}

void check_common_name(std::string_view name, const char* what) {
  const bool printable = std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
  if (name.empty() || name.size() > kMaxCommonName || !printable) {
    throw InvalidInput(std::string("The ") + what + " must be 1 to 64 printable ASCII characters.");
  }
}

/// A new certificate with a fresh P-256 key, 128-bit random positive serial, subject CN,
/// validity, and the public key set. Not yet signed.
struct Draft {
  X509Ptr cert;
  PkeyPtr key;
};

Draft new_draft(std::string_view common_name, int days) {
  Draft d;
  d.key.reset(EVP_EC_gen("P-256"));
  check(d.key != nullptr, "generate a P-256 key");
  d.cert.reset(X509_new());
  check(d.cert != nullptr, "allocate a certificate");
  X509* x = d.cert.get();
  check(X509_set_version(x, X509_VERSION_3) == 1, "set the certificate version");

  std::vector<std::uint8_t> serial = random_bytes(16);
  serial[0] &= 0x7f;                     // DER INTEGER, kept positive
  if (serial[0] == 0) serial[0] = 0x01;  // keep 16 bytes (no leading zero byte)
  const BignumPtr bn(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
  check(bn != nullptr && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x)) != nullptr,
        "set the serial number");

  check(X509_gmtime_adj(X509_getm_notBefore(x), -kBackdateSeconds) != nullptr, "set notBefore");
  check(X509_time_adj_ex(X509_getm_notAfter(x), days, 0, nullptr) != nullptr, "set notAfter");
  check(X509_set_pubkey(x, d.key.get()) == 1, "set the public key");
  const std::string cn(common_name);
  check(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                   0) == 1,
        "set the subject name");
  return d;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  const ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  check(ext != nullptr, "build a certificate extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add a certificate extension");
}

std::string der_sha256(X509* cert) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  check(X509_digest(cert, EVP_sha256(), digest.data(), &length) == 1 && length == 32,
        "hash a certificate");
  return to_hex(std::span<const std::uint8_t>(digest.data(), length));
}

CertifiedKey finish(X509* cert, EVP_PKEY* key) {
  CertifiedKey out;
  {
    const BioPtr bio = memory_bio();
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "write a PEM certificate");
    out.cert_pem = bio_text(bio.get());
  }
  {
    const BioPtr bio = memory_bio();
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "write a PEM private key");
    out.key_pem = bio_text(bio.get());
  }
  const BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  check(serial != nullptr, "read the serial number");
  const std::unique_ptr<char, OpensslFree> hex(BN_bn2hex(serial.get()));
  check(hex != nullptr, "format the serial number");
  out.serial_hex = hex.get();
  std::transform(out.serial_hex.begin(), out.serial_hex.end(), out.serial_hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  out.sha256 = der_sha256(cert);
  return out;
}

/// The CA's certificate and key, checked to belong together.
struct Issuer {
  X509Ptr cert;
  PkeyPtr key;
};

Issuer load_issuer(const CertifiedKey& ca) {
  Issuer issuer{parse_cert(ca.cert_pem, "CA certificate"), parse_key(ca.key_pem, "CA key")};
  if (X509_check_private_key(issuer.cert.get(), issuer.key.get()) != 1) {
    throw InvalidInput("The CA key does not belong to the CA certificate.");
  }
  if (X509_check_ca(issuer.cert.get()) == 0) {
    throw InvalidInput("The CA certificate is not a certificate authority.");
  }
  return issuer;
}

/// Leaf certificate extensions, then the CA's signature.
CertifiedKey sign_leaf(Draft& leaf, const Issuer& issuer, const char* extended_key_usage) {
  X509* x = leaf.cert.get();
  check(X509_set_issuer_name(x, X509_get_subject_name(issuer.cert.get())) == 1,
        "set the issuer name");
  add_ext(x, issuer.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x, issuer.cert.get(), NID_key_usage, "critical,digitalSignature");
  add_ext(x, issuer.cert.get(), NID_ext_key_usage, extended_key_usage);
  add_ext(x, issuer.cert.get(), NID_subject_key_identifier, "hash");
  add_ext(x, issuer.cert.get(), NID_authority_key_identifier, "keyid:always");
  check(X509_sign(x, issuer.key.get(), EVP_sha256()) > 0, "sign a certificate");
  return finish(x, leaf.key.get());
}

bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '*';
  });
}

/// subjectAltName: IP addresses (v4 or v6) as iPAddress, other names as dNSName.
GeneralNamesPtr alt_names(const std::vector<std::string>& hosts) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  check(names != nullptr, "allocate subject alternative names");
  for (const std::string& host : hosts) {
    GeneralNamePtr name(GENERAL_NAME_new());
    check(name != nullptr, "allocate a subject alternative name");
    if (OctetPtr ip{a2i_IPADDRESS(host.c_str())}) {
      GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip.release());
    } else {
      ERR_clear_error();  // a2i_IPADDRESS queued an error for a non-address
      if (!is_dns_name(host)) {
        throw InvalidInput("Host \"" + host +
                           "\" is neither an IP address nor a DNS name (letters, digits, '-', "
                           "'.', '*').");
      }
      Ia5Ptr dns(ASN1_IA5STRING_new());
      check(dns != nullptr &&
                ASN1_STRING_set(dns.get(), host.data(), static_cast<int>(host.size())) == 1,
            "encode a DNS name");
      GENERAL_NAME_set0_value(name.get(), GEN_DNS, dns.release());
    }
    check(sk_GENERAL_NAME_push(names.get(), name.get()) > 0, "add a subject alternative name");
    name.release();  // owned by `names` now
  }
  return names;
}

}  // namespace

CertifiedKey create_certificate_authority(std::string_view common_name, int days) {
  check_common_name(common_name, "CA common name");
  check_days(days);
  Draft ca = new_draft(common_name, days);
  X509* x = ca.cert.get();
  check(X509_set_issuer_name(x, X509_get_subject_name(x)) == 1, "set the issuer name");
  add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, x, NID_subject_key_identifier, "hash");
  check(X509_sign(x, ca.key.get(), EVP_sha256()) > 0, "sign the CA certificate");
  return finish(x, ca.key.get());
}

CertifiedKey issue_server_certificate(const CertifiedKey& ca, const std::vector<std::string>& hosts,
                                      int days) {
  if (hosts.empty()) throw InvalidInput("A server certificate needs at least one host name.");
  check_common_name(hosts.front(), "first host name");
  check_days(days);
  const GeneralNamesPtr names = alt_names(hosts);  // validates every host before any key work
  const Issuer issuer = load_issuer(ca);
  Draft leaf = new_draft(hosts.front(), days);
  check(X509_add1_ext_i2d(leaf.cert.get(), NID_subject_alt_name, names.get(), 0,
                          X509V3_ADD_DEFAULT) == 1,
        "add the subject alternative names");
  return sign_leaf(leaf, issuer, "serverAuth");
}

CertifiedKey issue_client_certificate(const CertifiedKey& ca, std::string_view device_name,
                                      int days) {
  check_common_name(device_name, "device name");
  check_days(days);
  const Issuer issuer = load_issuer(ca);
  Draft leaf = new_draft(device_name, days);
  return sign_leaf(leaf, issuer, "clientAuth");
}

std::string certificate_sha256(std::string_view cert_pem) {
  const X509Ptr cert = parse_cert(cert_pem, "certificate");
  return der_sha256(cert.get());
}

}  // namespace roadwarden::crypto
