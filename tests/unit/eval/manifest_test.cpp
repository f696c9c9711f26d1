#include "eval/manifest.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::eval {
namespace {

const char* kHeader = "image,source,country,x1,y1,x2,y2,x3,y3,x4,y4,text\n";

std::filesystem::path write(const testing::TempDir& dir, const std::string& body) {
  const auto p = dir.path() / "manifest.csv";
  std::ofstream(p) << body;
  return p;
}

TEST(Manifest, LoadsRowsNormalisesTextAndListsImagesOnce) {
  testing::TempDir dir;
  const Manifest m = load_manifest(write(dir, std::string(kHeader) +
                                                  "images/a.jpg,s,eu,1,2,11,2,11,6,1,6,ab-12 3\n"
                                                  "images/a.jpg,s,eu,50,2,60,2,60,6,50,6,XY99\n"
                                                  "images/b.jpg,s,us,0,0,5,0,5,5,0,5,\"Q1\"\n"));
  ASSERT_EQ(m.plates.size(), 3u);
  EXPECT_EQ(m.plates[0].text, "AB123");
  EXPECT_EQ(m.plates[0].corners.bounding_box(), (Box{1, 2, 10, 4}));
  EXPECT_EQ(m.plates[2].text, "Q1");
  EXPECT_EQ(m.images(), (std::vector<std::string>{"images/a.jpg", "images/b.jpg"}));
  EXPECT_EQ(m.root, dir.path());
}

TEST(Manifest, RejectsWrongHeaderAndBadRowsNamingTheLine) {
  testing::TempDir dir;
  EXPECT_THROW((void)load_manifest(write(dir, "a,b\n")), InvalidInput);
  try {
    (void)load_manifest(write(dir, std::string(kHeader) + "a.jpg,s,eu,1,2,3\n"));
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      (void)load_manifest(write(dir, std::string(kHeader) + "a.jpg,s,eu,x,2,3,4,5,6,7,8,T\n")),
      InvalidInput);
  EXPECT_THROW((void)load_manifest(dir.path() / "missing.csv"), IoError);
}

TEST(Score, CountsDetectedReadAndMedianLikeTheReferenceScorer) {
  testing::TempDir dir;
  const Manifest m = load_manifest(write(dir, std::string(kHeader) +
                                                  "i/a.jpg,s,eu,0,0,100,0,100,20,0,20,AB123\n"
                                                  "i/b.jpg,s,eu,0,0,100,0,100,20,0,20,CD456\n"
                                                  "i/c.jpg,s,eu,0,0,100,0,100,20,0,20,EF789\n"));
  PlateResult hit;
  hit.corners = Quad::from_box({5, 0, 100, 20});
  hit.text = "AB123";
  PlateResult wrong = hit;
  wrong.text = "CD457";
  PlateResult far = hit;
  far.corners = Quad::from_box({500, 500, 100, 20});
  const std::vector<alpr::ReadResult> preds = {
      {"other/dir/a.jpg", std::nullopt, 10, {hit}, std::nullopt},
      {"b.jpg", std::nullopt, 30, {far, wrong}, std::nullopt},
  };
  const Score s = score(m, preds);
  EXPECT_EQ(s.plates, 3);
  EXPECT_EQ(s.detected, 2);
  EXPECT_EQ(s.read, 1);
  EXPECT_EQ(s.images_without_output, 1);
  EXPECT_EQ(s.unmatched_predictions, 1);
  EXPECT_DOUBLE_EQ(*s.ms_median, 20.0);
  EXPECT_NEAR(s.read_pct(), 100.0 / 3, 1e-9);
}

}  // namespace
}  // namespace roadwarden::eval
