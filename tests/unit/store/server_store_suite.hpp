// The shared behaviour suite of the central server records in a Store (store/store.hpp,
// store/server_records.hpp): every backend passes the same TEST_P cases, written against the
// Store interface only (server_store_suite.cpp).
//
// A backend's test file links server_store_suite.cpp and instantiates the suite with a
// factory that returns a FRESH, EMPTY store on each call (one call per test case):
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, ServerStoreTest,
//                            ::testing::Values(StoreFactory{"sqlite", [] { return ...; }}),
//                            store_factory_name);
//
// See sqlite_server_store_test.cpp for the SQLite instantiation.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "store/store.hpp"

namespace roadwarden::store {

/// Makes the store a test case runs against.
struct StoreFactory {
  /// Display name of the backend in test names, e.g. "sqlite" (letters, digits, '_' only).
  std::string name;
  /// Returns a fresh, empty store each call (no users, sites, records or audit entries). The
  /// store must stay usable until the test case destroys it; the factory owns any cleanup
  /// of files or schemas it creates. Called once per test case, on the test's thread. A
  /// factory that cannot make a store for a reason outside the test (e.g. no database
  /// server) calls GTEST_SKIP() with the reason and returns nullptr: the case is skipped.
  std::function<std::unique_ptr<Store>()> make;
};

/// Prints the backend name in GoogleTest messages.
inline void PrintTo(const StoreFactory& factory, std::ostream* os) {
  *os << factory.name;
}

/// Name generator for INSTANTIATE_TEST_SUITE_P: the factory's display name.
inline std::string store_factory_name(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

/// Fixture of the shared suite: store() is a fresh, empty store made by the parameter's
/// factory in SetUp and destroyed in TearDown.
class ServerStoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    if (IsSkipped()) return;  // the factory called GTEST_SKIP (e.g. no database server)
    ASSERT_NE(store_, nullptr) << "factory " << GetParam().name << " returned no store";
  }
  void TearDown() override { store_.reset(); }

  /// The store under test (valid between SetUp and TearDown).
  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace roadwarden::store
