// The SQLite Store: roadwarden::store::Store over the sqlite3 C API, in WAL mode with
// synchronous=FULL, with versioned schema migrations. Schema and rules: docs/store.md.
#include "store/sqlite/sqlite_store.hpp"

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "core/time.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/store.hpp"

namespace roadwarden::store {
namespace {

using nlohmann::json;
using sqlite::Connection;
using sqlite::Migration;
using sqlite::ResetOnExit;
using sqlite::Statement;
using sqlite::Transaction;

/// How messages name the store's database file.
constexpr sqlite::DatabaseName kStoreName{"SQLite store", "roadwarden store"};

/// The store's schema, oldest first. A released migration is never edited; a schema change is
/// a new migration appended here (and kSqliteSchemaVersion raised).
constexpr std::array kMigrations{
    Migration{1, "create plate_reads", R"sql(
CREATE TABLE plate_reads (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  read_at_ms          INTEGER NOT NULL,
  clock_source        TEXT    NOT NULL,
  source              TEXT    NOT NULL,
  frame               INTEGER NOT NULL CHECK (frame >= -1),
  text                TEXT    NOT NULL,
  confidence          REAL    NOT NULL,
  detector_confidence REAL    NOT NULL,
  tl_x REAL NOT NULL, tl_y REAL NOT NULL,
  tr_x REAL NOT NULL, tr_y REAL NOT NULL,
  br_x REAL NOT NULL, br_y REAL NOT NULL,
  bl_x REAL NOT NULL, bl_y REAL NOT NULL,
  char_confidences    TEXT    NOT NULL CHECK (json_type(char_confidences) = 'array'),
  candidates          TEXT    NOT NULL CHECK (json_type(candidates) = 'array'),
  country             TEXT    NOT NULL,
  format              TEXT    NOT NULL,
  created_at_ms       INTEGER NOT NULL
) STRICT;
CREATE INDEX plate_reads_by_read_at ON plate_reads (read_at_ms);
CREATE INDEX plate_reads_by_text ON plate_reads (text);
)sql"},
};

static_assert(sqlite::numbered_from_one(kMigrations),
              "migrations are numbered 1, 2, 3, ... in order");
static_assert(kMigrations.back().version == kSqliteSchemaVersion,
              "kSqliteSchemaVersion must name the last migration");

/// Columns written by add_plate_reads, in parameter order ?1..?20.
constexpr const char* kInsertRead = R"sql(
INSERT INTO plate_reads (
  read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
  tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
  char_confidences, candidates, country, format, created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
)sql";

/// Columns read by plate_reads, in result order 0..19.
constexpr const char* kSelectReads = R"sql(
SELECT id, read_at_ms, clock_source, source, frame, text, confidence, detector_confidence,
       tl_x, tl_y, tr_x, tr_y, br_x, br_y, bl_x, bl_y,
       char_confidences, candidates, country, format
FROM plate_reads ORDER BY id
)sql";

/// True when `s` is valid UTF-8 (nlohmann's strict decoder: no overlong forms, surrogates
/// or code points past U+10FFFF).
bool is_valid_utf8(const std::string& s) {
  try {
    (void)json(s).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

/// `s` with each invalid UTF-8 sequence replaced by U+FFFD.
std::string replace_invalid_utf8(const std::string& s) {
  if (is_valid_utf8(s)) return s;
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

/// Throws InvalidInput naming read `index` of the batch and what is wrong with it.
[[noreturn]] void reject(std::size_t index, std::string_view problem) {
  throw InvalidInput(fmt::format(
      "Plate read {} of the batch cannot be stored: {}; nothing of the batch was stored.", index,
      problem));
}

void check_unit_interval(std::size_t index, std::string_view field, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {  // also rejects NaN
    reject(index, fmt::format("{} is {}, expected a number in [0, 1]", field, value));
  }
}

void check_utf8(std::size_t index, std::string_view field, const std::string& value) {
  if (!is_valid_utf8(value)) reject(index, fmt::format("{} is not valid UTF-8", field));
}

/// Checks one read before anything is written: InvalidInput when a value could not be
/// stored exactly (non-finite numbers become NULL in SQLite) or breaks PlateResult's rules.
void validate(const StoredPlateRead& read, std::size_t index) {
  const PlateResult& plate = read.plate;
  if (read.frame < -1) reject(index, fmt::format("frame is {}, expected >= -1", read.frame));
  check_utf8(index, "clock_source", read.clock_source);
  check_utf8(index, "text", plate.text);
  check_utf8(index, "country", plate.country);
  check_utf8(index, "format", plate.format);
  for (std::size_t i = 0; i < plate.corners.corners.size(); ++i) {
    const Point& p = plate.corners.corners[i];
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      reject(index, fmt::format("corner {} is ({}, {}), expected finite pixels", i, p.x, p.y));
    }
  }
  check_unit_interval(index, "confidence", plate.confidence);
  check_unit_interval(index, "detector_confidence", plate.detector_confidence);
  for (std::size_t i = 0; i < plate.char_confidences.size(); ++i) {
    check_unit_interval(index, fmt::format("char_confidences[{}]", i), plate.char_confidences[i]);
  }
  for (std::size_t i = 0; i < plate.candidates.size(); ++i) {
    const Candidate& c = plate.candidates[i];
    check_utf8(index, fmt::format("candidates[{}].text", i), c.text);
    check_utf8(index, fmt::format("candidates[{}].format", i), c.format);
    check_unit_interval(index, fmt::format("candidates[{}].confidence", i), c.confidence);
  }
}

std::string encode_candidates(const std::vector<Candidate>& candidates) {
  json out = json::array();
  for (const Candidate& c : candidates) {
    out.push_back({{"text", c.text},
                   {"confidence", c.confidence},
                   {"format", c.format},
                   {"corrected", c.corrected}});
  }
  return out.dump();
}

std::vector<Candidate> decode_candidates(const std::string& text) {
  std::vector<Candidate> out;
  for (const json& c : json::parse(text).get<std::vector<json>>()) {
    out.push_back(Candidate{c.at("text").get<std::string>(), c.at("confidence").get<double>(),
                            c.at("format").get<std::string>(), c.at("corrected").get<bool>()});
  }
  return out;
}

std::vector<double> decode_numbers(const std::string& text) {
  return json::parse(text).get<std::vector<double>>();
}

/// The Store over one SQLite connection.
class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const std::filesystem::path& path)
      : conn_(path, kStoreName),
        schema_version_(sqlite::prepare_schema(conn_, kMigrations)),
        insert_(conn_, kInsertRead, Statement::Lifetime::kCached) {}

  std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) override {
    for (std::size_t i = 0; i < reads.size(); ++i) validate(reads[i], i);
    std::vector<std::int64_t> ids;
    if (reads.empty()) return ids;
    ids.reserve(reads.size());
    const std::int64_t created_at_ms = SystemClock().now().unix_ms;

    const std::lock_guard lock(mutex_);
    Transaction tx(conn_);
    for (const StoredPlateRead& read : reads) {
      const ResetOnExit reset(insert_);
      const PlateResult& plate = read.plate;
      insert_.bind_int64(1, read.read_at.unix_ms);
      insert_.bind_text(2, read.clock_source);
      insert_.bind_text(3, replace_invalid_utf8(read.source));
      insert_.bind_int64(4, read.frame);
      insert_.bind_text(5, plate.text);
      insert_.bind_double(6, plate.confidence);
      insert_.bind_double(7, plate.detector_confidence);
      for (int i = 0; i < 4; ++i) {
        const Point& p = plate.corners.corners[static_cast<std::size_t>(i)];
        insert_.bind_double(8 + 2 * i, p.x);
        insert_.bind_double(9 + 2 * i, p.y);
      }
      insert_.bind_text(16, json(plate.char_confidences).dump());
      insert_.bind_text(17, encode_candidates(plate.candidates));
      insert_.bind_text(18, plate.country);
      insert_.bind_text(19, plate.format);
      insert_.bind_int64(20, created_at_ms);
      insert_.step("store a plate read");
      ids.push_back(conn_.last_insert_rowid());
    }
    tx.commit();
    return ids;
  }

  [[nodiscard]] std::vector<StoredPlateRead> plate_reads() const override {
    const std::lock_guard lock(mutex_);
    Statement query(conn_, kSelectReads);  // one statement: one consistent snapshot
    std::vector<StoredPlateRead> out;
    while (query.step("read plate reads")) {
      StoredPlateRead read;
      read.id = query.column_int64(0);
      read.read_at = UtcTime{query.column_int64(1)};
      read.clock_source = query.column_text(2);
      read.source = query.column_text(3);
      read.frame = query.column_int64(4);
      PlateResult& plate = read.plate;
      plate.text = query.column_text(5);
      plate.confidence = query.column_double(6);
      plate.detector_confidence = query.column_double(7);
      for (int i = 0; i < 4; ++i) {
        plate.corners.corners[static_cast<std::size_t>(i)] =
            Point{query.column_double(8 + 2 * i), query.column_double(9 + 2 * i)};
      }
      const char* column = "char_confidences";
      try {
        plate.char_confidences = decode_numbers(query.column_text(16));
        column = "candidates";
        plate.candidates = decode_candidates(query.column_text(17));
      } catch (const json::exception& e) {
        throw Corrupt(fmt::format("Plate read {} in SQLite store '{}' has malformed {}: {}.",
                                  read.id, conn_.path(), column, e.what()));
      }
      plate.country = query.column_text(18);
      plate.format = query.column_text(19);
      out.push_back(std::move(read));
    }
    return out;
  }

  [[nodiscard]] int schema_version() const override { return schema_version_; }

 private:
  /// Serialises every use of conn_ and insert_ (the connection is opened NOMUTEX).
  mutable std::mutex mutex_;
  /// Guarded by mutex_.
  Connection conn_;
  /// Set once by the constructor; read without the lock.
  const int schema_version_;
  /// Cached insert statement. Guarded by mutex_.
  Statement insert_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path) {
  return std::make_unique<SqliteStore>(path);
}

}  // namespace roadwarden::store
