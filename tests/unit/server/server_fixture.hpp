// A real roadwarden server for tests: a fresh data directory (made by init_data_dir once per
// process and copied for each test), one user of every person role with a known password and
// TOTP secret (sealed in the users table as the server seals it), a fake clock, and HTTPS
// clients for people (bearer token or cookie) and for enrolled devices (client certificate).
// Reusable by every server test:
//
//   class MyTest : public roadwarden::server::testing::ServerFixture {};
//   TEST_F(MyTest, Something) { auto s = login(user(store::Role::investigator)); ... }
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "crypto/crypto.hpp"
#include "server/admin_init.hpp"
#include "server/server.hpp"

namespace roadwarden::server::testing {

/// A Clock that moves only when the test moves it. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::int64_t unix_ms = 1'790'000'000'000) : ms_(unix_ms) {}
  [[nodiscard]] UtcTime now() const override { return UtcTime{ms_.load()}; }
  [[nodiscard]] std::string source() const override { return "fake"; }
  void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

 private:
  std::atomic<std::int64_t> ms_;
};

/// A person of the test server with known credentials.
struct TestUser {
  std::string username;
  store::Role role = store::Role::reviewer;
  std::string password;
  std::string totp_secret;
};

/// A logged-in session as the login route answered it.
struct TestSession {
  std::string token;
  std::string csrf;
  std::string set_cookie;  ///< the Set-Cookie header of the login answer
  /// Headers for a bearer-token call.
  [[nodiscard]] httplib::Headers bearer() const { return {{"Authorization", "Bearer " + token}}; }
  /// Headers for a cookie call, with or without the CSRF header.
  [[nodiscard]] httplib::Headers cookie(bool with_csrf) const {
    httplib::Headers h{{"Cookie", "rw_session=" + token}};
    if (with_csrf) h.emplace("X-CSRF-Token", csrf);
    return h;
  }
};

/// A temporary directory removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rw-server-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class ServerFixture : public ::testing::Test {
 protected:
  /// The password every test user shares (hashed once per process: argon2id is slow).
  static constexpr const char* kPassword = "correct horse battery staple 42";

  void SetUp() override {
    const Template& t = data_template();
    data_ = DataDir{dir_.path() / "data"};
    std::filesystem::copy(t.dir.path() / "data", data_.root,
                          std::filesystem::copy_options::recursive);
    users_[store::Role::admin] = t.admin;
    {
      const crypto::EvidenceKey key = crypto::load_evidence_key(data_.evidence_key());
      const std::unique_ptr<store::Store> store = store::open_sqlite_store(data_.database());
      for (const store::Role role : {store::Role::supervisor, store::Role::reviewer,
                                     store::Role::investigator, store::Role::auditor}) {
        TestUser u{std::string(store::to_string(role)) + "1", role, kPassword,
                   crypto::generate_totp_secret()};
        store::User record;
        record.username = u.username;
        record.role = role;
        record.password_hash = t.password_hash;
        record.totp_secret = seal_totp_secret(key, u.username, u.totp_secret);
        record.created_at = clock_.now();
        (void)store->add_user(record);
        users_[role] = u;
      }
    }
    ServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    customise(options);
    server_ = std::make_unique<Server>(data_, options, clock_);
    port_ = server_->start();
  }

  void TearDown() override {
    if (server_) server_->stop();
  }

  /// Override to change the server's options before it starts.
  virtual void customise(ServerOptions&) {}

  /// The user of `role` (admin, supervisor, reviewer, investigator, auditor).
  [[nodiscard]] const TestUser& user(store::Role role) const { return users_.at(role); }

  /// An HTTPS client that verifies the server against the data directory's CA.
  [[nodiscard]] std::unique_ptr<httplib::SSLClient> client() const {
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    configure(*c);
    return c;
  }

  /// An HTTPS client presenting `device`'s client certificate.
  [[nodiscard]] std::unique_ptr<httplib::SSLClient> device_client(const EnrolledDevice& device) {
    const std::filesystem::path cert = dir_.path() / (device.serial + ".pem");
    const std::filesystem::path key = dir_.path() / (device.serial + ".key");
    std::ofstream(cert) << device.cert_pem;
    std::ofstream(key) << device.key_pem;
    auto c = std::make_unique<httplib::SSLClient>("127.0.0.1", port_, cert.string(), key.string());
    configure(*c);
    return c;
  }

  /// Registers site "site-1" and camera `camera_id` and enrols a device for it.
  EnrolledDevice enrol(const std::string& camera_id = "cam-1") {
    store::Store& store = server_->store();
    store.put_site(store::Site{"site-1", "Test site", "UTC"});
    store.put_camera(store::Camera{camera_id, "site-1", camera_id, 41.3, 69.2, true});
    return enrol_device(data_, store, server_->audit(), clock_, camera_id, "test", "system");
  }

  /// Logs `u` in through POST /api/v1/login with the current TOTP code, first moving the
  /// clock to the next 30 s step (a code is accepted once). Fails the test on refusal.
  TestSession login(const TestUser& u) {
    clock_.advance(std::chrono::seconds(30));
    const httplib::Result r = login_raw(u.username, u.password, totp_now(u));
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    const nlohmann::json body = nlohmann::json::parse(r->body, nullptr, false);
    TestSession s;
    if (body.is_object() && body.contains("token")) {
      s.token = body["token"];
      s.csrf = body["csrf"];
    }
    s.set_cookie = r->get_header_value("Set-Cookie");
    return s;
  }

  /// POST /api/v1/login with the given fields.
  httplib::Result login_raw(const std::string& username, const std::string& password,
                            const std::string& totp) {
    const nlohmann::json body{{"username", username}, {"password", password}, {"totp", totp}};
    return client()->Post("/api/v1/login", body.dump(), "application/json");
  }

  /// The TOTP code of `u` at the fake clock's now.
  [[nodiscard]] std::string totp_now(const TestUser& u) const {
    return crypto::totp_code(u.totp_secret, clock_.now());
  }

  /// Calls `method` `path` with `headers` and (for POST/PUT/DELETE) a JSON `body`.
  static httplib::Result call(httplib::SSLClient& c, const std::string& method,
                              const std::string& path, const httplib::Headers& headers = {},
                              const std::string& body = "{}") {
    if (method == "GET") return c.Get(path, headers);
    if (method == "POST") return c.Post(path, headers, body, "application/json");
    if (method == "PUT") return c.Put(path, headers, body, "application/json");
    if (method == "DELETE") return c.Delete(path, headers, body, "application/json");
    throw std::invalid_argument("method " + method);
  }

  FakeClock clock_;
  TempDir dir_;
  DataDir data_;
  std::map<store::Role, TestUser> users_;
  std::unique_ptr<Server> server_;
  int port_ = 0;

 private:
  struct Template {
    TempDir dir;
    TestUser admin;
    std::string password_hash;
  };

  /// One initialised data directory per process (init hashes a password: about a second).
  static const Template& data_template() {
    static std::once_flag once;
    static std::unique_ptr<Template> t;
    std::call_once(once, [] {
      t = std::make_unique<Template>();
      FakeClock clock;
      const InitResult r = init_data_dir(DataDir{t->dir.path() / "data"},
                                         {"localhost", "127.0.0.1"}, "admin", clock);
      t->admin =
          TestUser{r.admin.username, store::Role::admin, r.admin.password, r.admin.totp_secret};
      t->password_hash = crypto::hash_password(kPassword);
    });
    return *t;
  }

  void configure(httplib::SSLClient& c) const {
    c.set_ca_cert_path(data_.ca_cert().string());
    c.enable_server_certificate_verification(true);
    c.set_connection_timeout(std::chrono::seconds(5));
    c.set_read_timeout(std::chrono::seconds(60));
  }
};

}  // namespace roadwarden::server::testing
