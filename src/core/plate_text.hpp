// Plate text shared by every layer: the confusable-glyph "skeleton" that lets a search or a
// hotlist find a vehicle although the recogniser confused look-alike characters, and the
// validation of a plate typed by a person (a search, a hotlist entry).
#pragma once

#include <string>
#include <string_view>

namespace roadwarden {

/// The skeleton of a plate text: upper-cased, every character that is not 0-9 or A-Z
/// dropped, then every glyph of a confusion class replaced by the class's representative:
///
/// | class           | becomes | why (typical OCR confusion on plates)                 |
/// | --------------- | ------- | ----------------------------------------------------- |
/// | 0 O D Q         | `0`     | round glyphs; D and Q lose their stroke/tail when blurred |
/// | 1 I L T         | `1`     | vertical bars; L and T lose their short foot/bar       |
/// | 2 Z             | `2`     | same diagonal stroke                                   |
/// | 4 A             | `4`     | closed triangle over a crossbar                         |
/// | 5 S             | `5`     | same curves                                             |
/// | 6 G             | `6`     | open round glyph with a hook                            |
/// | 8 B             | `8`     | two stacked bowls                                       |
///
/// The pairs are those the plate-format corrector uses (src/alpr/formats/plate_format.hpp:
/// O,D,Q→0 I,T→1 Z→2 S→5 B→8 G→6) plus L→1 and A→4, both common in low-resolution reads.
/// Two texts that differ only within classes have the same skeleton, so a "confusable"
/// search on the skeleton finds reads of the same plate misread at those characters.
/// Other characters are kept. Never throws; non-ASCII bytes are dropped. Thread-safe.
[[nodiscard]] std::string plate_skeleton(std::string_view text);

/// Validates and normalises a plate typed into a search: spaces and dashes are removed,
/// lower-case letters upper-cased; what remains must be 1–16 characters of 0-9 A-Z.
/// Throws InvalidInput for any other character (so that no other text reaches the store)
/// or a length outside 1–16; the message never repeats the input. Thread-safe.
[[nodiscard]] std::string normalise_plate_query(std::string_view text);

}  // namespace roadwarden
