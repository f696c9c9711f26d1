#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "core/errors.hpp"
#include "server/admin_init.hpp"
#include "server/audit.hpp"
#include "server/auth.hpp"
#include "unit/server/server_fixture.hpp"
#include "unit/store/postgres_test_db.hpp"

namespace roadwarden::server {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 0777;
}

class AdminInit : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  testing::FakeClock clock_;
};

TEST_F(AdminInit, CreatesPrivateKeysDirectoriesConfigAndTheFirstAdmin) {
  const DataDir data{dir_.path() / "data"};
  const InitResult r = init_data_dir(data, {"localhost", "127.0.0.1"}, "chief", clock_);
  EXPECT_EQ(mode_of(data.root), 0700u);
  EXPECT_EQ(mode_of(data.root / "tls"), 0700u);
  EXPECT_EQ(mode_of(data.evidence()), 0700u);
  for (const fs::path& key : {data.ca_key(), data.server_key(), data.evidence_key(), data.config()})
    EXPECT_EQ(mode_of(key), 0600u) << key;
  // Every option is in server.toml, commented out, and the file loads to the defaults.
  std::ifstream in(data.config());
  const std::string toml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* key :
       {"bind_address", "port", "database", "session_idle_minutes", "session_max_hours",
        "lockout_failures", "lockout_minutes", "non_violation_retention_minutes",
        "violation_retention_days", "rejected_violation_retention_minutes",
        "purge_interval_seconds", "max_upload_mb", "second_review", "camera_heartbeat_seconds"})
    EXPECT_NE(toml.find(std::string("# ") + key + " = "), std::string::npos) << key;
  EXPECT_EQ(load_server_options(data.config()).bind_address, "127.0.0.1");

  EXPECT_EQ(r.admin.username, "chief");
  EXPECT_EQ(r.admin.password.size(), 20u);
  EXPECT_EQ(r.admin.otpauth_uri.rfind("otpauth://totp/", 0), 0u);
  const auto store = store::open_sqlite_store(data.database());
  const auto admin = store->user_by_name("chief");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->role, store::Role::admin);
  EXPECT_TRUE(crypto::verify_password(admin->password_hash, r.admin.password));
  // The TOTP secret is stored sealed under evidence.key, bound to the user.
  EXPECT_EQ(admin->totp_secret.find(r.admin.totp_secret), std::string::npos);
  EXPECT_EQ(
      open_totp_secret(crypto::load_evidence_key(data.evidence_key()), "chief", admin->totp_secret),
      r.admin.totp_secret);
  EXPECT_EQ(store->users().size(), 1u);  // no default accounts
  const auto audit = store->audit_entries(0, 10);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "init");
  EXPECT_TRUE(verify_audit(*store, data.audit_head()).empty());
  // The generated password is nowhere in the data directory.
  for (const auto& entry : fs::recursive_directory_iterator(data.root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    const std::string content((std::istreambuf_iterator<char>(f)),
                              std::istreambuf_iterator<char>());
    EXPECT_EQ(content.find(r.admin.password), std::string::npos) << entry.path();
    EXPECT_EQ(content.find(r.admin.totp_secret), std::string::npos) << entry.path();
  }
}

TEST_F(AdminInit, SealedTotpSecretOpensOnlyForItsUserAndItsKey) {
  const DataDir data{dir_.path() / "data"};
  const InitResult r = init_data_dir(data, {"localhost"}, "chief", clock_);
  const crypto::EvidenceKey key = crypto::load_evidence_key(data.evidence_key());
  const std::string stored =
      store::open_sqlite_store(data.database())->user_by_name("chief")->totp_secret;
  EXPECT_EQ(open_totp_secret(key, "chief", stored), r.admin.totp_secret);
  // Copied to another user's row, the sealed secret does not decrypt (associated data).
  EXPECT_THROW((void)open_totp_secret(key, "deputy", stored), Corrupt);
  // Nor under another key, nor altered, nor when it is the secret in clear.
  const crypto::EvidenceKey other{crypto::random_bytes(32)};
  EXPECT_THROW((void)open_totp_secret(other, "chief", stored), Corrupt);
  std::string altered = stored;
  altered.back() = altered.back() == '0' ? '1' : '0';
  EXPECT_THROW((void)open_totp_secret(key, "chief", altered), Corrupt);
  EXPECT_THROW((void)open_totp_secret(key, "chief", r.admin.totp_secret), Corrupt);
  // Each sealing has a fresh header: the same secret never gives the same row twice.
  EXPECT_NE(seal_totp_secret(key, "chief", r.admin.totp_secret), stored);
}

TEST_F(AdminInit, RefusesANonEmptyDirectory) {
  const DataDir data{dir_.path()};
  std::ofstream(dir_.path() / "something") << "x";
  EXPECT_THROW((void)init_data_dir(data, {"localhost"}, "admin", clock_), InvalidInput);
  EXPECT_FALSE(fs::exists(data.database()));
}

TEST_F(AdminInit, EnrolledDeviceIsRegisteredWithItsCertificateAndRevocable) {
  const DataDir data{dir_.path() / "data"};
  (void)init_data_dir(data, {"localhost"}, "admin", clock_);
  const auto store = store::open_sqlite_store(data.database());
  AuditLog audit(*store, clock_, data.audit_head());
  EXPECT_THROW((void)enrol_device(data, *store, audit, clock_, "cam-1", "admin", "admin"),
               InvalidInput);  // unknown camera
  store->put_site(store::Site{"s", "S", "UTC"});
  store->put_camera(store::Camera{"cam-1", "s", "C", 0, 0, true});
  const EnrolledDevice d = enrol_device(data, *store, audit, clock_, "cam-1", "admin", "admin");
  const auto device = store->device_by_cert(crypto::certificate_sha256(d.cert_pem));
  ASSERT_TRUE(device);
  EXPECT_EQ(device->serial, d.serial);
  EXPECT_EQ(device->camera_id, "cam-1");
  EXPECT_EQ(device->signing_public_key, d.signing_key.public_hex);
  EXPECT_TRUE(revoke_device(*store, audit, clock_, d.serial, "admin", "admin"));
  EXPECT_TRUE(store->device_by_cert(device->cert_sha256)->revoked_at);
  EXPECT_FALSE(revoke_device(*store, audit, clock_, d.serial, "admin", "admin"));
}

TEST_F(AdminInit, RefusesADatabaseThatIsNotAPostgresUriAndCreatesNothing) {
  const DataDir data{dir_.path() / "data"};
  EXPECT_THROW((void)init_data_dir(data, {"localhost"}, "admin", clock_, "mysql://db/rw"),
               InvalidInput);
  EXPECT_THROW(
      (void)init_data_dir(data, {"localhost"}, "admin", clock_, "postgresql://db/rw\nport = 1"),
      InvalidInput);  // would break out of the TOML string
  EXPECT_FALSE(fs::exists(data.root));
}

/// `server` (the test cluster's URI, naming its `postgres` database) naming database `name`.
std::string database_uri(const std::string& server, const std::string& name) {
  const std::size_t query = server.find('?');
  const std::string base = server.substr(0, query);
  const std::size_t authority = base.find("://");
  const std::size_t slash = base.find('/', authority == std::string::npos ? 0 : authority + 3);
  return (slash == std::string::npos ? base : base.substr(0, slash)) + "/" + name +
         (query == std::string::npos ? "" : server.substr(query));
}

/// A fresh database on the test cluster with its postgresql:// URI; skips without a cluster.
class AdminInitPostgres : public AdminInit {
 protected:
  void SetUp() override {
    const std::string server = store::testing::test_server();
    if (server.empty()) GTEST_SKIP() << store::testing::kNoPostgresReason;
    if (server.rfind("postgresql://", 0) != 0 && server.rfind("postgres://", 0) != 0)
      GTEST_SKIP() << "ROADWARDEN_TEST_POSTGRES is not a postgresql:// URI";
    db_ = std::make_unique<store::testing::TestDatabase>(server);
    uri_ = database_uri(server, db_->name());
  }
  std::unique_ptr<store::testing::TestDatabase> db_;
  std::string uri_;
};

TEST_F(AdminInitPostgres, CreatesTheFirstAdminInPostgresAndTheServerLogsThemIn) {
  const DataDir data{dir_.path() / "data"};
  const InitResult r = init_data_dir(data, {"localhost", "127.0.0.1"}, "chief", clock_, uri_);
  // server.toml names the database; no SQLite database was made.
  ServerOptions options = load_server_options(data.config());
  EXPECT_EQ(options.database, uri_);
  EXPECT_FALSE(fs::exists(data.database()));
  {
    const auto pg = store::open_postgres_store(uri_);
    const auto admin = pg->user_by_name("chief");
    ASSERT_TRUE(admin);
    EXPECT_EQ(admin->role, store::Role::admin);
    EXPECT_EQ(admin->totp_secret.find(r.admin.totp_secret), std::string::npos);
    const auto audit = pg->audit_entries(0, 10);
    ASSERT_EQ(audit.size(), 1u);
    EXPECT_EQ(audit[0].action, "init");
  }
  // The server on this data directory (port 0 instead of server.toml's) logs the admin in.
  options.port = 0;
  Server server(data, options, clock_);
  const int port = server.start();
  httplib::SSLClient client("127.0.0.1", port);
  client.set_ca_cert_path(data.ca_cert().string());
  client.enable_server_certificate_verification(true);
  client.set_read_timeout(std::chrono::seconds(60));
  const nlohmann::json body{{"username", "chief"},
                            {"password", r.admin.password},
                            {"totp", crypto::totp_code(r.admin.totp_secret, clock_.now())}};
  const httplib::Result login = client.Post("/api/v1/login", body.dump(), "application/json");
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
  server.stop();
  const auto pg = store::open_postgres_store(uri_);
  const auto audit = pg->audit_entries(0, 10);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[1].action, "login");
  EXPECT_EQ(audit[1].actor, "chief");
  EXPECT_TRUE(verify_audit(*pg, data.audit_head()).empty());
}

TEST_F(AdminInitPostgres, RefusesADatabaseThatAlreadyHasUsersAndCreatesNothing) {
  {
    const auto pg = store::open_postgres_store(uri_);
    store::User someone;
    someone.username = "someone";
    someone.role = store::Role::admin;
    someone.password_hash = "$argon2id$placeholder";
    someone.totp_secret = "00";
    someone.created_at = clock_.now();
    (void)pg->add_user(someone);
  }
  const DataDir data{dir_.path() / "data"};
  EXPECT_THROW((void)init_data_dir(data, {"localhost"}, "chief", clock_, uri_), InvalidInput);
  EXPECT_FALSE(fs::exists(data.root));
  const auto pg = store::open_postgres_store(uri_);
  EXPECT_EQ(pg->users().size(), 1u);
  EXPECT_TRUE(pg->audit_entries(0, 10).empty());
}

}  // namespace
}  // namespace roadwarden::server
