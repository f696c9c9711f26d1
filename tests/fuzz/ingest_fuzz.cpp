// libFuzzer target: the server's upload parser (server/ingest.hpp) over arbitrary bodies.
// Any exception other than roadwarden::Error (InvalidInput, PermissionDenied), a crash or an
// AddressSanitizer report is a bug. Run: scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/errors.hpp"
#include "server/ingest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The first line (up to 100 bytes) may replace the Content-Type header, so the fuzzer
  // explores header parameters too; the rest is the body.
  std::string_view content_type = "multipart/form-data; boundary=b";
  std::string_view body = input;
  const std::size_t eol = input.find('\n');
  if (!input.empty() && input[0] == 'C' && eol != std::string_view::npos && eol <= 100) {
    content_type = input.substr(1, eol - 1);
    body = input.substr(eol + 1);
  }
  try {
    const auto request = roadwarden::server::parse_ingest_request(
        "0123456789abcdef0123456789abcdef", content_type, body, 1u << 20);
    roadwarden::server::check_ingest_signature(request.record_json, std::string(128, 'a'),
                                               std::string(64, 'b'));
  } catch (const roadwarden::Error&) {
    // refused input: expected
  }
  try {
    (void)roadwarden::server::parse_rfc3339(input.substr(0, 64), "fuzz");
  } catch (const roadwarden::InvalidInput&) {
  }
  return 0;
}
