// Backend-independent pieces of the server records: role and review status names, shape rules and
// the audit entry hash, checked against the byte encoding documented in docs/store.md.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "store/record_rules.hpp"
#include "store/server_records.hpp"

namespace roadwarden::store {
namespace {

TEST(Role, NamesRoundTrip) {
  for (const Role role : {Role::admin, Role::supervisor, Role::reviewer, Role::investigator,
                          Role::auditor, Role::device}) {
    EXPECT_EQ(parse_role(to_string(role)), role);
  }
  EXPECT_STREQ(to_string(Role::investigator), "investigator");
  EXPECT_FALSE(parse_role("Admin").has_value());
  EXPECT_FALSE(parse_role("").has_value());
  EXPECT_FALSE(parse_role("root").has_value());
}

TEST(ReviewStatus, NamesRoundTrip) {
  for (const ReviewStatus status :
       {ReviewStatus::none, ReviewStatus::pending, ReviewStatus::confirmed, ReviewStatus::rejected,
        ReviewStatus::awaiting_second_review}) {
    EXPECT_EQ(parse_review_status(to_string(status)), status);
  }
  EXPECT_STREQ(to_string(ReviewStatus::rejected), "rejected");
  EXPECT_STREQ(to_string(ReviewStatus::awaiting_second_review), "awaiting_second_review");
  EXPECT_FALSE(parse_review_status("Rejected").has_value());
  EXPECT_FALSE(parse_review_status("").has_value());
  EXPECT_FALSE(parse_review_status("approved").has_value());
}

/// A decision `expected` → `status` at `stage` by "alice".
ReviewDecision move(ReviewStatus expected, ReviewStatus status, std::string reason = "",
                    ReviewStage stage = ReviewStage::first) {
  return ReviewDecision{expected, status, stage, "alice", UtcTime{1000}, std::move(reason)};
}

TEST(RecordRules, ReviewDecisionIsConfirmedOrRejectedWithAReason) {
  using S = ReviewStatus;
  EXPECT_NO_THROW(check_review_decision(move(S::pending, S::confirmed)));
  EXPECT_NO_THROW(check_review_decision(move(S::pending, S::rejected, "wrong plate")));
  EXPECT_THROW(check_review_decision(move(S::pending, S::rejected)), InvalidInput);
  EXPECT_THROW(check_review_decision(move(S::pending, S::pending, "x")), InvalidInput);
  EXPECT_THROW(check_review_decision(move(S::pending, S::none, "x")), InvalidInput);
  ReviewDecision anonymous = move(S::pending, S::confirmed);
  anonymous.reviewer.clear();
  EXPECT_THROW(check_review_decision(anonymous), InvalidInput);
  EXPECT_NO_THROW(check_reviewable(std::string(32, 'a'), true));
  EXPECT_THROW(check_reviewable(std::string(32, 'a'), false), InvalidInput);
}

TEST(RecordRules, SecondReviewMovesAreAllowedOnlyInOrder) {
  using S = ReviewStatus;
  // First stage: pending or rejected → awaiting; never from confirmed or awaiting itself.
  EXPECT_NO_THROW(check_review_decision(move(S::pending, S::awaiting_second_review)));
  EXPECT_NO_THROW(check_review_decision(move(S::rejected, S::awaiting_second_review)));
  EXPECT_THROW(check_review_decision(move(S::confirmed, S::awaiting_second_review)), InvalidInput);
  EXPECT_THROW(check_review_decision(move(S::awaiting_second_review, S::awaiting_second_review)),
               InvalidInput);
  EXPECT_THROW(check_review_decision(move(S::none, S::confirmed)), InvalidInput);
  // Second stage: only from awaiting, to confirmed or rejected.
  EXPECT_NO_THROW(check_review_decision(
      move(S::awaiting_second_review, S::confirmed, "", ReviewStage::second)));
  EXPECT_NO_THROW(check_review_decision(
      move(S::awaiting_second_review, S::rejected, "glare", ReviewStage::second)));
  EXPECT_THROW(check_review_decision(move(S::pending, S::confirmed, "", ReviewStage::second)),
               InvalidInput);
  EXPECT_THROW(check_review_decision(move(S::awaiting_second_review, S::awaiting_second_review, "",
                                          ReviewStage::second)),
               InvalidInput);
}

TEST(RecordRules, ReviewOfARowIsAppliedStaleOrRefusedForTheSamePerson) {
  using S = ReviewStatus;
  const std::string k(32, 'a');
  const ReviewDecision second =
      move(S::awaiting_second_review, S::confirmed, "", ReviewStage::second);
  EXPECT_EQ(check_review_of(k, true, S::awaiting_second_review, "bob", second),
            ReviewOutcome::applied);
  EXPECT_EQ(check_review_of(k, true, S::awaiting_second_review, "alice", second),
            ReviewOutcome::same_reviewer);
  EXPECT_EQ(check_review_of(k, true, S::confirmed, "bob", second), ReviewOutcome::status_changed);
  // The first reviewer may still reject at stage two (withdrawing the confirmation).
  EXPECT_EQ(check_review_of(k, true, S::awaiting_second_review, "alice",
                            move(S::awaiting_second_review, S::rejected, "x", ReviewStage::second)),
            ReviewOutcome::applied);
  EXPECT_THROW((void)check_review_of(k, false, S::none, "", second), InvalidInput);
}

TEST(RecordRules, AcceptOnlyTheDocumentedShapes) {
  EXPECT_TRUE(valid_username("a"));
  EXPECT_TRUE(valid_username("alice.k-1_x"));
  EXPECT_FALSE(valid_username("Alice"));
  EXPECT_FALSE(valid_username(std::string(65, 'a')));
  EXPECT_TRUE(valid_entity_id("Cam-01.North_A"));
  EXPECT_FALSE(valid_entity_id("cam 1"));
  EXPECT_FALSE(valid_entity_id(""));
  EXPECT_TRUE(valid_record_key("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(valid_record_key("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(valid_record_key("0123456789abcdef0123456789abcde"));
  EXPECT_EQ(kAuditGenesisHash, std::string(64, '0'));
}

/// The documented encoding, written out independently: u64 big-endian length + bytes for
/// text, 8-byte big-endian two's complement for integers.
std::string be64(std::int64_t v) {
  std::string out(8, '\0');
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 7; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<char>(u & 0xffU);
    u >>= 8;
  }
  return out;
}
std::string text(const std::string& s) {
  return be64(static_cast<std::int64_t>(s.size())) + s;
}

AuditEntry sample() {
  AuditEntry e;
  e.seq = 42;
  e.time = UtcTime{1'700'000'123'456};
  e.actor = "inv.smith";
  e.role = "investigator";
  e.action = "search";
  e.target = "plate=01A123BC";
  e.purpose = "stolen vehicle";
  e.case_number = "C-2024-17";
  e.result_count = -3;
  e.outcome = "ok";
  e.prev_hash = std::string(64, '0');
  e.hash = "ignored";
  return e;
}

TEST(AuditEntryHash, IsSha256OfTheDocumentedEncoding) {
  const AuditEntry e = sample();
  const std::string bytes = text("roadwarden.audit.v1") + text(e.prev_hash) + be64(e.seq) +
                            be64(e.time.unix_ms) + text(e.actor) + text(e.role) + text(e.action) +
                            text(e.target) + text(e.purpose) + text(e.case_number) +
                            be64(e.result_count) + text(e.outcome);
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  std::string hex;
  for (const unsigned char b : digest) hex += fmt::format("{:02x}", b);
  EXPECT_EQ(audit_entry_hash(e), hex);
}

TEST(AuditEntryHash, ChangesWithEveryFieldButNotWithHash) {
  const AuditEntry base = sample();
  const std::string h = audit_entry_hash(base);
  AuditEntry e = base;
  e.hash = "something else";
  EXPECT_EQ(audit_entry_hash(e), h);
  const auto differs = [&](auto change) {
    AuditEntry c = base;
    change(c);
    return audit_entry_hash(c) != h;
  };
  EXPECT_TRUE(differs([](AuditEntry& c) { c.prev_hash[0] = '1'; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.seq = 43; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.time.unix_ms += 1; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.actor = "inv.smitH"; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.role = "auditor"; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.action = "export"; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.target += " "; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.purpose.clear(); }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.case_number = "C-2024-18"; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.result_count = 3; }));
  EXPECT_TRUE(differs([](AuditEntry& c) { c.outcome = "denied"; }));
  // Length prefixes keep field boundaries: moving a character between fields changes the hash.
  EXPECT_TRUE(differs([](AuditEntry& c) {
    c.actor = "inv.smithi";
    c.role = "nvestigator";
  }));
}

}  // namespace
}  // namespace roadwarden::store
