#include "alpr/alpr.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::alpr {

std::string input_side_error(int side) {
  if (side == 0 || (side >= 128 && side <= 2048 && side % 32 == 0)) return {};
  return fmt::format("must be 0 or a multiple of 32 in 128..2048, got {}", side);
}

Alpr::Alpr(std::unique_ptr<PlateDetector> detector, std::unique_ptr<Rectifier> rectifier,
           std::unique_ptr<Recognizer> recognizer, AlprOptions options,
           std::unique_ptr<PlateDetector> zoom_detector)
    : detector_(std::move(detector)),
      rectifier_(std::move(rectifier)),
      recognizer_(std::move(recognizer)),
      zoom_detector_(std::move(zoom_detector)),
      options_(std::move(options)) {
  if (!detector_ || !rectifier_ || !recognizer_) throw InvalidInput("Alpr: a stage is null");
  (void)formats_for(options_.country);  // throws InvalidInput naming the valid countries
  if (options_.top_n < 1 || options_.top_n > 50) {
    throw InvalidInput(fmt::format("top_n {} out of range 1..50", options_.top_n));
  }
  if (!(options_.min_detector_confidence >= 0 && options_.min_detector_confidence <= 1)) {
    throw InvalidInput("min_detector_confidence out of range 0..1");
  }
  if (options_.min_characters < 1 || options_.min_characters > 12) {
    throw InvalidInput(fmt::format("min_characters {} out of range 1..12", options_.min_characters));
  }
  if (options_.max_characters < options_.min_characters || options_.max_characters > 16) {
    throw InvalidInput(fmt::format("max_characters {} out of range min_characters..16",
                                   options_.max_characters));
  }
  if (!(options_.min_read_confidence >= 0 && options_.min_read_confidence <= 1)) {
    throw InvalidInput("min_read_confidence out of range 0..1");
  }
  if (!(options_.min_aspect > 0 && options_.min_aspect < options_.max_aspect)) {
    throw InvalidInput("min_aspect must be > 0 and below max_aspect");
  }
  if (!(options_.min_plate_height >= 1)) throw InvalidInput("min_plate_height must be >= 1");
  if (!(options_.duplicate_iou > 0 && options_.duplicate_iou <= 1)) {
    throw InvalidInput("duplicate_iou out of range (0, 1]");
  }
  if (options_.crop_scales.empty() || options_.crop_scales.size() > 4 ||
      std::any_of(options_.crop_scales.begin(), options_.crop_scales.end(),
                  [](double s) { return !(s >= 0.5 && s <= 1.5); })) {
    throw InvalidInput("crop_scales: 1 to 4 factors, each in [0.5, 1.5]");
  }
  if (!(options_.crop_stop_confidence >= 0 && options_.crop_stop_confidence <= 1)) {
    throw InvalidInput("crop_stop_confidence out of range 0..1");
  }
  if (!(options_.zoom_window >= 1.5 && options_.zoom_window <= 8)) {
    throw InvalidInput("zoom_window out of range 1.5..8");
  }
  if (!(options_.zoom_max_confidence >= 0 && options_.zoom_max_confidence <= 1)) {
    throw InvalidInput("zoom_max_confidence out of range 0..1");
  }
  if (!(options_.zoom_min_iou > 0 && options_.zoom_min_iou <= 1)) {
    throw InvalidInput("zoom_min_iou out of range (0, 1]");
  }
}

namespace {

/// `q` scaled about the centroid of its corners by `factor`.
Quad scaled_about_centroid(const Quad& q, double factor) {
  Point c{0, 0};
  for (const Point& p : q.corners) {
    c.x += p.x / 4;
    c.y += p.y / 4;
  }
  Quad out = q;
  for (Point& p : out.corners) p = {c.x + (p.x - c.x) * factor, c.y + (p.y - c.y) * factor};
  return out;
}

}  // namespace

Alpr::QuadRead Alpr::read_quad(const cv::Mat& bgr, const Quad& corners) const {
  // Each crop's read is ranked with the formats; the crop whose best candidate has the
  // highest ranking score wins (a tight crop that cut off characters reads a shorter text
  // that often matches no format).
  QuadRead best;
  for (const double scale : options_.crop_scales) {
    const Quad quad = scale == 1.0 ? corners : scaled_about_centroid(corners, scale);
    Recognition r = recognizer_->recognize(rectifier_->rectify(bgr, quad), options_.top_n);
    std::erase_if(r.candidates, [&](const Candidate& c) {
      const int n = static_cast<int>(c.text.size());
      const bool has_digit = c.text.find_first_of("0123456789") != std::string::npos;
      return n < options_.min_characters || n > options_.max_characters ||
             (options_.require_digit && !has_digit);
    });
    if (r.candidates.empty()) continue;  // nothing plate-like was read in this crop
    std::vector<Candidate> ranked =
        rank_with_formats(r.candidates, options_.country, options_.top_n, options_.formats);
    const double score = ranking_score(ranked.front(), options_.country, options_.formats);
    const bool sure = ranked.front().confidence > options_.crop_stop_confidence;
    if (score > best.score) {
      best.score = score;
      best.char_confidences = std::move(r.char_confidences);
      best.ranked = std::move(ranked);
    }
    if (sure) break;  // the remaining crops are not read
  }
  return best;
}

std::optional<Quad> Alpr::zoom(const cv::Mat& bgr, const Quad& corners) const {
  // The window: the region's box grown about its centre to zoom_window times its width and
  // at least zoom_window times its height (or half its width, for thin boxes), clamped to
  // the frame.
  const Box box = corners.bounding_box();
  const double cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const double half_w = box.width * options_.zoom_window / 2;
  const double half_h = std::max(box.height * options_.zoom_window, box.width / 2) / 2;
  // Clamped as doubles first: a wild quad must not overflow the int conversion.
  const auto to_col = [&](double v) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(bgr.cols)));
  };
  const auto to_row = [&](double v) {
    return static_cast<int>(std::clamp(v, 0.0, static_cast<double>(bgr.rows)));
  };
  const int x0 = std::min(to_col(std::floor(cx - half_w)), bgr.cols - 1);
  const int y0 = std::min(to_row(std::floor(cy - half_h)), bgr.rows - 1);
  const int x1 = std::max(to_col(std::ceil(cx + half_w)), x0 + 1);
  const int y1 = std::max(to_row(std::ceil(cy + half_h)), y0 + 1);
  std::optional<Quad> found;
  double best_iou = options_.zoom_min_iou;
  for (PlateRegion r : zoom_detector_->detect(bgr(cv::Range(y0, y1), cv::Range(x0, x1)))) {
    for (Point& p : r.corners.corners) p = {p.x + x0, p.y + y0};
    if (!plate_shaped(r)) continue;  // the same gates as a first region
    const double overlap = iou(r.corners.bounding_box(), box);
    if (found ? overlap > best_iou : overlap >= best_iou) {  // ties: the more confident
      best_iou = overlap;
      found = r.corners;
    }
  }
  return found;
}

bool Alpr::plate_shaped(const PlateRegion& region) const {
  const double height = region.corners.height();
  const double aspect = height > 0 ? region.corners.width() / height : 0.0;
  return region.confidence >= options_.min_detector_confidence &&
         height >= options_.min_plate_height && aspect >= options_.min_aspect &&
         aspect <= options_.max_aspect;
}

std::vector<PlateResult> Alpr::read(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw InvalidInput("Alpr::read: expected a non-empty BGR 8-bit image");
  }
  std::vector<PlateResult> results;
  for (const PlateRegion& region : detector_->detect(bgr)) {
    if (!plate_shaped(region)) continue;
    Quad corners = region.corners;
    QuadRead best = read_quad(bgr, corners);
    // A second look at a plate read less surely than zoom_max_confidence: its quad found again
    // in a window of the frame around it (for small plates at a higher resolution than the
    // first pass's).
    if (zoom_detector_ && !best.ranked.empty() &&
        best.ranked.front().confidence <= options_.zoom_max_confidence) {
      if (const std::optional<Quad> zoomed = zoom(bgr, corners)) {
        QuadRead second = read_quad(bgr, *zoomed);
        if (!second.ranked.empty() && second.score > best.score) {
          best = std::move(second);
          corners = *zoomed;
        }
      }
    }
    if (best.ranked.empty()) continue;  // nothing plate-like was read
    PlateResult r;
    r.corners = corners;
    r.detector_confidence = region.confidence;
    r.char_confidences = std::move(best.char_confidences);
    r.candidates = std::move(best.ranked);
    r.confidence = r.candidates.front().confidence;
    if (r.confidence >= options_.min_read_confidence) {
      r.text = r.candidates.front().text;
      r.format = r.candidates.front().format;
    }
    r.country = r.format.empty() ? (options_.country == "auto" ? "" : options_.country)
                                 : r.format.substr(0, r.format.find('.'));
    results.push_back(std::move(r));
  }
  // One plate, one result: drop reads overlapping a more confident one.
  std::stable_sort(results.begin(), results.end(), [](const PlateResult& a, const PlateResult& b) {
    return a.confidence > b.confidence;
  });
  std::vector<PlateResult> kept;
  for (PlateResult& r : results) {
    const Box box = r.corners.bounding_box();
    const bool dup = std::any_of(kept.begin(), kept.end(), [&](const PlateResult& k) {
      return iou(box, k.corners.bounding_box()) > options_.duplicate_iou;
    });
    if (!dup) kept.push_back(std::move(r));
  }
  return kept;
}

}  // namespace roadwarden::alpr
