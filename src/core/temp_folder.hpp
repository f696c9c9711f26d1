// A private temporary folder for files that only exist while one operation runs.
#pragma once

#include <filesystem>
#include <string>

namespace roadwarden {

/// A folder created with mkdtemp(3) (mode 0700, a unique name "<prefix>-XXXXXX" under
/// std::filesystem::temp_directory_path(), i.e. $TMPDIR or /tmp) and removed with its content
/// by the destructor (errors ignored). Throws IoError when it cannot be created. Not copyable.
class TempFolder {
 public:
  explicit TempFolder(const std::string& prefix);
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  /// The folder's absolute path.
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace roadwarden
