// PostgreSQL implementation details of the Store that callers and tests may rely on.
// Open a store with roadwarden::store::open_postgres_store() (store/store.hpp); the schema
// and its migration rules are described in docs/store.md ("PostgreSQL").
//
// Thread safety: one store object holds one connection, guarded by a mutex; calls from
// several threads are serialised. Several processes (or store objects) may share a database:
// migrations run under a transaction-scoped advisory lock, audit appends lock the audit
// table, and every write is one transaction.
#pragma once

#include <cstdint>

namespace roadwarden::store {

/// The schema version this build creates and understands: the number of the last migration
/// in postgres_store.cpp. Opening a database whose schema_migrations holds a higher version
/// throws Corrupt.
inline constexpr int kPostgresSchemaVersion = 4;

/// Key of the transaction-scoped advisory lock (pg_advisory_xact_lock) that serialises
/// migrations of one database ("roadward" in ASCII).
inline constexpr std::int64_t kPostgresMigrationLock = 0x726f616477617264;

}  // namespace roadwarden::store
