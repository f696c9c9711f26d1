#include "alpr/learned/onnx_net.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::alpr {

OnnxNet::OnnxNet(const std::filesystem::path& path, std::string_view what) {
  try {
    net_ = cv::dnn::readNetFromONNX(path.string());
  } catch (const cv::Exception& e) {
    throw IoError(fmt::format("{}: cannot load {} model: {}", path.string(), what, e.what()));
  }
  if (net_.empty()) throw IoError(fmt::format("{}: cannot load {} model", path.string(), what));
}

cv::Mat OnnxNet::forward(const cv::Mat& blob) const {
  const std::lock_guard lock(mutex_);
  net_.setInput(blob);
  return net_.forward().clone();
}

}  // namespace roadwarden::alpr
