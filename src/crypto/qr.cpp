// QR codes for a terminal (libqrencode), e.g. the otpauth URI at TOTP enrolment.
#include <qrencode.h>

#include <memory>
#include <string>

#include "core/errors.hpp"
#include "crypto/crypto.hpp"

namespace roadwarden::crypto {
namespace {

struct QrDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

constexpr int kQuietZone = 2;
constexpr std::string_view kUpperHalf = "\u2580";  // ▀
constexpr std::string_view kLowerHalf = "\u2584";  // ▄
constexpr std::string_view kFullBlock = "\u2588";  // █

}  // namespace

std::string terminal_qr(std::string_view text) {
  if (text.empty()) throw InvalidInput("Cannot draw a QR code of empty text.");
  const std::unique_ptr<QRcode, QrDeleter> code(
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M));
  if (!code) {
    throw InvalidInput("The text (" + std::to_string(text.size()) +
                       " bytes) cannot be drawn as a QR code (too long?).");
  }
  const int width = code->width;
  const int size = width + 2 * kQuietZone;
  // Light modules (and the quiet zone) are drawn as blocks, dark modules as spaces: on the
  // usual light-on-dark terminal the code then reads dark-on-light, as scanners expect
  // (the same choice as `qrencode -t UTF8`). Rows past the bottom edge are left blank.
  const auto light = [&](int x, int y) {
    if (y >= size) return false;
    const int mx = x - kQuietZone;
    const int my = y - kQuietZone;
    if (mx < 0 || my < 0 || mx >= width || my >= width) return true;
    return (code->data[my * width + mx] & 1) == 0;
  };
  std::string out;
  for (int y = 0; y < size; y += 2) {
    if (y > 0) out.push_back('\n');
    for (int x = 0; x < size; ++x) {
      const bool top = light(x, y);
      const bool bottom = light(x, y + 1);
      if (top && bottom) {
        out += kFullBlock;
      } else if (top) {
        out += kUpperHalf;
      } else if (bottom) {
        out += kLowerHalf;
      } else {
        out.push_back(' ');
      }
    }
  }
  return out;
}

}  // namespace roadwarden::crypto
