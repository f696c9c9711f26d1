// The evidence frame ring of a red-light camera: the last seconds of video, JPEG-encoded at a
// bounded resolution, so that the evidence stills and the clip of a violation can be cut after
// the vehicle's track has finished (a track ends seconds after the stop-line crossing).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "core/time.hpp"
#include "video/frame.hpp"

namespace roadwarden::edge {

/// Options of a FrameRing (the [camera.evidence_ring] table of site.toml); validated by the
/// FrameRing constructor (InvalidInput naming the option).
struct FrameRingOptions {
  /// Frames whose longer side exceeds this many pixels are scaled down (INTER_AREA, aspect
  /// kept) before encoding; smaller frames are kept at their size. [320, 7680]; default 1920
  /// (a 4K camera's evidence at 1080p; a 1080p camera's at full resolution).
  int long_side = 1920;
  /// JPEG quality of the ring frames, 50..100; default 90.
  int jpeg_quality = 90;
  /// Time span kept, ms of capture time: frames older than the newest frame minus this are
  /// dropped. [1000, 120000]; default 15000 (a ±5 s clip plus the 3 s pass-merge window and
  /// the tracker's end-of-track delay).
  std::int64_t span_ms = 15000;
  /// Memory bound, bytes of JPEG data: the oldest frames are dropped while the ring holds more
  /// (a busy, detailed scene then keeps less than span_ms; evidence metadata says what the
  /// clip really covers). [1 MiB, 8 GiB]; default 512 MiB (15 s at 25 fps of 1080p frames at
  /// quality 90 is typically 40–150 MiB: 0.1–0.4 MiB per frame).
  std::uint64_t max_bytes = 512ull << 20;
};

/// One frame held by the ring.
struct RingFrame {
  /// Camera sequence number and capture time (UTC ms) of the source frame.
  std::int64_t sequence = 0;
  UtcTime time;
  /// Ring pixels per source pixel (1 when not scaled down; e.g. 0.5 for 4K at long_side 1920).
  double scale = 1;
  /// Size of the encoded image, pixels.
  cv::Size size;
  /// JPEG (baseline, 4:2:0, codec::encode_jpeg) of the scaled frame.
  std::vector<std::uint8_t> jpeg;
};

/// A time- and memory-bounded ring of JPEG frames of one camera.
/// Threading: not thread-safe; owned by the camera's worker thread (add() per frame).
class FrameRing {
 public:
  /// Throws InvalidInput naming the option when one is out of range.
  explicit FrameRing(FrameRingOptions options = {});

  /// Encodes `frame` (BGR 8-bit H×W×3, non-empty, else InvalidInput) and appends it, then
  /// drops frames older than newest − span_ms and, while over max_bytes, the oldest (never the
  /// one just added). A frame whose sequence or capture time is not after the newest held
  /// (snapshots sharing a file time, a stream whose timestamps ran ahead before a reconnect)
  /// is not stored and is counted in skipped(): evidence times must strictly increase, and
  /// such a frame must not stop the camera's plate reading. Returns whether it was stored.
  /// InternalError when JPEG encoding fails.
  bool add(const video::Frame& frame);

  /// The frame with this sequence number, or nullptr when it is not (or no longer) held.
  /// The pointer is valid until the next add().
  [[nodiscard]] const RingFrame* find(std::int64_t sequence) const;
  /// The frames with capture time in [from, to], oldest first (pointers valid until add()).
  [[nodiscard]] std::vector<const RingFrame*> between(UtcTime from, UtcTime to) const;
  /// Capture times of the oldest and the newest frame held; std::nullopt when empty.
  [[nodiscard]] std::optional<UtcTime> oldest_time() const;
  [[nodiscard]] std::optional<UtcTime> newest_time() const;
  /// Frames and JPEG bytes held.
  [[nodiscard]] std::size_t size() const { return frames_.size(); }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  /// Frames dropped because of max_bytes (not because of their age) since construction.
  [[nodiscard]] std::uint64_t dropped_for_memory() const { return dropped_for_memory_; }
  /// Frames not stored because they were not after the newest held (see add()).
  [[nodiscard]] std::uint64_t skipped() const { return skipped_; }
  [[nodiscard]] const FrameRingOptions& options() const { return options_; }

  /// Decodes a ring frame to BGR 8-bit (its `size`). InternalError when decoding fails.
  [[nodiscard]] static cv::Mat decode(const RingFrame& frame);

 private:
  FrameRingOptions options_;
  std::deque<RingFrame> frames_;  // oldest first; sequence and time strictly increasing
  std::uint64_t bytes_ = 0;
  std::uint64_t dropped_for_memory_ = 0;
  std::uint64_t skipped_ = 0;
};

}  // namespace roadwarden::edge
