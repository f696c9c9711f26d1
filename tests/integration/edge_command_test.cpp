// `roadwarden edge` end to end, as an integrator runs it: a synthetic traffic clip of known
// plates, a site.toml, the real binary; then the spool (and an HTTPS ingest server) is checked.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/time.hpp"
#include "edge/spool.hpp"
#include "support/cli_runner.hpp"
#include "support/paths.hpp"
#include "support/traffic_video.hpp"
#include "unit/edge/fake_clock.hpp"
#include "unit/edge/ingest_server.hpp"
#include "unit/edge/test_certs.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

/// One car approaching in the middle lane over `frames` frames with a plate large enough to
/// read (38 → 58 px tall at 1280×720). With `second_car`, two cars side by side in adjacent
/// lanes instead (30 → 36 px plates; bodies 3.4 plate widths wide, so they nearly touch).
roadwarden::testing::TrafficClipSpec clip(int frames, bool second_car) {
  roadwarden::testing::TrafficClipSpec spec;
  spec.size = {1280, 720};
  spec.frames = frames;
  spec.seed = 4;
  roadwarden::testing::VehicleSpec car;
  car.text = "01 A 123 BC";
  car.frames = frames;
  car.start = {560, 330};
  car.velocity = {0.5, 3.0};
  car.plate_height = 38;
  car.growth = 1.007;
  if (second_car) {
    car.start = {330, 330};
    car.plate_height = 30;
    car.growth = 1.003;
    roadwarden::testing::VehicleSpec other = car;
    other.text = "40 B 777 XY";
    other.start = {960, 300};
    other.velocity = {0.8, 3.2};
    other.body_colour = {150, 90, 40};
    spec.vehicles.push_back(other);
  }
  spec.vehicles.push_back(car);
  return spec;
}

class EdgeCommandTest : public ::testing::Test {
 protected:
  void write_site(const std::string& extra = "") {
    std::ofstream(dir_ / "site.toml") << "[site]\nid = \"test-site\"\n"
                                      << "[spool]\ndir = \"spool\"\n"
                                      << "[[camera]]\nid = \"cam-1\"\nfile = \"clip.mp4\"\n"
                                      << "start_time = 2026-11-29T12:00:00Z\n"
                                      << extra;
  }
  /// Every record left in the spool.
  std::vector<SpoolEntry> spooled() {
    testing::FakeClock clock(4'000'000'000'000);
    SpoolOptions o;
    o.dir = dir_ / "spool";
    Spool spool(o, clock);
    return spool.due(clock.now(), 1000);
  }

  roadwarden::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(EdgeCommandTest, OneCarOverSixtyFramesGivesExactlyOneReadWithEvidence) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, false), dir_ / "clip.mp4");
  write_site();
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["cameras"][0]["frames_in"], 60);
  EXPECT_EQ(summary["cameras"][0]["passes"], 1);

  std::vector<SpoolEntry> reads;
  std::set<std::string> health;
  for (const SpoolEntry& e : spooled()) {
    if (e.kind == "plate_read") reads.push_back(e);
    if (e.kind == "health") health.insert(e.metadata.at("event").get<std::string>());
  }
  ASSERT_EQ(reads.size(), 1u);
  const json& read = reads[0].metadata.at("read");
  EXPECT_EQ(read.at("text"), "01A123BC");
  EXPECT_EQ(read.at("camera"), "cam-1");
  EXPECT_EQ(reads[0].metadata.at("site"), "test-site");
  EXPECT_GE(read.at("votes").get<int>(), 10);
  EXPECT_EQ(read.at("direction"), "approaching") << read.dump();
  // Capture times come from the configured start of the recording (25 fps), not from the
  // time the frames were processed.
  EXPECT_EQ(read.at("first_seen").get<std::string>().substr(0, 16), "2026-11-29T12:00");
  const std::int64_t seq = read.at("best_sequence");
  EXPECT_EQ(read.at("best_time"), to_iso8601(UtcTime{1'795'953'600'000 + seq * 40}));
  EXPECT_EQ(health, (std::set<std::string>{"connected", "ended"}));

  // The evidence: the best frame and the plate cut from it, both decodable.
  testing::FakeClock clock(4'000'000'000'000);
  SpoolOptions o;
  o.dir = dir_ / "spool";
  Spool spool(o, clock);
  const cv::Mat frame = cv::imdecode(spool.read_file(reads[0].key, "frame.jpg"), cv::IMREAD_COLOR);
  const cv::Mat plate = cv::imdecode(spool.read_file(reads[0].key, "plate.jpg"), cv::IMREAD_COLOR);
  EXPECT_EQ(frame.size(), cv::Size(1280, 720));
  EXPECT_GT(plate.cols, 100);
}

TEST_F(EdgeCommandTest, TwoCarsCloseTogetherGiveTwoReads) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, true), dir_ / "clip.mp4");
  write_site();
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::multiset<std::string> texts;
  for (const SpoolEntry& e : spooled())
    if (e.kind == "plate_read") texts.insert(e.metadata.at("read").at("text").get<std::string>());
  EXPECT_EQ(texts, (std::multiset<std::string>{"01A123BC", "40B777XY"}));
}

TEST_F(EdgeCommandTest, UploadsToTheServerAndEmptiesTheSpool) {
  ::signal(SIGPIPE, SIG_IGN);
  (void)roadwarden::testing::write_traffic_clip(clip(60, false), dir_ / "clip.mp4");
  const testing::TestCert ca = testing::make_ca("edge e2e CA");
  ca.write_pem(dir_ / "ca.pem", {});
  const testing::TestCert server_cert =
      testing::make_leaf(ca, "ingest.test", "IP:127.0.0.1,DNS:localhost");
  testing::IngestServer server(server_cert, testing::Fault::kFailAfterStore);
  write_site("[upload]\nurl = \"" + server.url() + "\"\nca_file = \"ca.pem\"\n");
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  // The first answer for each key was a 500 after storing; the agent's retry got "duplicate".
  // Retries back off (1 s), so the end-of-run pass may leave records for the next start.
  std::set<std::string> texts;
  for (const auto& [key, stored] : server.stored()) {
    if (stored.record.at("kind") == "plate_read") {
      texts.insert(stored.record.at("metadata").at("read").at("text").get<std::string>());
      EXPECT_TRUE(stored.files.contains("frame.jpg"));
      EXPECT_TRUE(stored.files.contains("plate.jpg"));
    }
  }
  EXPECT_EQ(texts, std::set<std::string>{"01A123BC"});
  EXPECT_TRUE(server.problems().empty());
  // Nothing is lost: every record is either still spooled or stored on the server once.
  for (const SpoolEntry& e : spooled()) EXPECT_TRUE(server.stored().contains(e.key));
}

TEST_F(EdgeCommandTest, BadConfigurationIsRefusedNamingTheKey) {
  write_site("detect_evry = 2\n");
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("camera[0].detect_evry: unknown key"));
  EXPECT_FALSE(fs::exists(dir_ / "spool"));
}

TEST_F(EdgeCommandTest, RoadwardenEdgeHandsItsWholeCommandLineToTheAgent) {
  // `roadwarden edge` execs roadwarden-edge: the agent's own help and option checks answer.
  const auto help = roadwarden::testing::run_cli({"edge", "--help"});
  EXPECT_EQ(help.status, 0) << help.err;
  EXPECT_THAT(help.out, HasSubstr("--config"));
  EXPECT_THAT(help.out, HasSubstr("roadwarden edge"));
  const auto missing = roadwarden::testing::run_cli({"edge"});
  EXPECT_NE(missing.status, 0);
  EXPECT_THAT(missing.err, HasSubstr("--config is required"));
  const auto absent =
      roadwarden::testing::run_cli({"edge", "--config", (dir_ / "none.toml").string()});
  EXPECT_NE(absent.status, 0);
  EXPECT_THAT(absent.err, HasSubstr("none.toml"));
}

TEST_F(EdgeCommandTest, SigtermEndsTheAgentWhileACameraIsStillOpening) {
  // A camera "file" that is a FIFO nobody writes to: opening it blocks the agent's start-up.
  ASSERT_EQ(::mkfifo((dir_ / "clip.mp4").c_str(), 0600), 0);
  write_site();
  roadwarden::testing::BackgroundCli agent({"edge", "--config", (dir_ / "site.toml").string()});
  // The agent has the FIFO open for reading once a non-blocking writer can open it; holding
  // the write end without writing keeps it blocked in the camera's first read.
  int writer = -1;
  for (int i = 0; i < 600 && writer < 0 && agent.running(); ++i) {
    writer = ::open((dir_ / "clip.mp4").c_str(), O_WRONLY | O_NONBLOCK);
    if (writer < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GE(writer, 0) << agent.err_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto r = agent.stop();  // SIGTERM (SIGKILL after 10 s would give status -1)
  ::close(writer);
  EXPECT_EQ(r.status, 130) << r.err;
  EXPECT_THAT(r.err, HasSubstr("signal received, exiting at once"));
}

// Regression (newcomer test): SIGHUP (a closed terminal or SSH session) killed the agent at
// once, without its summary and with the pass in progress lost.
TEST_F(EdgeCommandTest, SighupStopsTheAgentCleanlyLikeSigterm) {
  (void)roadwarden::testing::write_traffic_clip(clip(60, false), dir_ / "clip.mp4");
  write_site("realtime = true\n");  // 2.4 s of video at its frame rate
  roadwarden::testing::BackgroundCli agent({"edge", "--config", (dir_ / "site.toml").string()});
  for (int i = 0; i < 600 && agent.running(); ++i) {
    if (agent.err_so_far().find("connected") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(agent.running()) << agent.err_so_far();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the car is in view
  const auto r = agent.stop(SIGHUP);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("signal received: stopping"));
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["cameras"][0]["passes"], 1) << r.out;  // the live track was finished
}

// Regression (newcomer test): a file name in a folder camera forged a log line (a newline),
// and one that was not UTF-8 made its health record unserialisable, so it was never spooled.
TEST_F(EdgeCommandTest, HostileFileNamesCannotForgeLogLinesAndTheirErrorsAreSpooledAndCounted) {
  fs::create_directory(dir_ / "ftp");
  std::ofstream(dir_ / "ftp" / "a\n[2026-11-30 12:00:00.000] [edge] [info] FORGED.jpg");
  std::ofstream(dir_ / "ftp" / "caf\xe9.jpg");
  std::ofstream(dir_ / "site.toml") << "[site]\nid = \"test-site\"\n[spool]\ndir = \"spool\"\n"
                                    << "[[camera]]\nid = \"cam-1\"\nfolder = \"ftp\"\n"
                                    << "incomplete_hold_ms = 0\n";
  roadwarden::testing::BackgroundCli agent({"edge", "--config", (dir_ / "site.toml").string()});
  for (int i = 0; i < 1200 && agent.running(); ++i) {
    const std::string err = agent.err_so_far();
    if (err.find("caf") != std::string::npos && err.find("FORGED") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto r = agent.stop();
  EXPECT_EQ(r.status, 1) << r.err;  // undecodable input: not a clean run
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["cameras"][0]["decode_errors"], 2) << r.out;
  EXPECT_EQ(r.err.find("\n[2026-11-30 12:00:00.000] [edge] [info] FORGED"), std::string::npos)
      << r.err;
  EXPECT_THAT(r.err, HasSubstr("a\\x0A[2026-11-30 12:00:00.000] [edge] [info] FORGED.jpg"));
  std::string details;
  for (const SpoolEntry& e : spooled()) {
    if (e.kind == "health" && e.metadata.at("event") == "decode_error")
      details += e.metadata.at("detail").get<std::string>() + "\n";
  }
  EXPECT_THAT(details, HasSubstr("caf\\xE9.jpg"));
  EXPECT_THAT(details, HasSubstr("\\x0A[2026-11-30"));
}

// Regression (newcomer test): with stdout full or closed the summary was lost and the status
// was still 0.
TEST_F(EdgeCommandTest, SummaryThatCannotBeWrittenFailsTheRun) {
  (void)roadwarden::testing::write_traffic_clip(clip(30, false), dir_ / "clip.mp4");
  write_site();
  const auto r = roadwarden::testing::run_program(
      "sh", {"-c", std::string("exec '") + ROADWARDEN_CLI + "' edge --config '" +
                       (dir_ / "site.toml").string() + "' > /dev/full"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the run summary could not be written"));
}

TEST_F(EdgeCommandTest, MissingVideoNamesTheCamera) {
  write_site();
  const auto r = roadwarden::testing::run_cli({"edge", "--config", (dir_ / "site.toml").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("camera cam-1"));
}

}  // namespace
}  // namespace roadwarden::edge
