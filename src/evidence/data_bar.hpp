// The data bar of an evidence image: a black band under the frame holding the facts a
// reviewer (or a court) reads with the picture — site, camera, time (UTC and local), rule and
// its key figures. The frame's own pixels are never drawn over.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace roadwarden::evidence {

/// A copy of `frame` (8-bit BGR H×W×3 or grey H×W, non-empty) with a black band appended
/// below it holding `lines` in white, one text line per entry, top to bottom. The result is
/// BGR 8-bit, W wide and H + band tall; the band is (lines.size() × line height + margin)
/// pixels, the font cv::FONT_HERSHEY_SIMPLEX scaled to the frame width (scale W / 1600,
/// at least 0.4, so a line of about 80 characters fits a frame of any width; longer lines
/// are cut by the frame edge, never wrapped). Text is ASCII: other bytes render as '?'
/// (Hershey fonts have no other glyphs). `lines` may be empty (a thin black band). The
/// frame is not modified. Throws InvalidInput for an empty frame or another pixel type.
/// Thread-safe.
[[nodiscard]] cv::Mat with_data_bar(const cv::Mat& frame, const std::vector<std::string>& lines);

/// Height in pixels of the band with_data_bar() appends for `line_count` lines under a frame
/// `frame_width` pixels wide (for tests and layout). Throws InvalidInput for a width < 1 or a
/// negative count.
[[nodiscard]] int data_bar_height(int frame_width, int line_count);

}  // namespace roadwarden::evidence
