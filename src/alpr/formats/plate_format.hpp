// Country licence-plate formats and format-aware re-ranking of recogniser candidates.
//
// Facts on the formats: ../shared/docs/plate-formats.md (Uzbekistan: Cabinet of Ministers
// Resolution No. 131 of 27 June 2007; Brazil: Mercosur plates since 2018).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/plate.hpp"

namespace roadwarden::alpr {

/// Class of one character position in a format.
enum class CharClass {
  Digit,   ///< 0-9
  Letter,  ///< A-Z
  Any,     ///< 0-9 or A-Z
};

/// A run of `min`..`max` characters of one class (a fixed run has min == max).
struct Segment {
  CharClass cls = CharClass::Any;
  int min = 1;
  int max = 1;
  /// When non-empty, the run must be exactly one of these literal strings (e.g. "T", "M").
  std::vector<std::string> literals;
};

/// One plate format of one country, e.g. Uzbek private "DD L DDD LL".
struct PlateFormat {
  std::string id;       ///< stable id, e.g. "uz.private", "br.mercosur"
  std::string country;  ///< "uz", "eu", "us" or "br"
  std::string example;  ///< a valid example, e.g. "01A123BC"
  std::vector<Segment> segments;
  /// True when the format only hints (US, generic EU): it may rank candidates but its
  /// character classes are never used to correct confusable glyphs.
  bool hint_only = false;
  /// True when the text must also contain at least one letter and at least one digit
  /// (generic EU), a rule the segments alone cannot express.
  bool needs_letter_and_digit = false;
};

/// The country options accepted by `roadwarden read --country`.
/// Valid values: "uz", "eu", "us", "br", "auto" (all formats: every class-fixing format
/// first, then the hint-only ones). Formats are listed in match order (specific before
/// generic). Ids: uz.private, uz.legal, uz.temporary, uz.diplomatic, uz.foreign_company,
/// uz.foreign_citizen; eu.fr, eu.ro, eu.generic; us.ca, us.lll_dddd, us.generic; br.old,
/// br.mercosur. The returned tables are immutable and live for the whole program; safe to
/// call from any thread. Uzbek personalised plates are deliberately not a format.
/// Throws InvalidInput (with the accepted values listed) for anything else.
[[nodiscard]] const std::vector<PlateFormat>& formats_for(std::string_view country);

/// Normalises free text to plate text: upper-cases ASCII letters and drops everything that
/// is not A-Z or 0-9. Never throws; non-ASCII bytes are dropped.
[[nodiscard]] std::string normalise_plate_text(std::string_view text);

/// Id of the first format of `country` that `text` (already normalised) matches exactly,
/// or "" when none does. For "uz" the region code (first two digits) must be 01-99.
/// "T123456" matches uz.temporary before uz.diplomatic (only the plate colour tells them
/// apart). Throws InvalidInput for an unknown country.
[[nodiscard]] std::string match_format(std::string_view text, std::string_view country);

/// True when `text` (already normalised) matches `format` exactly. Never throws.
[[nodiscard]] bool matches(std::string_view text, const PlateFormat& format);

/// A text obtained from a read by swapping confusable glyphs so that it matches a format.
struct Correction {
  std::string text;
  int changes = 0;  ///< number of characters swapped, >= 1
};

/// Every text that `format` accepts and that differs from `text` only by confusable swaps
/// at positions where the format fixes the class: letter read where a digit is expected
/// O,D,Q->0 I,T->1 Z->2 S->5 B->8 G->6; digit read where a letter is expected 0->O (or D),
/// 1->I (or T), 2->Z, 5->S, 8->B, 6->G. `Any` positions are never changed. Every split of
/// variable-length runs is tried. Each text appears once with its fewest changes; ordered by
/// changes, then primary replacement first (O before D, I before T). Excludes `text` itself;
/// empty for a hint-only format. Never throws.
[[nodiscard]] std::vector<Correction> correct_confusables(std::string_view text,
                                                          const PlateFormat& format);

/// Options of format re-ranking.
struct FormatOptions {
  /// A literal candidate that matches no format keeps its rank over a format-matching one
  /// unless the matching one's confidence is at least this fraction of it. Range (0, 1];
  /// default 0.5: a match wins over a non-match of up to twice its confidence.
  double non_match_factor = 0.5;
  /// Confidence multiplier for a candidate produced by correcting one confusable glyph;
  /// applied once per corrected character. Range (0, 1]; default 0.8.
  double correction_penalty = 0.8;
  /// True when the literal candidates are the recogniser's most probable texts with
  /// calibrated probabilities (a CTC beam search: the learned engine). A confusable swap
  /// the network found plausible is then already among them, and a correction that is not
  /// among them is less probable than the least probable of them: its confidence is capped
  /// at that least confidence and it ranks after every other candidate, a review candidate
  /// that never outranks what the network read. A correction that is among them competes
  /// as it would without this flag (the format chooses between the network's own
  /// readings). Default false (Tesseract's confidences are not probabilities of whole
  /// texts).
  bool calibrated_literals = false;
};

/// The score rank_with_formats() orders candidates by (within the groups that
/// `calibrated_literals` makes): `candidate.confidence` when its
/// `format` tag names a class-fixing (non-hint) format of `country`, else
/// `options.non_match_factor` times it. Comparable across candidate lists of one country
/// (Alpr uses it to choose among the reads of one plate's crops). Throws InvalidInput for an
/// unknown country or a non_match_factor outside (0, 1].
[[nodiscard]] double ranking_score(const Candidate& candidate, std::string_view country,
                                   const FormatOptions& options = {});

/// Applies the formats of `country` to the recogniser's literal candidates (best first).
///
/// Each literal candidate is kept (its text normalised), tagged with the format it matches
/// (Candidate::format; a hint-only match counts as a match for ranking).
/// For a literal that matches no class-fixing (non-hint) format, confusable glyphs (0/O/D/Q,
/// 1/I/T, 2/Z, 5/S, 8/B, 6/G) are swapped only at positions where a non-hint format fixes
/// the character class (see correct_confusables); a correction that yields a full match is
/// added as a new candidate with `corrected = true` and its confidence multiplied by
/// `correction_penalty` per change (with `calibrated_literals`, a correction whose text is
/// not among the literal candidates gets at most the least literal confidence).
/// Ranking (with `calibrated_literals`, the corrections the literals do not include come
/// last; each group by this rule): a candidate matching a class-fixing (non-hint) format moves
/// ahead of one that does not only when its confidence is at least `non_match_factor` times the
/// other's (hint-only matches are tagged but rank as non-matches), so a format match never hides a
/// much more confident literal read; among equal status, higher confidence first; exact ties
/// keep input order (literals, then corrections in generation order).
/// Duplicates are merged (highest confidence kept; a literal wins a tie). Returns at most
/// `top_n` candidates (top_n >= 1); when top_n >= 2 the most confident literal read is
/// always among them (it replaces the last entry if ranking pushed it out).
/// Throws InvalidInput for an unknown country, top_n < 1, an option outside (0, 1], or a
/// candidate confidence outside [0, 1] (or NaN). Pure function; safe from any thread.
[[nodiscard]] std::vector<Candidate> rank_with_formats(const std::vector<Candidate>& literal,
                                                       std::string_view country, int top_n,
                                                       const FormatOptions& options = {});

}  // namespace roadwarden::alpr
