#include "alpr/learned/ctc_recognizer.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.hpp"

namespace roadwarden::alpr {

RecognizerMetadata load_recognizer_metadata(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot read recogniser metadata", path.string()));
  RecognizerMetadata m;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    m.input_height = j.at("input").at("height").get<int>();
    m.input_width = j.at("input").at("width").get<int>();
    m.alphabet = j.at("alphabet").get<std::string>();
    m.rows = j.at("output").at("rows").get<int>();
    m.steps = j.at("output").at("steps").get<int>();
    m.rectifier_margin = j.at("rectifier_margin").get<double>();
    m.unreadable_below = j.value("unreadable_below", 0.0);
    m.crop_scales = j.value("crop_scales", std::vector<double>{1.0});
    m.crop_stop_confidence = j.value("crop_stop_confidence", 1.0);
    if (j.at("blank").get<int>() != 0) throw InvalidInput("blank must be class 0");
  } catch (const nlohmann::json::exception& e) {
    throw InvalidInput(fmt::format("{}: bad recogniser metadata: {}", path.string(), e.what()));
  }
  if (m.input_height < 8 || m.input_width < 8 || m.rows < 1 || m.steps < 1 ||
      m.alphabet.empty() || m.rectifier_margin < 0 || m.rectifier_margin > 0.5 ||
      m.unreadable_below < 0 || m.unreadable_below > 1 || m.crop_scales.empty() ||
      m.crop_scales.size() > 4 ||
      !(m.crop_stop_confidence >= 0 && m.crop_stop_confidence <= 1) ||
      std::any_of(m.crop_scales.begin(), m.crop_scales.end(),
                  [](double s) { return !(s >= 0.5 && s <= 1.5); })) {
    throw InvalidInput(fmt::format("{}: recogniser metadata out of range", path.string()));
  }
  return m;
}

std::vector<Candidate> ctc_beam_search(const cv::Mat& probs, const std::string& alphabet,
                                       int beam_width, int top_n) {
  // Each prefix carries the probability of ending in a blank (pb) and in its last char (pnb).
  struct Beam {
    double pb = 0, pnb = 0;
    [[nodiscard]] double total() const { return pb + pnb; }
  };
  std::map<std::string, Beam> beams{{"", Beam{1.0, 0.0}}};
  const int classes = probs.cols;
  for (int t = 0; t < probs.rows; ++t) {
    const float* p = probs.ptr<float>(t);
    std::map<std::string, Beam> next;
    for (const auto& [prefix, b] : beams) {
      // Blank: the prefix is unchanged.
      next[prefix].pb += b.total() * p[0];
      for (int c = 1; c < classes; ++c) {
        if (p[c] < 1e-4) continue;  // prune: cannot matter at float precision
        const char ch = alphabet[static_cast<std::size_t>(c - 1)];
        if (!prefix.empty() && prefix.back() == ch) {
          next[prefix].pnb += b.pnb * p[c];       // repeat collapses
          next[prefix + ch].pnb += b.pb * p[c];   // a blank separated the repeat
        } else {
          next[prefix + ch].pnb += b.total() * p[c];
        }
      }
    }
    std::vector<std::pair<std::string, Beam>> sorted(next.begin(), next.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return a.second.total() > b.second.total();
    });
    if (static_cast<int>(sorted.size()) > beam_width) sorted.resize(beam_width);
    beams = std::map<std::string, Beam>(sorted.begin(), sorted.end());
  }
  std::vector<Candidate> out;
  for (const auto& [text, b] : beams) {
    if (!text.empty()) out.push_back({text, std::clamp(b.total(), 0.0, 1.0), "", false});
  }
  std::stable_sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    return a.confidence > b.confidence;
  });
  if (static_cast<int>(out.size()) > top_n) out.resize(static_cast<std::size_t>(top_n));
  return out;
}

CtcRecognizer::CtcRecognizer(const CtcRecognizerOptions& options)
    : options_(options),
      meta_(load_recognizer_metadata(options.metadata_path)),
      net_(options.model_path, "recogniser") {
  if (options.beam_width < 1 || options.beam_width > 256) {
    throw InvalidInput(fmt::format("beam_width {} out of range 1..256", options.beam_width));
  }
}

Recognition CtcRecognizer::recognize(const cv::Mat& plate, int top_n) const {
  if (plate.empty()) throw InvalidInput("recognize: empty plate image");
  if (top_n < 1) throw InvalidInput(fmt::format("top_n must be >= 1 (got {})", top_n));
  cv::Mat grey, sized;
  if (plate.channels() == 3) {
    cv::cvtColor(plate, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = plate;
  }
  cv::resize(grey, sized, cv::Size(meta_.input_width, meta_.input_height), 0, 0,
             grey.cols > meta_.input_width ? cv::INTER_AREA : cv::INTER_LINEAR);
  const cv::Mat blob = cv::dnn::blobFromImage(sized, 1.0 / 255.0);
  const cv::Mat out = net_.forward(blob);
  const int classes = static_cast<int>(meta_.alphabet.size()) + 1;
  if (out.dims != 4 || out.size[1] != classes || out.size[2] != meta_.rows ||
      out.size[3] != meta_.steps) {
    throw InternalError("recogniser output shape does not match its metadata");
  }
  // Softmax over classes per time step; sequence = row 0 then row 1.
  const int steps = meta_.rows * meta_.steps;
  cv::Mat probs(steps, classes, CV_32F);
  const float* data = out.ptr<float>();
  const int plane = meta_.rows * meta_.steps;
  for (int t = 0; t < steps; ++t) {
    float mx = -1e30f;
    for (int c = 0; c < classes; ++c) mx = std::max(mx, data[c * plane + t]);
    double sum = 0;
    for (int c = 0; c < classes; ++c) {
      const float e = std::exp(data[c * plane + t] - mx);
      probs.at<float>(t, c) = e;
      sum += e;
    }
    for (int c = 0; c < classes; ++c) probs.at<float>(t, c) /= static_cast<float>(sum);
  }
  // Best path: the literal read and its per-character confidences (the highest probability
  // of each emitted character over its run of frames).
  Recognition r;
  std::string literal;
  int prev = 0;
  for (int t = 0; t < steps; ++t) {
    const float* p = probs.ptr<float>(t);
    const int best = static_cast<int>(std::max_element(p, p + classes) - p);
    if (best != 0 && best != prev) {
      literal += meta_.alphabet[static_cast<std::size_t>(best - 1)];
      r.char_confidences.push_back(p[best]);
    } else if (best != 0 && best == prev) {
      r.char_confidences.back() = std::max(r.char_confidences.back(), static_cast<double>(p[best]));
    }
    prev = best;
  }
  r.candidates = ctc_beam_search(probs, meta_.alphabet, std::max(options_.beam_width, top_n), top_n);
  if (literal.empty()) {
    r.char_confidences.clear();
    return r;
  }
  // Keep the best-path read first: it is what the network literally read.
  const auto it = std::find_if(r.candidates.begin(), r.candidates.end(),
                               [&](const Candidate& c) { return c.text == literal; });
  Candidate lit{literal, 1.0, "", false};
  if (it != r.candidates.end()) {
    lit.confidence = it->confidence;
    r.candidates.erase(it);
  } else {
    for (double c : r.char_confidences) lit.confidence *= c;
  }
  r.candidates.insert(r.candidates.begin(), lit);
  if (static_cast<int>(r.candidates.size()) > top_n) r.candidates.pop_back();
  return r;
}

}  // namespace roadwarden::alpr
