#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "alpr/read_result.hpp"

namespace roadwarden::alpr {
namespace {

PlateResult sample_plate() {
  PlateResult p;
  p.corners = Quad::from_box({10, 20, 100, 25});
  p.detector_confidence = 0.8;
  p.text = "01A123BC";
  p.confidence = 0.9;
  p.char_confidences = {0.9, 1, 1, 1, 1, 1, 1, 1};
  p.candidates = {{"01A123BC", 0.9, "uz.private", true}, {"O1A123BC", 0.95, "", false}};
  p.country = "uz";
  p.format = "uz.private";
  return p;
}

TEST(ReadResultJson, EveryFieldIsSetForAPlate) {
  ReadResult r{"dir/a.jpg", std::nullopt, 12.5, {sample_plate()}, std::nullopt};
  const auto j = nlohmann::json::parse(to_json_line(r));
  for (const char* k : {"image", "frame", "processing_ms", "error", "plates"}) {
    EXPECT_TRUE(j.contains(k)) << k;
  }
  EXPECT_TRUE(j["frame"].is_null());
  EXPECT_TRUE(j["error"].is_null());
  const auto& p = j["plates"][0];
  for (const char* k : {"text", "confidence", "detector_confidence", "corners",
                        "char_confidences", "country", "format", "candidates"}) {
    EXPECT_TRUE(p.contains(k)) << k;
  }
  EXPECT_EQ(p["corners"], nlohmann::json::parse("[[10,20],[110,20],[110,45],[10,45]]"));
  EXPECT_EQ(p["candidates"][1]["text"], "O1A123BC");
  EXPECT_EQ(p["candidates"][0]["corrected"], true);
  EXPECT_EQ(p["candidates"][1]["format"], "");
}

TEST(ReadResultJson, ErrorAndFrameAreReported) {
  ReadResult r{"v.mp4", 42, 1.0, {}, "frame 42 could not be decoded"};
  const auto j = nlohmann::json::parse(to_json_line(r));
  EXPECT_EQ(j["frame"], 42);
  EXPECT_EQ(j["error"], "frame 42 could not be decoded");
  EXPECT_TRUE(j["plates"].is_array());
  EXPECT_TRUE(j["plates"].empty());
}

TEST(ReadResultJson, InvalidUtf8InFileNameBecomesReplacementCharacter) {
  ReadResult r{std::string("bad\xff\xfe name.jpg"), std::nullopt, 1.0, {}, std::nullopt};
  const std::string line = to_json_line(r);
  const auto j = nlohmann::json::parse(line);  // throws on invalid UTF-8
  EXPECT_EQ(j["image"], "bad\xEF\xBF\xBD\xEF\xBF\xBD name.jpg");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(ReadResultText, ShowsTextConfidenceAndFormat) {
  ReadResult r{"a.jpg", std::nullopt, 1.0, {sample_plate()}, std::nullopt};
  EXPECT_EQ(to_text_line(r), "a.jpg: 01A123BC 0.90 (uz.private)");
  r.plates[0].text.clear();  // below the confidence floor
  EXPECT_EQ(to_text_line(r), "a.jpg: unreadable (best guess 01A123BC 0.90)");
  r.plates.clear();
  EXPECT_EQ(to_text_line(r), "a.jpg: no plate");
}

}  // namespace
}  // namespace roadwarden::alpr
