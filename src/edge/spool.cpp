// The spool: SQLite (WAL, synchronous=FULL, STRICT tables) for records plus one folder of
// evidence files per record. Layout, atomicity protocol and recovery: docs/spool.md.
#include "edge/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "core/unique_fd.hpp"
#include "edge/digest.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace roadwarden::edge {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using store::sqlite::Connection;
using store::sqlite::Migration;
using store::sqlite::Statement;
using store::sqlite::Transaction;

/// How messages name the spool's database file.
constexpr store::sqlite::DatabaseName kSpoolName{"spool database", "roadwarden spool database"};

/// The schema version this build creates and understands (the last migration's number).
constexpr int kSpoolSchemaVersion = 1;
/// Longest last_error kept, bytes.
constexpr std::size_t kMaxErrorBytes = 1000;

constexpr std::array kMigrations{
    Migration{1, "create spool_entries and spool_files", R"sql(
CREATE TABLE spool_entries (
  key             TEXT    PRIMARY KEY CHECK (length(key) = 32),
  kind            TEXT    NOT NULL,
  violation       INTEGER NOT NULL CHECK (violation IN (0, 1)),
  created_ms      INTEGER NOT NULL,
  clock_source    TEXT    NOT NULL,
  metadata        TEXT    NOT NULL CHECK (json_valid(metadata)),
  bytes           INTEGER NOT NULL CHECK (bytes >= 0),
  attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_ms INTEGER NOT NULL,
  last_error      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX spool_entries_by_due ON spool_entries (next_attempt_ms);
CREATE INDEX spool_entries_by_created ON spool_entries (violation, created_ms);
CREATE TABLE spool_files (
  key        TEXT    NOT NULL REFERENCES spool_entries (key) ON DELETE CASCADE,
  position   INTEGER NOT NULL CHECK (position >= 0),
  name       TEXT    NOT NULL,
  media_type TEXT    NOT NULL,
  size       INTEGER NOT NULL CHECK (size >= 0),
  sha256     TEXT    NOT NULL CHECK (length(sha256) = 64),
  PRIMARY KEY (key, position),
  UNIQUE (key, name)
) STRICT;
)sql"},
};
static_assert(store::sqlite::numbered_from_one(kMigrations));
static_assert(kMigrations.back().version == kSpoolSchemaVersion);

// ---------------------------------------------------------------------------------------
// Files.

[[noreturn]] void throw_os_error(std::string_view what, const fs::path& path, int err) {
  throw IoError(fmt::format("Spool: cannot {} '{}': {}.", what, path.string(),
                            std::generic_category().message(err)));
}

/// fsyncs a folder so that entries created, renamed or removed in it are durable.
void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw_os_error("open folder", dir, errno);
  if (::fsync(fd.get()) != 0) throw_os_error("fsync folder", dir, errno);
}

/// Creates folder `dir` with mode 0700; an existing folder is fine when `may_exist`.
void make_dir(const fs::path& dir, bool may_exist) {
  if (::mkdir(dir.c_str(), 0700) != 0 && !(may_exist && errno == EEXIST && fs::is_directory(dir))) {
    throw_os_error("create folder", dir, errno);
  }
}

/// Writes a new file (it must not exist) with mode 0600 and fsyncs it.
void write_file_durable(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw_os_error("create file", path, errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_os_error("write file", path, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw_os_error("fsync file", path, errno);
  if (fd.close() != 0) throw_os_error("close file", path, errno);
}

std::vector<std::uint8_t> read_file_bytes(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) throw_os_error("open evidence file", path, errno);
  std::vector<std::uint8_t> out;
  std::array<std::uint8_t, 1 << 16> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_os_error("read evidence file", path, errno);
    }
    if (n == 0) break;
    out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  }
  return out;
}

/// Removes `path` and everything below it; throws IoError on failure.
void remove_tree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) throw_os_error("remove", path, ec.value());
}

// ---------------------------------------------------------------------------------------
// Validation.

bool is_valid_name(std::string_view name) {
  // "record" is the name of the metadata part of the upload (docs/edge-upload.md).
  if (name.empty() || name.size() > 64 || name.front() == '.' || name == "record") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

bool is_media_type_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$&^_.+-").find(c) != std::string_view::npos;
}

bool is_valid_media_type(std::string_view type) {
  if (type.empty() || type.size() > 127) return false;
  const std::size_t slash = type.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    if (i != slash && !is_media_type_char(type[i])) return false;
  }
  return true;
}

bool is_valid_kind(std::string_view kind) {
  if (kind.empty() || kind.size() > 32) return false;
  return std::all_of(kind.begin(), kind.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void check_key(std::string_view key) {
  if (!is_key_hex(key)) {
    throw InvalidInput(fmt::format(
        "Spool key '{}' is malformed: expected 32 lower-case hex digits.", key.substr(0, 64)));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------

class Spool::Impl {
 public:
  Impl(SpoolOptions options, const Clock& clock, std::function<void(std::string_view)> hook)
      : options_(std::move(options)),
        clock_(clock),
        hook_(std::move(hook)),
        tmp_dir_(options_.dir / "tmp"),
        evidence_dir_(options_.dir / "evidence"),
        lock_fd_(open_folder_and_lock(options_)),
        conn_(create_private(options_.dir / "spool.db"), kSpoolName) {
    store::sqlite::prepare_schema(conn_, kMigrations);
    recover();
    Statement totals(conn_, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM spool_entries");
    totals.step("count the spooled records");
    entries_ = static_cast<std::uint64_t>(totals.column_int64(0));
    bytes_ = static_cast<std::uint64_t>(totals.column_int64(1));
  }

  std::string put(std::string kind, const json& metadata, std::vector<EvidenceFile> files,
                  bool violation) {
    if (!is_valid_kind(kind)) {
      throw InvalidInput(fmt::format(
          "Spool record kind '{}' is malformed: expected 1 to 32 of [a-z0-9_]; nothing stored.",
          kind.substr(0, 64)));
    }
    std::set<std::string_view> names;
    std::uint64_t size = 0;
    for (const EvidenceFile& file : files) {
      if (!is_valid_name(file.name)) {
        throw InvalidInput(fmt::format(
            "Evidence file name '{}' is not allowed: expected 1 to 64 of [a-z0-9_.-], not "
            "starting with '.' and not 'record'; nothing stored.",
            file.name.substr(0, 80)));
      }
      if (!names.insert(file.name).second) {
        throw InvalidInput(fmt::format(
            "Evidence file name '{}' appears twice in one record; nothing stored.", file.name));
      }
      if (!is_valid_media_type(file.media_type)) {
        throw InvalidInput(fmt::format(
            "Evidence file '{}' has a malformed media type '{}': expected e.g. 'image/jpeg'; "
            "nothing stored.",
            file.name, file.media_type.substr(0, 80)));
      }
      size += file.bytes.size();
    }
    std::string metadata_text;
    try {
      metadata_text = metadata.dump();
    } catch (const json::exception& e) {
      throw InvalidInput(fmt::format(
          "Spool record metadata cannot be serialised ({}); nothing stored.", e.what()));
    }
    size += metadata_text.size();
    std::vector<std::string> hashes;
    hashes.reserve(files.size());
    for (const EvidenceFile& file : files) hashes.push_back(sha256_hex(file.bytes));

    const Reservation reservation(*this, size);
    const std::string key = random_key_hex();
    const UtcTime created = clock_.now();
    const fs::path staging = tmp_dir_ / key;
    const fs::path final_dir = evidence_dir_ / key;
    bool moved = false;
    try {
      make_dir(staging, false);
      for (const EvidenceFile& file : files) write_file_durable(staging / file.name, file.bytes);
      fsync_dir(staging);
      fsync_dir(tmp_dir_);
      stage(Spool::kStageFilesStaged);

      if (::rename(staging.c_str(), final_dir.c_str()) != 0) {
        throw_os_error("move staged evidence into", final_dir, errno);
      }
      moved = true;
      fsync_dir(evidence_dir_);
      fsync_dir(tmp_dir_);
      stage(Spool::kStageFilesMoved);

      const std::lock_guard lock(mutex_);
      Transaction tx(conn_);
      Statement insert(conn_, R"sql(
INSERT INTO spool_entries (key, kind, violation, created_ms, clock_source, metadata, bytes,
                           attempts, next_attempt_ms, last_error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?4, ''))sql");
      insert.bind_text(1, key);
      insert.bind_text(2, kind);
      insert.bind_int64(3, violation ? 1 : 0);
      insert.bind_int64(4, created.unix_ms);
      insert.bind_text(5, clock_.source());
      insert.bind_text(6, metadata_text);
      insert.bind_int64(7, static_cast<std::int64_t>(size));
      insert.step("store a spool record");
      Statement row(conn_, R"sql(
INSERT INTO spool_files (key, position, name, media_type, size, sha256)
VALUES (?1, ?2, ?3, ?4, ?5, ?6))sql");
      for (std::size_t i = 0; i < files.size(); ++i) {
        row.reset();
        row.bind_text(1, key);
        row.bind_int64(2, static_cast<std::int64_t>(i));
        row.bind_text(3, files[i].name);
        row.bind_text(4, files[i].media_type);
        row.bind_int64(5, static_cast<std::int64_t>(files[i].bytes.size()));
        row.bind_text(6, hashes[i]);
        row.step("store a spooled file entry");
      }
      tx.commit();
      bytes_ += size;
      entries_ += 1;
    } catch (...) {
      // Nothing was committed: remove what was written (best effort; the next open removes
      // any leftover too).
      std::error_code ec;
      fs::remove_all(moved ? final_dir : staging, ec);
      throw;
    }
    stage(Spool::kStageCommitted);
    return key;
  }

  std::vector<SpoolEntry> due(UtcTime now, int limit) const {
    if (limit < 0) throw InvalidInput(fmt::format("Spool::due limit is {}, expected >= 0.", limit));
    const std::lock_guard lock(mutex_);
    Statement query(conn_, R"sql(
SELECT key, kind, violation, created_ms, metadata, attempts, next_attempt_ms, last_error
FROM spool_entries WHERE next_attempt_ms <= ?1 ORDER BY created_ms, rowid LIMIT ?2)sql");
    query.bind_int64(1, now.unix_ms);
    query.bind_int64(2, limit);
    std::vector<SpoolEntry> out;
    while (query.step("read due spool records")) {
      SpoolEntry entry;
      entry.key = query.column_text(0);
      entry.kind = query.column_text(1);
      entry.violation = query.column_int64(2) != 0;
      entry.created = UtcTime{query.column_int64(3)};
      try {
        entry.metadata = json::parse(query.column_text(4));
      } catch (const json::exception& e) {
        throw Corrupt(
            fmt::format("Spool record {} has malformed metadata: {}.", entry.key, e.what()));
      }
      entry.attempts = static_cast<int>(query.column_int64(5));
      entry.next_attempt = UtcTime{query.column_int64(6)};
      entry.last_error = query.column_text(7);
      out.push_back(std::move(entry));
    }
    Statement files(conn_, R"sql(
SELECT name, media_type, size, sha256 FROM spool_files WHERE key = ?1 ORDER BY position)sql");
    for (SpoolEntry& entry : out) {
      files.bind_text(1, entry.key);
      while (files.step("read spooled file entries")) {
        entry.files.push_back(SpooledFile{files.column_text(0), files.column_text(1),
                                          static_cast<std::uint64_t>(files.column_int64(2)),
                                          files.column_text(3)});
      }
      files.reset();
    }
    return out;
  }

  std::vector<std::uint8_t> read_file(const std::string& key, const std::string& name) const {
    check_key(key);
    if (!is_valid_name(name)) {
      throw InvalidInput(fmt::format("Evidence file name '{}' is malformed.", name.substr(0, 80)));
    }
    std::uint64_t size = 0;
    std::string sha256;
    {
      const std::lock_guard lock(mutex_);
      Statement query(conn_, "SELECT size, sha256 FROM spool_files WHERE key = ?1 AND name = ?2");
      query.bind_text(1, key);
      query.bind_text(2, name);
      if (!query.step("read a spooled file entry")) {
        throw IoError(fmt::format("Spool record {} has no evidence file '{}' (or no such record).",
                                  key, name));
      }
      size = static_cast<std::uint64_t>(query.column_int64(0));
      sha256 = query.column_text(1);
    }
    const fs::path path = evidence_dir_ / key / name;
    std::vector<std::uint8_t> bytes = read_file_bytes(path);
    if (bytes.size() != size || sha256_hex(bytes) != sha256) {
      throw Corrupt(fmt::format(
          "Evidence file '{}' of spool record {} fails its integrity check: {} bytes with a "
          "different SHA-256 than the {} bytes stored; it was altered or damaged.",
          name, key, bytes.size(), size));
    }
    return bytes;
  }

  void acknowledge(const std::string& key) {
    check_key(key);
    delete_records({key});
  }

  void defer(const std::string& key, UtcTime next_attempt, std::string error) {
    check_key(key);
    if (error.size() > kMaxErrorBytes) error.resize(kMaxErrorBytes);
    // Keep the stored text valid UTF-8 even when the cut fell inside a character.
    error = json::parse(json(error).dump(-1, ' ', false, json::error_handler_t::ignore))
                .get<std::string>();
    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    Statement update(conn_,
                     "UPDATE spool_entries SET attempts = attempts + 1, next_attempt_ms = ?2, "
                     "last_error = ?3 WHERE key = ?1");
    update.bind_text(1, key);
    update.bind_int64(2, next_attempt.unix_ms);
    update.bind_text(3, error);
    update.step("defer a spool record");
    tx.commit();
  }

  int purge_expired(UtcTime now) {
    const std::int64_t cutoff = now.unix_ms - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  options_.non_violation_max_age)
                                                  .count();
    std::vector<std::string> keys;
    {
      const std::lock_guard lock(mutex_);
      Statement query(conn_,
                      "SELECT key FROM spool_entries WHERE violation = 0 AND created_ms < ?1");
      query.bind_int64(1, cutoff);
      while (query.step("find expired spool records")) keys.push_back(query.column_text(0));
    }
    return delete_records(keys);
  }

  SpoolUsage usage() const {
    const std::lock_guard lock(mutex_);
    SpoolUsage out;
    out.bytes = bytes_;
    out.entries = entries_;
    out.alarm = static_cast<double>(bytes_) >
                options_.alarm_fraction * static_cast<double>(options_.quota_bytes);
    return out;
  }

  const SpoolOptions& options() const { return options_; }

 private:
  /// Holds `size` bytes of the quota for a put() in progress; released on destruction.
  class Reservation {
   public:
    Reservation(Impl& impl, std::uint64_t size) : impl_(impl), size_(size) {
      const std::lock_guard lock(impl_.mutex_);
      const std::uint64_t quota = impl_.options_.quota_bytes;
      const std::uint64_t used = impl_.bytes_ + impl_.reserved_;
      if (used > quota || size > quota - used) {
        throw IoError(fmt::format(
            "Spool '{}' is full: the record needs {} bytes, {} of the {}-byte quota are used; "
            "nothing stored.",
            impl_.options_.dir.string(), size, used, quota));
      }
      impl_.reserved_ += size;
    }
    ~Reservation() {
      const std::lock_guard lock(impl_.mutex_);
      impl_.reserved_ -= size_;
    }
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;

   private:
    Impl& impl_;
    std::uint64_t size_;
  };

  static int open_folder_and_lock(const SpoolOptions& options) {
    if (options.dir.empty()) throw InvalidInput("Spool option dir is empty: name a folder.");
    if (options.quota_bytes == 0) throw InvalidInput("Spool option quota_bytes must be > 0.");
    if (!(options.alarm_fraction > 0.0 && options.alarm_fraction <= 1.0)) {
      throw InvalidInput(fmt::format("Spool option alarm_fraction is {}, expected (0, 1].",
                                     options.alarm_fraction));
    }
    if (options.non_violation_max_age.count() <= 0) {
      throw InvalidInput("Spool option non_violation_max_age must be > 0 seconds.");
    }
    check_folder_is_ours(options.dir);
    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec) throw_os_error("create spool folder", options.dir, ec.value());
    // New, empty, or already a spool (checked above): never another folder's mode.
    if (::chmod(options.dir.c_str(), 0700) != 0) {
      throw_os_error("set mode 0700 on spool folder", options.dir, errno);
    }
    const fs::path lock_path = options.dir / "spool.lock";
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw_os_error("open lock file", lock_path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        throw IoError(
            fmt::format("Spool '{}' is in use by another process (lock file '{}' is held).",
                        options.dir.string(), lock_path.string()));
      }
      throw_os_error("lock", lock_path, err);
    }
    make_dir(options.dir / "tmp", true);
    make_dir(options.dir / "evidence", true);
    return fd;
  }

  /// Refuses (InvalidInput) an existing folder that holds anything but is not a spool, so
  /// that a mistaken dir ("." or $HOME, /tmp, a config folder) is neither chmodded to 0700
  /// nor filled with spool files, nor has its tmp/ emptied by recovery. A spool is recognised
  /// by spool.lock or spool.db (the constructor creates spool.lock before anything else); a
  /// tmp/ or evidence/ folder alone is too common a name to count. A missing or empty folder
  /// is fine.
  static void check_folder_is_ours(const fs::path& dir) {
    std::error_code ec;
    const fs::file_status status = fs::status(dir, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw_os_error("inspect spool folder", dir, ec.value());
    }
    if (!fs::exists(status)) return;
    if (!fs::is_directory(status)) {
      throw InvalidInput(fmt::format(
          "Spool folder '{}' exists and is not a folder; choose an empty or new folder.",
          dir.string()));
    }
    fs::directory_iterator it(dir, ec);
    if (ec) throw_os_error("list spool folder", dir, ec.value());
    if (it == fs::directory_iterator()) return;  // empty
    if (fs::exists(dir / "spool.lock", ec) || fs::exists(dir / "spool.db", ec)) return;
    throw InvalidInput(fmt::format(
        "Spool folder '{}' is not empty and is not a roadwarden spool (no spool.lock or "
        "spool.db in it); choose an empty or new folder. Nothing was changed.",
        dir.string()));
  }

  /// Creates the database file with mode 0600 before SQLite opens it (SQLite gives its
  /// -wal and -shm files the same mode).
  static fs::path create_private(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw_os_error("create spool database", path, errno);
    return path;
  }

  /// Crash recovery (docs/spool.md): staging leftovers and evidence folders without a
  /// committed row are removed.
  void recover() {
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(tmp_dir_, ec)) {
      remove_tree(entry.path());
    }
    if (ec) throw_os_error("list", tmp_dir_, ec.value());
    std::set<std::string> committed;
    {
      Statement query(conn_, "SELECT key FROM spool_entries");
      while (query.step("list spool records")) committed.insert(query.column_text(0));
    }
    for (const fs::directory_entry& entry : fs::directory_iterator(evidence_dir_, ec)) {
      if (!committed.contains(entry.path().filename().string())) remove_tree(entry.path());
    }
    if (ec) throw_os_error("list", evidence_dir_, ec.value());
    fsync_dir(tmp_dir_);
    fsync_dir(evidence_dir_);
  }

  /// Deletes the rows of `keys` in one transaction, then their folders; returns how many
  /// rows existed.
  int delete_records(const std::vector<std::string>& keys) {
    int deleted = 0;
    if (!keys.empty()) {
      const std::lock_guard lock(mutex_);
      Transaction tx(conn_);
      std::uint64_t bytes = 0;
      for (const std::string& key : keys) {
        Statement remove(conn_, "DELETE FROM spool_entries WHERE key = ?1 RETURNING bytes");
        remove.bind_text(1, key);
        if (remove.step("delete a spool record")) {
          bytes += static_cast<std::uint64_t>(remove.column_int64(0));
          ++deleted;
          while (remove.step("delete a spool record")) {
          }
        }
        Statement remove_files(conn_, "DELETE FROM spool_files WHERE key = ?1");
        remove_files.bind_text(1, key);
        remove_files.step("delete spooled file entries");
      }
      tx.commit();
      bytes_ -= std::min(bytes_, bytes);
      entries_ -= std::min<std::uint64_t>(entries_, static_cast<std::uint64_t>(deleted));
    }
    for (const std::string& key : keys) remove_tree(evidence_dir_ / key);
    if (!keys.empty()) fsync_dir(evidence_dir_);
    return deleted;
  }

  void stage(std::string_view name) const {
    if (hook_) hook_(name);
  }

  const SpoolOptions options_;
  const Clock& clock_;
  const std::function<void(std::string_view)> hook_;
  const fs::path tmp_dir_;
  const fs::path evidence_dir_;
  /// The exclusive flock on spool.lock, held for the Spool's life.
  UniqueFd lock_fd_;
  /// Serialises every use of conn_ (opened NOMUTEX) and guards the counters below.
  mutable std::mutex mutex_;
  /// Guarded by mutex_.
  Connection conn_;
  /// Committed records and their bytes. Guarded by mutex_.
  std::uint64_t entries_ = 0;
  std::uint64_t bytes_ = 0;
  /// Bytes of put() calls in progress (not yet committed). Guarded by mutex_.
  std::uint64_t reserved_ = 0;
};

Spool::Spool(SpoolOptions options, const Clock& clock,
             std::function<void(std::string_view stage)> crash_hook)
    : impl_(std::make_unique<Impl>(std::move(options), clock, std::move(crash_hook))) {}

Spool::~Spool() = default;

std::string Spool::put(std::string kind, nlohmann::json metadata, std::vector<EvidenceFile> files,
                       bool violation) {
  return impl_->put(std::move(kind), metadata, std::move(files), violation);
}

std::vector<SpoolEntry> Spool::due(UtcTime now, int limit) const {
  return impl_->due(now, limit);
}

std::vector<std::uint8_t> Spool::read_file(const std::string& key, const std::string& name) const {
  return impl_->read_file(key, name);
}

void Spool::acknowledge(const std::string& key) {
  impl_->acknowledge(key);
}

void Spool::defer(const std::string& key, UtcTime next_attempt, std::string error) {
  impl_->defer(key, next_attempt, std::move(error));
}

int Spool::purge_expired(UtcTime now) {
  return impl_->purge_expired(now);
}

SpoolUsage Spool::usage() const {
  return impl_->usage();
}

const std::filesystem::path& Spool::dir() const {
  return impl_->options().dir;
}

}  // namespace roadwarden::edge
