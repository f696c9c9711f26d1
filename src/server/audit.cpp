// The audit log writer and its verifier (audit.hpp).
//
// Head file format (DATA_DIR/audit.head), ASCII, written atomically after every append:
//   roadwarden-audit-head 1\n
//   seq <last seq>\n
//   hash <64 lower-case hex digits: the last entry's hash>\n
#include "server/audit.hpp"

#include <charconv>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "server/durable_file.hpp"

namespace roadwarden::server {
namespace {

constexpr const char* kHeadMagic = "roadwarden-audit-head 1";
const std::string kZeroHash(64, '0');

struct Head {
  std::int64_t seq = 0;
  std::string hash;
};

void write_head(const std::filesystem::path& file, const store::AuditEntry& last) {
  const std::string text = fmt::format("{}\nseq {}\nhash {}\n", kHeadMagic, last.seq, last.hash);
  write_file_durably(file,
                     std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

/// The head file, std::nullopt when it does not exist; InvalidInput when malformed.
std::optional<Head> read_head(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  const std::vector<std::uint8_t> bytes = read_file_bytes(file);
  std::istringstream in(std::string(bytes.begin(), bytes.end()));
  std::string magic, seq_word, hash_word;
  Head head;
  if (!std::getline(in, magic) || magic != kHeadMagic || !(in >> seq_word >> head.seq) ||
      seq_word != "seq" || !(in >> hash_word >> head.hash) || hash_word != "hash" ||
      head.hash.size() != 64) {
    throw InvalidInput("the audit head file is malformed");
  }
  return head;
}

}  // namespace

AuditLog::AuditLog(store::Store& store, const Clock& clock, std::filesystem::path head_file)
    : store_(store), clock_(clock), head_file_(std::move(head_file)) {}

store::AuditEntry AuditLog::append(store::AuditEntry entry) {
  std::lock_guard lock(mutex_);
  entry.time = clock_.now();
  if (entry.outcome.empty()) entry.outcome = "ok";
  store::AuditEntry stored = store_.append_audit(std::move(entry));
  write_head(head_file_, stored);
  return stored;
}

AuditAnchor parse_audit_anchor(std::string_view text) {
  const std::size_t colon = text.find(':');
  AuditAnchor a;
  const std::string_view seq = text.substr(0, colon);
  const std::string_view hash = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), a.seq);
  if (colon == std::string_view::npos || ec != std::errc() || end != seq.data() + seq.size() ||
      a.seq < 1 || hash.size() != 64 ||
      hash.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    throw InvalidInput("an audit anchor is SEQ:HASH, e.g. 84:<64 lower-case hex digits>");
  a.hash = std::string(hash);
  return a;
}

std::vector<AuditProblem> verify_audit(const store::Store& store,
                                       const std::filesystem::path& head_file,
                                       const std::vector<AuditAnchor>& anchors) {
  std::vector<AuditProblem> problems;
  std::map<std::int64_t, std::string> anchored;  // seq -> expected hash, checked while reading
  for (const AuditAnchor& a : anchors) anchored[a.seq] = a.hash;
  constexpr int kPage = 1000;
  std::int64_t expected_seq = 1;
  std::string prev_hash = kZeroHash;
  std::optional<store::AuditEntry> last;
  std::int64_t after = 0;
  for (;;) {
    const std::vector<store::AuditEntry> page = store.audit_entries(after, kPage);
    for (const store::AuditEntry& entry : page) {
      if (entry.seq != expected_seq) {
        problems.push_back(
            {entry.seq, entry.seq > expected_seq
                            ? fmt::format("entries {} to {} are missing (deleted)", expected_seq,
                                          entry.seq - 1)
                            : std::string("sequence number repeated or out of order")});
      }
      if (entry.prev_hash != prev_hash) {
        problems.push_back({entry.seq,
                            "prev_hash does not match the previous entry (an entry before it was "
                            "edited, inserted or deleted)"});
      }
      if (store::audit_entry_hash(entry) != entry.hash) {
        problems.push_back({entry.seq, "hash does not match the entry (edited)"});
      }
      if (const auto it = anchored.find(entry.seq); it != anchored.end()) {
        if (it->second != entry.hash)
          problems.push_back({entry.seq,
                              "differs from the anchor kept outside the data "
                              "directory (the chain was rewritten)"});
        anchored.erase(it);
      }
      expected_seq = entry.seq + 1;
      prev_hash = entry.hash;
      after = entry.seq;
      last = entry;
    }
    if (static_cast<int>(page.size()) < kPage) break;
  }
  for (const auto& [seq, hash] : anchored)
    problems.push_back({seq,
                        "an anchor kept outside the data directory names this entry, but "
                        "the log no longer has it (truncated)"});

  std::optional<Head> head;
  try {
    head = read_head(head_file);
  } catch (const Error& e) {
    problems.push_back({0, fmt::format("cannot read the head file: {}", e.what())});
    return problems;
  }
  if (!head) {
    if (last) problems.push_back({0, "the head file is missing"});
    return problems;
  }
  if (!last) {
    problems.push_back({0, fmt::format("the log is empty but the head file names entry {} "
                                       "(entries deleted)",
                                       head->seq)});
  } else if (head->seq > last->seq) {
    problems.push_back({0, fmt::format("the newest entries {} to {} are missing (deleted); the "
                                       "head file names entry {}",
                                       last->seq + 1, head->seq, head->seq)});
  } else if (head->seq < last->seq) {
    problems.push_back({0, fmt::format("the head file names entry {} but the log ends at {} "
                                       "(entries added without the audit writer, or the head "
                                       "file was replaced)",
                                       head->seq, last->seq)});
  } else if (head->hash != last->hash) {
    problems.push_back({0,
                        "the last entry's hash differs from the head file (the last entry "
                        "was replaced)"});
  }
  return problems;
}

}  // namespace roadwarden::server
