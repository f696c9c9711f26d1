// `roadwarden read` run as a separate process, on files the tests make themselves.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "store/store.hpp"
#include "support/cli_runner.hpp"
#include "support/paths.hpp"
#include "support/plate_renderer.hpp"

namespace roadwarden {
namespace {

using ::testing::HasSubstr;
using testing::render_scene;
using testing::run_cli;
using testing::TempDir;

// Writes a rendered scene of `text` as a JPEG and returns the plate's box.
Box write_scene(const std::filesystem::path& file, const std::string& text, int seed = 1) {
  const auto scene = render_scene(text, {1280, 720}, 300, 3.0, seed);
  cv::imwrite(file.string(), scene.image);
  return scene.plate.bounding_box();
}

// True when `line` has a plate reading `text` whose box overlaps `truth` with IoU >= 0.3
// (the reference scorer's threshold: the Haar cascade's boxes are loose).
bool has_read(const nlohmann::json& line, const std::string& text, const Box& truth) {
  for (const auto& p : line["plates"]) {
    const auto& c = p["corners"];
    const Quad q{{Point{c[0][0], c[0][1]}, Point{c[1][0], c[1][1]}, Point{c[2][0], c[2][1]},
                  Point{c[3][0], c[3][1]}}};
    // The best candidate is the reader's read even when it falls below the unreadable floor
    // (then `text` is empty); the floor itself is tested in the facade's unit tests.
    const bool read = p["text"] == text || (p["text"] == "" && !p["candidates"].empty() &&
                                            p["candidates"][0]["text"] == text);
    if (read && iou(q.bounding_box(), truth) >= 0.3) return true;
  }
  return false;
}

TEST(ReadCommand, ReadsRenderedPlatesEndToEnd) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> plates = {
      {"AB 123 CD", "AB123CD"}, {"01 A 123 BC", "01A123BC"}, {"ABC 1234", "ABC1234"}};
  std::vector<std::string> args = {"read", "--format", "jsonl"};
  std::vector<Box> truth;
  for (std::size_t i = 0; i < plates.size(); ++i) {
    const auto file = dir.path() / ("plate" + std::to_string(i) + ".jpg");
    truth.push_back(write_scene(file, plates[i].first, static_cast<int>(i) + 1));
    args.push_back(file.string());
  }
  const auto r = run_cli(args);
  EXPECT_EQ(r.status, 0) << r.err;
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), plates.size());
  for (std::size_t i = 0; i < plates.size(); ++i) {
    EXPECT_TRUE(has_read(lines[i], plates[i].second, truth[i]))
        << plates[i].second << " not read in " << lines[i].dump();
  }
}

TEST(ReadCommand, BadInputsGetClearErrorsAndOtherFilesAreStillRead) {
  TempDir dir;
  const auto& d = dir.path();
  const Box good_box = write_scene(d / "good.jpg", "AB 123 CD");
  std::ofstream(d / "empty.jpg").close();
  std::ofstream(d / "text.jpg") << "hello, I am not a JPEG\n";
  {
    std::vector<std::uint8_t> jpg;
    cv::imencode(".jpg", render_scene("XY 987 ZW", {640, 480}, 200).image, jpg);
    std::ofstream(d / "truncated.jpg", std::ios::binary)
        .write(reinterpret_cast<const char*>(jpg.data()), static_cast<std::streamsize>(jpg.size() / 2));
  }
  cv::imwrite((d / "tiny.png").string(), cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
  {
    const unsigned char huge[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13,
                                  'I', 'H', 'D', 'R', 0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20,
                                  8, 2, 0, 0, 0, 0, 0, 0, 0};
    std::ofstream(d / "huge.png", std::ios::binary)
        .write(reinterpret_cast<const char*>(huge), sizeof huge);
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"missing.jpg", "no such file"}, {"empty.jpg", "empty"},
      {"text.jpg", "not an image"},    {"truncated.jpg", "truncated"},
      {"tiny.png", "image too small: 1x1"},  {"huge.png", "image too large: 20000x20000"}};
  std::vector<std::string> args = {"read", "--format", "jsonl"};
  for (const auto& [name, why] : bad) args.push_back((d / name).string());
  args.push_back((d / "good.jpg").string());

  const auto r = run_cli(args);
  EXPECT_EQ(r.status, 1);
  for (const auto& [name, why] : bad) {
    EXPECT_THAT(r.err, HasSubstr(name + ": error: " + why)) << r.err;
  }
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), bad.size() + 1);
  for (std::size_t i = 0; i < bad.size(); ++i) {
    EXPECT_TRUE(lines[i]["error"].is_string()) << lines[i].dump();
    EXPECT_TRUE(lines[i]["plates"].empty());
  }
  EXPECT_TRUE(lines.back()["error"].is_null());
  EXPECT_TRUE(has_read(lines.back(), "AB123CD", good_box)) << lines.back().dump();
}

TEST(ReadCommand, NonUtf8FileNameStillGivesValidUtf8Json) {
  TempDir dir;
  const std::string name = std::string("plate-\xff\xfe.jpg");
  write_scene(dir.path() / name, "AB 123 CD");
  const auto r = run_cli({"read", (dir.path() / name).string()});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto lines = r.json_lines();  // nlohmann::json rejects invalid UTF-8
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0]["image"].get<std::string>(), HasSubstr("plate-\xEF\xBF\xBD"));
}

TEST(ReadCommand, ReadsFoldersRecursivelyInPathOrderAndSkipsOtherFiles) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "sub" / "deeper");
  write_scene(dir.path() / "b.jpg", "AB 123 CD");
  write_scene(dir.path() / "sub" / "deeper" / "a.png", "XY 987 ZW");
  std::ofstream(dir.path() / "notes.txt") << "not read";
  const auto r = run_cli({"read", "--format", "text", dir.path().string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("b.jpg: AB123CD"));
  EXPECT_THAT(r.out, HasSubstr("a.png: XY987ZW"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("notes.txt")));
}

TEST(ReadCommand, StoreKeepsEveryReadWithTimeSourceAndCandidates) {
  TempDir dir;
  write_scene(dir.path() / "one.jpg", "AB 123 CD");
  const auto db = dir.path() / "reads.db";
  const auto r = run_cli({"read", "--store", db.string(), (dir.path() / "one.jpg").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto reads = store::open_sqlite_store(db)->plate_reads();
  ASSERT_FALSE(reads.empty());
  const auto it = std::find_if(reads.begin(), reads.end(),
                               [](const auto& s) { return s.plate.text == "AB123CD"; });
  ASSERT_NE(it, reads.end());
  EXPECT_THAT(it->source, HasSubstr("one.jpg"));
  EXPECT_EQ(it->frame, -1);
  EXPECT_EQ(it->clock_source, "system");
  EXPECT_GT(it->read_at.unix_ms, 1577836800000);
  EXPECT_FALSE(it->plate.candidates.empty());
}

TEST(ReadCommand, ReadsEveryNthFrameOfAVideo) {
  TempDir dir;
  const auto video = dir.path() / "pass.avi";
  {
    cv::VideoWriter w(video.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10,
                      cv::Size(1280, 720));
    ASSERT_TRUE(w.isOpened());
    const auto scene = render_scene("AB 123 CD", {1280, 720}, 300, 2.0);
    for (int i = 0; i < 25; ++i) w.write(scene.image);
  }
  const auto r = run_cli({"read", "--every", "10", video.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["frame"], 0);
  EXPECT_EQ(lines[1]["frame"], 10);
  EXPECT_EQ(lines[2]["frame"], 20);
  EXPECT_EQ(lines[2]["plates"][0]["text"], "AB123CD");
}

TEST(ReadCommand, RejectsUnknownCountryWithTheValidValues) {
  const auto r = run_cli({"read", "--country", "xx", "a.jpg"});
  EXPECT_NE(r.status, 0);
  EXPECT_THAT(r.err, HasSubstr("uz"));
}

TEST(ReadCommand, RejectsNetworkInputSidesThatAreNotAMultipleOf32NamingTheFlag) {
  for (const char* flag : {"--zoom-input", "--detector-input"}) {
    for (const char* side : {"450", "96", "4096", "-32", "big"}) {
      SCOPED_TRACE(std::string(flag) + " " + side);
      const auto r = run_cli({"read", flag, side, "a.jpg"});
      EXPECT_NE(r.status, 0);
      EXPECT_THAT(r.err, HasSubstr(flag));
    }
  }
  const auto r = run_cli({"read", "--zoom-input", "450", "a.jpg"});
  EXPECT_THAT(r.err, HasSubstr("must be 0 or a multiple of 32 in 128..2048, got 450"));
}

}  // namespace
}  // namespace roadwarden
