// The reader over the shared benchmark photos (../shared/data/benchmarks), when present.
// Evaluation only: nothing here tunes anything; it checks that every image gets one valid
// line and that the reference scorer accepts the output.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "support/cli_runner.hpp"
#include "support/paths.hpp"

namespace roadwarden {
namespace {

namespace fs = std::filesystem;

TEST(BenchmarkImages, EveryEuImageGetsOneValidLineAndTheScorerAcceptsIt) {
  const auto shared = testing::shared_dir();
  if (!shared) GTEST_SKIP() << "../shared/data is absent: benchmark images not available";
  const fs::path set = *shared / "data" / "benchmarks" / "openalpr-eu";
  std::vector<std::string> args = {"read", "--format", "jsonl"};
  std::size_t images = 0;
  for (const auto& e : fs::directory_iterator(set / "images")) {
    args.push_back(e.path().string());
    ++images;
  }
  const auto r = testing::run_cli(args);
  EXPECT_EQ(r.status, 0) << r.err;
  const auto lines = r.json_lines();
  ASSERT_EQ(lines.size(), images);
  for (const auto& l : lines) {
    EXPECT_TRUE(l["error"].is_null()) << l.dump();
    EXPECT_TRUE(l["processing_ms"].is_number());
  }
  testing::TempDir dir;
  const auto pred = dir.path() / "eu.jsonl";
  std::ofstream(pred) << r.out;
  const auto s = testing::run_program(
      "python3", {(*shared / "tools" / "score_alpr.py").string(), (set / "manifest.csv").string(),
                  pred.string(), "--json"});
  ASSERT_EQ(s.status, 0) << s.err;
  const auto summary = nlohmann::json::parse(s.out);
  EXPECT_EQ(summary["images_without_output"], 0);
  EXPECT_EQ(summary["plates"], 81);
  std::cout << "openalpr-eu (classic): " << s.out;
}

TEST(BenchmarkImages, BenchCommandScoresTheUsSet) {
  const auto shared = testing::shared_dir();
  if (!shared) GTEST_SKIP() << "../shared/data is absent: benchmark images not available";
  testing::TempDir dir;
  const auto pred = dir.path() / "us.jsonl";
  const auto r = testing::run_cli(
      {"bench", (*shared / "data/benchmarks/openalpr-us/manifest.csv").string(), "--out",
       pred.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("read="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("images_without_output              0"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(pred));
}

}  // namespace
}  // namespace roadwarden
