// SQLite implementation details of the Store that callers and tests may rely on.
// Open a store with roadwarden::store::open_sqlite_store() (store/store.hpp); the schema
// and its migration rules are described in docs/store.md.
#pragma once

namespace roadwarden::store {

/// The schema version this build creates and understands: the number of the last migration
/// in sqlite_store.cpp. Opening a database whose schema_migrations holds a higher version
/// throws Corrupt.
inline constexpr int kSqliteSchemaVersion = 4;

}  // namespace roadwarden::store
