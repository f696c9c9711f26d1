#include "video/pass_merger.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {
namespace {

/// True when either pass is unreadable or their texts are within kContinuationTextDistance.
bool compatible_text(const Pass& a, const Pass& b) {
  return a.read.text.empty() || b.read.text.empty() ||
         text_distance(a.read.text, b.read.text) <= PassMerger::kContinuationTextDistance;
}

/// True when `next` continues `held` on the spot (see PassMerger): it starts after `held`
/// ends, within kContinuationGapMs, near `held`'s last box, with a compatible text.
bool continues(const Pass& held, const Pass& next) {
  if (held.path.empty() || next.path.empty()) return false;
  const std::int64_t gap = next.read.first_seen.unix_ms - held.read.last_seen.unix_ms;
  if (gap <= 0 || gap > PassMerger::kContinuationGapMs) return false;
  const Box& a = held.path.back().box;
  const Box& b = next.path.front().box;
  const double jump = std::hypot(a.x + a.width / 2 - (b.x + b.width / 2),
                                 a.y + a.height / 2 - (b.y + b.height / 2));
  if (jump > PassMerger::kContinuationJump * std::max({a.width, b.width, 1.0})) return false;
  return compatible_text(held, next);
}

/// True when the two boxes overlap by at least half of the smaller one's area.
bool mostly_overlap(const Box& a, const Box& b) {
  const double w = std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
  if (w <= 0 || h <= 0) return false;
  return w * h >= 0.5 * std::min(a.width * a.height, b.width * b.height);
}

/// True when on frames at most PassMerger::kCoincidentFrames apart (sequence numbers) the two
/// passes' plate boxes overlap by at least half of the smaller box. Paths are in sequence
/// order.
bool coincide(const Pass& a, const Pass& b) {
  if (!compatible_text(a, b)) return false;
  std::size_t from = 0;
  for (const PathPoint& p : a.path) {
    while (from < b.path.size() &&
           b.path[from].sequence < p.sequence - PassMerger::kCoincidentFrames)
      ++from;
    for (std::size_t j = from;
         j < b.path.size() && b.path[j].sequence <= p.sequence + PassMerger::kCoincidentFrames;
         ++j) {
      if (mostly_overlap(p.box, b.path[j].box)) return true;
    }
  }
  return false;
}

/// True when `weak` is a fragment of `strong` (see PassMerger); both within the window.
bool fragment_of(const Pass& weak, const Pass& strong) {
  return !weak.read.text.empty() && !strong.read.text.empty() &&
         weak.read.votes <= PassMerger::kFragmentVotes &&
         strong.read.votes >= PassMerger::kFragmentOtherVotes &&
         text_distance(weak.read.text, strong.read.text) <= PassMerger::kFragmentTextDistance;
}

/// `into` absorbs `other` (one vehicle): evidence from the part with more votes.
void merge(Pass& into, Pass&& other) {
  PlateRead& a = into.read;
  PlateRead& b = other.read;
  const int votes = a.votes + b.votes;
  const int frames = a.frames_read + b.frames_read;
  const UtcTime first = std::min(a.first_seen, b.first_seen);
  const UtcTime last = std::max(a.last_seen, b.last_seen);
  std::vector<PathPoint> path = std::move(into.path);
  path.insert(path.end(), other.path.begin(), other.path.end());
  std::sort(path.begin(), path.end(),
            [](const PathPoint& x, const PathPoint& y) { return x.sequence < y.sequence; });
  path.erase(
      std::unique(path.begin(), path.end(),
                  [](const PathPoint& x, const PathPoint& y) { return x.sequence == y.sequence; }),
      path.end());
  if (b.votes > a.votes) into = std::move(other);
  into.path = std::move(path);
  into.read.votes = votes;
  into.read.frames_read = frames;
  into.read.first_seen = first;
  into.read.last_seen = last;
}

}  // namespace

PassMerger::PassMerger(std::int64_t window_ms) : window_ms_(window_ms) {
  if (window_ms < 0)
    throw InvalidInput(fmt::format("pass merge window must be >= 0 ms, got {}", window_ms));
}

std::vector<Pass> PassMerger::add(std::vector<Pass> passes, UtcTime now,
                                  std::optional<UtcTime> live_since) {
  if (window_ms_ == 0) return passes;
  for (Pass& p : passes) {
    const auto same = std::find_if(held_.begin(), held_.end(), [&](const Pass& h) {
      const bool in_window = p.read.first_seen.unix_ms - h.read.last_seen.unix_ms <= window_ms_ &&
                             h.read.first_seen.unix_ms - p.read.last_seen.unix_ms <= window_ms_;
      return (in_window && (h.read.text == p.read.text || fragment_of(p, h) ||
                            fragment_of(h, p))) ||
             continues(h, p) || continues(p, h) || coincide(h, p);
    });
    if (same != held_.end()) {
      merge(*same, std::move(p));
    } else {
      held_.push_back(std::move(p));
    }
  }
  std::vector<Pass> out;
  std::vector<Pass> keep;
  for (Pass& h : held_) {
    const std::int64_t closes = h.read.last_seen.unix_ms + window_ms_;
    if (closes < now.unix_ms && (!live_since || closes < live_since->unix_ms)) {
      out.push_back(std::move(h));
    } else {
      keep.push_back(std::move(h));
    }
  }
  held_ = std::move(keep);
  std::sort(out.begin(), out.end(),
            [](const Pass& x, const Pass& y) { return x.read.first_seen < y.read.first_seen; });
  return out;
}

std::vector<Pass> PassMerger::finish() {
  std::vector<Pass> out = std::move(held_);
  held_.clear();
  std::sort(out.begin(), out.end(),
            [](const Pass& x, const Pass& y) { return x.read.first_seen < y.read.first_seen; });
  return out;
}

}  // namespace roadwarden::video
