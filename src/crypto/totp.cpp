// TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) over liboath, and the key URI.
#include <liboath/oath.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto {
namespace {

constexpr unsigned kStepSeconds = 30;
constexpr unsigned kDigits = 6;
// RFC 4226 §4 R6: the shared secret MUST be at least 128 bits.
constexpr std::size_t kMinSecretBytes = 16;

void ensure_oath() {
  static const int rc = oath_init();
  if (rc != OATH_OK) throw InternalError("liboath could not be initialised (oath_init failed).");
}

/// Owns a buffer liboath allocated with malloc; wipes it before freeing.
struct OathBuffer {
  char* data = nullptr;
  std::size_t size = 0;
  OathBuffer() = default;
  OathBuffer(const OathBuffer&) = delete;
  OathBuffer& operator=(const OathBuffer&) = delete;
  ~OathBuffer() {
    if (data != nullptr) {
      volatile char* p = data;
      for (std::size_t i = 0; i < size; ++i) p[i] = 0;
      std::free(data);
    }
  }
};

/// Decodes a base32 secret; false when malformed or too short.
bool decode_secret(std::string_view secret_base32, OathBuffer& out) {
  ensure_oath();
  if (secret_base32.empty()) return false;
  if (oath_base32_decode(secret_base32.data(), secret_base32.size(), &out.data, &out.size) !=
      OATH_OK) {
    return false;
  }
  return out.size >= kMinSecretBytes;
}

/// The 6-digit code of time step `step` (>= 0) for a decoded secret.
std::string code_for_step(const OathBuffer& secret, std::int64_t step) {
  std::array<char, kDigits + 1> otp{};
  const int rc =
      oath_totp_generate(secret.data, secret.size, static_cast<time_t>(step * kStepSeconds),
                         kStepSeconds, OATH_TOTP_DEFAULT_START_TIME, kDigits, otp.data());
  if (rc != OATH_OK) throw InternalError("liboath could not compute a TOTP code.");
  return std::string(otp.data(), kDigits);
}

bool is_code(std::string_view code) {
  if (code.size() != kDigits) return false;
  for (const char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace

std::string generate_totp_secret() {
  ensure_oath();
  std::vector<std::uint8_t> raw = random_bytes(20);
  OathBuffer encoded;
  const int rc = oath_base32_encode(reinterpret_cast<const char*>(raw.data()), raw.size(),
                                    &encoded.data, &encoded.size);
  std::fill(raw.begin(), raw.end(), std::uint8_t{0});
  if (rc != OATH_OK) throw InternalError("liboath could not base32-encode a TOTP secret.");
  std::string out(encoded.data, encoded.size);
  while (!out.empty() && out.back() == '=') out.pop_back();  // 20 bytes: no padding anyway
  return out;
}

std::int64_t totp_step(UtcTime at) {
  std::int64_t seconds = at.unix_ms / 1000;
  if (at.unix_ms % 1000 < 0) --seconds;  // floor for times before 1970
  std::int64_t step = seconds / kStepSeconds;
  if (seconds % kStepSeconds < 0) --step;
  return step;
}

std::string totp_code(std::string_view secret_base32, UtcTime at) {
  OathBuffer secret;
  if (!decode_secret(secret_base32, secret)) {
    throw InvalidInput("The TOTP secret is not base32 text of at least 128 bits.");
  }
  const std::int64_t step = totp_step(at);
  if (step < 0) throw InvalidInput("TOTP codes are not defined before 1970.");
  return code_for_step(secret, step);
}

std::optional<std::int64_t> verify_totp(std::string_view secret_base32, std::string_view code,
                                        UtcTime now, std::int64_t last_used_step) {
  if (!is_code(code)) return std::nullopt;
  OathBuffer secret;
  if (!decode_secret(secret_base32, secret)) return std::nullopt;
  const std::int64_t current = totp_step(now);
  std::optional<std::int64_t> matched;
  // Every candidate is computed and compared in constant time, so timing does not tell
  // which step matched.
  for (std::int64_t step = current - 1; step <= current + 1; ++step) {
    if (step < 0) continue;
    const bool equal = equal_constant_time(code_for_step(secret, step), code);
    if (equal && step > last_used_step && !matched) matched = step;
  }
  return matched;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account,
                        std::string_view secret_base32) {
  OathBuffer secret;
  if (!decode_secret(secret_base32, secret)) {
    throw InvalidInput("The TOTP secret is not base32 text of at least 128 bits.");
  }
  const bool canonical = std::all_of(secret_base32.begin(), secret_base32.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7');
  });
  if (!canonical) {
    throw InvalidInput("The TOTP secret in an otpauth URI must be upper-case base32 (A-Z, 2-7).");
  }
  if (issuer.empty() || account.empty()) {
    throw InvalidInput("An otpauth URI needs a non-empty issuer and account.");
  }
  const std::string enc_issuer = percent_encode(issuer);
  return "otpauth://totp/" + enc_issuer + ":" + percent_encode(account) +
         "?secret=" + std::string(secret_base32) + "&issuer=" + enc_issuer +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace roadwarden::crypto
