#include "alpr/alpr.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::alpr {

Alpr::Alpr(std::unique_ptr<PlateDetector> detector, std::unique_ptr<Rectifier> rectifier,
           std::unique_ptr<Recognizer> recognizer, AlprOptions options)
    : detector_(std::move(detector)),
      rectifier_(std::move(rectifier)),
      recognizer_(std::move(recognizer)),
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

std::vector<PlateResult> Alpr::read(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw InvalidInput("Alpr::read: expected a non-empty BGR 8-bit image");
  }
  std::vector<PlateResult> results;
  for (const PlateRegion& region : detector_->detect(bgr)) {
    if (region.confidence < options_.min_detector_confidence) continue;
    const double height = region.corners.height();
    const double aspect = height > 0 ? region.corners.width() / height : 0.0;
    if (height < options_.min_plate_height || aspect < options_.min_aspect ||
        aspect > options_.max_aspect) {
      continue;  // not plate-shaped
    }
    // Each crop's read is ranked with the formats; the crop whose best candidate has the
    // highest ranking score wins (a tight crop that cut off characters reads a shorter text
    // that often matches no format).
    Recognition rec;
    std::vector<Candidate> ranked;
    double best_score = -1;
    for (const double scale : options_.crop_scales) {
      const Quad quad =
          scale == 1.0 ? region.corners : scaled_about_centroid(region.corners, scale);
      Recognition r = recognizer_->recognize(rectifier_->rectify(bgr, quad), options_.top_n);
      std::erase_if(r.candidates, [&](const Candidate& c) {
        const int n = static_cast<int>(c.text.size());
        const bool has_digit = c.text.find_first_of("0123456789") != std::string::npos;
        return n < options_.min_characters || n > options_.max_characters ||
               (options_.require_digit && !has_digit);
      });
      if (r.candidates.empty()) continue;  // nothing plate-like was read in this crop
      std::vector<Candidate> r_ranked =
          rank_with_formats(r.candidates, options_.country, options_.top_n, options_.formats);
      const double score = ranking_score(r_ranked.front(), options_.country, options_.formats);
      const bool sure = r_ranked.front().confidence > options_.crop_stop_confidence;
      if (score > best_score) {
        best_score = score;
        rec = std::move(r);
        ranked = std::move(r_ranked);
      }
      if (sure) break;  // the remaining crops are not read
    }
    if (ranked.empty()) continue;  // nothing plate-like was read
    PlateResult r;
    r.corners = region.corners;
    r.detector_confidence = region.confidence;
    r.char_confidences = rec.char_confidences;
    r.candidates = std::move(ranked);
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
