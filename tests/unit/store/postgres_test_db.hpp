// Throw-away PostgreSQL databases for the PostgreSQL store tests, on the cluster named by
// ROADWARDEN_TEST_POSTGRES (scripts/test starts one with scripts/pg-test-cluster and sets it).
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace roadwarden::store::testing {

/// Why PostgreSQL tests skip when there is no cluster.
inline constexpr const char* kNoPostgresReason =
    "ROADWARDEN_TEST_POSTGRES is not set; scripts/test starts a throw-away PostgreSQL cluster "
    "(scripts/pg-test-cluster start DIR) and sets it to the cluster's URI";

/// The test cluster's connection URI (to its `postgres` database), or "" when unset.
inline std::string test_server() {
  const char* uri = std::getenv("ROADWARDEN_TEST_POSTGRES");
  return uri == nullptr ? std::string() : std::string(uri);
}

/// `conninfo` (URI or key=value) as a key=value string with `keyword` set to `value`.
inline std::string with_option(const std::string& conninfo, const std::string& keyword,
                               const std::string& value) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
  if (error != nullptr) PQfreemem(error);
  if (!options) throw std::runtime_error("ROADWARDEN_TEST_POSTGRES does not parse");
  auto quoted = [](const std::string& v) {
    std::string out = "'";
    for (const char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
    return out + "'";
  };
  std::string out = fmt::format("{}={}", keyword, quoted(value));
  for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr && keyword != o->keyword) {
      out += fmt::format(" {}={}", o->keyword, quoted(o->val));
    }
  }
  return out;
}

/// A fresh, empty database rw_test_<random> on the test cluster, dropped (with any
/// connections left to it) when this object is destroyed.
class TestDatabase {
 public:
  /// Creates the database on the cluster whose URI is `server`.
  explicit TestDatabase(const std::string& server) : server_(server) {
    std::random_device random;
    name_ = fmt::format("rw_test_{:08x}{:08x}", random(), random());
    pqxx::connection admin(server_);
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + admin.quote_name(name_));
    connection_ = with_option(server_, "dbname", name_);
  }
  ~TestDatabase() {
    try {
      pqxx::connection admin(server_);
      pqxx::nontransaction(admin).exec("DROP DATABASE IF EXISTS " + admin.quote_name(name_) +
                                       " WITH (FORCE)");
    } catch (const std::exception&) {
      // The cluster is thrown away after the tests: a database left behind does no harm.
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  /// libpq key=value connection string of this database (with the cluster's password).
  [[nodiscard]] const std::string& connection() const { return connection_; }
  /// The database name.
  [[nodiscard]] const std::string& name() const { return name_; }

 private:
  std::string server_;
  std::string name_;
  std::string connection_;
};

}  // namespace roadwarden::store::testing
