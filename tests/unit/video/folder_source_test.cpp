#include "video/folder_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "core/errors.hpp"
#include "support/paths.hpp"
#include "unit/video/source_test_support.hpp"

namespace roadwarden::video {
namespace {

namespace fs = std::filesystem;
using roadwarden::testing::TempDir;
using testing::elapsed_ms;
using testing::EventLog;
using testing::Watchdog;
using Kind = HealthEvent::Kind;
using std::chrono::milliseconds;

constexpr std::int64_t kStart = 1795985742000;  // 2026-11-29T20:55:42Z

std::vector<unsigned char> jpeg(int width, int height, int shade) {
  cv::Mat img(height, width, CV_8UC3, cv::Scalar(shade, 255 - shade, 90));
  cv::putText(img, "RW", cv::Point(5, height / 2), cv::FONT_HERSHEY_SIMPLEX, 1.0,
              cv::Scalar(255, 255, 255), 2);
  std::vector<unsigned char> data;
  cv::imencode(".jpg", img, data);
  return data;
}

void write_bytes(const fs::path& path, const std::vector<unsigned char>& data, std::size_t from,
                 std::size_t to, bool append) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out.write(reinterpret_cast<const char*>(data.data() + from),
            static_cast<std::streamsize>(to - from));
}

void write_file(const fs::path& path, const std::vector<unsigned char>& data) {
  write_bytes(path, data, 0, data.size(), false);
}

void set_mtime(const fs::path& path, std::int64_t unix_ms) {
  const timespec t{static_cast<time_t>(unix_ms / 1000),
                   static_cast<long>(unix_ms % 1000) * 1000000};
  const timespec times[2] = {t, t};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// Root ignores file permissions. While alive, runs the process (all threads) with the effective
// ids of `nobody` when the test runs as root, so permission errors happen as they do for an agent
// running as its own user; the real and saved ids stay root, and the destructor switches back.
class AsUnprivilegedUser {
 public:
  static constexpr uid_t kNobody = 65534;
  AsUnprivilegedUser() {
    if (::geteuid() != 0) return;
    if (::setegid(kNobody) != 0) return;
    if (::seteuid(kNobody) != 0) {
      (void)::setegid(0);
      return;
    }
    switched_ = true;
  }
  ~AsUnprivilegedUser() {
    if (!switched_) return;
    (void)::seteuid(0);
    (void)::setegid(0);
  }
  AsUnprivilegedUser(const AsUnprivilegedUser&) = delete;
  AsUnprivilegedUser& operator=(const AsUnprivilegedUser&) = delete;
  // True when file permissions apply to this process now.
  [[nodiscard]] static bool permissions_apply() { return ::geteuid() != 0; }

 private:
  bool switched_ = false;
};

// As root, gives `path` to `nobody` (AsUnprivilegedUser's user); otherwise a no-op.
void give_to_unprivileged_user(const fs::path& path) {
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(path.c_str(), AsUnprivilegedUser::kNobody, AsUnprivilegedUser::kNobody), 0);
  }
}

std::string details_of(const EventLog& log, Kind kind) {
  std::string details;
  for (const HealthEvent& e : log.events()) {
    if (e.kind == kind) details += e.detail + "\n";
  }
  return details;
}

/// Test options: poll every 50 ms; undecodable images reported at once unless `hold_ms` says
/// otherwise (FolderSourceOptions::incomplete_hold_ms).
FolderSourceOptions options(const fs::path& dir, int settle_ms, bool delete_after_read = true,
                            int hold_ms = 0) {
  FolderSourceOptions o;
  o.dir = dir;
  o.poll_ms = 50;
  o.settle_ms = settle_ms;
  o.delete_after_read = delete_after_read;
  o.incomplete_hold_ms = hold_ms;
  return o;
}

TEST(FolderFrameSource, ReadsImagesInNameOrderWithMtimeAsCaptureTimeAndDeletesThem) {
  const TempDir dir;
  write_file(dir.path() / "b.jpg", jpeg(200, 100, 10));
  write_file(dir.path() / "a.jpg", jpeg(320, 240, 200));
  set_mtime(dir.path() / "b.jpg", kStart + 123);
  set_mtime(dir.path() / "a.jpg", kStart + 456);  // newer mtime, but a.jpg sorts first
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 100), clock, log.sink());
  const Watchdog watchdog(source, 10000);

  const auto a = source.next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->image.size(), cv::Size(320, 240));
  EXPECT_EQ(a->image.type(), CV_8UC3);
  EXPECT_EQ(a->capture_time.unix_ms, kStart + 456);
  EXPECT_FALSE(fs::exists(dir.path() / "a.jpg"));  // deleted once read

  const auto b = source.next();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->image.size(), cv::Size(200, 100));
  EXPECT_EQ(b->capture_time.unix_ms, kStart + 123);
  EXPECT_GT(b->sequence, a->sequence);
  EXPECT_EQ(b->index, 1);
  EXPECT_FALSE(fs::exists(dir.path() / "b.jpg"));
  EXPECT_EQ(log.count(Kind::connected), 1);
  EXPECT_EQ(log.count(Kind::decode_error), 0);
}

TEST(FolderFrameSource, WaitsUntilAnUploadHasSettled) {
  const TempDir dir;
  const SystemClock clock;
  EventLog log;
  constexpr int kSettleMs = 300;
  FolderFrameSource source(options(dir.path(), kSettleMs), clock, log.sink());
  const Watchdog watchdog(source, 10000);

  const std::vector<unsigned char> renamed = jpeg(64, 48, 30);
  const std::vector<unsigned char> growing = jpeg(640, 480, 120);
  // An upload to a hidden temporary name, renamed when complete.
  write_file(dir.path() / ".upload-1.tmp", renamed);
  // An upload still in progress under its final name: appended every 100 ms.
  const std::size_t chunk = growing.size() / 6;
  write_bytes(dir.path() / "cam-2.jpg", growing, 0, chunk, false);
  std::atomic<std::int64_t> last_write_ms{0};
  const auto t0 = std::chrono::steady_clock::now();
  std::thread writer([&] {
    fs::rename(dir.path() / ".upload-1.tmp", dir.path() / "cam-1.jpg");
    for (std::size_t from = chunk; from < growing.size(); from += chunk) {
      std::this_thread::sleep_for(milliseconds(100));
      write_bytes(dir.path() / "cam-2.jpg", growing, from, std::min(from + chunk, growing.size()),
                  true);
      last_write_ms = elapsed_ms(t0);
    }
  });

  const auto first = source.next();
  const auto second = source.next();
  const std::int64_t second_at = elapsed_ms(t0);
  writer.join();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->image.size(), cv::Size(64, 48));
  EXPECT_EQ(second->image.size(), cv::Size(640, 480));  // the whole upload, not a prefix
  EXPECT_GE(second_at - last_write_ms.load(), kSettleMs - 20);
  EXPECT_EQ(log.count(Kind::decode_error), 0);
}

TEST(FolderFrameSource, BadImagesReportDecodeErrorAndAreSkippedAndDeleted) {
  const TempDir dir;
  const std::vector<unsigned char> good = jpeg(100, 80, 50);
  std::ofstream(dir.path() / "a-text.jpg") << "not a jpeg\n";
  std::ofstream(dir.path() / "b-text.png") << "not a png either\n";
  write_bytes(dir.path() / "c-truncated.jpg", good, 0, good.size() / 2, false);
  write_file(dir.path() / "d-good.jpg", good);
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 0), clock, log.sink());
  const Watchdog watchdog(source, 10000);

  const auto frame = source.next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->image.size(), cv::Size(100, 80));
  EXPECT_EQ(frame->index, 0);
  ASSERT_EQ(log.count(Kind::decode_error), 3);
  for (const char* name : {"a-text.jpg", "b-text.png", "c-truncated.jpg", "d-good.jpg"}) {
    EXPECT_FALSE(fs::exists(dir.path() / name)) << name << " was not removed";
  }
  const std::string details = details_of(log, Kind::decode_error);
  EXPECT_NE(details.find("truncated"), std::string::npos) << details;
  EXPECT_NE(details.find("a-text.jpg"), std::string::npos) << details;
}

// Regression (newcomer test): an FTP upload that stalled for longer than settle_ms was read as
// truncated, reported and deleted, and the rest of the snapshot was lost.
TEST(FolderFrameSource, StalledUploadIsHeldAndReadWholeWhenItFinishes) {
  const TempDir dir;
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 100, true, 10000), clock, log.sink());
  const Watchdog watchdog(source, 10000);
  const std::vector<unsigned char> whole = jpeg(640, 480, 120);
  write_bytes(dir.path() / "cam.jpg", whole, 0, whole.size() / 2, false);
  std::thread writer([&] {
    std::this_thread::sleep_for(milliseconds(800));  // 8 times settle_ms
    write_bytes(dir.path() / "cam.jpg", whole, whole.size() / 2, whole.size(), true);
  });
  const auto frame = source.next();
  writer.join();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->image.size(), cv::Size(640, 480));
  EXPECT_EQ(log.count(Kind::decode_error), 0) << details_of(log, Kind::decode_error);
  EXPECT_FALSE(fs::exists(dir.path() / "cam.jpg"));
}

TEST(FolderFrameSource, UndecodableImageIsReportedAndDeletedOnlyAfterItsHold) {
  const TempDir dir;
  const SystemClock clock;
  EventLog log;
  constexpr int kHoldMs = 400;
  FolderFrameSource source(options(dir.path(), 0, true, kHoldMs), clock, log.sink());
  const Watchdog watchdog(source, 10000);
  const std::vector<unsigned char> good = jpeg(100, 80, 50);
  const auto t0 = std::chrono::steady_clock::now();
  write_bytes(dir.path() / "a-truncated.jpg", good, 0, good.size() / 2, false);
  write_file(dir.path() / "b-good.jpg", good);

  const auto first = source.next();  // the good one: the truncated one is held
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(log.count(Kind::decode_error), 0);
  EXPECT_TRUE(fs::exists(dir.path() / "a-truncated.jpg"));

  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(2 * kHoldMs));
    write_file(dir.path() / "c-good.jpg", jpeg(120, 90, 70));
  });
  const auto second = source.next();
  later.join();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->image.size(), cv::Size(120, 90));
  ASSERT_EQ(log.count(Kind::decode_error), 1);
  const std::string details = details_of(log, Kind::decode_error);
  EXPECT_NE(details.find("a-truncated.jpg"), std::string::npos) << details;
  EXPECT_NE(details.find("truncated"), std::string::npos) << details;
  EXPECT_FALSE(fs::exists(dir.path() / "a-truncated.jpg"));
  EXPECT_GE(elapsed_ms(t0), kHoldMs);
}

// Regression (newcomer test): a link in the watched folder was followed, so any file the agent
// could read (/etc/passwd, an image elsewhere) was opened and an image spooled.
TEST(FolderFrameSource, SymbolicLinksAreReportedOnceAndNeverFollowed) {
  const TempDir dir, elsewhere;
  write_file(elsewhere.path() / "private.jpg", jpeg(300, 200, 90));
  fs::create_symlink(elsewhere.path() / "private.jpg", dir.path() / "a-link.jpg");
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 0), clock, log.sink());
  const Watchdog watchdog(source, 10000);
  std::thread later([&] {
    std::this_thread::sleep_for(milliseconds(300));  // several polls with the link present
    write_file(dir.path() / "b-good.jpg", jpeg(100, 80, 50));
  });
  const auto frame = source.next();
  later.join();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->image.size(), cv::Size(100, 80));  // never the linked 300 × 200 image
  ASSERT_EQ(log.count(Kind::decode_error), 1);
  EXPECT_NE(details_of(log, Kind::decode_error).find("symbolic link"), std::string::npos);
  EXPECT_TRUE(fs::is_symlink(dir.path() / "a-link.jpg"));
  EXPECT_TRUE(fs::exists(elsewhere.path() / "private.jpg"));
}

// Regression: every file in the folder was read and deleted, including the camera's notes and
// event files and uploads still in progress under a temporary name.
TEST(FolderFrameSource, LeavesNonImagesUnfinishedUploadsAndSubfoldersAlone) {
  const TempDir dir;
  const std::vector<unsigned char> good = jpeg(100, 80, 50);
  std::ofstream(dir.path() / "notes.txt") << "camera notes\n";
  std::ofstream(dir.path() / "event.xml") << "<event/>\n";
  std::ofstream(dir.path() / "README") << "no extension\n";
  write_bytes(dir.path() / "partial.jpg.tmp", good, 0, good.size() / 2, false);
  write_file(dir.path() / ".hidden.jpg", good);
  fs::create_directory(dir.path() / "sub");
  write_file(dir.path() / "sub" / "inner.jpg", good);
  write_file(dir.path() / "UPPER.JPEG", good);
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 0), clock, log.sink());
  const Watchdog watchdog(source, 10000);

  const auto frame = source.next();
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->image.size(), cv::Size(100, 80));
  EXPECT_FALSE(fs::exists(dir.path() / "UPPER.JPEG"));  // read and deleted
  // Several more polls (50 ms each) find nothing to read and report nothing new.
  const int reported = log.count(Kind::decode_error);
  auto pending = std::async(std::launch::async, [&] { return source.next(); });
  EXPECT_EQ(pending.wait_for(milliseconds(400)), std::future_status::timeout)
      << "a non-image file was delivered as a frame";
  source.stop();
  EXPECT_FALSE(pending.get().has_value());

  for (const char* name :
       {"notes.txt", "event.xml", "README", "partial.jpg.tmp", ".hidden.jpg", "sub/inner.jpg"}) {
    EXPECT_TRUE(fs::exists(dir.path() / name)) << name << " was removed";
  }
  EXPECT_EQ(log.count(Kind::decode_error), reported) << details_of(log, Kind::decode_error);
  // At most one notice per kind of file not read (.txt, .xml, no extension, .tmp).
  EXPECT_LE(reported, 4) << details_of(log, Kind::decode_error);
}

// Regression: a file that could not be deleted after reading threw IoError out of next(), which
// ended the camera (and a one-camera agent).
TEST(FolderFrameSource, FileThatCannotBeDeletedIsReportedOnceAndTheCameraGoesOn) {
  const TempDir dir;
  write_file(dir.path() / "a.jpg", jpeg(90, 60, 10));
  write_file(dir.path() / "b.jpg", jpeg(50, 40, 99));
  give_to_unprivileged_user(dir.path());
  ASSERT_EQ(::chmod(dir.path().c_str(), 0555), 0);  // listable and readable, not writable
  const SystemClock clock;
  EventLog log;
  {
    const AsUnprivilegedUser user;
    if (!AsUnprivilegedUser::permissions_apply()) GTEST_SKIP() << "cannot drop root";
    FolderFrameSource source(options(dir.path(), 0), clock, log.sink());
    const Watchdog watchdog(source, 10000);

    std::optional<Frame> a;
    std::optional<Frame> b;
    ASSERT_NO_THROW(a = source.next());
    ASSERT_NO_THROW(b = source.next());
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(a->image.size(), cv::Size(90, 60));
    EXPECT_EQ(b->image.size(), cv::Size(50, 40));
    // Neither file is read again while unchanged.
    auto pending = std::async(std::launch::async, [&] { return source.next(); });
    EXPECT_EQ(pending.wait_for(milliseconds(400)), std::future_status::timeout)
        << "a file that could not be deleted was delivered again";
    source.stop();
    EXPECT_FALSE(pending.get().has_value());
  }
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  EXPECT_TRUE(fs::exists(dir.path() / "a.jpg"));
  const std::string details = details_of(log, Kind::decode_error);
  EXPECT_EQ(log.count(Kind::decode_error), 2) << details;
  EXPECT_NE(details.find("a.jpg: cannot delete after reading: Permission denied"),
            std::string::npos)
      << details;
}

TEST(FolderFrameSource, FileThatCannotBeOpenedIsReportedOnceAndLeftInPlace) {
  const TempDir dir;
  write_file(dir.path() / "a-locked.jpg", jpeg(90, 60, 10));
  ASSERT_EQ(::chmod((dir.path() / "a-locked.jpg").c_str(), 0000), 0);
  write_file(dir.path() / "b.jpg", jpeg(50, 40, 99));
  give_to_unprivileged_user(dir.path());
  const SystemClock clock;
  EventLog log;
  {
    const AsUnprivilegedUser user;
    if (!AsUnprivilegedUser::permissions_apply()) GTEST_SKIP() << "cannot drop root";
    FolderFrameSource source(options(dir.path(), 0), clock, log.sink());
    const Watchdog watchdog(source, 10000);

    std::optional<Frame> b;
    ASSERT_NO_THROW(b = source.next());
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->image.size(), cv::Size(50, 40));
    auto pending = std::async(std::launch::async, [&] { return source.next(); });
    EXPECT_EQ(pending.wait_for(milliseconds(400)), std::future_status::timeout);
    source.stop();
    EXPECT_FALSE(pending.get().has_value());
  }
  EXPECT_TRUE(fs::exists(dir.path() / "a-locked.jpg"));  // not ours to remove unread
  EXPECT_FALSE(fs::exists(dir.path() / "b.jpg"));
  const std::string details = details_of(log, Kind::decode_error);
  EXPECT_EQ(log.count(Kind::decode_error), 1) << details;
  EXPECT_NE(details.find("a-locked.jpg: cannot open for reading: Permission denied"),
            std::string::npos)
      << details;
}

TEST(FolderFrameSource, KeepModeReadsEachFileOnceAndLeavesItInPlace) {
  const TempDir dir;
  write_file(dir.path() / "a.jpg", jpeg(90, 60, 10));
  const SystemClock clock;
  EventLog log;
  FolderFrameSource source(options(dir.path(), 0, false), clock, log.sink());
  const Watchdog watchdog(source, 10000);

  const auto a = source.next();
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->image.size(), cv::Size(90, 60));
  EXPECT_TRUE(fs::exists(dir.path() / "a.jpg"));

  auto pending = std::async(std::launch::async, [&] { return source.next(); });
  EXPECT_EQ(pending.wait_for(milliseconds(300)), std::future_status::timeout)
      << "a.jpg was delivered twice";
  write_file(dir.path() / "b.jpg", jpeg(50, 40, 99));
  ASSERT_EQ(pending.wait_for(milliseconds(3000)), std::future_status::ready);
  const auto b = pending.get();
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->image.size(), cv::Size(50, 40));
  EXPECT_TRUE(fs::exists(dir.path() / "a.jpg"));
  EXPECT_TRUE(fs::exists(dir.path() / "b.jpg"));
}

TEST(FolderFrameSource, StopUnblocksAWaitingNext) {
  const TempDir dir;
  const SystemClock clock;
  EventLog log;
  FolderSourceOptions o = options(dir.path(), 0);
  o.poll_ms = 60000;  // would wait a minute for the next listing
  FolderFrameSource source(o, clock, log.sink());
  auto pending = std::async(std::launch::async, [&] { return source.next(); });
  std::this_thread::sleep_for(milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  source.stop();
  ASSERT_EQ(pending.wait_for(milliseconds(1500)), std::future_status::ready);
  EXPECT_FALSE(pending.get().has_value());
  EXPECT_LT(elapsed_ms(start), 1500);
  EXPECT_EQ(log.count(Kind::ended), 1);
}

TEST(FolderFrameSource, RejectsMissingFolderAndBadOptions) {
  const TempDir dir;
  const SystemClock clock;
  EXPECT_THROW(FolderFrameSource(options(dir.path() / "absent", 0), clock), IoError);
  FolderSourceOptions o = options(dir.path(), 0);
  o.poll_ms = 0;
  EXPECT_THROW(FolderFrameSource(o, clock), InvalidInput);
  o = options(dir.path(), 0);
  o.settle_ms = -1;
  EXPECT_THROW(FolderFrameSource(o, clock), InvalidInput);
  o = options(dir.path(), 0);
  o.incomplete_hold_ms = -1;
  EXPECT_THROW(FolderFrameSource(o, clock), InvalidInput);
}

}  // namespace
}  // namespace roadwarden::video
