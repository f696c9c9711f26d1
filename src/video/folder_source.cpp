#include "video/folder_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "codec/image_io.hpp"
#include "core/errors.hpp"
#include "core/unique_fd.hpp"

namespace roadwarden::video {

namespace {

namespace fs = std::filesystem;

struct FileStat {
  std::uintmax_t size = 0;
  std::int64_t mtime_ms = 0;
  bool regular = false;
  bool symlink = false;
};

/// The entry itself (lstat): a symbolic link is reported as one, never followed.
std::optional<FileStat> stat_file(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  FileStat out;
  out.regular = S_ISREG(st.st_mode);
  out.symlink = S_ISLNK(st.st_mode);
  out.size = static_cast<std::uintmax_t>(st.st_size);
  out.mtime_ms = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 +
                 static_cast<std::int64_t>(st.st_mtim.tv_nsec) / 1000000;
  return out;
}

std::string lower_extension(const std::string& name) {
  std::string ext = fs::path(name).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool is_image_name(const std::string& name) {
  const std::string ext = lower_extension(name);
  static constexpr std::array<const char*, 4> kExt = {".jpg", ".jpeg", ".png", ".bmp"};
  return std::any_of(kExt.begin(), kExt.end(), [&](const char* e) { return ext == e; });
}

// The whole content of `path` (expected `size` bytes), or an error: "cannot open for reading:
// <reason>" / "cannot read: <reason>". POSIX calls, so the reason is the OS's (errno).
struct ReadResult {
  std::vector<unsigned char> data;
  std::string error;
};

ReadResult read_whole_file(const fs::path& path, std::uintmax_t size) {
  ReadResult r;
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    r.error = "cannot open for reading: " + std::generic_category().message(errno);
    return r;
  }
  r.data.reserve(static_cast<std::size_t>(size));
  std::array<unsigned char, 65536> buf{};
  while (true) {
    const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      r.error = "cannot read: " + std::generic_category().message(errno);
      r.data.clear();
      return r;
    }
    if (n == 0) return r;
    r.data.insert(r.data.end(), buf.begin(), buf.begin() + n);
  }
}

}  // namespace

FolderFrameSource::FolderFrameSource(FolderSourceOptions options, const Clock& clock,
                                     HealthSink health)
    : options_(std::move(options)), clock_(clock), health_(std::move(health)) {
  if (options_.poll_ms <= 0) {
    throw InvalidInput(fmt::format("poll_ms must be > 0 (got {})", options_.poll_ms));
  }
  if (options_.incomplete_hold_ms < 0) {
    throw InvalidInput(
        fmt::format("incomplete_hold_ms must be >= 0 (got {})", options_.incomplete_hold_ms));
  }
  if (options_.settle_ms < 0) {
    throw InvalidInput(fmt::format("settle_ms must be >= 0 (got {})", options_.settle_ms));
  }
  std::error_code ec;
  if (!fs::is_directory(options_.dir, ec)) {
    throw IoError(fmt::format("{}: not an existing folder", options_.dir.string()));
  }
}

std::optional<Frame> FolderFrameSource::next() {
  while (!ended_ && !stop_.requested()) {
    while (!ready_.empty() && !stop_.requested()) {
      const auto [name, settled] = ready_.front();
      ready_.pop_front();
      if (std::optional<Frame> frame = take(name, settled)) return frame;
    }
    if (stop_.requested()) break;
    scan();
    if (!ready_.empty()) continue;
    if (stop_.wait_for(std::chrono::milliseconds(options_.poll_ms))) break;
  }
  if (!ended_) {
    ended_ = true;
    emit(HealthEvent::Kind::ended, "stopped");
  }
  return std::nullopt;
}

void FolderFrameSource::scan() {
  const UtcTime now = clock_.now();
  std::error_code ec;
  std::vector<std::pair<std::string, FileStat>> files;
  std::set<std::string> links;
  fs::directory_iterator it(options_.dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || name.front() == '.') continue;
    const std::optional<FileStat> st = stat_file(it->path());
    if (st && st->symlink && is_image_name(name)) {
      links.insert(name);
      if (links_reported_.insert(name).second) {
        emit(HealthEvent::Kind::decode_error,
             fmt::format("{}: a symbolic link, not read (only files in the folder are)",
                         it->path().string()));
      }
      continue;
    }
    if (!st || !st->regular) continue;
    if (!is_image_name(name)) {
      note_not_read(name);
      continue;
    }
    files.emplace_back(name, *st);
  }
  if (ec) {
    if (!lost_since_) lost_since_ = now;
    ++list_failures_;
    emit(HealthEvent::Kind::lost, fmt::format("cannot list the folder: {}", ec.message()), 0,
         list_failures_);
    return;
  }
  if (!listed_once_) {
    listed_once_ = true;
    emit(HealthEvent::Kind::connected, "");
  } else if (lost_since_) {
    emit(HealthEvent::Kind::reconnected, "", now.unix_ms - lost_since_->unix_ms);
  }
  lost_since_.reset();
  list_failures_ = 0;

  std::erase_if(links_reported_, [&](const std::string& name) { return links.count(name) == 0; });
  std::set<std::string> present;
  std::vector<std::string> settled;
  for (const auto& [name, st] : files) {
    present.insert(name);
    if (done_.count({name, st.size, st.mtime_ms}) != 0) continue;
    if (const auto held = held_.find(name); held != held_.end()) {
      if (held->second.size == st.size && held->second.mtime_ms == st.mtime_ms) {
        // Unreadable and unchanged: taken once more, for good, when its hold is over.
        if (now.unix_ms - held->second.unchanged_since.unix_ms >= options_.incomplete_hold_ms)
          ready_.emplace_back(name, held->second);
        else
          continue;
        held_.erase(held);
        continue;
      }
      held_.erase(held);  // the upload went on: settle and read it again
    }
    auto found = pending_.find(name);
    if (found == pending_.end() || found->second.size != st.size ||
        found->second.mtime_ms != st.mtime_ms) {
      found = pending_.insert_or_assign(name, Seen{st.size, st.mtime_ms, now}).first;
    }
    if (now.unix_ms - found->second.unchanged_since.unix_ms >= options_.settle_ms) {
      settled.push_back(name);
    }
  }
  std::erase_if(pending_, [&](const auto& kv) { return present.count(kv.first) == 0; });
  std::erase_if(held_, [&](const auto& kv) { return present.count(kv.first) == 0; });
  std::erase_if(done_, [&](const auto& t) { return present.count(std::get<0>(t)) == 0; });
  std::sort(settled.begin(), settled.end());
  for (const std::string& name : settled) {
    ready_.emplace_back(name, pending_.at(name));
    pending_.erase(name);
  }
}

std::optional<Frame> FolderFrameSource::take(const std::string& name, const Seen& settled) {
  const fs::path path = options_.dir / name;
  const std::optional<FileStat> st = stat_file(path);
  if (!st || !st->regular) return std::nullopt;  // gone meanwhile
  const Seen seen{st->size, st->mtime_ms, clock_.now()};
  if (seen.size != settled.size || seen.mtime_ms != settled.mtime_ms) {
    pending_.insert_or_assign(name, seen);  // written again since it settled: wait again
    return std::nullopt;
  }

  ReadResult read = read_whole_file(path, seen.size);
  if (!read.error.empty()) {
    // Left in place, unread; remembered so it is not tried (and reported) again while unchanged.
    done_.insert({name, seen.size, seen.mtime_ms});
    emit(HealthEvent::Kind::decode_error, fmt::format("{}: {}", path.string(), read.error));
    return std::nullopt;
  }
  const std::vector<unsigned char>& data = read.data;
  cv::Mat image;
  std::string problem;
  try {
    image = codec::decode_image(data);  // JPEG, PNG or BMP only; truncated JPEGs refused
  } catch (const InvalidInput& e) {
    problem = e.what();
  }
  if (!problem.empty() &&
      clock_.now().unix_ms - settled.unchanged_since.unix_ms < options_.incomplete_hold_ms) {
    held_.insert_or_assign(name, settled);  // perhaps a stalled upload: wait for the rest
    return std::nullopt;
  }
  finish_file(name, seen);
  if (!problem.empty()) {
    emit(HealthEvent::Kind::decode_error, fmt::format("{}: {}", path.string(), problem));
    return std::nullopt;
  }

  Frame frame;
  frame.image = std::move(image);
  frame.index = next_index_++;
  frame.sequence = options_.first_sequence + frame.index;
  frame.capture_time = UtcTime{st->mtime_ms};
  if (!first_capture_ms_) first_capture_ms_ = st->mtime_ms;
  frame.position_ms = static_cast<double>(st->mtime_ms - *first_capture_ms_);
  return frame;
}

void FolderFrameSource::finish_file(const std::string& name, const Seen& seen) {
  if (!options_.delete_after_read) {
    done_.insert({name, seen.size, seen.mtime_ms});
    return;
  }
  std::error_code ec;
  fs::remove(options_.dir / name, ec);
  if (ec) {
    // Not fatal: the camera goes on; the file is not read again while unchanged.
    done_.insert({name, seen.size, seen.mtime_ms});
    emit(HealthEvent::Kind::decode_error,
         fmt::format("{}: cannot delete after reading: {}", (options_.dir / name).string(),
                     ec.message()));
  }
}

void FolderFrameSource::note_not_read(const std::string& name) {
  const std::string ext = lower_extension(name);
  if (!not_read_reported_.insert(ext).second) return;
  emit(HealthEvent::Kind::decode_error,
       fmt::format("{}: files {} are not read (only .jpg, .jpeg, .png and .bmp images are); "
                   "left in place, e.g. {}",
                   options_.dir.string(),
                   ext.empty() ? std::string("without an extension") : "ending in " + ext, name));
}

void FolderFrameSource::stop() {
  stop_.request();
}

std::string FolderFrameSource::describe() const {
  return options_.dir.string();
}

void FolderFrameSource::emit(HealthEvent::Kind kind, std::string detail, std::int64_t gap_ms,
                             int attempt) {
  if (!health_) return;
  HealthEvent event;
  event.kind = kind;
  event.time = clock_.now();
  event.source = describe();
  event.detail = std::move(detail);
  event.gap_ms = gap_ms;
  event.attempt = attempt;
  health_(event);
}

}  // namespace roadwarden::video
