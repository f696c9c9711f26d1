#include "alpr/learned/onnx_detector.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "alpr/nms.hpp"
#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

constexpr int kOutputChannels = 9;  // heatmap + 4 corners × (x, y)

}  // namespace

DetectorMetadata load_detector_metadata(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot read detector metadata", path.string()));
  DetectorMetadata m;
  std::vector<int> shape;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    const auto& input = j.at("input");
    m.input_width = input.at("width").get<int>();
    m.input_height = input.at("height").get<int>();
    m.size_multiple = input.at("size_multiple").get<int>();
    m.scale = input.at("scale").get<double>();
    const auto mean = input.at("mean").get<std::vector<double>>();
    if (mean.size() != 3) throw InvalidInput("input.mean must have 3 values");
    std::copy(mean.begin(), mean.end(), m.mean.begin());
    if (input.at("color").get<std::string>() != "BGR") throw InvalidInput("input.color must be BGR");
    const auto& letterbox = input.at("letterbox");
    if (letterbox.at("anchor").get<std::string>() != "top-left") {
      throw InvalidInput("input.letterbox.anchor must be top-left");
    }
    m.pad_value = letterbox.at("pad_value").get<int>();
    m.score_threshold = j.value("score_threshold", m.score_threshold);
    const auto& output = j.at("output");
    m.stride = output.at("stride").get<int>();
    m.corner_scale = output.at("corner_scale").get<double>();
    shape = output.at("shape").get<std::vector<int>>();
    const auto order = output.at("corner_order").get<std::vector<std::string>>();
    if (order != std::vector<std::string>{"TL", "TR", "BR", "BL"}) {
      throw InvalidInput("output.corner_order must be TL, TR, BR, BL");
    }
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(fmt::format("{}: bad detector metadata: {}", path.string(), e.what()));
  } catch (const InvalidInput& e) {
    throw InvalidInput(fmt::format("{}: bad detector metadata: {}", path.string(), e.what()));
  }
  if (m.input_width < 32 || m.input_height < 32 || m.input_width > 4096 ||
      m.input_height > 4096 || m.scale <= 0 || m.pad_value < 0 || m.pad_value > 255 ||
      m.stride < 1 || m.corner_scale <= 0 || m.size_multiple < 1 || m.size_multiple > 256 ||
      m.size_multiple % m.stride != 0 || m.input_width % m.size_multiple != 0 ||
      m.input_height % m.size_multiple != 0 ||
      !(m.score_threshold > 0 && m.score_threshold < 1)) {
    throw InvalidInput(fmt::format("{}: detector metadata out of range", path.string()));
  }
  m.grid_width = m.input_width / m.stride;
  m.grid_height = m.input_height / m.stride;
  if (shape != std::vector<int>{1, kOutputChannels, m.grid_height, m.grid_width}) {
    throw InvalidInput(fmt::format(
        "{}: output.shape must be [1, {}, {}, {}] (input / stride)", path.string(),
        kOutputChannels, m.grid_height, m.grid_width));
  }
  return m;
}

OnnxPlateDetector::OnnxPlateDetector(const OnnxDetectorOptions& options)
    : options_(options),
      meta_(load_detector_metadata(options.metadata_path)),
      long_side_(options.input_long_side != 0 ? options.input_long_side
                                              : std::max(meta_.input_width, meta_.input_height)),
      net_(options.model_path, "detector") {
  if (options.input_long_side != 0 &&
      (options.input_long_side < 128 || options.input_long_side > 2048 ||
       options.input_long_side % meta_.size_multiple != 0)) {
    throw InvalidInput(
        fmt::format("input_long_side {} must be 0 or a multiple of {} in [128, 2048]",
                    options.input_long_side, meta_.size_multiple));
  }
  if (!(options.score_threshold == 0 ||
        (options.score_threshold > 0 && options.score_threshold < 1))) {
    throw InvalidInput(
        fmt::format("score_threshold {} must be 0 (the sidecar's) or in (0, 1)",
                    options.score_threshold));
  }
  score_threshold_ = options.score_threshold != 0 ? options.score_threshold : meta_.score_threshold;
  if (options.max_plates < 1 || options.max_plates > 256) {
    throw InvalidInput(fmt::format("max_plates {} out of range 1..256", options.max_plates));
  }
  if (!(options.nms_iou >= 0 && options.nms_iou <= 1)) {
    throw InvalidInput(fmt::format("nms_iou {} out of range [0, 1]", options.nms_iou));
  }
  if (!(options.nms_containment > 0 && options.nms_containment <= 1)) {
    throw InvalidInput(
        fmt::format("nms_containment {} out of range (0, 1]", options.nms_containment));
  }
  // One forward pass on a small blank input (one size multiple square) proves the model
  // and sidecar agree on the output channels and the stride, without allocating the
  // network's buffers for a training-size input that frames may never use.
  const int side = meta_.size_multiple;
  const cv::Mat blank(side, side, CV_8UC3, cv::Scalar::all(meta_.pad_value));
  const cv::Mat out = net_.forward(cv::dnn::blobFromImage(
      blank, meta_.scale, blank.size(), cv::Scalar(meta_.mean[0], meta_.mean[1], meta_.mean[2]),
      false, false));
  if (out.dims != 4 || out.size[0] != 1 || out.size[1] != kOutputChannels ||
      out.size[2] != side / meta_.stride || out.size[3] != side / meta_.stride) {
    throw InvalidInput(fmt::format("{}: model output shape does not match {}",
                                   options.model_path.string(),
                                   options.metadata_path.string()));
  }
}

cv::Size OnnxPlateDetector::input_size_for(cv::Size frame) const {
  const double scale = static_cast<double>(long_side_) / std::max(frame.width, frame.height);
  const int m = meta_.size_multiple;
  const auto padded = [&](int side) {
    const int scaled = std::clamp(static_cast<int>(std::lround(side * scale)), 1, long_side_);
    return (scaled + m - 1) / m * m;
  };
  return {padded(frame.width), padded(frame.height)};
}

std::vector<PlateRegion> OnnxPlateDetector::detect(const cv::Mat& bgr) const {
  if (bgr.empty() || bgr.type() != CV_8UC3) {
    throw InvalidInput("detect: expected a non-empty BGR 8-bit image");
  }
  // Scale the long side to long_side_, top-left anchored, pad right and down with pad_value
  // (as the training letterbox does) to the network's size multiple.
  const double scale = static_cast<double>(long_side_) / std::max(bgr.cols, bgr.rows);
  const cv::Size input = input_size_for(bgr.size());
  const int w = std::clamp(static_cast<int>(std::lround(bgr.cols * scale)), 1, input.width);
  const int h = std::clamp(static_cast<int>(std::lround(bgr.rows * scale)), 1, input.height);
  cv::Mat canvas(input, CV_8UC3, cv::Scalar::all(meta_.pad_value));
  cv::resize(bgr, canvas(cv::Rect(0, 0, w, h)), cv::Size(w, h), 0, 0,
             scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Mat out = net_.forward(cv::dnn::blobFromImage(
      canvas, meta_.scale, canvas.size(),
      cv::Scalar(meta_.mean[0], meta_.mean[1], meta_.mean[2]), false, false));
  const int gw = input.width / meta_.stride, gh = input.height / meta_.stride;
  if (out.dims != 4 || out.size[1] != kOutputChannels || out.size[2] != gh ||
      out.size[3] != gw) {
    throw InternalError("detector output shape does not match its input / stride");
  }

  // Decode: 3×3 local maxima of the heatmap at or above the threshold (CenterNet).
  const std::size_t plane = static_cast<std::size_t>(gw) * static_cast<std::size_t>(gh);
  const float* data = out.ptr<float>();
  const float* heat = data;
  const auto threshold = static_cast<float>(score_threshold_);
  std::vector<PlateRegion> regions;
  for (int i = 0; i < gh; ++i) {
    for (int j = 0; j < gw; ++j) {
      const float v = heat[static_cast<std::size_t>(i) * gw + j];
      if (v < threshold) continue;
      bool peak = true;
      for (int di = -1; di <= 1 && peak; ++di) {
        for (int dj = -1; dj <= 1; ++dj) {
          const int y = i + di, x = j + dj;
          if ((di == 0 && dj == 0) || y < 0 || x < 0 || y >= gh || x >= gw) continue;
          if (heat[static_cast<std::size_t>(y) * gw + x] > v) {
            peak = false;
            break;
          }
        }
      }
      if (!peak) continue;
      const double cx = (j + 0.5) * meta_.stride, cy = (i + 0.5) * meta_.stride;
      const std::size_t cell = static_cast<std::size_t>(i) * gw + j;
      PlateRegion r;
      for (std::size_t k = 0; k < 4; ++k) {
        const double ox = data[(1 + 2 * k) * plane + cell] * meta_.corner_scale;
        const double oy = data[(2 + 2 * k) * plane + cell] * meta_.corner_scale;
        r.corners.corners[k] = Point{(cx + ox) / scale, (cy + oy) / scale};
      }
      r.confidence = std::clamp(static_cast<double>(v), 0.0, 1.0);
      regions.push_back(r);
    }
  }
  return non_max_suppression(std::move(regions), options_.nms_iou, options_.max_plates,
                             options_.nms_containment);
}

}  // namespace roadwarden::alpr
