// The per-camera work (CameraWorker) and its threads (CameraPipeline) with scripted stages:
// detection cadence, back-pressure versus dropping, and errors that must not stop a camera.
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "alpr/perspective_rectifier.hpp"
#include "core/errors.hpp"
#include "edge/camera_pipeline.hpp"

namespace roadwarden::edge {
namespace {

/// Finds one plate at a fixed place in every frame, counting its calls; optionally slow.
class CountingDetector final : public alpr::PlateDetector {
 public:
  explicit CountingDetector(std::chrono::milliseconds delay = {}) : delay_(delay) {}
  std::vector<alpr::PlateRegion> detect(const cv::Mat&) const override {
    ++calls;
    if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    return {alpr::PlateRegion{Quad::from_box({300, 200, 150, 32}), 0.9}};
  }
  mutable std::atomic<int> calls{0};

 private:
  std::chrono::milliseconds delay_;
};

class FixedRecognizer final : public alpr::Recognizer {
 public:
  alpr::Recognition recognize(const cv::Mat&, int) const override {
    return {{Candidate{"01A123BC", 0.9, "", false}}, std::vector<double>(8, 0.99)};
  }
};

/// `n` frames of a grey 640×480 image, 40 ms apart.
class FakeSource final : public video::FrameSource {
 public:
  explicit FakeSource(int n) : n_(n) {}
  std::optional<video::Frame> next() override {
    if (i_ >= n_ || stopped_) return std::nullopt;
    video::Frame f;
    f.image = cv::Mat(480, 640, CV_8UC3, cv::Scalar(80, 80, 80));
    f.index = f.sequence = i_;
    f.capture_time = UtcTime{1'800'000'000'000 + 40 * i_};
    ++i_;
    return f;
  }
  void stop() override { stopped_ = true; }
  std::string describe() const override { return "fake"; }

 private:
  int n_;
  int i_ = 0;
  std::atomic<bool> stopped_{false};
};

struct Reader {
  explicit Reader(std::chrono::milliseconds delay = {}) {
    auto d = std::make_unique<CountingDetector>(delay);
    detector = d.get();
    alpr =
        std::make_unique<alpr::Alpr>(std::move(d), std::make_unique<alpr::PerspectiveRectifier>(),
                                     std::make_unique<FixedRecognizer>());
  }
  CountingDetector* detector;
  std::unique_ptr<alpr::Alpr> alpr;
};

TEST(CameraWorker, ReadsEveryKthFrameAndTracksInBetween) {
  Reader reader;
  CameraWorker worker("cam-1", *reader.alpr, 3, {});
  FakeSource source(30);
  std::vector<video::Pass> passes;
  while (auto f = source.next())
    for (auto& p : worker.process(*f)) passes.push_back(std::move(p));
  for (auto& p : worker.finish()) passes.push_back(std::move(p));
  EXPECT_EQ(reader.detector->calls.load(), 10);  // frames 0, 3, …, 27
  EXPECT_EQ(worker.frames(), 30u);
  EXPECT_EQ(worker.frames_read(), 10u);
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "01A123BC");
  EXPECT_EQ(passes[0].read.votes, 10);
  EXPECT_EQ(passes[0].read.camera, "cam-1");
}

TEST(CameraWorker, SnapshotsWithoutTrackingGiveOnePassPerImage) {
  Reader reader;
  CameraWorker worker("ftp", *reader.alpr, 1, {}, 3000, false);
  FakeSource source(3);
  std::size_t passes = 0;
  while (auto f = source.next()) {
    const auto out = worker.process(*f);
    ASSERT_EQ(out.size(), 1u);  // at once, not held back for tracking or merging
    EXPECT_EQ(out[0].read.votes, 1);
    EXPECT_EQ(out[0].read.best_sequence, f->sequence);
    EXPECT_EQ(out[0].read.best_time, f->capture_time);
    passes += out.size();
  }
  EXPECT_TRUE(worker.finish().empty());
  EXPECT_EQ(passes, 3u);
  EXPECT_THROW(CameraWorker("ftp", *reader.alpr, 2, {}, 3000, false), InvalidInput);
}

TEST(CameraWorker, RejectsBadCadenceAndEmptyFrames) {
  Reader reader;
  EXPECT_THROW(CameraWorker("c", *reader.alpr, 0, {}), InvalidInput);
  CameraWorker worker("c", *reader.alpr, 1, {});
  EXPECT_THROW((void)worker.process(video::Frame{}), InvalidInput);
}

CameraConfig camera(Overflow overflow) {
  CameraConfig c;
  c.id = "cam-1";
  c.detect_every = 1;
  c.queue_frames = 2;
  c.overflow = overflow;
  return c;
}

TEST(CameraPipeline, BlockingQueueProcessesEveryFrame) {
  Reader reader(std::chrono::milliseconds(5));
  std::atomic<int> passes{0};
  CameraPipeline pipeline(camera(Overflow::block), std::make_unique<FakeSource>(40), *reader.alpr,
                          [&](video::Pass&&) { ++passes; });
  pipeline.start();
  pipeline.join();
  const CameraStats s = pipeline.stats();
  EXPECT_EQ(s.frames_in, 40u);
  EXPECT_EQ(s.frames_dropped, 0u);
  EXPECT_EQ(s.frames_read, 40u);
  EXPECT_EQ(s.passes, 1u);
  EXPECT_EQ(passes.load(), 1);
}

TEST(CameraPipeline, DropOldestKeepsLatencyBoundedWhenTheWorkerIsSlow) {
  Reader reader(std::chrono::milliseconds(20));
  CameraPipeline pipeline(camera(Overflow::drop_oldest), std::make_unique<FakeSource>(40),
                          *reader.alpr, [](video::Pass&&) {});
  pipeline.start();
  pipeline.join();
  const CameraStats s = pipeline.stats();
  EXPECT_EQ(s.frames_in, 40u);
  EXPECT_GT(s.frames_dropped, 0u);
  EXPECT_EQ(s.frames_read + s.frames_dropped, 40u);
}

TEST(CameraPipeline, AFailingSinkIsCountedAndTheCameraGoesOn) {
  Reader reader;
  CameraPipeline pipeline(camera(Overflow::block), std::make_unique<FakeSource>(10), *reader.alpr,
                          [](video::Pass&&) { throw IoError("spool full"); });
  pipeline.start();
  pipeline.join();
  EXPECT_EQ(pipeline.stats().frames_read, 10u);
  EXPECT_EQ(pipeline.stats().errors, 1u);
  EXPECT_EQ(pipeline.stats().passes, 0u);
}

}  // namespace
}  // namespace roadwarden::edge
