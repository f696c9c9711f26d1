// An ONNX network run by OpenCV DNN, shared by the learned stages.
#pragma once

#include <filesystem>
#include <mutex>
#include <string_view>

#include <opencv2/dnn.hpp>

namespace roadwarden::alpr {

/// Loads an ONNX model once and runs it from any thread.
/// Thread safety: cv::dnn::Net::forward is not const, so forward() calls are serialised by a
/// mutex; callers do their pre- and post-processing outside it.
class OnnxNet {
 public:
  /// Loads `path`. Throws IoError naming the file and `what` (e.g. "detector") when OpenCV
  /// cannot load it.
  OnnxNet(const std::filesystem::path& path, std::string_view what);

  /// Runs the network on `blob` (N×C×H×W float) and returns its first output, owned by the
  /// caller (a copy, so it outlives the next call).
  [[nodiscard]] cv::Mat forward(const cv::Mat& blob) const;

 private:
  mutable std::mutex mutex_;
  mutable cv::dnn::Net net_;  // guarded by mutex_
};

}  // namespace roadwarden::alpr
