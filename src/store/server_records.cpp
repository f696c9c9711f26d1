// Backend-independent parts of the central server records: role names, shape rules and the
// audit entry hash (encoding in docs/store.md, "Audit hash").
#include "store/server_records.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "store/record_rules.hpp"

namespace roadwarden::store {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoleNames{{
    {Role::admin, "admin"},
    {Role::supervisor, "supervisor"},
    {Role::reviewer, "reviewer"},
    {Role::investigator, "investigator"},
    {Role::auditor, "auditor"},
    {Role::device, "device"},
}};

constexpr std::array<std::pair<ReviewStatus, std::string_view>, 5> kReviewStatusNames{{
    {ReviewStatus::none, "none"},
    {ReviewStatus::pending, "pending"},
    {ReviewStatus::confirmed, "confirmed"},
    {ReviewStatus::rejected, "rejected"},
    {ReviewStatus::awaiting_second_review, "awaiting_second_review"},
}};

/// Domain tag hashed first, so an audit hash can never equal a hash of other data.
constexpr std::string_view kAuditHashTag = "roadwarden.audit.v1";

bool all_of_chars(std::string_view s, std::size_t min_len, std::size_t max_len,
                  bool (*allowed)(char)) {
  if (s.size() < min_len || s.size() > max_len) return false;
  for (const char c : s) {
    if (!allowed(c)) return false;
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_punct(char c) {
  return c == '_' || c == '.' || c == '-';
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

/// Incremental SHA-256 over the audit hash encoding.
class AuditHasher {
 public:
  AuditHasher() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw InternalError("Cannot start a SHA-256 digest for an audit entry (OpenSSL).");
    }
  }

  /// 8-byte big-endian two's complement.
  void integer(std::int64_t value) {
    std::array<unsigned char, 8> bytes{};
    auto u = static_cast<std::uint64_t>(value);
    for (int i = 7; i >= 0; --i) {
      bytes[static_cast<std::size_t>(i)] = static_cast<unsigned char>(u & 0xffU);
      u >>= 8;
    }
    update(bytes.data(), bytes.size());
  }

  /// Length (8-byte big-endian, bytes) followed by the bytes.
  void text(std::string_view value) {
    integer(static_cast<std::int64_t>(value.size()));
    update(value.data(), value.size());
  }

  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size) != 1) {
      throw InternalError("Cannot finish a SHA-256 digest for an audit entry (OpenSSL).");
    }
    std::string out;
    out.reserve(size * 2U);
    for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  void update(const void* data, std::size_t size) {
    if (size != 0 && EVP_DigestUpdate(ctx_.get(), data, size) != 1) {
      throw InternalError("Cannot update a SHA-256 digest for an audit entry (OpenSSL).");
    }
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

}  // namespace

const char* to_string(Role role) {
  for (const auto& [value, name] : kRoleNames) {
    if (value == role) return name.data();
  }
  throw InternalError(fmt::format("Unknown role value {}.", static_cast<int>(role)));
}

std::optional<Role> parse_role(std::string_view name) {
  for (const auto& [value, role_name] : kRoleNames) {
    if (role_name == name) return value;
  }
  return std::nullopt;
}

const char* to_string(ReviewStatus status) {
  for (const auto& [value, name] : kReviewStatusNames) {
    if (value == status) return name.data();
  }
  throw InternalError(fmt::format("Unknown review status value {}.", static_cast<int>(status)));
}

std::optional<ReviewStatus> parse_review_status(std::string_view name) {
  for (const auto& [value, status_name] : kReviewStatusNames) {
    if (status_name == name) return value;
  }
  return std::nullopt;
}

void check_review_decision(const ReviewDecision& d) {
  const auto refuse = [&](const std::string& why) {
    throw InvalidInput(fmt::format("{}; nothing was changed.", why));
  };
  if (d.status != ReviewStatus::confirmed && d.status != ReviewStatus::rejected &&
      d.status != ReviewStatus::awaiting_second_review) {
    refuse(fmt::format(
        "A review decision must be confirmed, rejected or awaiting_second_review, not {}",
        to_string(d.status)));
  }
  if (d.status == ReviewStatus::rejected && d.reason.empty()) refuse("A rejection needs a reason");
  if (d.reviewer.empty()) refuse("A review decision needs the reviewer's name");
  bool allowed = false;
  if (d.stage == ReviewStage::second) {
    allowed = d.expected == ReviewStatus::awaiting_second_review &&
              d.status != ReviewStatus::awaiting_second_review;
  } else if (d.status == ReviewStatus::awaiting_second_review) {
    allowed = d.expected == ReviewStatus::pending || d.expected == ReviewStatus::rejected;
  } else {
    allowed = d.expected != ReviewStatus::none;
  }
  if (!allowed) {
    refuse(fmt::format("A {} review cannot move a violation from {} to {}",
                       d.stage == ReviewStage::first ? "first" : "second", to_string(d.expected),
                       to_string(d.status)));
  }
}

ReviewOutcome check_review_of(const std::string& key, bool violation, ReviewStatus current,
                              const std::string& first_reviewer, const ReviewDecision& d) {
  check_reviewable(key, violation);
  if (current != d.expected) return ReviewOutcome::status_changed;
  if (d.stage == ReviewStage::second && d.status == ReviewStatus::confirmed &&
      d.reviewer == first_reviewer) {
    return ReviewOutcome::same_reviewer;
  }
  return ReviewOutcome::applied;
}

void check_reviewable(const std::string& key, bool violation) {
  if (!violation) {
    throw InvalidInput(fmt::format(
        "Record {} is not a violation, so it cannot be reviewed; nothing was changed.", key));
  }
}

std::string audit_entry_hash(const AuditEntry& entry) {
  AuditHasher h;
  h.text(kAuditHashTag);
  h.text(entry.prev_hash);
  h.integer(entry.seq);
  h.integer(entry.time.unix_ms);
  h.text(entry.actor);
  h.text(entry.role);
  h.text(entry.action);
  h.text(entry.target);
  h.text(entry.purpose);
  h.text(entry.case_number);
  h.integer(entry.result_count);
  h.text(entry.outcome);
  return h.hex();
}

bool valid_username(std::string_view name) {
  return all_of_chars(name, 1, 64,
                      [](char c) { return is_lower(c) || is_digit(c) || is_punct(c); });
}

bool valid_entity_id(std::string_view id) {
  return all_of_chars(
      id, 1, 64, [](char c) { return is_lower(c) || is_upper(c) || is_digit(c) || is_punct(c); });
}

bool valid_record_key(std::string_view key) {
  return all_of_chars(key, 32, 32, [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); });
}

}  // namespace roadwarden::store
