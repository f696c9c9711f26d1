#include "alpr/classic/tesseract_recognizer.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>
#include <tesseract/baseapi.h>

#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

constexpr const char* kAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Tesseract's LSTM gives some clearly printed symbols (often a lone "1") and most
// alternatives a confidence of 0; each character's confidence is floored here so that one
// such symbol does not zero the whole plate, and alternatives still rank behind the read.
constexpr double kMinCharConfidence = 0.05;

bool in_alphabet(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }

// One character position with its alternatives (char → confidence in [0, 1]).
using Position = std::vector<std::pair<char, double>>;

// Beam search over independent positions; score = product of confidences.
std::vector<Candidate> beam(const std::vector<Position>& positions, int top_n) {
  std::vector<Candidate> beams{Candidate{"", 1.0, "", false}};
  for (const Position& pos : positions) {
    std::vector<Candidate> next;
    for (const Candidate& b : beams) {
      for (const auto& [ch, conf] : pos) next.push_back({b.text + ch, b.confidence * conf, "", false});
    }
    std::stable_sort(next.begin(), next.end(), [](const Candidate& a, const Candidate& b) {
      return a.confidence > b.confidence;
    });
    if (static_cast<int>(next.size()) > top_n) next.resize(static_cast<std::size_t>(top_n));
    beams = std::move(next);
  }
  return beams;
}

// Keeps the symbols that look like plate characters: drops those much shorter than the
// median height (dots, screws, dirt) and narrow ones touching the plate's left or right
// edge (the plate border read as I or 1).
template <typename Symbol>
std::vector<Position> plate_characters(const std::vector<Symbol>& symbols, int pad, int width) {
  std::vector<int> heights;
  for (const Symbol& s : symbols) heights.push_back(s.box.height);
  if (heights.empty()) return {};
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  const int median_h = heights[heights.size() / 2];
  const int edge = std::max(2, width / 40);
  std::vector<Position> out;
  for (const Symbol& s : symbols) {
    if (s.box.height < 0.6 * median_h) continue;
    const bool narrow = s.box.width < 0.25 * median_h;
    const bool at_edge = s.box.x < pad + edge || s.box.x + s.box.width > pad + width - edge;
    if (narrow && at_edge) continue;
    out.push_back(s.alternatives);
  }
  return out;
}

}  // namespace

TesseractRecognizer::TesseractRecognizer(const TesseractOptions& options)
    : options_(options), api_(std::make_unique<tesseract::TessBaseAPI>()) {
  if (options.page_segmentation_mode != 6 && options.page_segmentation_mode != 7 &&
      options.page_segmentation_mode != 8 && options.page_segmentation_mode != 13) {
    throw InvalidInput(fmt::format("page_segmentation_mode {} not one of 6, 7, 8, 13",
                                   options.page_segmentation_mode));
  }
  if (options.ocr_height < 24 || options.ocr_height > 256) {
    throw InvalidInput(fmt::format("ocr_height {} out of range 24..256", options.ocr_height));
  }
  const char* dir = options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str();
  if (api_->Init(dir, options.language.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    throw IoError(fmt::format("Tesseract cannot load language '{}' from {}", options.language,
                              dir ? dir : "its default tessdata directory"));
  }
  api_->SetPageSegMode(static_cast<tesseract::PageSegMode>(options.page_segmentation_mode));
  api_->SetVariable("tessedit_char_whitelist", kAlphabet);
  api_->SetVariable("lstm_choice_mode", "2");  // per-symbol alternatives for top-N
  api_->SetVariable("debug_file", "/dev/null");
  api_->SetVariable("user_defined_dpi", "300");
}

TesseractRecognizer::~TesseractRecognizer() {
  if (api_) api_->End();
}

Recognition TesseractRecognizer::recognize(const cv::Mat& plate, int top_n) const {
  if (plate.empty()) throw InvalidInput("recognize: empty plate image");
  if (top_n < 1) throw InvalidInput(fmt::format("top_n must be >= 1 (got {})", top_n));

  // Grey, dark text on light ground, scaled to the OCR height, with a white border.
  cv::Mat gray, scaled, binary, padded;
  if (plate.channels() == 3) {
    cv::cvtColor(plate, gray, cv::COLOR_BGR2GRAY);
  } else {
    gray = plate;
  }
  const double s = static_cast<double>(options_.ocr_height) / gray.rows;
  cv::resize(gray, scaled, {}, s, s, cv::INTER_CUBIC);
  cv::threshold(scaled, binary, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  if (cv::countNonZero(binary) < static_cast<int>(binary.total() / 2)) {
    cv::bitwise_not(scaled, scaled);  // light characters on a dark plate
  }
  const int pad = options_.ocr_height / 4;
  cv::copyMakeBorder(scaled, padded, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar(255));

  struct Symbol {
    Position alternatives;
    cv::Rect box;
  };
  std::vector<Symbol> symbols;
  {
    const std::lock_guard lock(api_mutex_);
    api_->SetImage(padded.data, padded.cols, padded.rows, 1, static_cast<int>(padded.step));
    if (api_->Recognize(nullptr) != 0) return {};
    std::unique_ptr<tesseract::ResultIterator> it(api_->GetIterator());
    if (it) {
      const auto level = tesseract::RIL_SYMBOL;
      do {
        const std::unique_ptr<char[]> sym(it->GetUTF8Text(level));
        if (!sym || !in_alphabet(sym[0]) || sym[1] != '\0') continue;
        std::map<char, double> alternatives{{sym[0], it->Confidence(level) / 100.0}};
        tesseract::ChoiceIterator choice(*it);
        do {
          const char* text = choice.GetUTF8Text();
          if (text && in_alphabet(text[0]) && text[1] == '\0') {
            double& c = alternatives[text[0]];
            c = std::max(c, static_cast<double>(choice.Confidence()) / 100.0);
          }
        } while (choice.Next());
        Position pos;
        for (const auto& [ch, conf] : alternatives) {
          pos.emplace_back(ch, std::clamp(conf, kMinCharConfidence, 1.0));
        }
        std::stable_sort(pos.begin(), pos.end(),
                         [](const auto& a, const auto& b) { return a.second > b.second; });
        // The literal symbol keeps first place even when an alternative scores equal.
        const auto lit = std::find_if(pos.begin(), pos.end(),
                                      [&](const auto& p) { return p.first == sym[0]; });
        std::rotate(pos.begin(), lit, lit + 1);
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        it->BoundingBox(level, &x0, &y0, &x1, &y1);
        symbols.push_back({std::move(pos), cv::Rect(x0, y0, x1 - x0, y1 - y0)});
      } while (it->Next(level));
    }
    api_->Clear();
  }
  const std::vector<Position> positions = plate_characters(symbols, pad, scaled.cols);
  Recognition out;
  if (positions.empty()) return out;
  for (const Position& p : positions) out.char_confidences.push_back(p.front().second);
  out.candidates = beam(positions, top_n);
  // The beam's best equals the literal read only if no alternative outscored it; keep the
  // literal read first, as the format stage expects literal candidates best first.
  std::string literal;
  double literal_conf = 1.0;
  for (const Position& p : positions) {
    literal += p.front().first;
    literal_conf *= p.front().second;
  }
  auto found = std::find_if(out.candidates.begin(), out.candidates.end(),
                            [&](const Candidate& c) { return c.text == literal; });
  if (found == out.candidates.end()) {
    out.candidates.insert(out.candidates.begin(), Candidate{literal, literal_conf, "", false});
    if (static_cast<int>(out.candidates.size()) > top_n) out.candidates.pop_back();
  }
  return out;
}

}  // namespace roadwarden::alpr
