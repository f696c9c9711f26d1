#include "cli/inputs.hpp"

#include <algorithm>
#include <cctype>

#include "video/video_file.hpp"

namespace roadwarden::cli {
namespace {

bool is_image_extension(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

}  // namespace

std::vector<Input> expand_inputs(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::vector<Input> out;
  for (const std::string& arg : paths) {
    const fs::path p(arg);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<Input> found;
      fs::recursive_directory_iterator it(p, ec);
      if (ec) {
        out.push_back({p, InputKind::Image, "cannot list folder: " + ec.message()});
        continue;
      }
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (!it->is_regular_file(ec)) continue;
        if (is_image_extension(it->path())) {
          found.push_back({it->path(), InputKind::Image, ""});
        } else if (video::is_video_path(it->path())) {
          found.push_back({it->path(), InputKind::Video, ""});
        }
      }
      std::sort(found.begin(), found.end(),
                [](const Input& a, const Input& b) { return a.path < b.path; });
      if (ec) {  // a sub-folder could not be listed: say so, never skip it silently
        found.push_back({p, InputKind::Image, "cannot list all of the folder: " + ec.message()});
      } else if (found.empty()) {
        found.push_back({p, InputKind::Image, "no images or videos in folder"});
      }
      out.insert(out.end(), found.begin(), found.end());
    } else if (!fs::exists(p, ec)) {
      out.push_back({p, InputKind::Image, "no such file or folder"});
    } else {
      out.push_back({p, video::is_video_path(p) ? InputKind::Video : InputKind::Image, ""});
    }
  }
  return out;
}

}  // namespace roadwarden::cli
