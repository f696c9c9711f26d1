// Frames from a folder of still images, for cameras that upload JPEGs (e.g. by FTP).
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "core/time.hpp"
#include "video/frame.hpp"
#include "video/stop_signal.hpp"

namespace roadwarden::video {

/// Options of FolderFrameSource, validated by its constructor (InvalidInput names the field).
struct FolderSourceOptions {
  /// The folder the camera uploads into. Must exist. Only the files directly in it are read;
  /// subfolders (and the files in them) are not.
  std::filesystem::path dir;
  /// How often the folder is listed, milliseconds (> 0). Default 500.
  int poll_ms = 500;
  /// A file is read only when its size and modification time stayed unchanged for this long,
  /// milliseconds (>= 0), so uploads in progress are not read half-written. Default 1000.
  int settle_ms = 1000;
  /// An image that cannot be decoded (a JPEG without its end-of-image marker counts as
  /// truncated) is held — not reported, not deleted — until it has stayed unchanged this long
  /// since it was first seen at that size and time, milliseconds (>= 0): an FTP upload that
  /// stalls for longer than settle_ms may still finish, and is then read whole. Only after the
  /// hold is it reported as `decode_error` and deleted. 0 = at once. Default 60000.
  int incomplete_hold_ms = 60000;
  /// Remove each image file once read, decodable or not (privacy: frames are not kept on disk).
  /// false = remember the files read (name, size, mtime) and skip them while unchanged.
  /// Default true.
  bool delete_after_read = true;
  /// Sequence number of the first frame; later frames count up from it. Default 0.
  std::int64_t first_sequence = 0;
};

/// Watches a folder and delivers each image in it once.
///
/// Each poll lists the folder (not its subfolders). Only regular files whose extension is an
/// image type roadwarden reads (.jpg .jpeg .png .bmp, any case) are considered; files whose names
/// start with '.' (FTP servers' temporary upload names) are ignored. Other files (notes.txt,
/// event.xml, an upload in progress under partial.jpg.tmp) are never read, deleted or changed;
/// the first file of each such extension is reported once per source as `decode_error` (detail
/// "… are not read …"), so a camera uploading an unsupported type is visible, not an empty road.
/// An image file is taken once its size and mtime were unchanged for settle_ms (measured with
/// `clock`); the files taken in one poll are read in name order. They are decoded with
/// codec::decode_image (JPEG, PNG or BMP by their magic bytes, nothing else; a JPEG without its
/// end-of-image marker counts as truncated; smaller than 16 px a side is refused). An image that
/// cannot be decoded is held for incomplete_hold_ms and read again if it changes meanwhile (a
/// stalled upload); if it does not, it is reported as `decode_error` and skipped. Read or not,
/// an image is then deleted (or remembered), so it is never retried. Symbolic links are never
/// followed: an image name that is a link is reported once as `decode_error` and left alone.
///
/// File-system errors never end the source (a camera must not die over one file); each is
/// reported as `decode_error` and the file (name, size, mtime) is remembered and not tried again
/// while unchanged:
/// - an image that cannot be opened or read (e.g. permission denied): detail
///   "<path>: cannot open for reading: <reason>"; the file is left in place, unread;
/// - an image read (delivered or bad) that cannot be deleted (delete_after_read): detail
///   "<path>: cannot delete after reading: <reason>"; the frame, if decodable, is still delivered,
///   and the file stays on disk until someone removes it.
///
/// Frames: BGR 8-bit H×W×3. `capture_time` = the file's modification time (UTC, millisecond
/// precision; with FTP uploads this is normally when the upload finished, unless the camera
/// sets it). `index` counts frames delivered; `sequence` = first_sequence + index;
/// `position_ms` = capture_time minus the first frame's capture_time (negative when a later
/// file carries an older mtime).
/// Health events: `connected` on the first successful listing, `lost` when the folder cannot
/// be listed (it vanished or became unreadable; retried every poll), `reconnected` when it can
/// again, `decode_error` per bad image or file error as above (and once per extension not
/// read), `ended` after stop().
///
/// Threading: next() from one thread; stop() and describe() from any thread. stop() ends a
/// poll wait at once.
class FolderFrameSource final : public FrameSource {
 public:
  /// Validates `options`: InvalidInput for out-of-range fields, IoError when `dir` is not an
  /// existing folder (the only errors this source throws). `clock` must outlive the source;
  /// `health` is called on the next() thread.
  FolderFrameSource(FolderSourceOptions options, const Clock& clock, HealthSink health = {});

  /// Blocks until the next image is ready; nullopt only after stop(). Does not throw for file
  /// errors (see above): they are reported as health events.
  [[nodiscard]] std::optional<Frame> next() override;
  /// Makes next() return nullopt promptly. Thread-safe.
  void stop() override;
  /// The folder path.
  [[nodiscard]] std::string describe() const override;

 private:
  struct Seen {
    std::uintmax_t size = 0;
    std::int64_t mtime_ms = 0;
    UtcTime unchanged_since;
  };
  void scan();
  std::optional<Frame> take(const std::string& name, const Seen& settled);
  void finish_file(const std::string& name, const Seen& seen);
  void note_not_read(const std::string& name);
  void emit(HealthEvent::Kind kind, std::string detail, std::int64_t gap_ms = 0, int attempt = 0);

  FolderSourceOptions options_;
  const Clock& clock_;
  HealthSink health_;
  StopSignal stop_;

  // Reader-thread state (only next() touches it).
  std::map<std::string, Seen> pending_;  // files seen but not yet settled or read, by name
  std::deque<std::pair<std::string, Seen>> ready_;  // settled, in name order
  std::map<std::string, Seen> held_;                // undecodable, waiting out incomplete_hold_ms
  std::set<std::string> links_reported_;            // image names that are symbolic links, reported
  // Files not to take again while unchanged (name, size, mtime): keep mode: every file read;
  // delete mode: files that could not be opened or deleted.
  std::set<std::tuple<std::string, std::uintmax_t, std::int64_t>> done_;
  std::set<std::string> not_read_reported_;  // extensions (lower case) reported as not read
  bool listed_once_ = false;
  int list_failures_ = 0;
  std::optional<UtcTime> lost_since_;
  bool ended_ = false;
  std::int64_t next_index_ = 0;
  std::optional<std::int64_t> first_capture_ms_;
};

}  // namespace roadwarden::video
