// Expansion of command-line paths into the files to read.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace roadwarden::cli {

/// What one input file is.
enum class InputKind { Image, Video };

/// One file to read, or a path that could not be expanded.
struct Input {
  std::filesystem::path path;
  InputKind kind = InputKind::Image;
  /// Non-empty when the path is missing or unreadable; the file is then reported, not read.
  std::string error;
};

/// Expands `paths`: a file is taken as given (video by extension, anything else is tried as
/// an image and checked by its content); a folder is walked recursively, taking files whose
/// extension is an image (.jpg .jpeg .png .bmp) or a video, sorted by path (symbolic links
/// to folders are not followed). A missing path, a folder that cannot be listed in full, and
/// a folder without images or videos each become an Input with `error` set. Never throws
/// for a bad path.
[[nodiscard]] std::vector<Input> expand_inputs(const std::vector<std::string>& paths);

}  // namespace roadwarden::cli
