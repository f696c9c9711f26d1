// Strict reading of one TOML table (toml11) for the camera agent's site.toml: every key read
// is remembered so the rest can be rejected as unknown, and every error names the file and
// the dotted key, e.g. "site.toml: camera[1].detect_every: must be in 1..10, got 0".
// Shared by edge/site_config.cpp and edge/pass_rules.cpp.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <toml.hpp>

#include "core/errors.hpp"

namespace roadwarden::edge {

/// Reader of one TOML table. Errors are InvalidInput "<file>: <prefix.key>: <why>".
class TomlTable {
 public:
  /// `value` must be a table (else InvalidInput naming `prefix`); `docs` is named by
  /// reject_unknown() as the place every option is listed.
  TomlTable(const toml::value& value, std::string file, std::string prefix,
            std::string docs = "examples/site.toml")
      : file_(std::move(file)), prefix_(std::move(prefix)), docs_(std::move(docs)) {
    if (!value.is_table()) fail_at(prefix_.empty() ? "(top level)" : prefix_, "must be a table");
    table_ = &value.as_table();
  }

  /// Throws InvalidInput "<file>: <key>: <why>" (`key` as given, not prefixed).
  [[noreturn]] void fail_at(const std::string& key, const std::string& why) const {
    throw InvalidInput(fmt::format("{}: {}: {}", file_, key, why));
  }
  /// Throws InvalidInput naming `key` of this table.
  [[noreturn]] void fail(const std::string& key, const std::string& why) const {
    fail_at(name(key), why);
  }
  /// The dotted name of `key` in this table ("camera[0].file").
  [[nodiscard]] std::string name(const std::string& key) const {
    return prefix_.empty() ? key : prefix_ + "." + key;
  }
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] const std::string& prefix() const { return prefix_; }

  /// The value of `key` (marked as used), or nullptr when absent.
  [[nodiscard]] const toml::value* get(const std::string& key) {
    used_.insert(key);
    const auto it = table_->find(key);
    return it == table_->end() ? nullptr : &it->second;
  }
  [[nodiscard]] bool has(const std::string& key) const { return table_->count(key) > 0; }

  /// A non-empty string; `out` unchanged when absent (InvalidInput when `required`).
  void string(const std::string& key, std::string& out, bool required = false) {
    const toml::value* v = get(key);
    if (!v) {
      if (required) fail(key, "is required");
      return;
    }
    if (!v->is_string()) fail(key, "must be a string");
    out = v->as_string().str;
    if (out.empty()) fail(key, "must not be empty");
  }
  /// An array of strings (non-empty when `required`).
  void strings(const std::string& key, std::vector<std::string>& out, bool required = false) {
    const toml::value* v = get(key);
    if (!v) {
      if (required) fail(key, "is required");
      return;
    }
    if (!v->is_array()) fail(key, "must be an array of strings");
    out.clear();
    for (const toml::value& item : v->as_array()) {
      if (!item.is_string()) fail(key, "must be an array of strings");
      out.push_back(item.as_string().str);
    }
    if (required && out.empty()) fail(key, "must not be empty");
  }
  void boolean(const std::string& key, bool& out) {
    const toml::value* v = get(key);
    if (!v) return;
    if (!v->is_boolean()) fail(key, "must be true or false");
    out = v->as_boolean();
  }
  /// An integer in [lo, hi].
  template <typename Int>
  void integer(const std::string& key, Int& out, long long lo, long long hi,
               bool required = false) {
    const toml::value* v = get(key);
    if (!v) {
      if (required) fail(key, "is required");
      return;
    }
    if (!v->is_integer()) fail(key, "must be an integer");
    const long long x = v->as_integer();
    if (x < lo || x > hi) fail(key, fmt::format("must be in {}..{}, got {}", lo, hi, x));
    out = static_cast<Int>(x);
  }
  /// A number (integer or float) in [lo, hi], or (lo, hi] when `open_low`.
  void number(const std::string& key, double& out, double lo, double hi, bool required = false,
              bool open_low = false) {
    const toml::value* v = get(key);
    if (!v) {
      if (required) fail(key, "is required");
      return;
    }
    double x = 0;
    if (v->is_floating())
      x = v->as_floating();
    else if (v->is_integer())
      x = static_cast<double>(v->as_integer());
    else
      fail(key, "must be a number");
    const bool low_ok = open_low ? x > lo : x >= lo;
    if (!(low_ok && x <= hi))
      fail(key, fmt::format("must be in {}{}, {}], got {}", open_low ? "(" : "[", lo, hi, x));
    out = x;
  }
  /// A non-empty path string, resolved against `base` when relative.
  void path(const std::string& key, std::filesystem::path& out, const std::filesystem::path& base,
            bool required = false) {
    std::string s;
    string(key, s, required);
    if (s.empty()) return;
    if (s.front() == '~')  // no shell here to expand it: it would make a folder named "~"
      fail(key, "a path starting with '~' is not expanded; write the home folder out in full");
    const std::filesystem::path p(s);
    out = p.is_absolute() ? p : base / p;
  }
  /// Rejects every key that no reader asked for.
  void reject_unknown() const {
    for (const auto& [key, value] : *table_) {
      if (!used_.count(key)) fail(key, fmt::format("unknown key (see {} for every option)", docs_));
    }
  }

 private:
  const toml::table* table_ = nullptr;
  std::string file_;
  std::string prefix_;
  std::string docs_;
  std::set<std::string> used_;
};

}  // namespace roadwarden::edge
