// An owned POSIX file descriptor.
#pragma once

#include <unistd.h>

namespace roadwarden {

/// Owns a file descriptor (or -1 when an open failed) and closes it on destruction.
/// Not copyable. Not thread-safe.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  /// The descriptor, or -1.
  [[nodiscard]] int get() const { return fd_; }
  /// Closes now and returns what close() returned (a delayed write error shows here).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

}  // namespace roadwarden
