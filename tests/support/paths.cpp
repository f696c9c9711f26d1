#include "support/paths.hpp"

#include <unistd.h>

#include <atomic>
#include <string>

namespace roadwarden::testing {

std::filesystem::path source_dir() { return ROADWARDEN_SOURCE_DIR; }

std::optional<std::filesystem::path> shared_dir() {
  const std::filesystem::path p = source_dir() / ".." / "shared";
  std::error_code ec;
  if (std::filesystem::is_directory(p / "data", ec)) return p.lexically_normal();
  return std::nullopt;
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("roadwarden-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace roadwarden::testing
