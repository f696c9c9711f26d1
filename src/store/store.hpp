// The Store: durable storage of roadwarden's records behind one interface, with versioned
// schema migrations. SQLite (WAL) is the embedded default; see docs/store.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/plate.hpp"
#include "core/time.hpp"

namespace roadwarden::store {

/// One plate read as stored: where and when it was read, and what was read.
struct StoredPlateRead {
  /// Row id assigned by the store (> 0 once stored; ignored on insert).
  std::int64_t id = 0;
  /// When the read was made, UTC.
  UtcTime read_at;
  /// Clock that produced `read_at` (Clock::source()), e.g. "system".
  std::string clock_source;
  /// Source of the image: file path, or camera id. UTF-8 (invalid bytes replaced): the
  /// store replaces each invalid UTF-8 sequence with U+FFFD, since file paths may be any bytes.
  std::string source;
  /// Frame index within a video source, or -1 for a still image.
  std::int64_t frame = -1;
  /// What was read (corners, text, confidence, candidates, country, format).
  PlateResult plate;
};

/// Storage of roadwarden records.
///
/// Thread safety: one Store object may be used from several threads; calls are serialised
/// internally. Several processes may open the same SQLite file (WAL mode).
class Store {
 public:
  virtual ~Store() = default;

  /// Stores `reads` in one transaction and returns their ids in order. Durable on return:
  /// once this returns, a crash or kill -9 of the process loses none of them. All or none
  /// are stored. Ids ascend and are never reused. An empty batch stores nothing and returns
  /// no ids. Throws InvalidInput (nothing stored) when a read breaks PlateResult's rules
  /// (a confidence outside [0, 1] or NaN, a non-finite corner, frame < -1, a string other
  /// than `source` that is not valid UTF-8), naming the read and field; IoError on a storage
  /// failure (nothing stored); Corrupt when the file turns out damaged.
  virtual std::vector<std::int64_t> add_plate_reads(const std::vector<StoredPlateRead>& reads) = 0;

  /// All stored plate reads, ordered by id, read from one consistent snapshot. Throws
  /// IoError on a storage failure, Corrupt when a stored row does not decode.
  [[nodiscard]] virtual std::vector<StoredPlateRead> plate_reads() const = 0;

  /// The schema version after migrations (the number of the last migration applied).
  [[nodiscard]] virtual int schema_version() const = 0;
};

/// Opens (creating if needed) a SQLite store at `path`, in WAL mode with synchronous=FULL,
/// and applies any pending schema migrations in order, each in its own transaction.
/// Throws IoError when the file cannot be opened or created for writing (message names the
/// file and the OS reason), Corrupt when it is not a SQLite database, is a SQLite database
/// of something else (tables but no schema_migrations), or its schema is newer than this
/// build knows; a rejected file is left unchanged. Parent folders are not created.
[[nodiscard]] std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path);

}  // namespace roadwarden::store
