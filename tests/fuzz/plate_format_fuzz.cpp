// libFuzzer target: plate formats (alpr/formats/plate_format.hpp) and the server's plate
// search text (server/plate_search.hpp) over arbitrary text. Run: scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "alpr/formats/plate_format.hpp"
#include "core/errors.hpp"
#include "core/plate_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace roadwarden;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string text = alpr::normalise_plate_text(input);
  for (const char* country : {"uz", "eu", "us", "br", "auto"}) {
    (void)alpr::match_format(text, country);
    if (text.size() <= 12) {
      for (const alpr::PlateFormat& format : alpr::formats_for(country)) {
        (void)alpr::matches(text, format);
        (void)alpr::correct_confusables(text, format);
      }
    }
    Candidate literal;
    literal.text = std::string(input.substr(0, 16));
    literal.confidence = size == 0 ? 0.0 : static_cast<double>(data[0]) / 255.0;
    (void)alpr::rank_with_formats({literal}, country, 3);
  }
  (void)plate_skeleton(input);
  try {
    (void)normalise_plate_query(input);
  } catch (const InvalidInput&) {
  }
  return 0;
}
