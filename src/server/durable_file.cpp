#include "server/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/unique_fd.hpp"

namespace roadwarden::server {
namespace {

std::string os_reason(int error) {
  return std::generic_category().message(error);
}

/// A random suffix for temporary names (not a secret; only avoids collisions).
std::string temp_suffix() {
  std::random_device device;
  return fmt::format(".tmp-{:08x}{:08x}", device(), device());
}

}  // namespace

void sync_directory(const std::filesystem::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    throw IoError(fmt::format("Cannot sync the folder {}: {}.", dir.string(), os_reason(errno)));
  }
}

void create_directories_durably(const std::filesystem::path& dir) {
  if (dir.empty()) return;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  create_directories_durably(dir.parent_path());
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    throw IoError(fmt::format("Cannot create the folder {}: {}.", dir.string(), os_reason(errno)));
  }
  const std::filesystem::path parent = dir.parent_path().empty() ? "." : dir.parent_path();
  sync_directory(parent);
}

void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const std::filesystem::path temp = path.string() + temp_suffix();
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    throw IoError(fmt::format("Cannot create {}: {}.", temp.string(), os_reason(errno)));
  }
  auto fail = [&](const char* what) {
    const int error = errno;
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError(fmt::format("Cannot {} {}: {}.", what, path.string(), os_reason(error)));
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("sync");
  if (fd.close() != 0) fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("rename a temporary file to");
  const std::filesystem::path parent = path.parent_path().empty() ? "." : path.parent_path();
  sync_directory(parent);
}

std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw IoError(fmt::format("Cannot open {}: {}.", path.string(), os_reason(errno)));
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) throw IoError(fmt::format("Cannot read {}.", path.string()));
  return bytes;
}

}  // namespace roadwarden::server
