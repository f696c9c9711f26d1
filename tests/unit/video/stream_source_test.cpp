#include "video/stream_source.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.hpp"
#include "unit/video/source_test_support.hpp"

extern char** environ;

namespace roadwarden::video {
namespace {

namespace fs = std::filesystem;
using testing::elapsed_ms;
using testing::EventLog;
using testing::ManualClock;
using testing::Watchdog;
using Kind = HealthEvent::Kind;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr std::int64_t kStart = 1795985742000;  // 2026-11-29T20:55:42Z
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kSetupHint =
    "install the test dependencies with scripts/setup (python3-gi gir1.2-gst-rtsp-server-1.0 "
    "gstreamer1.0-plugins-base gstreamer1.0-plugins-good)";

/// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// tests/support/rtsp_server.py in a child process (GStreamer RTSP server, RTP/JPEG 25 fps).
class RtspServer {
 public:
  explicit RtspServer(int port) : port_(port) {}
  ~RtspServer() { kill(); }
  RtspServer(const RtspServer&) = delete;
  RtspServer& operator=(const RtspServer&) = delete;

  /// Starts the server and waits for it to listen. Returns "" or the reason it failed.
  std::string start() {
    const std::string script = std::string(ROADWARDEN_SOURCE_DIR) + "/tests/support/rtsp_server.py";
    if (::access(kPython, X_OK) != 0) return std::string(kPython) + " not found; " + kSetupHint;
    log_ = fs::temp_directory_path() / ("rw-rtsp-server-" + std::to_string(port_) + ".log");
    int out[2];
    if (::pipe(out) != 0) return "pipe() failed";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const std::string port = std::to_string(port_);
    std::vector<char*> argv = {const_cast<char*>(kPython), const_cast<char*>(script.c_str()),
                               const_cast<char*>(port.c_str()), nullptr};
    const int rc = ::posix_spawn(&pid_, kPython, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      pid_ = -1;
      return "cannot start " + script;
    }
    std::string text;
    const auto start = Steady::now();
    while (text.find("READY") == std::string::npos && elapsed_ms(start) < 15000) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char buf[256];
      const ssize_t n = ::read(out[0], buf, sizeof buf);
      if (n <= 0) break;  // exited
      text.append(buf, static_cast<std::size_t>(n));
    }
    stdout_fd_ = out[0];  // kept open until kill(): the server may still write to it
    if (text.find("READY") != std::string::npos) return "";
    std::ifstream in(log_);
    std::stringstream err;
    err << in.rdbuf();
    kill();
    return "rtsp_server.py did not start (" + err.str() + "); " + kSetupHint;
  }

  /// SIGKILL, like a camera losing power.
  void kill() {
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    stdout_fd_ = -1;
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  [[nodiscard]] std::string url(const std::string& userinfo = "") const {
    return "rtsp://" + userinfo + "127.0.0.1:" + std::to_string(port_) + "/cam";
  }

 private:
  int port_;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  fs::path log_;
};

/// Reads a source on its own thread (as the camera agent does) and records what arrives.
class Reader {
 public:
  struct Got {
    std::int64_t sequence;
    UtcTime capture_time;
    std::int64_t arrived_ms;  // steady ms since the reader started
    cv::Size size;
  };
  explicit Reader(FrameSource& source) : source_(source), start_(Steady::now()) {
    thread_ = std::thread([this] {
      while (auto f = source_.next()) {
        const std::lock_guard lock(mu_);
        got_.push_back(Got{f->sequence, f->capture_time, elapsed_ms(start_), f->image.size()});
      }
      done_ = true;
    });
  }
  ~Reader() { stop(); }
  void stop() {
    source_.stop();
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] std::vector<Got> got() const {
    const std::lock_guard lock(mu_);
    return got_;
  }
  [[nodiscard]] std::int64_t now_ms() const { return elapsed_ms(start_); }
  /// Waits up to `timeout_ms` for `pred()`; returns whether it held.
  template <typename Pred>
  bool wait_until(Pred pred, int timeout_ms) const {
    const auto start = Steady::now();
    while (!pred()) {
      if (elapsed_ms(start) > timeout_ms) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }

 private:
  FrameSource& source_;
  Steady::time_point start_;
  mutable std::mutex mu_;
  std::vector<Got> got_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

StreamSourceOptions fast_options(std::string url) {
  StreamSourceOptions o;
  o.url = std::move(url);
  o.open_timeout_ms = 3000;
  o.read_timeout_ms = 2000;
  o.backoff_initial_ms = 200;
  o.backoff_max_ms = 1000;
  o.seed = 7;
  return o;
}

void expect_no_secret(const std::vector<HealthEvent>& events, const std::string& secret) {
  for (const HealthEvent& e : events) {
    EXPECT_EQ(e.source.find(secret), std::string::npos) << e.source;
    EXPECT_EQ(e.detail.find(secret), std::string::npos) << e.detail;
  }
}

TEST(StreamFrameSource, RtspReconnectsAfterTheCameraRestarts) {
  const int port = free_port();
  ASSERT_NE(port, 0);
  RtspServer server(port);
  const std::string why = server.start();
  ASSERT_EQ(why, "") << why;

  const SystemClock clock;
  EventLog log;
  StreamFrameSource source(fast_options(server.url("viewer:s3cret@")), clock, log.sink());
  EXPECT_EQ(source.describe(), server.url());
  Reader reader(source);
  ASSERT_TRUE(reader.wait_until([&] { return reader.got().size() >= 10; }, 10000))
      << "no frames from the RTSP server";

  server.kill();
  ASSERT_TRUE(reader.wait_until([&] { return log.count(Kind::lost) >= 1; }, 5000))
      << "loss not detected";
  std::this_thread::sleep_for(milliseconds(500));  // camera stays down a little
  ASSERT_EQ(server.start(), "");
  const std::int64_t restarted_ms = reader.now_ms();
  const bool back = reader.wait_until(
      [&] {
        const auto got = reader.got();
        return !got.empty() && got.back().arrived_ms > restarted_ms &&
               log.count(Kind::reconnected) >= 1;
      },
      10000);
  ASSERT_TRUE(back) << "no frames within 10 s of the restart";
  EXPECT_LT(reader.got().back().arrived_ms - restarted_ms, 10000);
  reader.stop();

  const std::vector<HealthEvent> events = log.events();
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.front().kind, Kind::connected);
  int lost_at = -1, reconnected_at = -1;
  for (int i = 0; i < static_cast<int>(events.size()); ++i) {
    if (events[i].kind == Kind::lost && lost_at < 0) {
      lost_at = i;
      EXPECT_EQ(events[i].attempt, 1);
    }
    if (events[i].kind == Kind::reconnected && reconnected_at < 0) {
      reconnected_at = i;
      EXPECT_GT(events[i].gap_ms, 0);
    }
  }
  EXPECT_GE(lost_at, 0);
  EXPECT_GT(reconnected_at, lost_at);
  EXPECT_EQ(events.back().kind, Kind::ended);
  expect_no_secret(events, "s3cret");
  expect_no_secret(events, "viewer");

  const auto got = reader.got();
  for (std::size_t i = 1; i < got.size(); ++i) {
    EXPECT_EQ(got[i].sequence, got[i - 1].sequence + 1);
    EXPECT_GE(got[i].capture_time, got[i - 1].capture_time);
    EXPECT_EQ(got[i].size, cv::Size(640, 360));
  }
}

TEST(StreamFrameSource, CaptureTimeFollowsStreamTimestampsWhenProcessingIsDelayed) {
  const int port = free_port();
  ASSERT_NE(port, 0);
  RtspServer server(port);
  const std::string why = server.start();
  ASSERT_EQ(why, "") << why;

  ManualClock clock(kStart);
  EventLog log;
  StreamFrameSource source(fast_options(server.url()), clock, log.sink());
  const Watchdog watchdog(source, 15000);
  std::vector<Frame> frames;
  for (int i = 0; i < 8; ++i) {
    auto f = source.next();
    ASSERT_TRUE(f.has_value());
    frames.push_back(std::move(*f));
    clock.advance_ms(5000);  // the consumer is 5 s late for every frame
  }
  EXPECT_EQ(frames[0].capture_time.unix_ms, kStart);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    const std::int64_t step = frames[i].capture_time.unix_ms - frames[i - 1].capture_time.unix_ms;
    EXPECT_GT(step, 0) << i;
    EXPECT_LE(step, 200) << i << ": capture time followed the processing delay";  // 25 fps: 40
    EXPECT_EQ(frames[i].position_ms, static_cast<double>(frames[i].capture_time.unix_ms - kStart));
    EXPECT_GT(frames[i].sequence, frames[i - 1].sequence);
  }
}

/// A loopback HTTP camera serving multipart/x-mixed-replace JPEG frames (320×240, ~25 fps).
class MjpegServer {
 public:
  MjpegServer() {
    server_.Get("/video", [this](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider(
          "multipart/x-mixed-replace; boundary=rwframe",
          [this, n = 0](std::size_t, httplib::DataSink& sink) mutable {
            if (stopping_) return false;
            cv::Mat img(240, 320, CV_8UC3, cv::Scalar(30, 60, 90));
            cv::rectangle(img, cv::Rect((n * 8) % 300, 100, 20, 40), cv::Scalar(255, 255, 255),
                          cv::FILLED);
            std::vector<unsigned char> jpg;
            cv::imencode(".jpg", img, jpg);
            const std::string head = "--rwframe\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                                     std::to_string(jpg.size()) + "\r\n\r\n";
            ++n;
            std::this_thread::sleep_for(milliseconds(40));
            return sink.write(head.data(), head.size()) &&
                   sink.write(reinterpret_cast<const char*>(jpg.data()), jpg.size()) &&
                   sink.write("\r\n", 2);
          });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(5));
  }
  ~MjpegServer() {
    stopping_ = true;
    server_.stop();
    thread_.join();
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/video";
  }

 private:
  httplib::Server server_;
  std::atomic<bool> stopping_{false};
  int port_ = 0;
  std::thread thread_;
};

TEST(StreamFrameSource, ReadsHttpMjpegAndUsesArrivalTimeWithoutStreamTimestamps) {
  MjpegServer camera;
  ManualClock clock(kStart);
  EventLog log;
  StreamFrameSource source(fast_options(camera.url()), clock, log.sink());
  const Watchdog watchdog(source, 15000);
  std::vector<Frame> frames;
  for (int i = 0; i < 5; ++i) {
    auto f = source.next();
    ASSERT_TRUE(f.has_value()) << "no MJPEG frame " << i;
    frames.push_back(std::move(*f));
    clock.advance_ms(5000);
  }
  source.stop();
  for (std::size_t i = 0; i < frames.size(); ++i) {
    EXPECT_EQ(frames[i].image.size(), cv::Size(320, 240));
    EXPECT_EQ(frames[i].image.type(), CV_8UC3);
    // Multipart MJPEG carries no timestamps: the capture time is the arrival time.
    EXPECT_EQ(frames[i].capture_time.unix_ms, kStart + 5000 * static_cast<std::int64_t>(i));
    EXPECT_EQ(frames[i].sequence, static_cast<std::int64_t>(i));
  }
  EXPECT_GT(cv::norm(frames[0].image, frames[1].image, cv::NORM_L1), 0.0);
  EXPECT_EQ(log.count(Kind::connected), 1);
  EXPECT_EQ(log.count(Kind::lost), 0);
}

TEST(StreamFrameSource, StopUnblocksASourceStuckReconnecting) {
  const int port = free_port();  // nothing listens there
  ASSERT_NE(port, 0);
  StreamSourceOptions o =
      fast_options("rtsp://admin:hunter2@127.0.0.1:" + std::to_string(port) + "/cam");
  o.backoff_initial_ms = 20000;
  o.backoff_max_ms = 30000;
  const SystemClock clock;
  EventLog log;
  StreamFrameSource source(o, clock, log.sink());
  auto pending = std::async(std::launch::async, [&] { return source.next(); });
  const auto waited = Steady::now();
  while (log.count(Kind::lost) < 1 && elapsed_ms(waited) < 5000) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_EQ(log.count(Kind::lost), 1) << "the refused connection was not reported";
  std::this_thread::sleep_for(milliseconds(200));  // now in the 16–24 s backoff wait
  const auto stopped = Steady::now();
  source.stop();
  ASSERT_EQ(pending.wait_for(milliseconds(1500)), std::future_status::ready)
      << "stop() did not end the backoff wait";
  EXPECT_FALSE(pending.get().has_value());
  EXPECT_LT(elapsed_ms(stopped), 1500);
  const std::vector<HealthEvent> events = log.events();
  EXPECT_EQ(events.front().kind, Kind::lost);
  EXPECT_EQ(events.front().attempt, 1);
  EXPECT_EQ(events.back().kind, Kind::ended);
  expect_no_secret(events, "hunter2");
  EXPECT_EQ(source.describe().find("hunter2"), std::string::npos);
}

TEST(StreamFrameSource, RejectsOtherSchemesWithoutShowingCredentials) {
  const SystemClock clock;
  for (const char* url : {"ftp://bob:pa55word@cam/x", "file:///etc/passwd", "udp://1.2.3.4:5", "",
                          "rtsp://", "rtsp://host/a b"}) {
    try {
      StreamFrameSource source(fast_options(url), clock);
      ADD_FAILURE() << "accepted " << url;
    } catch (const InvalidInput& e) {
      EXPECT_EQ(std::string(e.what()).find("pa55word"), std::string::npos) << e.what();
    }
  }
  StreamSourceOptions o = fast_options("rtsp://cam/x");
  o.read_timeout_ms = 0;
  EXPECT_THROW(StreamFrameSource(o, clock), InvalidInput);
  o = fast_options("rtsp://cam/x");
  o.jitter = 1.5;
  EXPECT_THROW(StreamFrameSource(o, clock), InvalidInput);
  EXPECT_NO_THROW(StreamFrameSource(fast_options("HTTPS://cam/mjpeg"), clock));
}

// Regression (newcomer test): URLs without a usable host or port were retried for ever instead
// of being refused at start.
TEST(StreamFrameSource, RefusesUrlsWithoutAHostOrWithABadPort) {
  const SystemClock clock;
  for (const char* url : {"rtsp://127.0.0.1:99999/s", "rtsp://h:0/s", "rtsp://h:/s",
                          "rtsp://h:55x/s", "http://[::1/x", "http://[]/x", "http://[::1]x/y",
                          "rtsp://admin:pw@", "rtsp://admin:pw@/s", "rtsp://:554/s"}) {
    try {
      StreamFrameSource source(fast_options(url), clock);
      ADD_FAILURE() << "accepted " << url;
    } catch (const InvalidInput& e) {
      EXPECT_EQ(std::string(e.what()).find(":pw@"), std::string::npos) << e.what();
    }
  }
  for (const char* url :
       {"rtsp://admin:p%40ss@10.0.0.21:554/stream1", "http://[::1]:8080/mjpeg",
        "http://[fe80::1]/x", "rtsps://cam.example:322", "https://cam?x=1", "rtsp://user@cam"}) {
    EXPECT_NO_THROW(StreamFrameSource(fast_options(url), clock)) << url;
  }
}

// Regression (review): a password with an unencoded '/', '?' or '#' ends the authority early,
// and the URL was refused with a bare "port must be 1-65535", which sent the integrator looking
// at the port. The refusal now says to percent-encode the password, and still never shows it.
TEST(StreamFrameSource, SaysToPercentEncodeAPasswordThatCutsTheAuthorityShort) {
  const SystemClock clock;
  for (const char* url : {"rtsp://admin:Adm1n#2024@10.0.0.21:554/stream1",
                          "rtsp://admin:pa/ss@10.0.0.21/s", "rtsp://admin:p?w@cam/s"}) {
    try {
      StreamFrameSource source(fast_options(url), clock);
      ADD_FAILURE() << "accepted " << url;
    } catch (const InvalidInput& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("must be percent-encoded"), std::string::npos) << what;
      for (const char* secret : {"Adm1n", "2024", "pa/ss", "p?w", "admin"}) {
        EXPECT_EQ(what.find(secret), std::string::npos) << what;
      }
    }
  }
  try {  // no '@' after the authority: a plain bad port, no hint
    StreamFrameSource source(fast_options("rtsp://cam:99999/s"), clock);
    ADD_FAILURE() << "accepted a port above 65535";
  } catch (const InvalidInput& e) {
    EXPECT_EQ(std::string(e.what()).find("percent-encoded"), std::string::npos) << e.what();
  }
}

TEST(RedactUrl, RemovesUserInfoAndCredentialQueryValues) {
  EXPECT_EQ(redact_url("rtsp://admin:12345@10.0.0.5:554/Streaming/Channels/101"),
            "rtsp://10.0.0.5:554/Streaming/Channels/101");
  EXPECT_EQ(redact_url("rtsp://user@cam/live"), "rtsp://cam/live");
  EXPECT_EQ(redact_url("rtsp://a:p@ss@cam/live"), "rtsp://cam/live");  // '@' inside password
  EXPECT_EQ(redact_url("http://cam/video.cgi?channel=1&user=admin&password=x&subtype=0#f"),
            "http://cam/video.cgi?channel=1&user=***&password=***&subtype=0#f");
  EXPECT_EQ(redact_url("https://cam/mjpeg?Token=abc"), "https://cam/mjpeg?Token=***");
  // An '@' in the path or query is taken as the end of user-info: over-redacted, never leaked.
  EXPECT_EQ(redact_url("rtsp://cam:554/live?x@y"), "rtsp://y");
  EXPECT_EQ(redact_url("rtsp://cam"), "rtsp://cam");
  EXPECT_EQ(redact_url(""), "");
}

// Regression: the authority used to end at the first '/', '?' or '#', so these passwords were
// printed in full in logs and health events.
TEST(RedactUrl, PasswordWithUnencodedHashSlashOrQuestionMarkIsNeverPrinted) {
  EXPECT_EQ(redact_url("rtsp://admin:Adm1n#2024@10.0.0.21:554/stream1"),
            "rtsp://10.0.0.21:554/stream1");
  EXPECT_EQ(redact_url("rtsp://admin:pa/ss@host/s"), "rtsp://host/s");
  EXPECT_EQ(redact_url("rtsp://admin:p?w@d@host:554/s?user=admin&channel=1"),
            "rtsp://host:554/s?user=***&channel=1");
  EXPECT_EQ(redact_url("http://op:x/y#z@cam/mjpeg?token=t0k"), "http://cam/mjpeg?token=***");
  for (const char* url : {"rtsp://admin:Adm1n#2024@10.0.0.21:554/stream1",
                          "rtsp://admin:pa/ss@host/s", "rtsps://u:a/b?c#d@e@cam/x"}) {
    const std::string shown = redact_url(url);
    for (const char* secret : {"Adm1n", "2024", "pa/ss", "admin", "a/b"}) {
      EXPECT_EQ(shown.find(secret), std::string::npos) << url << " -> " << shown;
    }
  }
}

}  // namespace
}  // namespace roadwarden::video
