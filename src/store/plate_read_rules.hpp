// Backend-independent rules and encoding of stored plate reads (store/store.hpp,
// StoredPlateRead), shared by the SQLite and PostgreSQL stores so both refuse the same input
// and write the same JSON columns. Column meanings: docs/store.md, "plate_reads".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/plate.hpp"
#include "store/store.hpp"

namespace roadwarden::store {

/// True when `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
[[nodiscard]] bool is_valid_utf8(const std::string& s);

/// `s` with each invalid UTF-8 sequence replaced by U+FFFD (what the store does to `source`).
[[nodiscard]] std::string replace_invalid_utf8(const std::string& s);

/// Checks read `index` of a batch before anything is written. Throws InvalidInput naming the
/// read and the field when a value could not be stored exactly or breaks PlateResult's rules:
/// frame < -1, a non-finite corner, a confidence outside [0, 1] or NaN, a string other than
/// `source` that is not valid UTF-8. The message ends "nothing of the batch was stored".
void validate_plate_read(const StoredPlateRead& read, std::size_t index);

/// Throws InvalidInput naming read `index` of the batch and `problem`, in the same words as
/// validate_plate_read (for backend-specific rules, e.g. PostgreSQL's refusal of NUL bytes).
[[noreturn]] void reject_plate_read(std::size_t index, std::string_view problem);

/// The char_confidences column: a JSON array of numbers, each the shortest text that parses
/// back to the same double, e.g. "[0.99,0.97,1.0]".
[[nodiscard]] std::string encode_char_confidences(const std::vector<double>& confidences);

/// The candidates column: a JSON array of {"text","confidence","format","corrected"} objects.
[[nodiscard]] std::string encode_candidates(const std::vector<Candidate>& candidates);

/// Decodes a char_confidences column. Throws Corrupt ("<where> has malformed
/// char_confidences: …") when it is not a JSON array of numbers.
[[nodiscard]] std::vector<double> decode_char_confidences(const std::string& text,
                                                          std::string_view where);

/// Decodes a candidates column. Throws Corrupt ("<where> has malformed candidates: …").
[[nodiscard]] std::vector<Candidate> decode_candidates(const std::string& text,
                                                       std::string_view where);

}  // namespace roadwarden::store
