#include "alpr/learned/ctc_recognizer.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "support/paths.hpp"

namespace roadwarden::alpr {
namespace {

// T x C probabilities from rows of (class, p) with the rest of each row on the blank.
cv::Mat probs(const std::vector<std::vector<std::pair<int, float>>>& steps, int classes) {
  cv::Mat m(static_cast<int>(steps.size()), classes, CV_32F, cv::Scalar(0));
  for (int t = 0; t < m.rows; ++t) {
    float rest = 1.0f;
    for (const auto& [c, p] : steps[static_cast<std::size_t>(t)]) {
      m.at<float>(t, c) = p;
      rest -= p;
    }
    m.at<float>(t, 0) += rest;
  }
  return m;
}

TEST(CtcBeamSearch, CollapsesRepeatsAndKeepsBlankSeparatedDoubles) {
  // "AAB" with a blank between the two A runs, then B; alphabet "AB" (A=1, B=2).
  const cv::Mat p = probs({{{1, 1.0f}}, {{1, 1.0f}}, {}, {{1, 1.0f}}, {{2, 1.0f}}}, 3);
  const auto out = ctc_beam_search(p, "AB", 8, 3);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].text, "AAB");
  EXPECT_NEAR(out[0].confidence, 1.0, 1e-6);
}

TEST(CtcBeamSearch, SumsPathsAndRanksAlternatives) {
  // Step 0: A 0.6 / B 0.4; step 1: blank 0.5, A 0.5. Paths to "A": A-, AA, -A(0) ...
  const cv::Mat p = probs({{{1, 0.6f}, {2, 0.4f}}, {{1, 0.5f}}}, 3);
  const auto out = ctc_beam_search(p, "AB", 8, 5);
  ASSERT_GE(out.size(), 3u);
  // P("A") = 0.6*0.5 (A,blank) + 0.6*0.5 (A,A) = 0.6
  EXPECT_EQ(out[0].text, "A");
  EXPECT_NEAR(out[0].confidence, 0.6, 1e-6);
  // P("BA") = 0.4*0.5 = 0.2, P("B") = 0.4*0.5 = 0.2
  EXPECT_NEAR(out[1].confidence, 0.2, 1e-6);
  EXPECT_NEAR(out[2].confidence, 0.2, 1e-6);
  EXPECT_EQ(ctc_beam_search(p, "AB", 8, 1).size(), 1u);
}

TEST(CtcRecognizer, RejectsMissingModelAndBadMetadata) {
  testing::TempDir dir;
  const auto json = dir.path() / "m.json";
  std::ofstream(json) << R"({"input": {"height": 64}})";
  EXPECT_THROW(CtcRecognizer({dir.path() / "none.onnx", dir.path() / "none.json", 16}), IoError);
  EXPECT_THROW(CtcRecognizer({dir.path() / "none.onnx", json, 16}), InvalidInput);
}

/// Writes a valid recogniser sidecar at `json` with `extra` (", \"key\": value" pairs)
/// appended to its fields.
void write_minimal_metadata(const std::filesystem::path& json, const std::string& extra) {
  std::ofstream(json) << R"({"input": {"height": 64, "width": 192}, "alphabet": "0123456789",
      "output": {"rows": 2, "steps": 48}, "rectifier_margin": 0.06, "blank": 0)"
                      << extra << "}";
}

TEST(RecognizerMetadata, CropScalesDefaultToOneAndAreChecked) {
  testing::TempDir dir;
  const auto json = dir.path() / "m.json";
  auto write = [&](const std::string& extra) { write_minimal_metadata(json, extra); };
  write("");
  EXPECT_EQ(load_recognizer_metadata(json).crop_scales, std::vector<double>{1.0});
  write(R"(, "crop_scales": [1.0, 0.92, 0.85])");
  EXPECT_EQ(load_recognizer_metadata(json).crop_scales, (std::vector<double>{1.0, 0.92, 0.85}));
  write(R"(, "crop_scales": [1.0, 2.0])");
  EXPECT_THROW((void)load_recognizer_metadata(json), InvalidInput);
  write(R"(, "crop_scales": [])");
  EXPECT_THROW((void)load_recognizer_metadata(json), InvalidInput);
}

TEST(RecognizerMetadata, CropStopConfidenceDefaultsToOneAndIsChecked) {
  testing::TempDir dir;
  const auto json = dir.path() / "m.json";
  auto write = [&](const std::string& extra) { write_minimal_metadata(json, extra); };
  write("");
  EXPECT_DOUBLE_EQ(load_recognizer_metadata(json).crop_stop_confidence, 1.0);
  write(R"(, "crop_stop_confidence": 0.9)");
  EXPECT_DOUBLE_EQ(load_recognizer_metadata(json).crop_stop_confidence, 0.9);
  write(R"(, "crop_stop_confidence": 1.2)");
  EXPECT_THROW((void)load_recognizer_metadata(json), InvalidInput);
  write(R"(, "crop_stop_confidence": "high")");
  EXPECT_THROW((void)load_recognizer_metadata(json), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::alpr
