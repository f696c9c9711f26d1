#include "alpr/formats/plate_format.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

#include "core/errors.hpp"

namespace roadwarden::alpr {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return c >= 'A' && c <= 'Z';
}

bool fits(CharClass cls, char c) {
  switch (cls) {
    case CharClass::Digit:
      return is_digit(c);
    case CharClass::Letter:
      return is_letter(c);
    case CharClass::Any:
      return is_digit(c) || is_letter(c);
  }
  return false;
}

// ---- Format tables ----------------------------------------------------------------------

Segment run(CharClass cls, int min, int max) {
  return Segment{cls, min, max, {}};
}
Segment digits(int n) {
  return run(CharClass::Digit, n, n);
}
Segment letters(int n) {
  return run(CharClass::Letter, n, n);
}

/// One run that must be one of `literals` (all of the same length).
Segment one_of(CharClass cls, std::vector<std::string> literals) {
  const int n = static_cast<int>(literals.front().size());
  return Segment{cls, n, n, std::move(literals)};
}

/// Uzbek region code 01-99 (plate-formats.md; Resolution No. 131 of 2007).
Segment uz_region() {
  std::vector<std::string> codes;
  for (int i = 1; i <= 99; ++i) codes.push_back({char('0' + i / 10), char('0' + i % 10)});
  return one_of(CharClass::Digit, std::move(codes));
}

std::vector<PlateFormat> uz_formats() {
  const Segment region = uz_region();
  return {
      {"uz.private", "uz", "01A123BC", {region, letters(1), digits(3), letters(2)}},
      {"uz.legal", "uz", "01123ABC", {region, digits(3), letters(3)}},
      // Two-line plates: trailer (4 digits, 2 letters) and motorcycle (3 digits, 2 letters)
      // after the region code (Wikipedia, "Vehicle registration plates of Uzbekistan").
      {"uz.trailer", "uz", "011234AB", {region, digits(4), letters(2)}},
      {"uz.motorcycle", "uz", "01123AB", {region, digits(3), letters(2)}},
      {"uz.temporary", "uz", "T123456", {one_of(CharClass::Letter, {"T"}), digits(6)}},
      {"uz.diplomatic", "uz", "D001234", {one_of(CharClass::Letter, {"D", "T", "X"}), digits(6)}},
      {"uz.foreign_company",
       "uz",
       "01M012345",
       {region, one_of(CharClass::Letter, {"M"}), digits(6)}},
      {"uz.foreign_citizen",
       "uz",
       "01H012345",
       {region, one_of(CharClass::Letter, {"H"}), digits(6)}},
  };
}

std::vector<PlateFormat> eu_formats() {
  return {
      {"eu.fr", "eu", "AB123CD", {letters(2), digits(3), letters(2)}},
      {"eu.ro",
       "eu",
       "CJ12ABC",
       {run(CharClass::Letter, 1, 2), run(CharClass::Digit, 2, 3), letters(3)}},
      {"eu.generic", "eu", "MAB1234", {run(CharClass::Any, 4, 8)}, true, true},
  };
}

std::vector<PlateFormat> us_formats() {
  return {
      {"us.ca", "us", "7ABC123", {digits(1), letters(3), digits(3)}, true},
      {"us.lll_dddd", "us", "ABC1234", {letters(3), digits(4)}, true},
      {"us.generic", "us", "LUV2RUN", {run(CharClass::Any, 2, 8)}, true},
  };
}

std::vector<PlateFormat> br_formats() {
  return {
      {"br.old", "br", "ABC1234", {letters(3), digits(4)}},
      {"br.mercosur", "br", "ABC1D23", {letters(3), digits(1), letters(1), digits(2)}},
  };
}

/// Every format: class-fixing ones first (so they win match_format), then hint-only ones.
std::vector<PlateFormat> all_formats() {
  std::vector<PlateFormat> all;
  for (const auto& table : {uz_formats(), eu_formats(), us_formats(), br_formats()}) {
    all.insert(all.end(), table.begin(), table.end());
  }
  std::stable_partition(all.begin(), all.end(), [](const PlateFormat& f) { return !f.hint_only; });
  return all;
}

// ---- Matching and correction ------------------------------------------------------------

bool matches_from(const std::vector<Segment>& segments, std::size_t i, std::string_view text) {
  if (i == segments.size()) return text.empty();
  const Segment& s = segments[i];
  for (int n = s.min; n <= s.max && n <= static_cast<int>(text.size()); ++n) {
    const std::string_view part = text.substr(0, n);
    if (!std::all_of(part.begin(), part.end(), [&](char c) { return fits(s.cls, c); })) {
      break;  // every longer run contains the misfit too
    }
    if (!s.literals.empty() &&
        std::find(s.literals.begin(), s.literals.end(), part) == s.literals.end()) {
      continue;
    }
    if (matches_from(segments, i + 1, text.substr(n))) return true;
  }
  return false;
}

/// Confusable glyphs: kGlyphLetters[i] looks like kGlyphDigits[i], primary letter first.
/// A letter read where a digit is expected maps by every pair; a digit read where a letter
/// is expected maps to every letter but Q (0 -> O or D, 1 -> I or T).
constexpr std::string_view kGlyphLetters = "ODQITZSBG";
constexpr std::string_view kGlyphDigits = "000112586";

/// The characters that may stand at a position of class `cls` where `c` was read: `c`
/// itself when it fits, else its confusable glyphs of that class (primary first), else none
/// (always none at an Any position).
std::string choices(CharClass cls, char c) {
  if (fits(cls, c)) return std::string(1, c);
  std::string out;
  for (std::size_t i = 0; i < kGlyphLetters.size(); ++i) {
    const char letter = kGlyphLetters[i], digit = kGlyphDigits[i];
    if (cls == CharClass::Digit && c == letter) out.push_back(digit);
    if (cls == CharClass::Letter && c == digit && letter != 'Q') out.push_back(letter);
  }
  return out;
}

/// Calls `visit` with the class of every position, once per split of the segments' runs
/// whose lengths add up to `length`.
template <typename Visit>
void for_each_split(const std::vector<Segment>& segments, std::size_t i, std::size_t length,
                    std::vector<CharClass>& classes, Visit& visit) {
  if (i == segments.size()) {
    if (classes.size() == length) visit(classes);
    return;
  }
  const Segment& s = segments[i];
  for (int n = s.min; n <= s.max && classes.size() + n <= length; ++n) {
    classes.insert(classes.end(), n, s.cls);
    for_each_split(segments, i + 1, length, classes, visit);
    classes.resize(classes.size() - n);
  }
}

/// Depth-first over the choices of each position; keeps full matches with >= 1 change.
void expand(std::string_view text, const std::vector<CharClass>& classes, const PlateFormat& format,
            std::string& out, int changes, std::vector<Correction>& found) {
  const std::size_t pos = out.size();
  if (pos == text.size()) {
    if (changes == 0 || !matches(out, format)) return;
    auto it = std::find_if(found.begin(), found.end(),
                           [&](const Correction& c) { return c.text == out; });
    if (it == found.end()) {
      found.push_back({out, changes});
    } else {
      it->changes = std::min(it->changes, changes);
    }
    return;
  }
  for (const char c : choices(classes[pos], text[pos])) {
    out.push_back(c);
    expand(text, classes, format, out, changes + (c != text[pos] ? 1 : 0), found);
    out.pop_back();
  }
}

std::string first_match(std::string_view text, const std::vector<PlateFormat>& formats) {
  for (const PlateFormat& f : formats) {
    if (matches(text, f)) return f.id;
  }
  return "";
}

bool matches_class_fixing(std::string_view text, const std::vector<PlateFormat>& formats) {
  return std::any_of(formats.begin(), formats.end(),
                     [&](const PlateFormat& f) { return !f.hint_only && matches(text, f); });
}

void check_option(double value, const char* name) {
  if (!(value > 0 && value <= 1)) {
    throw InvalidInput(std::string("format option ") + name + " = " + std::to_string(value) +
                       " is outside (0, 1]");
  }
}

/// True when `c` is tagged with a class-fixing format of `formats`. Only those count as a
/// match when ranking: a hint-only format (US, generic EU) matches almost any text and would
/// otherwise shield every misread from its correction.
bool is_fixed_match(const Candidate& c, const std::vector<PlateFormat>& formats) {
  return !c.format.empty() &&
         std::any_of(formats.begin(), formats.end(),
                     [&](const PlateFormat& f) { return f.id == c.format && !f.hint_only; });
}

double ranking_score(const Candidate& c, const std::vector<PlateFormat>& formats,
                     const FormatOptions& options) {
  return is_fixed_match(c, formats) ? c.confidence : options.non_match_factor * c.confidence;
}

}  // namespace

const std::vector<PlateFormat>& formats_for(std::string_view country) {
  static const std::vector<PlateFormat> uz = uz_formats();
  static const std::vector<PlateFormat> eu = eu_formats();
  static const std::vector<PlateFormat> us = us_formats();
  static const std::vector<PlateFormat> br = br_formats();
  static const std::vector<PlateFormat> all = all_formats();
  if (country == "uz") return uz;
  if (country == "eu") return eu;
  if (country == "us") return us;
  if (country == "br") return br;
  if (country == "auto") return all;
  throw InvalidInput("unknown country '" + std::string(country) +
                     "'; valid values are uz, eu, us, br, auto");
}

std::string normalise_plate_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_digit(c) || is_letter(c)) {
      out.push_back(c);
    } else if (c >= 'a' && c <= 'z') {
      out.push_back(static_cast<char>(c - 'a' + 'A'));
    }  // anything else, including every non-ASCII byte, is dropped
  }
  return out;
}

bool matches(std::string_view text, const PlateFormat& format) {
  if (!matches_from(format.segments, 0, text)) return false;
  if (!format.needs_letter_and_digit) return true;
  return std::any_of(text.begin(), text.end(), is_digit) &&
         std::any_of(text.begin(), text.end(), is_letter);
}

std::string match_format(std::string_view text, std::string_view country) {
  return first_match(text, formats_for(country));
}

std::vector<Correction> correct_confusables(std::string_view text, const PlateFormat& format) {
  std::vector<Correction> found;
  if (format.hint_only) return found;
  std::vector<CharClass> classes;
  std::string out;
  auto visit = [&](const std::vector<CharClass>& split) {
    expand(text, split, format, out, 0, found);
  };
  for_each_split(format.segments, 0, text.size(), classes, visit);
  std::stable_sort(found.begin(), found.end(),
                   [](const Correction& a, const Correction& b) { return a.changes < b.changes; });
  return found;
}

double ranking_score(const Candidate& candidate, std::string_view country,
                     const FormatOptions& options) {
  check_option(options.non_match_factor, "non_match_factor");
  return ranking_score(candidate, formats_for(country), options);
}

std::vector<Candidate> rank_with_formats(const std::vector<Candidate>& literal,
                                         std::string_view country, int top_n,
                                         const FormatOptions& options) {
  const std::vector<PlateFormat>& formats = formats_for(country);
  if (top_n < 1) {
    throw InvalidInput("top_n must be at least 1 (got " + std::to_string(top_n) + ")");
  }
  check_option(options.non_match_factor, "non_match_factor");
  check_option(options.correction_penalty, "correction_penalty");

  std::vector<Candidate> pool;
  auto add = [&pool](Candidate c) {
    auto it = std::find_if(pool.begin(), pool.end(),
                           [&](const Candidate& p) { return p.text == c.text; });
    if (it == pool.end()) {
      pool.push_back(std::move(c));
    } else if (c.confidence > it->confidence) {
      *it = std::move(c);
    }
  };

  std::vector<Candidate> reads;
  for (const Candidate& c : literal) {
    if (!(c.confidence >= 0 && c.confidence <= 1)) {
      throw InvalidInput("candidate '" + c.text + "' has confidence " +
                         std::to_string(c.confidence) + " outside [0, 1]");
    }
    Candidate read = c;
    read.text = normalise_plate_text(c.text);
    read.format = first_match(read.text, formats);
    reads.push_back(read);
    add(std::move(read));
  }
  // With calibrated literals, a correction the beam search did not propose is a review
  // candidate only: capped at the least literal confidence and ranked after the rest.
  double least_literal = 1.0;
  for (const Candidate& read : reads) least_literal = std::min(least_literal, read.confidence);
  auto proposed = [&reads](const std::string& text) {
    return std::any_of(reads.begin(), reads.end(),
                       [&](const Candidate& r) { return r.text == text; });
  };
  std::vector<std::string> review_only;
  for (const Candidate& read : reads) {
    if (matches_class_fixing(read.text, formats)) continue;
    for (const PlateFormat& f : formats) {
      for (const Correction& fix : correct_confusables(read.text, f)) {
        double confidence = read.confidence;
        for (int i = 0; i < fix.changes; ++i) confidence *= options.correction_penalty;
        if (options.calibrated_literals && !proposed(fix.text)) {
          confidence = std::min(confidence, least_literal);
          review_only.push_back(fix.text);
        }
        add({fix.text, confidence, first_match(fix.text, formats), true});
      }
    }
  }

  // A non-match's confidence counts non_match_factor times, and a match wins an exact tie:
  // exactly the ranking rule, written as a score so that it is a strict weak ordering.
  auto fixed_match = [&formats](const Candidate& c) { return is_fixed_match(c, formats); };
  auto score = [&](const Candidate& c) { return ranking_score(c, formats, options); };
  auto for_review = [&review_only](const Candidate& c) {
    return std::find(review_only.begin(), review_only.end(), c.text) != review_only.end();
  };
  std::stable_sort(pool.begin(), pool.end(), [&](const Candidate& a, const Candidate& b) {
    if (for_review(a) != for_review(b)) return for_review(b);
    const double sa = score(a), sb = score(b);
    if (sa != sb) return sa > sb;
    return fixed_match(a) && !fixed_match(b);
  });

  const auto n = static_cast<std::size_t>(top_n);
  if (pool.size() > n) {
    auto best_literal = pool.end();
    for (auto it = pool.begin(); it != pool.end(); ++it) {
      if (!it->corrected &&
          (best_literal == pool.end() || it->confidence > best_literal->confidence)) {
        best_literal = it;
      }
    }
    const auto at = static_cast<std::size_t>(best_literal - pool.begin());
    if (n >= 2 && best_literal != pool.end() && at >= n) pool[n - 1] = *best_literal;
    pool.erase(pool.begin() + top_n, pool.end());
  }
  return pool;
}

}  // namespace roadwarden::alpr
