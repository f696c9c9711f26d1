// Plate recognition with the Tesseract 5 LSTM engine (Smith, "An Overview of the Tesseract
// OCR Engine", ICDAR 2007; LSTM engine since 4.0). The comparison baseline
// (`--engine classic`), not the default reader.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "alpr/stages.hpp"

namespace tesseract {
class TessBaseAPI;
}

namespace roadwarden::alpr {

/// Options of the TesseractRecognizer; validated by its constructor.
struct TesseractOptions {
  /// Directory holding <language>.traineddata; empty = Tesseract's default (Debian:
  /// /usr/share/tesseract-ocr/5/tessdata).
  std::string tessdata_dir;
  /// Tesseract language; default "eng" (package tesseract-ocr-eng).
  std::string language = "eng";
  /// Page segmentation mode: 7 = single text line (default), 6 = uniform block (two-line).
  int page_segmentation_mode = 7;
  /// Height in pixels the plate is scaled to before OCR, 24..256; default 64.
  int ocr_height = 64;
};

/// Reads plate text with Tesseract, restricted to 0-9 A-Z. Top-N candidates come from a beam
/// over each symbol's alternatives (Tesseract's LSTM choice iterator), scored as the product
/// of per-character confidences. Thread-safe: the Tesseract handle is guarded by a mutex, so
/// concurrent calls are serialised.
class TesseractRecognizer final : public Recognizer {
 public:
  /// Throws InvalidInput for an out-of-range option, IoError when Tesseract cannot load the
  /// language data.
  explicit TesseractRecognizer(const TesseractOptions& options = {});
  ~TesseractRecognizer() override;
  TesseractRecognizer(const TesseractRecognizer&) = delete;
  TesseractRecognizer& operator=(const TesseractRecognizer&) = delete;

  [[nodiscard]] Recognition recognize(const cv::Mat& plate, int top_n) const override;

 private:
  TesseractOptions options_;
  mutable std::mutex api_mutex_;
  std::unique_ptr<tesseract::TessBaseAPI> api_;  // guarded by api_mutex_
};

}  // namespace roadwarden::alpr
