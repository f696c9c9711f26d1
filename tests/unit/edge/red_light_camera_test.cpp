// The red-light stage of a camera: passes judged against the site's signal feed, violations
// held until the frames past their clip end arrived, packaged from the frame ring; and the
// live signal feed over TCP.
#include "edge/red_light_camera.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::edge {
namespace {

using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1'795'953'600'000;  // 2026-11-29T12:00:00Z

video::Frame frame(std::int64_t seq) {
  video::Frame f;
  f.image = cv::Mat(360, 640, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::putText(f.image, std::to_string(seq), {20, 180}, cv::FONT_HERSHEY_SIMPLEX, 3,
              cv::Scalar(255, 255, 255), 4);
  f.sequence = seq;
  f.index = seq;
  f.capture_time = UtcTime{kT0 + 40 * seq};
  return f;
}

/// A pass whose plate bottom centre moves down 10 px per frame from y = 100 on frames
/// first..last (x = 320), crossing the stop line y = 200 between frames first + 9 and + 10.
video::Pass pass(std::int64_t first, std::int64_t last) {
  video::Pass p;
  p.read.camera = "cam-1";
  p.read.text = "01A123BC";
  p.read.best_time = UtcTime{kT0 + 40 * first};
  p.read.best_corners = Quad::from_box(Box{290, 86, 60, 14});
  p.best_frame = video::CompactFrame::from_bgr(frame(first).image);
  for (std::int64_t s = first; s <= last; ++s) {
    const double y = 100 + 10.0 * static_cast<double>(s - first) + 0.5;
    p.path.push_back({UtcTime{kT0 + 40 * s}, s, Quad::from_box(Box{290, y - 14, 60, 14}),
                      Box{290, y - 14, 60, 14}});
  }
  return p;
}

RedLightApproachConfig approach() {
  RedLightApproachConfig a;
  a.options.approach_id = "north";
  a.options.stop_line = {{0, 200}, {640, 200}};
  a.options.lanes = {{"l1", {{100, 50}, {540, 50}, {540, 200}, {100, 200}}, false}};
  a.options.clip_margin_ms = 1000;
  return a;
}

/// A vehicle going down through the approach of approach(), 30 observations 40 ms apart from
/// kT0 + 1.6 s, crossing the stop line (y = 200) at kT0 + 2 s.
rules::TrackObservations crossing_at_t0_plus_2s() {
  rules::TrackObservations t;
  for (int k = 0; k < 30; ++k)
    t.observations.push_back(
        {UtcTime{kT0 + 1600 + 40 * k}, Point{320, 100 + 10.0 * k + 0.5}, std::nullopt});
  return t;
}

class RedLightCameraTest : public ::testing::Test {
 protected:
  /// A replay file: `state` for "north" from kT0 − 10 s (after 3 s of amber when red),
  /// heartbeats every second to kT0 + 30 s.
  std::shared_ptr<SignalFeed> feed(const std::string& state) {
    std::ofstream out(dir_ / "replay.txt");
    for (std::int64_t at = kT0 - 20'000; at <= kT0 + 30'000; at += 1000) {
      std::string s = at < kT0 - 13'000 ? "green" : at < kT0 - 10'000 ? "amber" : state;
      if (state == "green") s = "green";
      out << to_iso8601(UtcTime{at}) << " north " << s << "\n";
    }
    out.close();
    SignalFeedOptions o;
    o.replay = dir_ / "replay.txt";
    return std::make_shared<SignalFeed>(o);
  }
  std::unique_ptr<RedLightCamera> camera(std::shared_ptr<SignalFeed> f) {
    RedLightContext ctx;
    ctx.site_id = "site-1";
    return std::make_unique<RedLightCamera>(
        "cam-1", std::vector<RedLightApproachConfig>{approach()}, FrameRingOptions{}, f, ctx,
        [this](evidence::Package&& p) { packages_.push_back(std::move(p)); });
  }

  roadwarden::testing::TempDir tmp_;
  std::filesystem::path dir_ = tmp_.path();
  std::vector<evidence::Package> packages_;
};

TEST_F(RedLightCameraTest, ViolationWaitsForFramesPastItsClipEnd) {
  auto cam = camera(feed("red"));
  for (int s = 0; s <= 60; ++s) cam->frame(frame(s));
  cam->pass(pass(30, 60));  // crosses between frames 39 and 40, at kT0 + 1598 ms
  // Clip end = crossing + 1 s = kT0 + 2598 ms: frame 65 (kT0 + 2600) has not arrived yet.
  EXPECT_EQ(cam->pending(), 1u);
  EXPECT_TRUE(packages_.empty());
  for (int s = 61; s <= 64; ++s) cam->frame(frame(s));
  EXPECT_TRUE(packages_.empty());
  cam->frame(frame(65));
  ASSERT_EQ(packages_.size(), 1u);
  EXPECT_EQ(cam->pending(), 0u);
  EXPECT_EQ(cam->stats().violations, 1u);
  const nlohmann::json& v = packages_[0].metadata["violation"];
  EXPECT_EQ(v["approach"], "north");
  EXPECT_EQ(v["lane"], "l1");
  EXPECT_EQ(v["crossing_time"], to_iso8601(UtcTime{kT0 + 1598}));
  EXPECT_EQ(v["frames"]["before"]["sequence"], 39);
  EXPECT_EQ(v["frames"]["at_line"]["sequence"], 40);
  EXPECT_EQ(v["frames"]["intersection"]["sequence"], 44);
  // The ring reaches back before the clip start: the clip is complete, frames 15..64.
  EXPECT_EQ(v["clip"]["truncated_start"], false);
  EXPECT_EQ(v["clip"]["truncated_end"], false);
  EXPECT_EQ(v["clip"]["frames"], 50);
  EXPECT_EQ(v["clip"]["start"], to_iso8601(UtcTime{kT0 + 600}));
  EXPECT_EQ(v["clip"]["end"], to_iso8601(UtcTime{kT0 + 2560}));
  EXPECT_NEAR(v["time_into_red_ms"].get<double>(), 11'598, 1e-6);
}

TEST_F(RedLightCameraTest, BackgroundEvidenceThreadDeliversEveryPackageByFinish) {
  std::mutex m;
  RedLightContext ctx;
  RedLightCamera cam(
      "cam-1", {approach()}, FrameRingOptions{}, feed("red"), ctx,
      [&](evidence::Package&& p) {
        std::lock_guard lock(m);
        packages_.push_back(std::move(p));
      },
      /*background=*/true);
  for (int s = 0; s <= 200; ++s) {
    cam.frame(frame(s));
    // A vehicle every 20 frames, each crossing 10 frames after its first observation.
    if (s >= 50 && s % 20 == 10) cam.pass(pass(s - 40, s));
  }
  cam.finish();
  std::lock_guard lock(m);
  EXPECT_EQ(packages_.size(), 8u);
  EXPECT_EQ(cam.stats().violations, 8u);
  EXPECT_EQ(cam.stats().lost, 0u);
  std::set<std::string> crossings;
  for (const auto& p : packages_)
    crossings.insert(p.metadata["violation"]["crossing_time"].get<std::string>());
  EXPECT_EQ(crossings.size(), 8u);
}

TEST_F(RedLightCameraTest, SourceEndingEarlyGivesAShorterClipSaidSo) {
  auto cam = camera(feed("red"));
  for (int s = 0; s <= 30; ++s) cam->frame(frame(s));
  cam->pass(pass(10, 30));
  EXPECT_EQ(cam->pending(), 1u);
  cam->finish();
  ASSERT_EQ(packages_.size(), 1u);
  const nlohmann::json& clip = packages_[0].metadata["violation"]["clip"];
  EXPECT_EQ(clip["truncated_end"], true);
  EXPECT_EQ(clip["end"], to_iso8601(UtcTime{kT0 + 40 * 30}));
}

TEST_F(RedLightCameraTest, EarlyFramesOutOfTheRingShortenTheClipStart) {
  RedLightContext ctx;
  FrameRingOptions ring;
  ring.span_ms = 1500;  // holds frames back to kT0 + 1100 when frame 65 arrives
  RedLightCamera cam("cam-1", {approach()}, ring, feed("red"), ctx,
                     [this](evidence::Package&& p) { packages_.push_back(std::move(p)); });
  for (int s = 0; s <= 65; ++s) cam.frame(frame(s));
  cam.pass(pass(30, 60));  // clip requested from kT0 + 598 ms
  ASSERT_EQ(packages_.size(), 1u);
  const nlohmann::json& clip = packages_[0].metadata["violation"]["clip"];
  EXPECT_EQ(clip["truncated_start"], true);
  EXPECT_EQ(clip["requested_start"], to_iso8601(UtcTime{kT0 + 598}));
  EXPECT_EQ(clip["start"], to_iso8601(UtcTime{kT0 + 1120}));
  EXPECT_EQ(clip["frames"], 37);
}

TEST_F(RedLightCameraTest, StillOutOfTheRingIsLoggedAndCountedNotSpooled) {
  RedLightContext ctx;
  FrameRingOptions ring;
  ring.span_ms = 1000;
  RedLightCamera cam("cam-1", {approach()}, ring, feed("red"), ctx,
                     [this](evidence::Package&& p) { packages_.push_back(std::move(p)); });
  for (int s = 0; s <= 80; ++s) cam.frame(frame(s));
  cam.pass(pass(30, 60));  // its before frame (39) left the ring long ago
  EXPECT_TRUE(packages_.empty());
  EXPECT_EQ(cam.stats().lost, 1u);
  EXPECT_EQ(cam.stats().violations, 0u);
}

TEST_F(RedLightCameraTest, GreenAndUnknownPhasesGiveNoViolation) {
  auto cam = camera(feed("green"));
  for (int s = 0; s <= 50; ++s) cam->frame(frame(s));
  cam->pass(pass(10, 40));
  cam->finish();
  EXPECT_TRUE(packages_.empty());
  EXPECT_EQ(cam->stats().judged, 1u);
  EXPECT_EQ(cam->stats().undecidable, 0u);

  // A pass long after the replay ends: the feed is silent, the phase unknown: undecidable
  // (logged and counted), no violation.
  auto cam2 = camera(feed("red"));
  video::Pass late = pass(10, 40);
  for (auto& pt : late.path) pt.time.unix_ms += 3'600'000;
  cam2->pass(late);
  cam2->finish();
  EXPECT_TRUE(packages_.empty());
  EXPECT_EQ(cam2->stats().undecidable, 1u);
}

TEST_F(RedLightCameraTest, VideoCrossCheckNeedsTheCameraToSeeTheControllersColour) {
  // The signal head at [560, 10, 40, 40] is painted `lamp` in every frame.
  const auto run = [&](const cv::Scalar& lamp) {
    RedLightApproachConfig a = approach();
    a.signal_region = cv::Rect(560, 10, 40, 40);
    a.options.video_cross_check = true;
    RedLightContext ctx;
    RedLightCamera cam("cam-1", {a}, FrameRingOptions{}, feed("red"), ctx,
                       [this](evidence::Package&& p) { packages_.push_back(std::move(p)); });
    for (int s = 0; s <= 70; ++s) {
      video::Frame f = frame(s);
      cv::rectangle(f.image, cv::Rect(560, 10, 40, 40), lamp, cv::FILLED);
      cam.frame(f);
    }
    cam.pass(pass(30, 60));
    cam.finish();
    return cam.stats();
  };
  const RedLightStats red = run(cv::Scalar(0, 0, 255));
  ASSERT_EQ(packages_.size(), 1u);
  EXPECT_EQ(red.violations, 1u);
  EXPECT_EQ(packages_[0].metadata["violation"]["video_colour"], "red");
  packages_.clear();
  const RedLightStats green = run(cv::Scalar(0, 255, 0));  // camera disagrees: undecidable
  EXPECT_TRUE(packages_.empty());
  EXPECT_EQ(green.undecidable, 1u);
}

TEST_F(RedLightCameraTest, TrackObservationsFollowTheBottomCentreOfThePlate) {
  const video::Pass p = pass(10, 12);
  std::vector<std::int64_t> seqs;
  const rules::TrackObservations t = track_observations(p.path, &seqs);
  ASSERT_EQ(t.observations.size(), 3u);
  EXPECT_EQ(seqs, (std::vector<std::int64_t>{10, 11, 12}));
  EXPECT_DOUBLE_EQ(t.observations[1].point.x, 320);
  EXPECT_DOUBLE_EQ(t.observations[1].point.y, 110.5);
  EXPECT_EQ(t.observations[1].at.unix_ms, kT0 + 440);
}

/// A one-connection TCP server on 127.0.0.1 that sends `text` and keeps the socket open
/// until the test ends.
class LineServer {
 public:
  LineServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~LineServer() {
    if (client_ >= 0) ::close(client_);
    ::close(fd_);
  }
  void accept_and_send(const std::string& text) {
    client_ = ::accept(fd_, nullptr, nullptr);
    ASSERT_GE(client_, 0);
    ASSERT_EQ(::send(client_, text.data(), text.size(), 0), static_cast<ssize_t>(text.size()));
  }
  [[nodiscard]] int port() const { return port_; }

 private:
  int fd_ = -1;
  int client_ = -1;
  int port_ = 0;
};

TEST(SignalFeed, LiveFeedAddsLinesUntilABadOne) {
  LineServer server;
  SignalFeedOptions o;
  o.feed = "127.0.0.1:" + std::to_string(server.port());
  SignalFeed feed(o);
  feed.start();
  std::string text;
  for (std::int64_t at = kT0 - 20'000; at <= kT0 + 5000; at += 1000) {
    const char* s = at < kT0 - 3000 ? "green" : at < kT0 ? "amber" : "red";
    text += to_iso8601(UtcTime{at}) + " north " + s + "\n";
  }
  text += "not a phase line\n";
  server.accept_and_send(text);
  // Wait (bounded) until the feed thread has taken every line; no timing is asserted.
  for (int i = 0; i < 1000 && feed.stats().lines + feed.stats().bad_lines < 27; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(feed.stats().lines, 26u);
  EXPECT_EQ(feed.stats().bad_lines, 1u);
  EXPECT_GE(feed.stats().connects, 1u);  // the bad line closed it; it may have reconnected
  // A track crossing at kT0 + 2 s is judged against the live timeline.
  rules::RedLightOptions ro = approach().options;
  const rules::RedLightRule rule(ro);
  const rules::RedLightDecision d = feed.judge(rule, crossing_at_t0_plus_2s());
  EXPECT_TRUE(d.violation()) << d.reason;
  feed.stop();
}

TEST(SignalFeed, ControllerClockSteppingBackRestartsTheApproachInsteadOfBlockingTheFeed) {
  LineServer server;
  SignalFeedOptions o;
  o.feed = "127.0.0.1:" + std::to_string(server.port());
  SignalFeed feed(o);
  feed.start();
  // One line an hour in the future, then the real cycle: before the fix every later line was
  // refused as out of order and the phase stayed unknown until the agent restarted.
  std::string text = to_iso8601(UtcTime{kT0 + 3'600'000}) + " north green\n";
  for (std::int64_t at = kT0 - 20'000; at <= kT0 + 5000; at += 1000) {
    const char* s = at < kT0 - 3000 ? "green" : at < kT0 ? "amber" : "red";
    text += to_iso8601(UtcTime{at}) + " north " + s + "\n";
  }
  server.accept_and_send(text);
  for (int i = 0; i < 1000 && feed.stats().lines < 27; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(feed.stats().lines, 27u);
  EXPECT_EQ(feed.stats().bad_lines, 0u);
  EXPECT_EQ(feed.stats().restarts, 1u);
  const rules::RedLightRule rule(approach().options);
  const rules::RedLightDecision d = feed.judge(rule, crossing_at_t0_plus_2s());
  EXPECT_TRUE(d.violation()) << d.reason;
  feed.stop();
}

TEST(SignalFeed, ReplayFileWithATimeGoingBackIsRefusedNamingTheLine) {
  roadwarden::testing::TempDir tmp;
  std::ofstream(tmp.path() / "phases.txt")
      << to_iso8601(UtcTime{kT0}) << " north green\n"
      << to_iso8601(UtcTime{kT0 - 1000}) << " north red\n";
  SignalFeedOptions o;
  o.replay = tmp.path() / "phases.txt";
  EXPECT_THROW(SignalFeed{o}, InvalidInput);
}

TEST(SignalFeed, RejectsBadOptionsNamingTheKey) {
  SignalFeedOptions o;
  EXPECT_THROW(SignalFeed{o}, InvalidInput);
  o.feed = "controller";
  try {
    SignalFeed f(o);
    ADD_FAILURE() << "accepted";
  } catch (const InvalidInput& e) {
    EXPECT_THAT(e.what(), HasSubstr("signal.feed"));
  }
  o.feed = "controller:70000";
  EXPECT_THROW(SignalFeed{o}, InvalidInput);
}

}  // namespace
}  // namespace roadwarden::edge
