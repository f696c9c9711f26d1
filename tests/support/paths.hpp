// Where tests find the source tree, the roadwarden binary and ../shared.
#pragma once

#include <filesystem>
#include <optional>

namespace roadwarden::testing {

/// The repository root.
[[nodiscard]] std::filesystem::path source_dir();
/// ../shared beside the repository, or nullopt when it is absent (a user's machine).
[[nodiscard]] std::optional<std::filesystem::path> shared_dir();
/// A fresh empty temporary folder, unique per call; removed by TempDir's destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace roadwarden::testing
