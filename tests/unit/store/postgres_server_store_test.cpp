// The shared server-records suite (server_store_suite.hpp) on the PostgreSQL store: each case
// gets a fresh database on the throw-away cluster scripts/test starts (ROADWARDEN_TEST_POSTGRES);
// every case skips with the reason when it is unset.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "unit/store/postgres_test_db.hpp"
#include "unit/store/server_store_suite.hpp"

namespace roadwarden::store {
namespace {

/// The databases the factory made: the previous case's is dropped when the next is made,
/// the last one when the test program ends.
class PostgresDatabases : public ::testing::Environment {
 public:
  /// Drops the previous database (its store is gone by now) and makes a fresh one.
  const std::string& fresh(const std::string& server) {
    current_.reset();
    current_ = std::make_unique<testing::TestDatabase>(server);
    return current_->connection();
  }
  void TearDown() override { current_.reset(); }

 private:
  std::unique_ptr<testing::TestDatabase> current_;
};

// GoogleTest owns registered environments; it drops the last database at the end of the run.
PostgresDatabases* const databases =
    static_cast<PostgresDatabases*>(::testing::AddGlobalTestEnvironment(
        new PostgresDatabases));  // NOLINT(cppcoreguidelines-owning-memory)

void skip_without_server() {
  GTEST_SKIP() << testing::kNoPostgresReason;
}

std::unique_ptr<Store> make_postgres_store() {
  const std::string server = testing::test_server();
  if (server.empty()) {
    skip_without_server();
    return nullptr;
  }
  return open_postgres_store(databases->fresh(server));
}

INSTANTIATE_TEST_SUITE_P(Postgres, ServerStoreTest,
                         ::testing::Values(StoreFactory{"postgres", make_postgres_store}),
                         store_factory_name);

}  // namespace
}  // namespace roadwarden::store
