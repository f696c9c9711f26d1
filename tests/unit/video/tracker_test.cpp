// Tracker behaviour on synthetic per-frame plate results (no models): voting, association of
// nearby and crossing vehicles, occlusion, sparse detection, best-frame choice, direction.
#include "video/tracker.hpp"

#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "support/traffic_video.hpp"

namespace roadwarden::video {
namespace {

constexpr int kWidth = 1280;
constexpr int kHeight = 720;
constexpr std::int64_t kStartMs = 1'800'000'000'000;

/// A frame whose top-left 8×8 block stamps its sequence number (mod 64) as the grey level
/// 4 × (sequence mod 64), so a test can tell which frame a Pass kept (the best frame's I420
/// storage moves a grey level by at most 1).
Frame make_frame(std::int64_t sequence, bool with_image = true) {
  Frame f;
  if (with_image) {
    f.image = cv::Mat(kHeight, kWidth, CV_8UC3, cv::Scalar(90, 90, 90));
    const auto level = static_cast<double>(4 * (sequence % 64));
    f.image(cv::Rect(0, 0, 8, 8)).setTo(cv::Scalar(level, level, level));
  }
  f.index = sequence;
  f.sequence = sequence;
  f.position_ms = 40.0 * static_cast<double>(sequence);
  f.capture_time = UtcTime{kStartMs + 40 * sequence};
  return f;
}

/// The stamp of a kept frame: its sequence number mod 64.
int stamp(const CompactFrame& frame) {
  const cv::Mat image = frame.to_bgr();
  return static_cast<int>(std::lround(cv::mean(image(cv::Rect(0, 0, 8, 8)))[1] / 4));
}

/// A plate result centred at (cx, cy), w × h pixels, with an axis-aligned region.
PlateResult plate(const std::string& text, double cx, double cy, double w, double h,
                  double confidence = 0.8, double detector = 0.9) {
  PlateResult r;
  r.corners = Quad::from_box(Box{cx - w / 2, cy - h / 2, w, h});
  r.detector_confidence = detector;
  r.text = text;
  r.confidence = text.empty() ? 0.0 : confidence;
  r.char_confidences.assign(text.size(), confidence);
  if (!text.empty()) r.candidates.push_back(Candidate{text, confidence, "uz.private", false});
  r.country = text.empty() ? "" : "uz";
  r.format = text.empty() ? "" : "uz.private";
  return r;
}

/// Runs frames 0..n-1 through update() with the results `at(i)`, then `tail` frames without
/// plates, then finish(); returns every pass in the order produced.
std::vector<Pass> run(Tracker& tracker, int n,
                      const std::function<std::vector<PlateResult>(int)>& at, int tail = 0) {
  std::vector<Pass> out;
  for (int i = 0; i < n + tail; ++i) {
    auto passes = tracker.update(make_frame(i), i < n ? at(i) : std::vector<PlateResult>{});
    for (auto& p : passes) out.push_back(std::move(p));
  }
  for (auto& p : tracker.finish()) out.push_back(std::move(p));
  return out;
}

TEST(TextDistance, IsLevenshteinOverLongerLength) {
  EXPECT_DOUBLE_EQ(text_distance("", ""), 0.0);
  EXPECT_DOUBLE_EQ(text_distance("01A123BC", "01A123BC"), 0.0);
  EXPECT_DOUBLE_EQ(text_distance("01A123BC", "01A128BC"), 1.0 / 8);
  EXPECT_DOUBLE_EQ(text_distance("01A123BC", "1A123BC"), 1.0 / 8);
  EXPECT_DOUBLE_EQ(text_distance("ABC", ""), 1.0);
  EXPECT_DOUBLE_EQ(text_distance("ABCD", "WXYZ"), 1.0);
}

TEST(Tracker, OneCarWithOneWrongCharacterInFifthOfFramesGivesOnePassWithTrueText) {
  const std::string truth = "01A123BC";
  Tracker tracker("cam-1");
  std::vector<Pass> passes = run(
      tracker, 60,
      [&](int i) {
        std::string text = truth;
        if (i % 5 == 2) text[static_cast<std::size_t>(i % 8)] = (text[i % 8] == '8' ? 'B' : '8');
        // Approaching: grows from 80 to ~200 px wide while moving down.
        const double w = 80 + 2.0 * i;
        return std::vector<PlateResult>{
            plate(text, 640 + i, 200 + 6.0 * i, w, w / 4.7, i % 5 == 2 ? 0.9 : 0.7)};
      },
      /*tail=*/20);
  ASSERT_EQ(passes.size(), 1u);
  const PlateRead& r = passes[0].read;
  EXPECT_EQ(r.camera, "cam-1");
  EXPECT_EQ(r.text, truth);
  EXPECT_EQ(r.frames_read, 60);
  EXPECT_EQ(r.votes, 48);
  EXPECT_NEAR(r.confidence, 0.7, 1e-9);
  ASSERT_EQ(r.char_confidences.size(), truth.size());
  for (double c : r.char_confidences) {
    EXPECT_GT(c, 0.5);
    EXPECT_LE(c, 1.0);
  }
  ASSERT_FALSE(r.candidates.empty());
  EXPECT_EQ(r.candidates.front().text, truth);
  EXPECT_GT(r.candidates.size(), 1u);
  for (std::size_t i = 1; i < r.candidates.size(); ++i) {
    EXPECT_NE(r.candidates[i].text, truth);
  }
  EXPECT_EQ(r.country, "uz");
  EXPECT_EQ(r.format, "uz.private");
  EXPECT_EQ(r.direction, "approaching");
  EXPECT_EQ(r.first_seen.unix_ms, kStartMs);
  EXPECT_EQ(r.last_seen.unix_ms, kStartMs + 40 * 59);
  // The best frame read the winning text; among equal confidences the largest plate wins.
  EXPECT_EQ(r.best_sequence, 59);
  EXPECT_EQ(stamp(passes[0].best_frame), r.best_sequence % 64);
  EXPECT_EQ(passes[0].best_frame.size(), cv::Size(kWidth, kHeight));
  EXPECT_EQ(tracker.live_tracks(), 0u);
}

TEST(Tracker, TrackFinishesAfterMaxMissedDetectionFrames) {
  TrackerOptions o;
  o.max_missed_frames = 5;
  Tracker tracker("cam-1", o);
  std::vector<std::pair<int, Pass>> got;
  for (int i = 0; i < 30; ++i) {
    std::vector<PlateResult> reads;
    if (i < 10) reads.push_back(plate("AB123CD", 400 + 3.0 * i, 400, 150, 32));
    for (auto& p : tracker.update(make_frame(i), reads)) got.emplace_back(i, std::move(p));
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, 9 + 5);  // the fifth detection frame without a match
  EXPECT_EQ(got[0].second.read.text, "AB123CD");
  EXPECT_TRUE(tracker.finish().empty());
}

TEST(Tracker, TwoCarsFollowingCloselyInSameLaneGiveTwoPasses) {
  // Same lane, both approaching (moving down, growing); the follower is one plate height
  // and a bit behind and reaches the leader's earlier positions while the leader is still
  // in view, then the leader leaves at the bottom.
  const std::string a = "01A123BC", b = "01B456KA";
  Tracker tracker("cam-1");
  auto passes = run(tracker, 90, [&](int i) {
    std::vector<PlateResult> reads;
    if (i < 60) {
      const double w = 120 + i;
      reads.push_back(plate(a, 640, 300 + 6.0 * i, w, w / 4.7));
    }
    if (i >= 15) {
      const int j = i - 15;
      const double w = 120 + j;
      reads.push_back(plate(b, 640, 300 + 6.0 * j - 40, w, w / 4.7));
    }
    return reads;
  });
  ASSERT_EQ(passes.size(), 2u);
  EXPECT_EQ(passes[0].read.text, a);
  EXPECT_EQ(passes[1].read.text, b);
  EXPECT_EQ(passes[0].read.frames_read, 60);
  EXPECT_EQ(passes[1].read.frames_read, 75);
}

TEST(Tracker, SecondCarArrivingWhereFirstVanishedStaysSeparateByText) {
  // The first car's plate stops being detected at frame 20; the second car's plate appears
  // exactly where the first one's track predicts it a few frames later.
  const std::string a = "10123ABC", b = "40777XYZ";
  Tracker tracker("cam-1");
  auto passes = run(tracker, 50, [&](int i) {
    std::vector<PlateResult> reads;
    const auto x = 300 + 10.0 * i;
    if (i < 20) reads.push_back(plate(a, x, 400, 160, 34));
    if (i >= 23) reads.push_back(plate(b, x, 400, 160, 34));
    return reads;
  });
  ASSERT_EQ(passes.size(), 2u);
  EXPECT_EQ(passes[0].read.text, a);
  EXPECT_EQ(passes[1].read.text, b);
  EXPECT_EQ(passes[0].read.frames_read, 20);
  EXPECT_EQ(passes[1].read.frames_read, 27);
}

TEST(Tracker, OnePartialReadOfASmallPlateDoesNotSplitTheTrackWhenThePlateGrowsReadable) {
  // As edge_bench saw at 1080p: an approaching plate, unreadable while small except for one
  // partial read ("Z44N", and one more of another length), then read in full from frame 20.
  // The full text is 0.57 from "Z44N" (beyond the 0.5 gate), but a reference read once is
  // no evidence of another vehicle: one track, one pass, the true text.
  const std::string truth = "ZG454HE";
  Tracker tracker("cam-1");
  auto passes = run(tracker, 50, [&](int i) {
    const double w = 90 + i, y = 500 + 5.0 * i;
    std::string text;
    double confidence = 0.9;
    if (i == 5) text = "Z44N", confidence = 0.66;  // outweighs the other partial read
    if (i == 15) text = "ZQ44HI", confidence = 0.63;
    if (i >= 20 && i % 2 == 0) text = truth;
    return std::vector<PlateResult>{plate(text, 960, y, w, w / 3.5, confidence)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, truth);
  EXPECT_EQ(passes[0].read.first_seen.unix_ms, kStartMs);
  EXPECT_EQ(passes[0].read.last_seen.unix_ms, kStartMs + 40 * 49);
}

TEST(Tracker, WithoutTheTextGateTheHandoverMergesIntoOneTrack) {
  // Control for the test above: the same scene with the text gate opened wide associates
  // by position alone, and the two cars become one (wrong) pass.
  TrackerOptions o;
  o.max_text_distance = 1.0;
  o.text_weight = 0.0;
  Tracker tracker("cam-1", o);
  auto passes = run(tracker, 50, [&](int i) {
    std::vector<PlateResult> reads;
    const auto x = 300 + 10.0 * i;
    if (i < 20) reads.push_back(plate("10123ABC", x, 400, 160, 34));
    if (i >= 23) reads.push_back(plate("40777XYZ", x, 400, 160, 34));
    return reads;
  });
  EXPECT_EQ(passes.size(), 1u);
}

TEST(Tracker, CrossingPathsGiveTwoPassesWithCorrectTexts) {
  // Car A drives right, car B left on the same row; they cross at frame 30. Where their
  // regions overlap, the detector reports only the more confident one (Alpr's duplicate
  // suppression), as a real pipeline would.
  const std::string a = "01A123BC", b = "30K555MM";
  Tracker tracker("cam-1");
  auto passes = run(tracker, 60, [&](int i) {
    const PlateResult pa = plate(a, 340 + 10.0 * i, 400, 150, 32, 0.8);
    const PlateResult pb = plate(b, 940 - 10.0 * i, 404, 150, 32, 0.75);
    if (iou(pa.corners.bounding_box(), pb.corners.bounding_box()) > 0.3) return std::vector{pa};
    return std::vector{pa, pb};
  });
  ASSERT_EQ(passes.size(), 2u);
  const PlateRead& ra = passes[0].read.text == a ? passes[0].read : passes[1].read;
  const PlateRead& rb = passes[0].read.text == a ? passes[1].read : passes[0].read;
  EXPECT_EQ(ra.text, a);
  EXPECT_EQ(rb.text, b);
  EXPECT_EQ(ra.direction, "right");
  EXPECT_EQ(rb.direction, "left");
  EXPECT_EQ(ra.votes, 60);
  EXPECT_EQ(rb.first_seen.unix_ms, kStartMs);
  EXPECT_EQ(rb.last_seen.unix_ms, kStartMs + 40 * 59);
}

TEST(Tracker, LaneChangeAcrossAnotherCarGivesTwoPasses) {
  // Car A changes from the left lane into the right lane, passing just in front of car B,
  // which stays in the right lane; both approach.
  const std::string a = "01A123BC", b = "01A128BE";  // deliberately similar texts
  Tracker tracker("cam-1");
  auto passes = run(tracker, 60, [&](int i) {
    const double wa = 140 + i, wb = 130 + i;
    return std::vector<PlateResult>{plate(a, 400 + 8.0 * i, 300 + 5.0 * i, wa, wa / 4.7),
                                    plate(b, 800, 260 + 5.0 * i, wb, wb / 4.7)};
  });
  ASSERT_EQ(passes.size(), 2u);
  EXPECT_NE(passes[0].read.text, passes[1].read.text);
  for (const Pass& p : passes) {
    EXPECT_TRUE(p.read.text == a || p.read.text == b) << p.read.text;
    EXPECT_EQ(p.read.votes, 60) << p.read.text;
  }
}

TEST(Tracker, OcclusionForAFewFramesKeepsOneTrack) {
  Tracker tracker("cam-1");
  auto passes = run(tracker, 60, [&](int i) {
    if (i >= 20 && i < 28) return std::vector<PlateResult>{};  // a truck passes in front
    return std::vector<PlateResult>{plate("AB123CD", 200 + 12.0 * i, 380, 150, 32)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.frames_read, 52);
  EXPECT_EQ(passes[0].read.direction, "right");
}

TEST(Tracker, PlateEnteringAtFrameEdgeKeepsBestFrameWithFullPlate) {
  // The plate enters from the right edge moving left; in the first frames part of it is
  // outside (corners clipped to the frame) and the recogniser is, wrongly, more confident.
  Tracker tracker("cam-1");
  auto passes = run(tracker, 40, [&](int i) {
    const double cx = kWidth + 40 - 15.0 * i, w = 200;
    const double left = cx - w / 2, right = std::min(cx + w / 2, kWidth - 1.0);
    PlateResult r = plate("01A123BC", (left + right) / 2, 500, right - left, 44,
                          cx + w / 2 > kWidth ? 0.97 : 0.6 + 0.005 * i);
    return std::vector<PlateResult>{r};
  });
  ASSERT_EQ(passes.size(), 1u);
  const PlateRead& r = passes[0].read;
  EXPECT_EQ(r.text, "01A123BC");
  for (const Point& p : r.best_corners.corners) {
    EXPECT_GE(p.x, 4.0);
    EXPECT_LE(p.x, kWidth - 4.0);
  }
  EXPECT_NEAR(r.best_corners.width(), 200, 1e-9);
  EXPECT_EQ(r.best_sequence, 39);  // highest confidence among fully visible frames
  EXPECT_EQ(stamp(passes[0].best_frame), 39);
  EXPECT_EQ(r.best_time.unix_ms, kStartMs + 40 * 39);
  EXPECT_DOUBLE_EQ(r.detector_confidence, 0.9);
  EXPECT_EQ(r.direction, "left");
}

TEST(Tracker, TrackOfOnlyEmptyReadsGivesNoPass) {
  Tracker tracker("cam-1");
  auto passes = run(
      tracker, 40,
      [&](int i) { return std::vector<PlateResult>{plate("", 300 + 5.0 * i, 300, 120, 26)}; }, 20);
  EXPECT_TRUE(passes.empty());
  EXPECT_EQ(tracker.live_tracks(), 0u);
}

TEST(Tracker, TrackWithFewerReadsThanMinVotesGivesNoPass) {
  TrackerOptions o;
  o.min_votes = 3;
  Tracker tracker("cam-1", o);
  auto passes = run(tracker, 30, [&](int i) {
    return std::vector<PlateResult>{
        plate(i == 4 || i == 9 ? "AB123CD" : "", 300 + 5.0 * i, 300, 120, 26)};
  });
  EXPECT_TRUE(passes.empty());
}

TEST(Tracker, EmptyReadsDoNotVoteButCountTowardsTheTrack) {
  Tracker tracker("cam-1");
  auto passes = run(tracker, 30, [&](int i) {
    return std::vector<PlateResult>{
        plate(i % 3 == 0 ? "AB123CD" : "", 300 + 5.0 * i, 300, 120, 26)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "AB123CD");
  EXPECT_EQ(passes[0].read.frames_read, 10);
  EXPECT_EQ(passes[0].read.votes, 10);
  EXPECT_EQ(passes[0].read.best_sequence % 3, 0);
}

TEST(Tracker, EarliestLiveStartIsTheOldestLiveTracksFirstSighting) {
  Tracker tracker("cam-1");
  EXPECT_FALSE(tracker.earliest_live_start().has_value());
  const Frame f0 = make_frame(10), f1 = make_frame(11);
  (void)tracker.update(f0, {plate("01A123BC", 300, 300, 120, 26)});
  (void)tracker.update(
      f1, {plate("01A123BC", 305, 300, 120, 26), plate("40B777XY", 900, 500, 120, 26)});
  ASSERT_EQ(tracker.live_tracks(), 2u);
  EXPECT_EQ(tracker.earliest_live_start(), f0.capture_time);
  (void)tracker.finish();
  EXPECT_FALSE(tracker.earliest_live_start().has_value());
}

TEST(Tracker, SkippedFramesBetweenDetectionsKeepOneTrack) {
  // Detection every 4th frame; the plate moves 25 px per frame, i.e. one full plate width
  // between detections (no overlap with where it was), so association relies on the motion
  // prediction.
  Tracker tracker("cam-1");
  std::vector<Pass> passes;
  for (int i = 0; i < 48; ++i) {
    const Frame f = make_frame(i, i % 4 == 0);
    std::vector<Pass> got;
    if (i % 4 == 0) {
      got = tracker.update(f, {plate("01A123BC", 100 + 25.0 * i, 420, 100, 22)});
      EXPECT_EQ(tracker.live_tracks(), 1u) << "frame " << i;
    } else {
      got = tracker.skip(f);
    }
    for (auto& p : got) passes.push_back(std::move(p));
  }
  for (auto& p : tracker.finish()) passes.push_back(std::move(p));
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.frames_read, 12);
  EXPECT_EQ(passes[0].read.direction, "right");
}

TEST(Tracker, PlateJumpingFarFromPredictionStartsNewTrack) {
  // Moving right 30 px per frame, then a result 1.65 plate widths behind the prediction:
  // the centre gate refuses it, so it starts a second track.
  Tracker tracker("cam-1");
  std::vector<Pass> passes;
  for (int i = 0; i < 6; ++i) {
    const double x = i < 3 ? 400 + 30.0 * i : 160 + 30.0 * (i - 3);
    for (auto& p : tracker.update(make_frame(i), {plate("01A123BC", x, 420, 200, 43)})) {
      passes.push_back(std::move(p));
    }
  }
  EXPECT_EQ(tracker.live_tracks(), 2u);
  for (auto& p : tracker.finish()) passes.push_back(std::move(p));
  ASSERT_EQ(passes.size(), 2u);
  EXPECT_EQ(passes[0].read.frames_read, 3);
  EXPECT_EQ(passes[1].read.frames_read, 3);
}

TEST(Tracker, LongGapWithoutMatchFinishesTrackOnSkip) {
  TrackerOptions o;
  o.max_gap_ms = 1000;
  Tracker tracker("cam-1", o);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        tracker.update(make_frame(i), {plate("AB123CD", 300 + 4.0 * i, 300, 120, 26)}).empty());
  }
  std::vector<Pass> passes;
  int finished_at = -1;
  for (int i = 5; i < 60 && passes.empty(); ++i) {
    passes = tracker.skip(make_frame(i, false));
    finished_at = i;
  }
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(finished_at, 4 + 26);  // first frame more than 1000 ms after the last match
}

TEST(Tracker, DirectionApproachingAndReceding) {
  for (const bool approaching : {true, false}) {
    Tracker tracker("cam-1");
    auto passes = run(tracker, 50, [&](int i) {
      const int k = approaching ? i : 49 - i;
      const double w = 90 + 3.0 * k;
      return std::vector<PlateResult>{plate("01A123BC", 640 + 0.5 * k, 200 + 8.0 * k, w, w / 4.7)};
    });
    ASSERT_EQ(passes.size(), 1u);
    EXPECT_EQ(passes[0].read.direction, approaching ? "approaching" : "receding");
  }
}

TEST(Tracker, StationaryPlateHasUnknownDirection) {
  Tracker tracker("cam-1");
  auto passes = run(tracker, 20, [&](int) {
    return std::vector<PlateResult>{plate("01A123BC", 640, 400, 150, 32)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.direction, "unknown");
}

TEST(Tracker, VotesPerCharacterWhenNoFrameReadTheWholeTextRight) {
  // Every frame has one error, at a different position; the per-position vote recovers the
  // truth, which no single frame read.
  const std::string truth = "AB123CD";
  Tracker tracker("cam-1");
  auto passes = run(tracker, 14, [&](int i) {
    std::string t = truth;
    t[static_cast<std::size_t>(i % 7)] = 'Z';
    return std::vector<PlateResult>{plate(t, 400 + 2.0 * i, 300, 150, 32)};
  });
  ASSERT_EQ(passes.size(), 1u);
  const PlateRead& r = passes[0].read;
  EXPECT_EQ(r.text, truth);
  EXPECT_EQ(r.votes, 0);
  EXPECT_EQ(r.candidates.front().text, truth);
  ASSERT_EQ(r.char_confidences.size(), 7u);
  EXPECT_NEAR(r.char_confidences[0], 12.0 / 14, 1e-9);
  EXPECT_GT(r.confidence, 0.0);
  EXPECT_LT(r.confidence, 0.8);
}

TEST(Tracker, ReadsOfMinorityLengthDoNotVote) {
  Tracker tracker("cam-1");
  auto passes = run(tracker, 10, [&](int i) {
    return std::vector<PlateResult>{
        plate(i < 3 ? "01A123B" : "01A123BC", 400 + 2.0 * i, 300, 150, 32, i < 3 ? 0.99 : 0.5)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "01A123BC");
  EXPECT_EQ(passes[0].read.frames_read, 10);
  ASSERT_EQ(passes[0].read.candidates.size(), 2u);
  EXPECT_EQ(passes[0].read.candidates[1].text, "01A123B");
}

TEST(Tracker, ValidPlateReadsOutvoteAMajorityWithAnExtraCharacter) {
  // 7 of 10 frames read the flag block as a ninth character; 3 read a valid Uzbek plate.
  const auto at = [](int i) {
    return std::vector<PlateResult>{
        plate(i % 3 == 0 ? "01Q990PC" : "01Q990PCB", 400 + 2.0 * i, 300, 150, 32, 0.6)};
  };
  Tracker plain("cam-1");
  auto passes = run(plain, 10, at);
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "01Q990PCB");  // without a validity test the majority wins

  TrackerOptions o;
  o.valid_text = [](std::string_view t) { return t.size() == 8; };
  Tracker with_formats("cam-1", o);
  passes = run(with_formats, 10, at);
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "01Q990PC");
  EXPECT_EQ(passes[0].read.votes, 4);
  EXPECT_EQ(passes[0].read.frames_read, 10);
}

TEST(Tracker, FewerValidReadsThanMinVotesLeaveTheVoteToAllReads) {
  TrackerOptions o;
  o.min_votes = 2;
  o.valid_text = [](std::string_view t) { return t == "01A123BC"; };
  Tracker tracker("cam-1", o);
  auto passes = run(tracker, 10, [](int i) {
    return std::vector<PlateResult>{
        plate(i == 0 ? "01A123BC" : "01A123BG", 400 + 2.0 * i, 300, 150, 32, 0.6)};
  });
  ASSERT_EQ(passes.size(), 1u);
  EXPECT_EQ(passes[0].read.text, "01A123BG");
}

TEST(Tracker, PerfectDetectionsOfSyntheticTrafficGiveOnePassPerVehicle) {
  // The truth of generated traffic scenes (perspective growth, lane changes, crossings,
  // occlusion) fed as detections with correct texts: one pass per vehicle seen on >= 2
  // frames, with its text, and no other passes. By design a vehicle hidden for
  // max_missed_frames (12) or more detection frames in a row yields one pass per visible
  // stretch (the generator makes such long occlusions behind nearer vehicles).
  for (const int seed : {1, 2, 3}) {
    const auto spec = testing::random_traffic_scene(seed, {1920, 1080}, 250, 8);
    const testing::TrafficRenderer scene(spec);
    std::vector<std::vector<PlateResult>> per_frame(static_cast<std::size_t>(spec.frames));
    std::multiset<std::string> expected;
    for (const auto& v : scene.truth().vehicles) {
      int seen = 0, last = -1000;
      for (const auto& p : v.plates) {
        if (!p.visible) continue;
        PlateResult r = plate(v.text, 0, 0, 1, 1);
        r.corners = p.corners;
        per_frame[static_cast<std::size_t>(p.frame)].push_back(r);
        if (p.frame - last - 1 >= TrackerOptions{}.max_missed_frames) {  // a new stretch
          if (seen >= 2) expected.insert(v.text);
          seen = 0;
        }
        ++seen;
        last = p.frame;
      }
      if (seen >= 2) expected.insert(v.text);
    }
    Tracker tracker("cam-1");
    Frame f = make_frame(0);
    std::multiset<std::string> got;
    for (int i = 0; i < spec.frames; ++i) {
      f.sequence = i;
      f.capture_time = UtcTime{kStartMs + 40 * i};
      f.image = cv::Mat(1080, 1920, CV_8UC3, cv::Scalar::all(0));
      for (const Pass& p : tracker.update(f, per_frame[static_cast<std::size_t>(i)])) {
        got.insert(p.read.text);
      }
    }
    for (const Pass& p : tracker.finish()) got.insert(p.read.text);
    EXPECT_EQ(got, expected) << "seed " << seed;
  }
}

TEST(Tracker, RejectsBadOptionsNamingThem) {
  auto expect_named = [](const char* name, const std::function<void(TrackerOptions&)>& edit) {
    TrackerOptions o;
    edit(o);
    try {
      Tracker t("cam-1", o);
      ADD_FAILURE() << name << " accepted";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  };
  expect_named("min_iou", [](auto& o) { o.min_iou = 1.0; });
  expect_named("max_centre_jump", [](auto& o) { o.max_centre_jump = 0; });
  expect_named("text_weight", [](auto& o) { o.text_weight = -1; });
  expect_named("max_text_distance", [](auto& o) { o.max_text_distance = 1.5; });
  expect_named("velocity_alpha", [](auto& o) { o.velocity_alpha = 0; });
  expect_named("max_missed_frames", [](auto& o) { o.max_missed_frames = 0; });
  expect_named("max_gap_ms", [](auto& o) { o.max_gap_ms = 0; });
  expect_named("max_track_frames", [](auto& o) { o.max_track_frames = 1; });
  expect_named("min_votes", [](auto& o) { o.min_votes = 0; });
  expect_named("edge_margin_px", [](auto& o) { o.edge_margin_px = -1; });
  expect_named("direction_min_growth", [](auto& o) { o.direction_min_growth = 1.0; });
  expect_named("direction_min_lateral", [](auto& o) { o.direction_min_lateral = 0; });
  expect_named("max_candidates", [](auto& o) { o.max_candidates = 0; });
  EXPECT_THROW(Tracker("", {}), InvalidInput);
  EXPECT_NO_THROW(Tracker("cam-1", {}));
}

TEST(Tracker, RejectsFramesOutOfSequenceAndEmptyImages) {
  Tracker tracker("cam-1");
  EXPECT_TRUE(tracker.update(make_frame(5), {}).empty());
  EXPECT_THROW((void)tracker.update(make_frame(5), {}), InvalidInput);
  EXPECT_THROW((void)tracker.skip(make_frame(3, false)), InvalidInput);
  EXPECT_THROW((void)tracker.update(make_frame(6, false), {}), InvalidInput);
  PlateResult degenerate = plate("AB123CD", 100, 100, 0, 0);
  EXPECT_THROW((void)tracker.update(make_frame(7), {degenerate}), InvalidInput);
}

TEST(Tracker, OverlongTrackIsCutIntoPasses) {
  TrackerOptions o;
  o.max_track_frames = 20;
  Tracker tracker("cam-1", o);
  auto passes = run(tracker, 50, [&](int) {
    return std::vector<PlateResult>{plate("01A123BC", 640, 400, 150, 32)};
  });
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[0].read.frames_read, 20);
  EXPECT_EQ(passes[1].read.frames_read, 20);
  EXPECT_EQ(passes[2].read.frames_read, 10);
}

TEST(Tracker, PassCarriesThePathOfEveryMatchedFrame) {
  // Detection on even frames only: the path has the matched (even) frames, in order, with
  // their times, sequences, corners and the bottom centre of the plate box.
  Tracker tracker("cam-1");
  std::vector<Pass> passes;
  for (int i = 0; i < 30; ++i) {
    const Frame f = make_frame(i);
    auto out = i % 2 == 0
                   ? tracker.update(f, {plate("01A123BC", 400 + 5.0 * i, 300 + 4.0 * i, 120, 30)})
                   : tracker.skip(f);
    for (auto& p : out) passes.push_back(std::move(p));
  }
  for (auto& p : tracker.finish()) passes.push_back(std::move(p));
  ASSERT_EQ(passes.size(), 1u);
  const std::vector<PathPoint>& path = passes[0].path;
  ASSERT_EQ(path.size(), 15u);
  for (std::size_t k = 0; k < path.size(); ++k) {
    const auto i = static_cast<std::int64_t>(2 * k);
    EXPECT_EQ(path[k].sequence, i);
    EXPECT_EQ(path[k].time.unix_ms, kStartMs + 40 * i);
    const Point bc = path[k].bottom_centre();
    EXPECT_DOUBLE_EQ(bc.x, 400 + 5.0 * static_cast<double>(i));
    EXPECT_DOUBLE_EQ(bc.y, 300 + 4.0 * static_cast<double>(i) + 15);
    EXPECT_DOUBLE_EQ(path[k].box.width, 120);
    EXPECT_EQ(path[k].corners.bounding_box().y, path[k].box.y);
  }
  EXPECT_EQ(path.front().time, passes[0].read.first_seen);
  EXPECT_EQ(path.back().time, passes[0].read.last_seen);
}

TEST(Tracker, PathIsBoundedByMaxTrackFrames) {
  TrackerOptions o;
  o.max_track_frames = 20;
  Tracker tracker("cam-1", o);
  auto passes = run(tracker, 45, [&](int) {
    return std::vector<PlateResult>{plate("01A123BC", 640, 400, 150, 32)};
  });
  ASSERT_EQ(passes.size(), 3u);
  EXPECT_EQ(passes[0].path.size(), 20u);
  EXPECT_EQ(passes[1].path.size(), 20u);
  EXPECT_EQ(passes[1].path.front().sequence, 20);
  EXPECT_EQ(passes[2].path.size(), 5u);
}

}  // namespace
}  // namespace roadwarden::video
