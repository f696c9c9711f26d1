#include "core/plate_text.hpp"

#include "core/errors.hpp"

namespace roadwarden {
namespace {

/// The class representative of one upper-case letter or digit (the table in the header).
char fold(char c) {
  switch (c) {
    case 'O':
    case 'D':
    case 'Q':
      return '0';
    case 'I':
    case 'L':
    case 'T':
      return '1';
    case 'Z':
      return '2';
    case 'A':
      return '4';
    case 'S':
      return '5';
    case 'G':
      return '6';
    case 'B':
      return '8';
    default:
      return c;
  }
}

}  // namespace

std::string plate_skeleton(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) out.push_back(fold(c));
  }
  return out;
}

std::string normalise_plate_query(std::string_view text) {
  constexpr std::size_t max_length = 16;
  std::string out;
  for (char c : text) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      throw InvalidInput(
          "The plate holds a character other than 0-9, A-Z, space or dash; type the plate as "
          "it is written, e.g. \"01 A 123 BC\".");
    }
    out.push_back(c);
    if (out.size() > max_length) break;
  }
  if (out.empty() || out.size() > max_length) {
    throw InvalidInput("The plate must have 1 to 16 letters and digits.");
  }
  return out;
}

}  // namespace roadwarden
