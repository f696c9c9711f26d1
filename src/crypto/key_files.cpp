// Secret key files: created exclusively with mode 0600 and fsynced; read back only when no
// one but the owner can read them.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/errors.hpp"
#include "core/unique_fd.hpp"
#include "crypto/crypto.hpp"
#include "crypto/detail.hpp"

namespace roadwarden::crypto::detail {
namespace {

std::string describe(std::string_view what, const std::filesystem::path& path) {
  return std::string(what) + " file " + path.string();
}

std::string os_error(int err) {
  return std::strerror(err);
}

/// PermissionDenied when `mode` lets group or others read or write the key file.
void refuse_shared_mode(mode_t mode, std::string_view what, const std::filesystem::path& path) {
  if ((mode & 077) == 0) return;
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  throw PermissionDenied("The " + describe(what, path) + " has mode " + text +
                         ": group or others can read it. Make it 0600 (chmod 600), and "
                         "consider the key exposed.");
}

/// Wipes a std::string's bytes before it is released.
struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() {
    if (!text.empty()) sodium_memzero(text.data(), text.size());
  }
};

}  // namespace

void write_secret_file(const std::filesystem::path& path, std::string_view content,
                       std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    const int err = errno;
    throw IoError("Cannot create the " + describe(what, path) + ": " + os_error(err) +
                  (err == EEXIST ? " (an existing key is never overwritten)." : "."));
  }
  const auto fail = [&](const std::string& step) {
    const int err = errno;
    fd.close();
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
    throw IoError("Cannot " + step + " the " + describe(what, path) + ": " + os_error(err) + ".");
  };
  // The mode given to open() is reduced by the umask; set it exactly.
  if (::fchmod(fd.get(), 0600) != 0) fail("set the mode of");
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail("fsync");
  if (fd.close() != 0) fail("close");
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() < 0 || ::fsync(dir_fd.get()) != 0) {
    const int err = errno;
    throw IoError("Cannot fsync the directory of the " + describe(what, path) + ": " +
                  os_error(err) + ".");
  }
}

std::vector<std::uint8_t> read_secret_hex_file(const std::filesystem::path& path, std::size_t size,
                                               std::string_view what) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    throw IoError("Cannot open the " + describe(what, path) + ": " + os_error(err) + ".");
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw IoError("Cannot stat the " + describe(what, path) + ": " + os_error(err) + ".");
  }
  if (!S_ISREG(st.st_mode)) {
    throw IoError("The " + describe(what, path) + " is not a regular file.");
  }
  refuse_shared_mode(st.st_mode, what, path);
  const std::size_t limit = 2 * size + 2;  // hex digits, '\n', one more to detect excess
  std::string text(limit, '\0');
  WipeOnExit wipe{text};
  std::size_t got = 0;
  while (got < limit) {
    const ssize_t n = ::read(fd.get(), text.data() + got, limit - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw IoError("Cannot read the " + describe(what, path) + ": " + os_error(err) + ".");
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  std::string_view content(text.data(), got);
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  const std::string malformed = "The " + describe(what, path) + " is malformed: expected " +
                                std::to_string(2 * size) + " hex digits and a newline.";
  if (content.size() != 2 * size) throw InvalidInput(malformed);
  try {
    return from_hex(content);
  } catch (const InvalidInput&) {
    throw InvalidInput(malformed);
  }
}

}  // namespace roadwarden::crypto::detail

namespace roadwarden::crypto {

void require_private_key_file(const std::filesystem::path& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    throw IoError("Cannot stat the " + detail::describe(what, path) + ": " + detail::os_error(err) +
                  ".");
  }
  if (!S_ISREG(st.st_mode)) {
    throw IoError("The " + detail::describe(what, path) + " is not a regular file.");
  }
  detail::refuse_shared_mode(st.st_mode, what, path);
}

}  // namespace roadwarden::crypto
