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

/// Throws InvalidInput unless `status` with `reason` is a decision Store::set_review may
/// record: confirmed or rejected (never none or pending); a rejection has a non-empty reason.
void check_review_decision(ReviewStatus status, const std::string& reason);

/// Throws InvalidInput, naming `key`, unless the record is a violation (only violations are
/// reviewed).
void check_reviewable(const std::string& key, bool violation);

}  // namespace roadwarden::store
