#include "codec/video_decoder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <turbojpeg.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "codec/clip_encoder.hpp"
#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::codec {
namespace {

using roadwarden::testing::TempDir;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::int64_t elapsed_ms(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Frame k: grey background, white 10-pixel bar at x = 4k (as the frame-source tests draw).
cv::Mat bar_frame(cv::Size size, int k) {
  cv::Mat img(size, CV_8UC3, cv::Scalar(40, 80, 120));
  cv::rectangle(img, cv::Rect((4 * k) % (size.width - 10), 0, 10, size.height),
                cv::Scalar(255, 255, 255), cv::FILLED);
  return img;
}

// A TCP listener on 127.0.0.1 that accepts connections (the kernel does) and never answers:
// a camera whose software hangs.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() {
    if (fd_ >= 0) ::close(fd_);
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port on 127.0.0.1 nothing listens on (bound once, then closed): connections are refused.
int closed_port() {
  const SilentServer s;
  return s.port();
}

TEST(VideoDecoder, DecodesAnMp4vFileWithPositionsFrameCountAndFps) {
  const TempDir dir;
  const auto path = dir.path() / "bars.mp4";
  {
    cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG,
                           cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 25.0, cv::Size(160, 120));
    ASSERT_TRUE(writer.isOpened());
    for (int k = 0; k < 30; ++k) writer.write(bar_frame({160, 120}, k));
  }
  VideoDecoder d;
  ASSERT_TRUE(d.open(path.string()));
  EXPECT_TRUE(d.is_open());
  ASSERT_TRUE(d.fps().has_value());
  EXPECT_DOUBLE_EQ(*d.fps(), 25.0);
  ASSERT_TRUE(d.frame_count().has_value());
  EXPECT_EQ(*d.frame_count(), 30);
  EXPECT_EQ(d.frame_size(), cv::Size(160, 120));
  EXPECT_TRUE(d.retrieve_bgr().empty());  // nothing grabbed yet
  EXPECT_TRUE(std::isnan(d.position_ms()));
  int k = 0;
  while (d.grab()) {
    SCOPED_TRACE(k);
    EXPECT_NEAR(d.position_ms(), 40.0 * k, 1.0);
    const cv::Mat a = d.retrieve_bgr();
    const cv::Mat b = d.retrieve_bgr();
    ASSERT_EQ(a.size(), cv::Size(160, 120));
    EXPECT_EQ(a.type(), CV_8UC3);
    EXPECT_NE(a.data, b.data);  // a new buffer every call
    // The bar is white, the background keeps its BGR colour.
    EXPECT_GT(cv::mean(a(cv::Rect(4 * k + 3, 20, 4, 80)))[0], 220);
    const cv::Scalar bg = cv::mean(a(cv::Rect(140, 20, 16, 80)));
    if (4 * k + 10 < 136) {
      EXPECT_NEAR(bg[0], 40, 8);
      EXPECT_NEAR(bg[1], 80, 8);
      EXPECT_NEAR(bg[2], 120, 8);
    }
    ++k;
  }
  EXPECT_EQ(k, 30);
  EXPECT_FALSE(d.grab());  // stays at the end
  EXPECT_TRUE(d.retrieve_bgr().empty());
  d.release();
  EXPECT_FALSE(d.is_open());
  EXPECT_FALSE(d.grab());
}

TEST(VideoDecoder, FlushesDelayedH264FramesAtTheEnd) {
  // libx264 uses B-frames: the decoder holds frames back until it is flushed.
  std::vector<cv::Mat> frames;
  for (int k = 0; k < 17; ++k) frames.push_back(bar_frame({128, 96}, k));
  const EncodedClip clip = encode_clip(frames, 25.0);
  const TempDir dir;
  write_bytes(dir.path() / clip.file, clip.bytes);
  VideoDecoder d;
  ASSERT_TRUE(d.open((dir.path() / clip.file).string()));
  int k = 0;
  double last = -1;
  while (d.grab()) {
    EXPECT_GT(d.position_ms(), last);  // presentation order
    last = d.position_ms();
    ++k;
  }
  EXPECT_EQ(k, 17);
  EXPECT_NEAR(last, 16 * 40.0, 1.0);
}

TEST(VideoDecoder, FollowsFrameSizeAndPixelFormatChangesMidStream) {
  // A raw Motion JPEG stream: 4:2:0 64×48, then odd-sized 4:2:2 97×71, then greyscale 80×60.
  std::vector<std::uint8_t> stream;
  std::vector<cv::Size> sizes;
  auto append = [&](const std::vector<std::uint8_t>& jpeg, cv::Size size) {
    stream.insert(stream.end(), jpeg.begin(), jpeg.end());
    sizes.push_back(size);
  };
  for (int k = 0; k < 3; ++k) {
    std::vector<std::uint8_t> jpeg;
    ASSERT_TRUE(cv::imencode(".jpg", cv::Mat(48, 64, CV_8UC3, cv::Scalar(200, 30, 30)), jpeg));
    append(jpeg, {64, 48});
  }
  tjhandle tj = tjInitCompress();
  ASSERT_NE(tj, nullptr);
  const cv::Mat odd(71, 97, CV_8UC3, cv::Scalar(30, 200, 30));
  for (int k = 0; k < 2; ++k) {
    unsigned char* buf = nullptr;
    unsigned long len = 0;
    ASSERT_EQ(tjCompress2(tj, odd.data, odd.cols, static_cast<int>(odd.step[0]), odd.rows, TJPF_BGR,
                          &buf, &len, TJSAMP_422, 95, 0),
              0);
    append(std::vector<std::uint8_t>(buf, buf + len), {97, 71});
    tjFree(buf);
  }
  tjDestroy(tj);
  for (int k = 0; k < 2; ++k) {
    std::vector<std::uint8_t> jpeg;
    ASSERT_TRUE(cv::imencode(".jpg", cv::Mat(60, 80, CV_8UC1, cv::Scalar(90)), jpeg));
    append(jpeg, {80, 60});
  }
  const TempDir dir;
  const auto path = dir.path() / "camera.mjpeg";
  write_bytes(path, stream);

  VideoDecoder d;
  ASSERT_TRUE(d.open(path.string()));
  std::vector<cv::Mat> got;
  while (d.grab()) {
    EXPECT_TRUE(std::isnan(d.position_ms()));  // raw MJPEG carries no timestamps
    got.push_back(d.retrieve_bgr());
  }
  ASSERT_EQ(got.size(), sizes.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_EQ(got[i].size(), sizes[i]);
    ASSERT_EQ(got[i].type(), CV_8UC3);
    const cv::Scalar m = cv::mean(got[i]);
    const cv::Scalar want = i < 3   ? cv::Scalar(200, 30, 30)
                            : i < 5 ? cv::Scalar(30, 200, 30)
                                    : cv::Scalar(90, 90, 90);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(m[c], want[c], 6.0) << "channel " << c;
  }
}

TEST(VideoDecoder, FormatWhitelistRejectsOtherContainers) {
  std::vector<std::uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", cv::Mat(48, 64, CV_8UC3, cv::Scalar::all(99)), jpeg));
  const TempDir dir;
  const auto path = dir.path() / "camera.mp4";  // raw MJPEG, whatever the name says
  write_bytes(path, jpeg);
  VideoDecoderOptions o;
  o.format_whitelist = "mov,avi,matroska";
  VideoDecoder d;
  EXPECT_FALSE(d.open(path.string(), o));
  EXPECT_FALSE(d.is_open());
  EXPECT_TRUE(d.open(path.string()));  // any format
}

TEST(VideoDecoder, ImageCodecsInAVideoContainerAreNeverDecoded) {
  const TempDir dir;
  const auto write = [&](const char* name, int fourcc) {
    const auto path = dir.path() / name;
    cv::VideoWriter writer(path.string(), cv::CAP_FFMPEG, fourcc, 25.0, cv::Size(64, 48));
    if (!writer.isOpened()) return std::filesystem::path();
    for (int k = 0; k < 5; ++k) writer.write(bar_frame({64, 48}, k));
    return path;
  };
  const auto png = write("png.avi", cv::VideoWriter::fourcc('P', 'N', 'G', ' '));
  const auto mjpeg = write("mjpeg.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'));
  if (png.empty() || mjpeg.empty()) GTEST_SKIP() << "this FFmpeg cannot write PNG or MJPEG AVI";
  VideoDecoder d;
  EXPECT_FALSE(d.open(png.string()));  // the PNG decoder is not a camera codec
  EXPECT_FALSE(d.is_open());
  ASSERT_TRUE(d.open(mjpeg.string()));  // same container, a camera codec
  EXPECT_TRUE(d.grab());
}

TEST(VideoDecoder, MissingOrNonVideoFileFailsToOpenWithoutThrowing) {
  const TempDir dir;
  VideoDecoder d;
  EXPECT_FALSE(d.open((dir.path() / "absent.mp4").string()));
  const auto text = dir.path() / "notes.mp4";
  std::ofstream(text) << "not a video at all\n";
  EXPECT_FALSE(d.open(text.string()));
  EXPECT_FALSE(d.is_open());
  EXPECT_FALSE(d.grab());
  EXPECT_FALSE(d.frame_count().has_value());
  EXPECT_FALSE(d.fps().has_value());
  // A path is never taken as an FFmpeg protocol.
  EXPECT_FALSE(d.open("concat:" + text.string()));
}

TEST(VideoDecoder, RefusedConnectionFailsFast) {
  const int port = closed_port();
  ASSERT_NE(port, 0);
  for (const std::string scheme : {"rtsp", "http"}) {
    SCOPED_TRACE(scheme);
    VideoDecoderOptions o;
    o.open_timeout_ms = 3000;
    VideoDecoder d;
    const auto start = steady_clock::now();
    EXPECT_FALSE(d.open(scheme + "://user:secret@127.0.0.1:" + std::to_string(port) + "/s", o));
    EXPECT_LT(elapsed_ms(start), 2500);
  }
}

TEST(VideoDecoder, SilentCameraFailsWithinTheOpenTimeout) {
  const SilentServer server;
  ASSERT_NE(server.port(), 0);
  for (const std::string scheme : {"rtsp", "http"}) {
    SCOPED_TRACE(scheme);
    VideoDecoderOptions o;
    o.open_timeout_ms = 500;
    VideoDecoder d;
    const auto start = steady_clock::now();
    EXPECT_FALSE(d.open(scheme + "://127.0.0.1:" + std::to_string(server.port()) + "/live", o));
    const std::int64_t took = elapsed_ms(start);
    EXPECT_GE(took, 450);
    EXPECT_LT(took, 2000);
  }
}

// An HTTP camera that sends the multipart header and `frames` JPEG parts, then nothing more
// while keeping the connection open (a camera whose encoder hung).
class StallingMjpegCamera {
 public:
  explicit StallingMjpegCamera(int frames) {
    std::vector<std::uint8_t> jpeg;
    cv::imencode(".jpg", cv::Mat(48, 64, CV_8UC3, cv::Scalar(10, 100, 200)), jpeg);
    payload_ =
        "HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace; boundary=rwframe\r\n\r\n";
    for (int k = 0; k < frames; ++k) {
      payload_ += "--rwframe\r\nContent-Type: image/jpeg\r\nContent-Length: " +
                  std::to_string(jpeg.size()) + "\r\n\r\n";
      payload_.append(jpeg.begin(), jpeg.end());
      payload_ += "\r\n";
    }
    thread_ = std::thread([this] {
      const int client = ::accept(listener_.fd(), nullptr, nullptr);
      if (client < 0) return;
      char request[4096];
      (void)::recv(client, request, sizeof(request), 0);
      (void)::send(client, payload_.data(), payload_.size(), MSG_NOSIGNAL);
      while (!done_) std::this_thread::sleep_for(milliseconds(20));
      ::close(client);
    });
  }
  ~StallingMjpegCamera() {
    done_ = true;
    ::shutdown(listener_.fd(), SHUT_RDWR);  // unblocks accept() when nobody connected
    thread_.join();
  }
  StallingMjpegCamera(const StallingMjpegCamera&) = delete;
  StallingMjpegCamera& operator=(const StallingMjpegCamera&) = delete;
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(listener_.port()) + "/video";
  }

 private:
  SilentServer listener_;
  std::string payload_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST(VideoDecoder, StalledStreamEndsTheGrabWithinTheReadTimeout) {
  StallingMjpegCamera camera(3);
  VideoDecoderOptions o;
  o.open_timeout_ms = 3000;
  o.read_timeout_ms = 400;
  VideoDecoder d;
  ASSERT_TRUE(d.open(camera.url(), o));
  int frames = 0;
  auto start = steady_clock::now();
  while (d.grab()) {
    EXPECT_EQ(d.retrieve_bgr().size(), cv::Size(64, 48));
    ++frames;
    start = steady_clock::now();
  }
  const std::int64_t took = elapsed_ms(start);
  EXPECT_GE(frames, 1);
  EXPECT_LE(frames, 3);
  EXPECT_GE(took, 350);
  EXPECT_LT(took, 1500);
}

TEST(VideoDecoder, AbortCallbackEndsABlockedOpen) {
  const SilentServer server;
  ASSERT_NE(server.port(), 0);
  std::atomic<bool> stop{false};
  VideoDecoderOptions o;
  o.open_timeout_ms = 30000;
  o.abort = [&stop] { return stop.load(); };
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(milliseconds(300));
    stop = true;
  });
  VideoDecoder d;
  const auto start = steady_clock::now();
  EXPECT_FALSE(d.open("rtsp://127.0.0.1:" + std::to_string(server.port()) + "/live", o));
  EXPECT_LT(elapsed_ms(start), 2000);
  stopper.join();
}

TEST(VideoDecoder, RejectsOutOfRangeOptions) {
  VideoDecoder d;
  VideoDecoderOptions o;
  o.open_timeout_ms = 0;
  EXPECT_THROW(d.open("x.mp4", o), InvalidInput);
  o = {};
  o.read_timeout_ms = -1;
  EXPECT_THROW(d.open("x.mp4", o), InvalidInput);
  o = {};
  o.decoder_threads = 0;
  EXPECT_THROW(d.open("x.mp4", o), InvalidInput);
}

TEST(VideoDecoder, MovedDecoderKeepsReading) {
  const EncodedClip clip = encode_clip(
      std::vector<cv::Mat>{bar_frame({64, 48}, 0), bar_frame({64, 48}, 1), bar_frame({64, 48}, 2)},
      25.0);
  const TempDir dir;
  write_bytes(dir.path() / clip.file, clip.bytes);
  VideoDecoder a;
  ASSERT_TRUE(a.open((dir.path() / clip.file).string()));
  ASSERT_TRUE(a.grab());
  VideoDecoder b = std::move(a);
  EXPECT_EQ(b.retrieve_bgr().size(), cv::Size(64, 48));
  int rest = 0;
  while (b.grab()) ++rest;
  EXPECT_EQ(rest, 2);
}

}  // namespace
}  // namespace roadwarden::codec
