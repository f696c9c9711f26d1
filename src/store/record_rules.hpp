// Shape rules of the central server records (store/server_records.hpp) that every Store
// backend checks before writing, so the SQLite and PostgreSQL stores refuse the same input.
// Part of rw_store_records; see docs/store.md.
#pragma once

#include <string>
#include <string_view>

#include "store/server_records.hpp"

namespace roadwarden::store {

/// prev_hash of the first audit entry: 64 zeros.
inline constexpr std::string_view kAuditGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// True when `name` is a valid username: 1–64 characters of [a-z0-9_.-].
[[nodiscard]] bool valid_username(std::string_view name);

/// True when `id` is a valid site or camera id: 1–64 characters of [A-Za-z0-9_.-].
[[nodiscard]] bool valid_entity_id(std::string_view id);

/// True when `key` is a valid idempotency key of an ingested record: exactly 32 lower-case
/// hex digits.
[[nodiscard]] bool valid_record_key(std::string_view key);

/// Throws InvalidInput unless `decision` is one Store::set_review may record, whatever the
/// record: status confirmed, rejected or awaiting_second_review (never none or pending); a
/// rejection has a non-empty reason; the reviewer is named; and the move is allowed —
/// first stage: any reviewed-or-pending status to confirmed or rejected, pending or
/// rejected to awaiting_second_review; second stage: awaiting_second_review to confirmed or
/// rejected.
void check_review_decision(const ReviewDecision& decision);

/// The outcome of `decision` on the record with `key`, whose row holds `violation`,
/// review status `current` and `first_reviewer` (read in the store's write transaction):
/// applied, status_changed (current is not decision.expected) or same_reviewer (a
/// second-stage confirmation by the first reviewer). InvalidInput when it is not a violation.
[[nodiscard]] ReviewOutcome check_review_of(const std::string& key, bool violation,
                                            ReviewStatus current, const std::string& first_reviewer,
                                            const ReviewDecision& decision);

/// Throws InvalidInput, naming `key`, unless the record is a violation (only violations are
/// reviewed).
void check_reviewable(const std::string& key, bool violation);

}  // namespace roadwarden::store
