#include "video/tracker.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {

namespace {

/// One plate result of the track on one frame (no pixels: those are kept once per track).
struct Observation {
  std::int64_t sequence = 0;
  UtcTime time;
  Quad corners;
  Box box;
  double detector_confidence = 0;
  std::string text;
  double confidence = 0;
  std::string country;
  std::string format;
  bool corrected = false;
  bool fully_visible = false;
};

/// Result of character-level voting over a track's reads.
struct Vote {
  std::string text;
  std::vector<double> shares;  // winning share per position
  std::size_t length = 0;      // the modal length
  int support = 0;             // reads of the modal length that voted
};

void require(bool ok, const char* option, const std::string& rule) {
  if (!ok) throw InvalidInput(fmt::format("tracker option {} must be {}", option, rule));
}

bool finite(const Quad& q) {
  return std::all_of(q.corners.begin(), q.corners.end(),
                     [](const Point& p) { return std::isfinite(p.x) && std::isfinite(p.y); });
}

/// Votes over the non-empty reads of `obs`: the modal length (ties: larger total weight,
/// then the longer length), then per position the character with the largest summed weight
/// (ties: the smaller character, for determinism). Weight = read confidence, at least 1e-3
/// so a read with confidence 0 still counts. When `valid_text` is set and at least
/// `min_valid` reads satisfy it, only those reads vote.
Vote vote(const std::vector<Observation>& obs,
          const std::function<bool(std::string_view)>& valid_text, int min_valid) {
  std::vector<bool> votes(obs.size(), true);
  if (valid_text) {
    std::vector<bool> valid(obs.size(), false);
    int n = 0;
    for (std::size_t i = 0; i < obs.size(); ++i) {
      valid[i] = !obs[i].text.empty() && valid_text(obs[i].text);
      n += valid[i];
    }
    if (n >= min_valid) votes = valid;
  }
  std::map<std::size_t, std::pair<int, double>> lengths;  // length -> (count, weight)
  for (std::size_t k = 0; k < obs.size(); ++k) {
    const Observation& o = obs[k];
    if (o.text.empty() || !votes[k]) continue;
    auto& [count, weight] = lengths[o.text.size()];
    ++count;
    weight += std::max(o.confidence, 1e-3);
  }
  Vote v;
  if (lengths.empty()) return v;
  auto best = lengths.begin();
  for (auto it = lengths.begin(); it != lengths.end(); ++it) {
    if (std::tie(it->second.first, it->second.second, it->first) >
        std::tie(best->second.first, best->second.second, best->first)) {
      best = it;
    }
  }
  v.length = best->first;
  v.support = best->second.first;
  v.text.assign(v.length, '?');
  v.shares.assign(v.length, 0.0);
  for (std::size_t i = 0; i < v.length; ++i) {
    std::map<char, double> weights;
    double total = 0;
    for (std::size_t k = 0; k < obs.size(); ++k) {
      const Observation& o = obs[k];
      if (o.text.size() != v.length || !votes[k]) continue;
      const double w = std::max(o.confidence, 1e-3);
      weights[o.text[i]] += w;
      total += w;
    }
    char winner = '?';
    double top = -1;
    for (const auto& [c, w] : weights) {
      if (w > top) {  // map order: ties keep the smaller character
        top = w;
        winner = c;
      }
    }
    v.text[i] = winner;
    v.shares[i] = total > 0 ? top / total : 0.0;
  }
  return v;
}

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace

double text_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  if (n == 0 && m == 0) return 0.0;
  std::vector<std::size_t> row(m + 1);
  for (std::size_t j = 0; j <= m; ++j) row[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return static_cast<double>(row[m]) / static_cast<double>(std::max(n, m));
}

struct Tracker::Track {
  std::vector<Observation> obs;
  // Constant-velocity model of the bounding box: centre, size, per-frame velocities.
  double cx = 0, cy = 0, w = 0, h = 0;
  double vx = 0, vy = 0, vw = 0, vh = 0;
  bool have_velocity = false;
  std::int64_t last_sequence = 0;
  int missed = 0;
  std::string running_vote;
  // Reads behind running_vote (those of its length): the text gate trusts it from min_votes.
  int running_support = 0;
  // The one kept frame: index into `obs` (-1: none yet) and its pixels.
  int best = -1;
  CompactFrame best_frame;

  [[nodiscard]] Box predict(std::int64_t sequence) const {
    const double dt = static_cast<double>(sequence - last_sequence);
    const double pw = std::max(1.0, w + vw * dt), ph = std::max(1.0, h + vh * dt);
    const double px = cx + vx * dt, py = cy + vy * dt;
    return Box{px - pw / 2, py - ph / 2, pw, ph};
  }

  void absorb(const Observation& o, double alpha, const TrackerOptions& options) {
    const double ncx = o.box.x + o.box.width / 2, ncy = o.box.y + o.box.height / 2;
    if (!obs.empty()) {
      const double dt = static_cast<double>(o.sequence - last_sequence);
      const double mx = (ncx - cx) / dt, my = (ncy - cy) / dt;
      const double mw = (o.box.width - w) / dt, mh = (o.box.height - h) / dt;
      if (!have_velocity) {
        vx = mx, vy = my, vw = mw, vh = mh;
        have_velocity = true;
      } else {
        vx = alpha * mx + (1 - alpha) * vx;
        vy = alpha * my + (1 - alpha) * vy;
        vw = alpha * mw + (1 - alpha) * vw;
        vh = alpha * mh + (1 - alpha) * vh;
      }
    }
    cx = ncx, cy = ncy, w = o.box.width, h = o.box.height;
    last_sequence = o.sequence;
    missed = 0;
    obs.push_back(o);
    Vote v = vote(obs, options.valid_text, options.min_votes);
    running_vote = std::move(v.text);
    running_support = v.support;
  }

  /// Ranking key of an observation as the kept frame under the current running vote.
  [[nodiscard]] std::tuple<bool, bool, double, double> key(const Observation& o) const {
    return {o.text == running_vote, o.fully_visible, o.confidence, o.box.area()};
  }
};

Tracker::Tracker(std::string camera, TrackerOptions options)
    : camera_(std::move(camera)), options_(options) {
  if (camera_.empty()) throw InvalidInput("tracker camera id must not be empty");
  const TrackerOptions& o = options_;
  require(o.min_iou >= 0 && o.min_iou < 1, "min_iou", "in [0, 1)");
  require(o.max_centre_jump > 0 && std::isfinite(o.max_centre_jump), "max_centre_jump",
          "a positive number of plate widths");
  require(o.text_weight >= 0 && std::isfinite(o.text_weight), "text_weight", ">= 0");
  require(o.max_text_distance >= 0 && o.max_text_distance <= 1, "max_text_distance", "in [0, 1]");
  require(o.velocity_alpha > 0 && o.velocity_alpha <= 1, "velocity_alpha", "in (0, 1]");
  require(o.max_missed_frames >= 1, "max_missed_frames", ">= 1");
  require(o.max_gap_ms >= 1, "max_gap_ms", ">= 1 ms");
  require(o.max_track_frames >= 2, "max_track_frames", ">= 2");
  require(o.min_votes >= 1, "min_votes", ">= 1");
  require(o.edge_margin_px >= 0 && std::isfinite(o.edge_margin_px), "edge_margin_px",
          ">= 0 pixels");
  require(o.direction_min_growth > 1 && std::isfinite(o.direction_min_growth),
          "direction_min_growth", "> 1");
  require(o.direction_min_lateral > 0 && std::isfinite(o.direction_min_lateral),
          "direction_min_lateral", "> 0 plate widths");
  require(o.max_candidates >= 1, "max_candidates", ">= 1");
}

Tracker::~Tracker() = default;
Tracker::Tracker(Tracker&&) noexcept = default;
Tracker& Tracker::operator=(Tracker&&) noexcept = default;

std::size_t Tracker::live_tracks() const {
  return tracks_.size();
}

std::optional<UtcTime> Tracker::earliest_live_start() const {
  std::optional<UtcTime> earliest;
  for (const auto& t : tracks_) {
    if (!t->obs.empty() && (!earliest || t->obs.front().time < *earliest))
      earliest = t->obs.front().time;
  }
  return earliest;
}

std::vector<Pass> Tracker::advance(const Frame& frame) {
  if (have_frame_ && frame.sequence <= last_sequence_) {
    throw InvalidInput(fmt::format("tracker for camera {}: frame sequence {} is not after {}",
                                   camera_, frame.sequence, last_sequence_));
  }
  have_frame_ = true;
  last_sequence_ = frame.sequence;
  std::vector<bool> done(tracks_.size(), false);
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    const Track& tr = *tracks_[t];
    done[t] = frame.capture_time.unix_ms - tr.obs.back().time.unix_ms > options_.max_gap_ms;
  }
  return retire_if(done);
}

std::vector<Pass> Tracker::retire_if(const std::vector<bool>& done) {
  std::vector<Pass> passes;
  std::vector<std::unique_ptr<Track>> kept;
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    if (!done[t]) {
      kept.push_back(std::move(tracks_[t]));
      continue;
    }
    if (auto pass = conclude(*tracks_[t])) passes.push_back(std::move(*pass));
  }
  tracks_ = std::move(kept);
  return passes;
}

std::vector<Pass> Tracker::skip(const Frame& frame) {
  return advance(frame);
}

std::vector<Pass> Tracker::update(const Frame& frame, const std::vector<PlateResult>& reads) {
  if (frame.image.empty()) {
    throw InvalidInput(
        fmt::format("tracker for camera {}: frame {} has no image", camera_, frame.sequence));
  }
  std::vector<Pass> passes = advance(frame);

  // Observations of this frame.
  const double m = options_.edge_margin_px;
  const double fw = frame.image.cols, fh = frame.image.rows;
  std::vector<Observation> found;
  found.reserve(reads.size());
  for (const PlateResult& r : reads) {
    Observation o;
    o.sequence = frame.sequence;
    o.time = frame.capture_time;
    o.corners = r.corners;
    o.box = r.corners.bounding_box();
    if (!finite(r.corners) || o.box.width <= 0 || o.box.height <= 0) {
      throw InvalidInput(
          fmt::format("tracker for camera {}: a plate result of frame {} has a degenerate region",
                      camera_, frame.sequence));
    }
    o.detector_confidence = r.detector_confidence;
    o.text = r.text;
    o.confidence = r.confidence;
    o.country = r.country;
    o.format = r.format;
    o.corrected = !r.candidates.empty() && r.candidates.front().text == r.text &&
                  r.candidates.front().corrected;
    o.fully_visible = std::all_of(
        r.corners.corners.begin(), r.corners.corners.end(),
        [&](const Point& p) { return p.x >= m && p.y >= m && p.x <= fw - m && p.y <= fh - m; });
    found.push_back(std::move(o));
  }

  // Gated pairs and their costs; greedy assignment, cheapest first.
  struct Pair {
    double cost;
    std::size_t track;
    std::size_t read;
  };
  std::vector<Pair> pairs;
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    const Track& tr = *tracks_[t];
    const Box pred = tr.predict(frame.sequence);
    const double pcx = pred.x + pred.width / 2, pcy = pred.y + pred.height / 2;
    for (std::size_t d = 0; d < found.size(); ++d) {
      const Observation& o = found[d];
      const double overlap = iou(pred, o.box);
      if (tr.have_velocity && overlap < options_.min_iou) continue;
      const double jump =
          std::hypot(o.box.x + o.box.width / 2 - pcx, o.box.y + o.box.height / 2 - pcy) /
          std::max(1.0, tr.w);
      if (jump > options_.max_centre_jump) continue;
      double text = 0;
      if (!o.text.empty() && !tr.running_vote.empty() &&
          tr.running_support >= options_.min_votes) {
        text = text_distance(o.text, tr.running_vote);
        if (text > options_.max_text_distance) continue;
      }
      pairs.push_back(
          {(1 - overlap) + jump / options_.max_centre_jump + options_.text_weight * text, t, d});
    }
  }
  std::sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) {
    return std::tie(a.cost, a.track, a.read) < std::tie(b.cost, b.track, b.read);
  });
  std::vector<bool> track_used(tracks_.size(), false), read_used(found.size(), false);
  // One copy of this frame at most, shared by every track whose best read it holds: vehicles
  // seen together often take their best reads on the same frame (a 1080p copy is 3.1 MB).
  CompactFrame snapshot;
  auto take = [&](Track& tr, Observation o) {
    tr.absorb(o, options_.velocity_alpha, options_);
    if (o.text.empty()) return;
    const auto index = static_cast<int>(tr.obs.size() - 1);
    if (tr.best < 0 || tr.key(o) > tr.key(tr.obs[static_cast<std::size_t>(tr.best)])) {
      tr.best = index;
      if (snapshot.empty()) snapshot = CompactFrame::from_bgr(frame.image);
      tr.best_frame = snapshot;
    }
  };
  for (const Pair& p : pairs) {
    if (track_used[p.track] || read_used[p.read]) continue;
    track_used[p.track] = read_used[p.read] = true;
    take(*tracks_[p.track], found[p.read]);
  }

  // Misses, departures and over-long tracks finish.
  std::vector<bool> done(tracks_.size(), false);
  for (std::size_t t = 0; t < tracks_.size(); ++t) {
    Track& tr = *tracks_[t];
    if (track_used[t]) {
      done[t] = static_cast<int>(tr.obs.size()) >= options_.max_track_frames;
      continue;
    }
    ++tr.missed;
    const Box pred = tr.predict(frame.sequence);
    const bool gone =
        pred.x + pred.width <= 0 || pred.y + pred.height <= 0 || pred.x >= fw || pred.y >= fh;
    done[t] = tr.missed >= options_.max_missed_frames || gone;
  }
  for (Pass& p : retire_if(done)) passes.push_back(std::move(p));

  // Unmatched results start new tracks.
  for (std::size_t d = 0; d < found.size(); ++d) {
    if (read_used[d]) continue;
    auto tr = std::make_unique<Track>();
    take(*tr, found[d]);
    tracks_.push_back(std::move(tr));
  }
  return passes;
}

std::vector<Pass> Tracker::finish() {
  std::vector<Pass> passes = retire_if(std::vector<bool>(tracks_.size(), true));
  have_frame_ = false;
  return passes;
}

std::optional<Pass> Tracker::conclude(Track& tr) const {
  const std::vector<Observation>& obs = tr.obs;
  const auto frames_read =
      std::count_if(obs.begin(), obs.end(), [](const Observation& o) { return !o.text.empty(); });
  if (frames_read < options_.min_votes || tr.best < 0) return std::nullopt;

  const Vote v = vote(obs, options_.valid_text, options_.min_votes);
  Pass pass;
  PlateRead& r = pass.read;
  r.camera = camera_;
  r.text = v.text;
  r.char_confidences = v.shares;
  r.frames_read = static_cast<int>(frames_read);

  // Candidates: distinct texts with their frame counts and mean confidences.
  struct Tally {
    int count = 0;
    double confidence_sum = 0;
    double top_confidence = -1;
    const Observation* top = nullptr;
    bool corrected = false;
  };
  std::map<std::string, Tally> tallies;
  for (const Observation& o : obs) {
    if (o.text.empty()) continue;
    Tally& t = tallies[o.text];
    ++t.count;
    t.confidence_sum += o.confidence;
    t.corrected = t.corrected || o.corrected;
    if (o.confidence > t.top_confidence) {
      t.top_confidence = o.confidence;
      t.top = &o;
    }
  }
  const auto winner = tallies.find(r.text);
  if (winner != tallies.end()) {
    r.votes = winner->second.count;
    r.confidence = winner->second.confidence_sum / winner->second.count;
    r.country = winner->second.top->country;
    r.format = winner->second.top->format;
  } else {
    // No frame read the voted text exactly: mean confidence of the modal-length reads,
    // scaled by the weakest position's share.
    double sum = 0;
    int n = 0;
    for (const Observation& o : obs) {
      if (!o.text.empty() && o.text.size() == v.length) {
        sum += o.confidence;
        ++n;
      }
    }
    const double weakest = *std::min_element(v.shares.begin(), v.shares.end());
    r.confidence = n > 0 ? sum / n * weakest : 0.0;
  }
  std::vector<std::pair<std::string, const Tally*>> ranked;
  for (const auto& [text, tally] : tallies) {
    if (text != r.text) ranked.emplace_back(text, &tally);
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    const double ma = a.second->confidence_sum / a.second->count;
    const double mb = b.second->confidence_sum / b.second->count;
    return std::tie(b.second->count, mb, a.first) < std::tie(a.second->count, ma, b.first);
  });
  r.candidates.push_back(Candidate{r.text, r.confidence, r.format,
                                   winner != tallies.end() && winner->second.corrected});
  for (const auto& [text, tally] : ranked) {
    if (static_cast<int>(r.candidates.size()) >= options_.max_candidates) break;
    r.candidates.push_back(Candidate{text, tally->confidence_sum / tally->count, tally->top->format,
                                     tally->corrected});
  }

  // Direction of travel: plate height growth and lateral motion between the start and the
  // end of the track (medians of the first and the last three observations).
  const std::size_t k = std::min<std::size_t>(3, obs.size());
  std::vector<double> h0, h1, x0, x1;
  double width_sum = 0;
  for (std::size_t i = 0; i < obs.size(); ++i) {
    width_sum += obs[i].box.width;
    const double cx = obs[i].box.x + obs[i].box.width / 2;
    if (i < k) {
      h0.push_back(obs[i].corners.height());
      x0.push_back(cx);
    }
    if (i + k >= obs.size()) {
      h1.push_back(obs[i].corners.height());
      x1.push_back(cx);
    }
  }
  const double start_h = median_of(h0), end_h = median_of(h1);
  const double dx = median_of(x1) - median_of(x0);
  const double mean_w = width_sum / static_cast<double>(obs.size());
  const double growth_score =
      (start_h > 0 && end_h > 0)
          ? std::abs(std::log(end_h / start_h)) / std::log(options_.direction_min_growth)
          : 0.0;
  const double lateral_score =
      mean_w > 0 ? std::abs(dx) / mean_w / options_.direction_min_lateral : 0.0;
  if (growth_score >= 1 && growth_score >= lateral_score) {
    r.direction = end_h > start_h ? "approaching" : "receding";
  } else if (lateral_score >= 1) {
    r.direction = dx > 0 ? "right" : "left";
  } else {
    r.direction = "unknown";
  }

  r.first_seen = obs.front().time;
  r.last_seen = obs.back().time;
  const Observation& best = obs[static_cast<std::size_t>(tr.best)];
  r.best_time = best.time;
  r.best_sequence = best.sequence;
  r.best_corners = best.corners;
  r.detector_confidence = best.detector_confidence;
  pass.best_frame = std::move(tr.best_frame);
  pass.path.reserve(obs.size());
  for (const Observation& o : obs) pass.path.push_back({o.time, o.sequence, o.corners, o.box});
  return pass;
}

}  // namespace roadwarden::video
