// What a stranger can make the server buffer: nothing beyond the request headers. Callers of
// the wrong kind are refused from the headers alone (their body is never read), and bodies
// are capped per kind of route before they are read: 64 KiB for login, 1 MiB for a person,
// ServerOptions::max_upload_bytes only for an enrolled device.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <memory>
#include <string>

#include "unit/server/server_fixture.hpp"

namespace roadwarden::server {
namespace {

using store::Role;

class ServerLimits : public testing::ServerFixture {};

/// Sends `bytes` over a new TLS connection to the server and returns what came back: the
/// first read only, or everything until the server closes (`until_close`). A read waits at
/// most 5 s ("" when nothing came: the server is waiting for an announced body).
std::string tls_exchange(int port, const std::string& bytes, bool until_close) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                              SSL_CTX_free);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  const std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), fd);
  std::string answer;
  if (SSL_connect(ssl.get()) == 1 &&
      SSL_write(ssl.get(), bytes.data(), static_cast<int>(bytes.size())) > 0) {
    char buf[4096];
    int n = 0;
    while ((n = SSL_read(ssl.get(), buf, sizeof buf)) > 0) {
      answer.append(buf, static_cast<std::size_t>(n));
      if (!until_close) break;
    }
  }
  ::close(fd);
  return answer;
}

/// The status line of the answer to `head` (request line + headers, no body), or "".
std::string status_line_without_body(int port, const std::string& head) {
  const std::string answer = tls_exchange(port, head, false);
  return answer.substr(0, answer.find("\r\n"));
}

/// The Connection header of the answer to `head`, lower-cased ("" when absent), read after
/// the server closed the connection.
std::string connection_header_after(int port, const std::string& head) {
  std::string lower;
  for (char c : tls_exchange(port, head, true))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::size_t at = lower.find("\r\nconnection: ");
  if (at == std::string::npos) return "";
  const std::size_t from = at + 14;
  return lower.substr(from, lower.find("\r\n", from) - from);
}

std::string post_head(const std::string& path, std::size_t length,
                      const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

TEST_F(ServerLimits, AnonymousCallerIsRefusedBeforeItsBodyIsRead) {
  // 10 MiB announced, nothing sent: the answer comes at once, from the headers alone.
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/search/reads", 10u << 20)),
            "HTTP/1.1 401 Unauthorized");
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/ingest/records", 10u << 20)),
            "HTTP/1.1 401 Unauthorized");
}

TEST_F(ServerLimits, ConnectionClosesAfterARefusalSoTheUnreadBodyIsNeverParsed) {
  // After the 401 (from the headers) the server closes the connection: what the caller
  // sends next is not read as another request.
  const std::string head = post_head("/api/v1/search/reads", 10u << 20);
  const std::string pipelined = head + "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(status_line_without_body(port_, pipelined), "HTTP/1.1 401 Unauthorized");
  EXPECT_EQ(connection_header_after(port_, head), "close");
}

TEST_F(ServerLimits, LoginBodyOver64KibIs413BeforeItIsRead) {
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/login", 65 * 1024)),
            "HTTP/1.1 413 Payload Too Large");
}

TEST_F(ServerLimits, PersonBodyOver1MibIs413AndUnderItIsRead) {
  const testing::TestSession s = login(user(Role::investigator));
  const std::string auth = "Authorization: Bearer " + s.token + "\r\n";
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/search/reads", 2u << 20, auth)),
            "HTTP/1.1 413 Payload Too Large");
  // Under the cap the server waits for the announced body (no answer without it).
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/search/reads", 1000, auth)), "");
  // A real body under the cap is read and answered.
  const httplib::Result r = client()->Post("/api/v1/search/reads", s.bearer(),
                                           std::string(200 * 1024, ' ') + "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;  // read, then refused for the missing purpose
}

TEST_F(ServerLimits, ChunkedBodyIsRefusedOnPersonAndPublicRoutes) {
  EXPECT_EQ(status_line_without_body(port_,
                                     "POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n"),
            "HTTP/1.1 411 Length Required");
}

TEST_F(ServerLimits, PersonIsRefusedOnTheDeviceRouteBeforeTheBody) {
  const testing::TestSession s = login(user(Role::admin));
  EXPECT_EQ(status_line_without_body(port_, post_head("/api/v1/ingest/records", 10u << 20,
                                                      "Authorization: Bearer " + s.token + "\r\n")),
            "HTTP/1.1 403 Forbidden");
}

}  // namespace
}  // namespace roadwarden::server
