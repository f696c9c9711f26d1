// Benchmark of the central server's store (store/store.hpp) on SQLite and PostgreSQL. One
// command prints every figure with its baseline:
//
//   build/bench/server_store_bench ingest --records 2000 [--postgres URI] [--threads T]
//       reads/s of Store::ingest_record (one durable transaction per record, as the server
//       does: a ~1.4 KB manifest, two evidence_files rows, plate text and skeleton, read_at)
//       into a fresh SQLite file (WAL, synchronous=FULL) and, with --postgres, into a fresh
//       database on that server, with the ratio PostgreSQL/SQLite; the baseline is the same
//       number of reads stored with add_plate_reads in batches of 1 (the camera-side local
//       store, migration 1) in the same run. --threads T ingests from T threads sharing one
//       Store, as the server's httplib threads do.
//   build/bench/server_store_bench history --rows 10000000 [--postgres URI]
//       plate-history query latency through Store::search_reads on a store holding N plate
//       reads (populated with backend-native bulk SQL after the store created its schema:
//       ~500 cameras, ~N/20 distinct plates, 90 days, two evidence_files rows per read, which
//       search_reads reads back): exact plate over the whole period (a vehicle's movement
//       timeline), confusable skeleton, and plate + 1-day window, each repeated --queries
//       times with random existing plates; p50/p95/p99 ms and rows returned. The baseline is
//       the same queries on --baseline-rows (1,000,000) populated in the same command, and
//       the ratio of each percentile to it.
//
// Files go under --dir (default /tmp) and are deleted afterwards unless --keep; PostgreSQL
// databases are created as rw_bench_* on the given server and dropped afterwards unless --keep.
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "core/plate.hpp"
#include "core/time.hpp"
#include "server/plate_search.hpp"
#include "store/server_records.hpp"
#include "store/store.hpp"

namespace fs = std::filesystem;
using namespace roadwarden;
using Steady = std::chrono::steady_clock;

namespace {

// ---- Deterministic synthetic data ---------------------------------------------------------

/// SplitMix64: a fast, well-mixed hash of a 64-bit value.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31U);
}

/// `digits` lower-case hex digits derived from `seed`.
std::string hex(std::uint64_t seed, std::size_t digits) {
  std::string out;
  out.reserve(digits + 16);
  for (std::uint64_t block = 0; out.size() < digits; ++block) {
    out += fmt::format("{:016x}", mix(seed * 1315423911ULL + block));
  }
  out.resize(digits);
  return out;
}

constexpr std::array kUzRegions{"01", "10", "20", "25", "30", "40", "50",
                                "60", "70", "75", "80", "85", "90", "95"};
constexpr std::array kEuCities{"B", "M", "HH", "K", "F", "S", "WA", "KR", "LT", "VIL"};

char letter(std::uint64_t h) {
  return static_cast<char>('A' + h % 26);
}
char digit(std::uint64_t h) {
  return static_cast<char>('0' + h % 10);
}

struct PlateText {
  std::string text;
  std::string country;
  std::string format;
};

/// Plate number `p`: 70 % Uzbek private (01A123BC), 10 % Uzbek legal entity (01123ABC),
/// 20 % EU (German-like M AB 1234, French/Italian AB123CD, Polish WA12345).
PlateText plate_of(std::uint64_t p) {
  std::uint64_t h = mix(p ^ 0x706c617465ULL);
  const auto next = [&h] {
    h = mix(h);
    return h;
  };
  const std::uint64_t kind = next() % 100;
  std::string t;
  if (kind < 70) {
    t = kUzRegions.at(next() % kUzRegions.size());
    t += letter(next());
    for (int i = 0; i < 3; ++i) t += digit(next());
    for (int i = 0; i < 2; ++i) t += letter(next());
    return {t, "uz", "uz.private"};
  }
  if (kind < 80) {
    t = kUzRegions.at(next() % kUzRegions.size());
    for (int i = 0; i < 3; ++i) t += digit(next());
    for (int i = 0; i < 3; ++i) t += letter(next());
    return {t, "uz", "uz.legal"};
  }
  if (kind < 88) {
    t = kEuCities.at(next() % kEuCities.size());
    for (int i = 0; i < 2; ++i) t += letter(next());
    for (int i = 0, n = 1 + static_cast<int>(next() % 4); i < n; ++i) t += digit(next());
    return {t, "eu", "eu.de"};
  }
  if (kind < 95) {
    for (int i = 0; i < 2; ++i) t += letter(next());
    for (int i = 0; i < 3; ++i) t += digit(next());
    for (int i = 0; i < 2; ++i) t += letter(next());
    return {t, "eu", "eu.fr"};
  }
  t = "WA";
  for (int i = 0; i < 5; ++i) t += digit(next());
  return {t, "eu", "eu.pl"};
}

constexpr int kCameras = 500;
constexpr int kCamerasPerSite = 10;
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr std::int64_t kStartMs = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kSpanMs = 90 * kDayMs;

std::string camera_id(int c) {
  return fmt::format("cam-{:04d}", c);
}
std::string site_id(int s) {
  return fmt::format("site-{:03d}", s);
}

/// Stores the ~50 sites and 500 cameras every record refers to (records.camera_id → cameras).
void put_cameras(store::Store& s) {
  for (int site = 0; site < kCameras / kCamerasPerSite; ++site) {
    s.put_site(store::Site{site_id(site), fmt::format("Junction {}", site), "Asia/Tashkent"});
  }
  for (int c = 0; c < kCameras; ++c) {
    s.put_camera(
        store::Camera{camera_id(c), site_id(c / kCamerasPerSite),
                      fmt::format("Junction {} lane {}", c / kCamerasPerSite, c % kCamerasPerSite),
                      41.2 + 0.001 * c, 69.2 + 0.001 * c, true});
  }
}

/// The population of the history benchmark: read `i` of `rows`, in read_at order (records
/// arrive roughly in capture order, so ids follow time), of plate mix(i) % plates, at camera
/// mix(i) % 500, 90 days from 2026-01-01.
struct Population {
  std::int64_t rows = 0;
  std::int64_t plates = 0;

  [[nodiscard]] std::uint64_t plate_index(std::int64_t i) const {
    return mix(static_cast<std::uint64_t>(i) ^ 0x1234ULL) % static_cast<std::uint64_t>(plates);
  }
  [[nodiscard]] std::int64_t read_at_ms(std::int64_t i) const {
    const std::int64_t step = kSpanMs / rows;
    return kStartMs + i * step +
           static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(i)) %
                                     static_cast<std::uint64_t>(step + 1));
  }
  [[nodiscard]] int camera(std::int64_t i) const {
    return static_cast<int>(mix(static_cast<std::uint64_t>(i) ^ 0xca3ULL) % kCameras);
  }
};

/// One records row of the bulk population plus its two evidence files.
struct BulkRow {
  std::int64_t id = 0;
  std::string key, camera, device, manifest, signature, content_sha256, plate, skeleton;
  std::string violation_kind;
  bool violation = false;
  std::int64_t created_ms = 0, received_ms = 0, read_ms = 0;
  std::array<std::string, 2> file_sha256;
  std::array<std::int64_t, 2> file_size{};
};

constexpr std::array<const char*, 2> kFileNames{"frame.jpg", "plate.jpg"};

/// Row `i` (id i + 1). Keys ascend with i (hex of i, then hashed digits) so the UNIQUE key
/// index is appended to; the queries never use it. The manifest is compact (~450 bytes:
/// plate, camera, times, the two files' hashes) to keep 10M rows at a sane size.
BulkRow bulk_row(const Population& pop, std::int64_t i) {
  BulkRow r;
  const auto u = static_cast<std::uint64_t>(i);
  r.id = i + 1;
  r.key = fmt::format("{:010x}", u) + hex(u ^ 0x6b6579ULL, 22);
  const int cam = pop.camera(i);
  r.camera = camera_id(cam);
  r.device = hex(static_cast<std::uint64_t>(cam) ^ 0xde1ULL, 16);
  r.read_ms = pop.read_at_ms(i);
  r.created_ms = r.read_ms + 1500;
  r.received_ms = r.read_ms + 4000 + static_cast<std::int64_t>(mix(u ^ 0x5ecULL) % 60000);
  const PlateText plate = plate_of(pop.plate_index(i));
  r.plate = plate.text;
  r.skeleton = server::plate_skeleton(plate.text);
  r.violation = mix(u ^ 0x7a1ULL) % 100 == 0;
  r.violation_kind = r.violation ? "red_light" : "";
  for (std::size_t f = 0; f < 2; ++f) {
    r.file_sha256.at(f) = hex(u * 2 + f + 0x5eedULL, 64);
    r.file_size.at(f) = f == 0 ? 150000 + static_cast<std::int64_t>(mix(u) % 80000)
                               : 4000 + static_cast<std::int64_t>(mix(u) % 3000);
  }
  r.manifest = fmt::format(
      R"({{"key":"{}","kind":"plate_read","violation":{},"created":"{}","metadata":{{"type":"plate_read","site":"{}","read":{{"camera":"{}","text":"{}","confidence":0.{},"country":"{}","format":"{}","best_time":"{}"}}}},"files":[{{"name":"frame.jpg","media_type":"image/jpeg","size":{},"sha256":"{}"}},{{"name":"plate.jpg","media_type":"image/jpeg","size":{},"sha256":"{}"}}]}})",
      r.key, r.violation ? "true" : "false", to_iso8601(UtcTime{r.created_ms}),
      site_id(cam / kCamerasPerSite), r.camera, r.plate, 80 + mix(u) % 20, plate.country,
      plate.format, to_iso8601(UtcTime{r.read_ms}), r.file_size[0], r.file_sha256[0],
      r.file_size[1], r.file_sha256[1]);
  r.signature = hex(u ^ 0x516eULL, 128);
  r.content_sha256 = hex(u ^ 0xc0deULL, 64);
  return r;
}

std::string storage_path(const std::string& key, const char* name) {
  return fmt::format("{}/{}/{}.enc", key.substr(0, 2), key, name);
}

// ---- Realistic ingest records -------------------------------------------------------------

/// Record `i` as the server ingests it: a ~1.4 KB manifest shaped like the agent's
/// plate_read package (docs/edge-upload.md), two evidence files, plate text and skeleton.
store::IngestedRecord ingest_record_of(std::uint64_t seed, std::int64_t now_ms) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const PlateText plate = plate_of(rng());
  const int cam = static_cast<int>(rng() % kCameras);
  store::IngestedRecord r;
  r.key = hex(rng(), 32);
  r.kind = "plate_read";
  r.camera_id = camera_id(cam);
  r.device_serial = hex(static_cast<std::uint64_t>(cam) ^ 0xde1ULL, 16);
  r.read_at = UtcTime{now_ms - 3000};
  r.created_at = UtcTime{now_ms - 1500};
  r.received_at = UtcTime{now_ms};
  r.plate_text = plate.text;
  r.plate_skeleton = server::plate_skeleton(plate.text);
  std::string char_conf;
  for (std::size_t c = 0; c < plate.text.size(); ++c) {
    char_conf += fmt::format("{}{:.4f}", c == 0 ? "" : ",", 0.85 + 0.15 * unit(rng));
  }
  std::array<std::string, 2> sha{hex(rng(), 64), hex(rng(), 64)};
  std::array<std::int64_t, 2> size{150000 + static_cast<std::int64_t>(rng() % 80000),
                                   4000 + static_cast<std::int64_t>(rng() % 3000)};
  const double x = 600 + 400 * unit(rng), y = 700 + 200 * unit(rng);
  r.manifest = fmt::format(
      R"({{"key":"{0}","kind":"plate_read","violation":false,"created":"{1}","metadata":{{"type":"plate_read","site":"{2}","timezone":"Asia/Tashkent","clock_source":"system","engine":"learned","frame_size":[1920,1080],"privacy":{{"blurred_outside_vehicle":true}},"read":{{"camera":"{3}","text":"{4}","confidence":{5:.4f},"char_confidences":[{6}],"candidates":[{{"text":"{4}","confidence":{5:.4f},"format":"{7}","corrected":false}},{{"text":"{8}","confidence":{9:.4f},"format":"{7}","corrected":true}},{{"text":"{10}","confidence":{11:.4f},"format":"","corrected":false}}],"country":"{12}","format":"{7}","votes":{13},"frames_read":{14},"direction":"approaching","first_seen":"{15}","last_seen":"{16}","best_time":"{17}","best_sequence":{18},"corners":[[{19:.1f},{20:.1f}],[{21:.1f},{20:.1f}],[{21:.1f},{22:.1f}],[{19:.1f},{22:.1f}]],"detector_confidence":{23:.4f}}},"vehicle":{{"class":"car","track_id":{18},"speed_kmh":{13}.{14},"lane":2}},"agent":{{"version":"0.9.0","pipeline":"detect/2,track","spool_id":{18}}}}},"files":[{{"name":"frame.jpg","media_type":"image/jpeg","size":{24},"sha256":"{25}"}},{{"name":"plate.jpg","media_type":"image/jpeg","size":{26},"sha256":"{27}"}}]}})",
      r.key, to_iso8601(r.created_at), site_id(cam / kCamerasPerSite), r.camera_id, plate.text,
      0.90 + 0.09 * unit(rng), char_conf, plate.format, r.plate_skeleton, 0.5 + 0.3 * unit(rng),
      plate.text.substr(1), 0.2 + 0.2 * unit(rng), plate.country, 8 + rng() % 10, 14 + rng() % 10,
      to_iso8601(UtcTime{now_ms - 4200}), to_iso8601(UtcTime{now_ms - 2100}),
      to_iso8601(*r.read_at), 1000000 + rng() % 1000000, x, y, x + 150, y + 35,
      0.9 + 0.09 * unit(rng), size[0], sha[0], size[1], sha[1]);
  r.signature = hex(rng(), 128);
  r.content_sha256 = hex(rng(), 64);
  for (std::size_t f = 0; f < 2; ++f) {
    r.files.push_back(store::EvidenceFile{0, kFileNames.at(f), "image/jpeg", size.at(f), sha.at(f),
                                          storage_path(r.key, kFileNames.at(f))});
  }
  return r;
}

/// Read `i` as the camera agent's local store keeps it (plate_reads, migration 1).
store::StoredPlateRead local_read_of(std::uint64_t seed, std::int64_t now_ms) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const PlateText plate = plate_of(rng());
  store::StoredPlateRead r;
  r.read_at = UtcTime{now_ms};
  r.clock_source = "system";
  r.source = camera_id(static_cast<int>(rng() % kCameras));
  r.frame = static_cast<std::int64_t>(rng() % 100000);
  r.plate.text = plate.text;
  r.plate.confidence = 0.9 + 0.09 * unit(rng);
  r.plate.detector_confidence = 0.9 + 0.09 * unit(rng);
  const double x = 600 + 400 * unit(rng), y = 700 + 200 * unit(rng);
  r.plate.corners.corners = {Point{x, y}, Point{x + 150, y}, Point{x + 150, y + 35},
                             Point{x, y + 35}};
  for (std::size_t c = 0; c < plate.text.size(); ++c) {
    r.plate.char_confidences.push_back(0.85 + 0.15 * unit(rng));
  }
  r.plate.candidates = {Candidate{plate.text, r.plate.confidence, plate.format, false},
                        Candidate{plate.text.substr(1), 0.3, "", false}};
  r.plate.country = plate.country;
  r.plate.format = plate.format;
  return r;
}

// ---- Helpers ------------------------------------------------------------------------------

double seconds_since(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The value at quantile q of sorted `v` (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted.at(std::clamp<std::size_t>(rank, 1, sorted.size()) - 1);
}

/// Removes a SQLite store and its WAL files.
void remove_sqlite(const fs::path& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(fs::path(path.string() + suffix));
  }
}

/// The URI `uri` with its database name replaced by `database`.
std::string with_database(const std::string& uri, const std::string& database) {
  const std::size_t query = uri.find('?');
  const std::string base = uri.substr(0, query);
  const std::size_t scheme = base.find("://");
  const std::size_t slash = base.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  std::string out = (slash == std::string::npos ? base : base.substr(0, slash)) + "/" + database;
  if (query != std::string::npos) out += uri.substr(query);
  return out;
}

/// A libpq connection for the benchmark's own SQL (bulk load, CREATE/DROP DATABASE).
class Pg {
 public:
  explicit Pg(const std::string& uri) : conn_(PQconnectdb(uri.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      const std::string message = PQerrorMessage(conn_);
      PQfinish(conn_);
      throw std::runtime_error("cannot connect to PostgreSQL: " + message);
    }
    // NOTICEs ("database ... does not exist, skipping") are not the benchmark's output.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~Pg() { PQfinish(conn_); }
  Pg(const Pg&) = delete;
  Pg& operator=(const Pg&) = delete;

  /// Runs `sql`; returns the rows of its last statement as text (empty for commands).
  std::vector<std::vector<std::string>> exec(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    const ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      const std::string message = PQresultErrorMessage(res);
      PQclear(res);
      throw std::runtime_error(fmt::format("PostgreSQL: {} ({})", message, sql.substr(0, 80)));
    }
    std::vector<std::vector<std::string>> rows;
    for (int r = 0; r < PQntuples(res); ++r) {
      std::vector<std::string> row;
      for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }

  /// COPY `target` FROM STDIN (text format); `fill(buffer)` appends rows until it returns false.
  void copy(const std::string& target, const std::function<bool(std::string&)>& fill) {
    PGresult* res = PQexec(conn_, ("COPY " + target + " FROM STDIN").c_str());
    if (PQresultStatus(res) != PGRES_COPY_IN) {
      const std::string message = PQresultErrorMessage(res);
      PQclear(res);
      throw std::runtime_error("PostgreSQL COPY: " + message);
    }
    PQclear(res);
    std::string buffer;
    bool more = true;
    while (more) {
      buffer.clear();
      more = fill(buffer);
      if (!buffer.empty() &&
          PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
        throw std::runtime_error(std::string("PostgreSQL COPY: ") + PQerrorMessage(conn_));
      }
    }
    if (PQputCopyEnd(conn_, nullptr) != 1) {
      throw std::runtime_error(std::string("PostgreSQL COPY: ") + PQerrorMessage(conn_));
    }
    res = PQgetResult(conn_);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    const std::string message = PQresultErrorMessage(res);
    PQclear(res);
    while ((res = PQgetResult(conn_)) != nullptr) PQclear(res);
    if (!ok) throw std::runtime_error("PostgreSQL COPY: " + message);
  }

 private:
  PGconn* conn_;
};

/// A fresh database `name` on the server of `uri` (dropped first if it exists); its URI.
std::string fresh_pg_database(const std::string& uri, const std::string& name) {
  Pg admin(uri);
  admin.exec("DROP DATABASE IF EXISTS " + name);
  admin.exec("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
  return with_database(uri, name);
}

void drop_pg_database(const std::string& uri, const std::string& name) {
  Pg admin(uri);
  admin.exec("DROP DATABASE IF EXISTS " + name);
}

// ---- ingest -------------------------------------------------------------------------------

struct IngestResult {
  double seconds = 0;
  std::vector<double> call_ms;  // sorted
};

/// Calls `one(i)` for i in [0, n) from `threads` threads (i interleaved), timing each call.
IngestResult run_ingest(std::int64_t n, int threads, const std::function<void(std::int64_t)>& one) {
  std::vector<std::vector<double>> per_thread(static_cast<std::size_t>(threads));
  const auto start = Steady::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& out = per_thread.at(static_cast<std::size_t>(t));
      for (std::int64_t i = t; i < n; i += threads) {
        const auto call = Steady::now();
        one(i);
        out.push_back(seconds_since(call) * 1000.0);
      }
    });
  }
  for (auto& th : pool) th.join();
  IngestResult result;
  result.seconds = seconds_since(start);
  for (auto& v : per_thread) result.call_ms.insert(result.call_ms.end(), v.begin(), v.end());
  std::sort(result.call_ms.begin(), result.call_ms.end());
  return result;
}

void print_ingest_row(const std::string& what, std::int64_t n, const IngestResult& r,
                      double baseline_rate) {
  const double rate = static_cast<double>(n) / r.seconds;
  fmt::print("{:<44} {:>8} {:>9.1f} {:>8.2f} {:>8.2f} {:>8.2f} {:>9.2f}x\n", what, n, rate,
             quantile(r.call_ms, 0.5), quantile(r.call_ms, 0.95), quantile(r.call_ms, 0.99),
             rate / baseline_rate);
}

/// Ingests `n` records into `s` from `threads` threads; every outcome must be `stored`.
IngestResult ingest_into(store::Store& s, std::int64_t n, int threads, std::uint64_t salt) {
  std::vector<store::IngestedRecord> records;
  records.reserve(static_cast<std::size_t>(n));
  const std::int64_t now = wall_ms();
  for (std::int64_t i = 0; i < n; ++i) {
    records.push_back(ingest_record_of(mix(static_cast<std::uint64_t>(i) ^ salt), now + i));
  }
  IngestResult r = run_ingest(n, threads, [&](std::int64_t i) {
    if (s.ingest_record(records.at(static_cast<std::size_t>(i))) != store::IngestOutcome::stored) {
      throw std::runtime_error("a benchmark record was not stored");
    }
  });
  return r;
}

int run_ingest_command(std::int64_t n, int threads, const std::string& postgres,
                       const fs::path& dir, bool keep) {
  const std::int64_t now = wall_ms();
  {
    store::IngestedRecord sample = ingest_record_of(1, now);
    fmt::print(
        "ingest: {} records, {} thread(s), one transaction per record; manifest ~{} B, "
        "2 evidence_files rows, plate {}\n",
        n, threads, sample.manifest.size(), sample.plate_text);
  }
  fmt::print("{:<44} {:>8} {:>9} {:>8} {:>8} {:>8} {:>10}\n", "store", "records", "reads/s",
             "p50 ms", "p95 ms", "p99 ms", "vs base");

  // Baseline: the camera-side local store, add_plate_reads in batches of 1.
  const fs::path local = dir / "rw_bench_ingest_local.db";
  remove_sqlite(local);
  double base_rate = 0;
  {
    auto s = store::open_sqlite_store(local);
    std::vector<store::StoredPlateRead> reads;
    for (std::int64_t i = 0; i < n; ++i) {
      reads.push_back(local_read_of(mix(static_cast<std::uint64_t>(i)), now + i));
    }
    const IngestResult r = run_ingest(n, threads, [&](std::int64_t i) {
      (void)s->add_plate_reads({reads.at(static_cast<std::size_t>(i))});
    });
    base_rate = static_cast<double>(n) / r.seconds;
    print_ingest_row("SQLite add_plate_reads x1 (baseline)", n, r, base_rate);
  }
  if (!keep) remove_sqlite(local);

  const fs::path server = dir / "rw_bench_ingest_server.db";
  remove_sqlite(server);
  double sqlite_rate = 0;
  {
    auto s = store::open_sqlite_store(server);
    put_cameras(*s);
    const IngestResult r = ingest_into(*s, n, threads, 0x51ULL);
    sqlite_rate = static_cast<double>(n) / r.seconds;
    print_ingest_row("SQLite ingest_record", n, r, base_rate);
  }
  if (!keep) remove_sqlite(server);

  if (!postgres.empty()) {
    const std::string name = "rw_bench_ingest";
    const std::string uri = fresh_pg_database(postgres, name);
    double pg_rate = 0;
    {
      auto s = store::open_postgres_store(uri);
      put_cameras(*s);
      const IngestResult r = ingest_into(*s, n, threads, 0x9aULL);
      pg_rate = static_cast<double>(n) / r.seconds;
      print_ingest_row("PostgreSQL ingest_record", n, r, base_rate);
    }
    if (!keep) drop_pg_database(postgres, name);
    fmt::print("PostgreSQL / SQLite ingest_record: {:.2f}x\n", pg_rate / sqlite_rate);
  }
  return 0;
}

// ---- history: bulk population -------------------------------------------------------------

constexpr const char* kRecordInsertColumns =
    "id, key, kind, violation, camera_id, device_serial, created_at_ms, received_at_ms, "
    "manifest, signature, content_sha256, plate_text, plate_skeleton, read_at_ms, "
    "violation_kind";
constexpr const char* kFileInsertColumns =
    "id, record_id, name, media_type, size, sha256, storage_path";

void sqlite_check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(fmt::format("SQLite {}: {}", what, sqlite3_errmsg(db)));
  }
}

void sqlite_exec(sqlite3* db, const std::string& sql) {
  sqlite_check(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), db, sql.c_str());
}

/// Populates the store at `path` (schema already created by open_sqlite_store) with `pop`:
/// the records and evidence_files indexes are dropped, rows inserted in one transaction of
/// prepared INSERTs (journal off, synchronous off), the indexes recreated from their own
/// CREATE INDEX text, and the file put back in WAL mode. Returns {insert s, index s}.
std::pair<double, double> populate_sqlite(const fs::path& path, const Population& pop) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path.string());
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> guard(db, &sqlite3_close);
  sqlite_exec(db, "PRAGMA journal_mode = DELETE");
  sqlite_exec(db, "PRAGMA journal_mode = OFF");
  sqlite_exec(db, "PRAGMA synchronous = OFF");
  sqlite_exec(db, "PRAGMA cache_size = -1000000");
  std::vector<std::string> indexes;
  {
    sqlite3_stmt* q = nullptr;
    sqlite_check(sqlite3_prepare_v2(db,
                                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                                    "tbl_name IN ('records', 'evidence_files') AND sql IS NOT NULL",
                                    -1, &q, nullptr),
                 db, "list indexes");
    std::vector<std::string> names;
    while (sqlite3_step(q) == SQLITE_ROW) {
      names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)));
      indexes.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(q, 1)));
    }
    sqlite3_finalize(q);
    for (const auto& name : names) sqlite_exec(db, "DROP INDEX " + name);
  }

  const auto insert_start = Steady::now();
  sqlite_exec(db, "BEGIN");
  sqlite3_stmt* rec = nullptr;
  sqlite3_stmt* file = nullptr;
  sqlite_check(sqlite3_prepare_v2(
                   db,
                   fmt::format("INSERT INTO records ({}) VALUES (?1, ?2, 'plate_read', ?3, ?4, ?5, "
                               "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                               kRecordInsertColumns)
                       .c_str(),
                   -1, &rec, nullptr),
               db, "prepare records insert");
  sqlite_check(sqlite3_prepare_v2(db,
                                  fmt::format("INSERT INTO evidence_files ({}) VALUES (?1, ?2, ?3, "
                                              "'image/jpeg', ?4, ?5, ?6)",
                                              kFileInsertColumns)
                                      .c_str(),
                                  -1, &file, nullptr),
               db, "prepare evidence_files insert");
  const auto text = [](sqlite3_stmt* q, int i, const std::string& s) {
    sqlite3_bind_text(q, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  };
  for (std::int64_t i = 0; i < pop.rows; ++i) {
    const BulkRow r = bulk_row(pop, i);
    sqlite3_bind_int64(rec, 1, r.id);
    text(rec, 2, r.key);
    sqlite3_bind_int64(rec, 3, r.violation ? 1 : 0);
    text(rec, 4, r.camera);
    text(rec, 5, r.device);
    sqlite3_bind_int64(rec, 6, r.created_ms);
    sqlite3_bind_int64(rec, 7, r.received_ms);
    text(rec, 8, r.manifest);
    text(rec, 9, r.signature);
    text(rec, 10, r.content_sha256);
    text(rec, 11, r.plate);
    text(rec, 12, r.skeleton);
    sqlite3_bind_int64(rec, 13, r.read_ms);
    text(rec, 14, r.violation_kind);
    sqlite_check(sqlite3_step(rec), db, "insert a record");
    sqlite3_reset(rec);
    for (std::size_t f = 0; f < 2; ++f) {
      sqlite3_bind_int64(file, 1, r.id * 2 - 1 + static_cast<std::int64_t>(f));
      sqlite3_bind_int64(file, 2, r.id);
      sqlite3_bind_text(file, 3, kFileNames.at(f), -1, SQLITE_STATIC);
      sqlite3_bind_int64(file, 4, r.file_size.at(f));
      text(file, 5, r.file_sha256.at(f));
      text(file, 6, storage_path(r.key, kFileNames.at(f)));
      sqlite_check(sqlite3_step(file), db, "insert an evidence file");
      sqlite3_reset(file);
    }
  }
  sqlite3_finalize(rec);
  sqlite3_finalize(file);
  sqlite_exec(db, "COMMIT");
  const double insert_s = seconds_since(insert_start);

  const auto index_start = Steady::now();
  for (const auto& sql : indexes) sqlite_exec(db, sql);
  const double index_s = seconds_since(index_start);
  sqlite_exec(db, "PRAGMA journal_mode = WAL");
  return {insert_s, index_s};
}

/// Populates the PostgreSQL store at `uri` (schema already created by open_postgres_store):
/// drops the records and evidence_files foreign keys and secondary indexes, COPYs the rows,
/// recreates both from their own definitions, advances the identity sequences and runs
/// VACUUM ANALYZE (what autovacuum would do after a load). Returns {insert s, index s}.
std::pair<double, double> populate_postgres(const std::string& uri, const Population& pop) {
  Pg pg(uri);
  pg.exec("SET maintenance_work_mem = '1GB'");
  pg.exec("SET synchronous_commit = off");
  const auto constraints = pg.exec(
      "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
      "WHERE contype = 'f' AND conrelid IN ('records'::regclass, 'evidence_files'::regclass)");
  const auto indexes = pg.exec(
      "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND "
      "tablename IN ('records', 'evidence_files') AND indexname NOT IN "
      "(SELECT conname FROM pg_constraint)");
  for (const auto& c : constraints)
    pg.exec(fmt::format("ALTER TABLE {} DROP CONSTRAINT {}", c[0], c[1]));
  for (const auto& ix : indexes) pg.exec("DROP INDEX " + ix[0]);

  const auto insert_start = Steady::now();
  constexpr std::int64_t kChunk = 2000;
  std::int64_t next = 0;
  pg.copy(fmt::format("records ({})", kRecordInsertColumns), [&](std::string& buf) {
    for (std::int64_t end = std::min(pop.rows, next + kChunk); next < end; ++next) {
      const BulkRow r = bulk_row(pop, next);
      fmt::format_to(std::back_inserter(buf),
                     "{}\t{}\tplate_read\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.id,
                     r.key, r.violation ? "t" : "f", r.camera, r.device, r.created_ms,
                     r.received_ms, r.manifest, r.signature, r.content_sha256, r.plate, r.skeleton,
                     r.read_ms, r.violation_kind);
    }
    return next < pop.rows;
  });
  next = 0;
  pg.copy(fmt::format("evidence_files ({})", kFileInsertColumns), [&](std::string& buf) {
    for (std::int64_t end = std::min(pop.rows, next + kChunk); next < end; ++next) {
      const BulkRow r = bulk_row(pop, next);
      for (std::size_t f = 0; f < 2; ++f) {
        fmt::format_to(std::back_inserter(buf), "{}\t{}\t{}\timage/jpeg\t{}\t{}\t{}\n",
                       r.id * 2 - 1 + static_cast<std::int64_t>(f), r.id, kFileNames.at(f),
                       r.file_size.at(f), r.file_sha256.at(f),
                       storage_path(r.key, kFileNames.at(f)));
      }
    }
    return next < pop.rows;
  });
  const double insert_s = seconds_since(insert_start);

  const auto index_start = Steady::now();
  for (const auto& ix : indexes) pg.exec(ix[1]);
  for (const auto& c : constraints) {
    pg.exec(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", c[0], c[1], c[2]));
  }
  pg.exec("SELECT setval(pg_get_serial_sequence('records', 'id'), (SELECT max(id) FROM records))");
  pg.exec(
      "SELECT setval(pg_get_serial_sequence('evidence_files', 'id'), "
      "(SELECT max(id) FROM evidence_files))");
  pg.exec("VACUUM ANALYZE records");
  pg.exec("VACUUM ANALYZE evidence_files");
  const double index_s = seconds_since(index_start);
  return {insert_s, index_s};
}

// ---- history: queries ---------------------------------------------------------------------

struct QueryStats {
  std::string name;
  std::vector<double> ms;  // sorted
  double mean_rows = 0;
  std::size_t max_rows = 0;
};

/// Runs the three plate-history queries `repeats` times each on `s`, for reads picked at
/// random (so plates are existing ones, weighted by how often they were read).
std::vector<QueryStats> run_queries(const store::Store& s, const Population& pop, int repeats,
                                    std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&] {
    return static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(pop.rows));
  };
  const std::array<std::string, 3> names{"exact plate, whole 90 days", "skeleton (confusable)",
                                         "plate + 1-day window"};
  const auto make = [&](std::size_t kind, std::int64_t i) {
    store::ReadQuery q;
    const std::string plate = plate_of(pop.plate_index(i)).text;
    if (kind == 1) {
      q.plate_skeleton = server::plate_skeleton(plate);
    } else {
      q.plate_text = plate;
    }
    if (kind == 2) {
      const std::int64_t at = pop.read_at_ms(i);
      q.from = UtcTime{at - kDayMs / 2};
      q.to = UtcTime{at + kDayMs / 2};
    }
    return q;
  };
  // Warm-up: a few queries of each kind (connection, statement caches).
  for (std::size_t kind = 0; kind < names.size(); ++kind) {
    for (int w = 0; w < 10; ++w) (void)s.search_reads(make(kind, pick()));
  }
  std::vector<QueryStats> out;
  for (std::size_t kind = 0; kind < names.size(); ++kind) {
    QueryStats st{names.at(kind), {}, 0, 0};
    double rows = 0;
    for (int r = 0; r < repeats; ++r) {
      const store::ReadQuery q = make(kind, pick());
      const auto start = Steady::now();
      const auto result = s.search_reads(q);
      st.ms.push_back(seconds_since(start) * 1000.0);
      if (result.empty()) throw std::runtime_error("a plate-history query found nothing");
      rows += static_cast<double>(result.size());
      st.max_rows = std::max(st.max_rows, result.size());
    }
    std::sort(st.ms.begin(), st.ms.end());
    st.mean_rows = rows / repeats;
    out.push_back(std::move(st));
  }
  return out;
}

struct SizeRun {
  std::int64_t rows = 0;
  std::vector<QueryStats> stats;
};

/// Creates, populates and queries one store of `rows` reads on `backend`.
SizeRun history_one(const std::string& backend, std::int64_t rows, const std::string& postgres,
                    const fs::path& dir, int repeats, bool keep) {
  const Population pop{rows, std::max<std::int64_t>(1, rows / 20)};
  fmt::print("\n{} — {} reads, {} plates, {} cameras, 90 days\n", backend, rows, pop.plates,
             kCameras);
  std::fflush(stdout);
  const std::string tag = fmt::format("rw_bench_history_{}", rows);
  const fs::path path = dir / (tag + ".db");
  std::string uri;
  const auto populate_start = Steady::now();
  std::pair<double, double> parts;
  if (backend == "SQLite") {
    remove_sqlite(path);
    put_cameras(*store::open_sqlite_store(path));
    parts = populate_sqlite(path, pop);
  } else {
    uri = fresh_pg_database(postgres, tag);
    put_cameras(*store::open_postgres_store(uri));
    parts = populate_postgres(uri, pop);
  }
  const double populate_s = seconds_since(populate_start);
  std::string size;
  if (backend == "SQLite") {
    size = fmt::format("{:.2f} GB file", static_cast<double>(fs::file_size(path)) / 1e9);
  } else {
    Pg pg(uri);
    size =
        fmt::format("{:.2f} GB database",
                    std::stod(pg.exec("SELECT pg_database_size(current_database())")[0][0]) / 1e9);
  }
  fmt::print("populate: {:.1f} s (rows {:.1f} s = {:.0f} reads/s, indexes {:.1f} s), {}\n",
             populate_s, parts.first, static_cast<double>(rows) / parts.first, parts.second, size);
  std::fflush(stdout);

  SizeRun run{rows, {}};
  {
    std::unique_ptr<store::Store> s =
        backend == "SQLite" ? store::open_sqlite_store(path) : store::open_postgres_store(uri);
    run.stats = run_queries(*s, pop, repeats, 0x5eedULL + static_cast<std::uint64_t>(rows));
  }
  if (!keep) {
    if (backend == "SQLite") {
      remove_sqlite(path);
    } else {
      drop_pg_database(postgres, tag);
    }
  }
  return run;
}

void print_history(const std::string& backend, const SizeRun& run, const SizeRun* baseline) {
  fmt::print("{:<28} {:>10} {:>8} {:>8} {:>8} {:>9} {:>8}", fmt::format("{} query", backend),
             "reads", "p50 ms", "p95 ms", "p99 ms", "rows avg", "rows max");
  if (baseline != nullptr) fmt::print("  {:>21}", fmt::format("vs {} p50/p95/p99", baseline->rows));
  fmt::print("\n");
  for (std::size_t k = 0; k < run.stats.size(); ++k) {
    const QueryStats& st = run.stats.at(k);
    fmt::print("{:<28} {:>10} {:>8.3f} {:>8.3f} {:>8.3f} {:>9.1f} {:>8}", st.name, run.rows,
               quantile(st.ms, 0.5), quantile(st.ms, 0.95), quantile(st.ms, 0.99), st.mean_rows,
               st.max_rows);
    if (baseline != nullptr) {
      const QueryStats& b = baseline->stats.at(k);
      fmt::print("  {:>6.2f}x {:>6.2f}x {:>6.2f}x", quantile(st.ms, 0.5) / quantile(b.ms, 0.5),
                 quantile(st.ms, 0.95) / quantile(b.ms, 0.95),
                 quantile(st.ms, 0.99) / quantile(b.ms, 0.99));
    }
    fmt::print("\n");
  }
  std::fflush(stdout);
}

int run_history_command(std::int64_t rows, std::int64_t baseline_rows, const std::string& postgres,
                        const fs::path& dir, int repeats, bool keep, bool skip_sqlite) {
  fmt::print(
      "history: search_reads (limit 1000, with evidence files), {} queries of each kind, "
      "random existing plates\n",
      repeats);
  std::vector<std::string> backends;
  if (!skip_sqlite) backends.emplace_back("SQLite");
  if (!postgres.empty()) backends.emplace_back("PostgreSQL");
  for (const std::string& backend : backends) {
    std::optional<SizeRun> base;
    if (baseline_rows > 0 && baseline_rows < rows) {
      base = history_one(backend, baseline_rows, postgres, dir, repeats, keep);
      print_history(backend, *base, nullptr);
    }
    const SizeRun run = history_one(backend, rows, postgres, dir, repeats, keep);
    print_history(backend, run, base ? &*base : nullptr);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roadwarden server store benchmark: ingest throughput, plate-history latency"};
  app.require_subcommand(1);
  std::string postgres;
  std::string dir = "/tmp";
  bool keep = false;

  auto* ingest = app.add_subcommand("ingest", "reads/s of ingest_record, SQLite and PostgreSQL");
  std::int64_t records = 2000;
  int threads = 1;
  ingest->add_option("--records", records, "records to ingest per store")
      ->check(CLI::PositiveNumber);
  ingest->add_option("--threads", threads, "ingesting threads sharing one Store")
      ->check(CLI::Range(1, 64));

  auto* history = app.add_subcommand("history", "plate-history query latency at N stored reads");
  std::int64_t rows = 1000000;
  std::int64_t baseline_rows = 1000000;
  int repeats = 200;
  bool skip_sqlite = false;
  history->add_option("--rows", rows, "stored reads")->check(CLI::Range(1000, 1000000000));
  history->add_option("--baseline-rows", baseline_rows,
                      "smaller size measured first as the baseline (0: none)");
  history->add_option("--queries", repeats, "queries of each kind")->check(CLI::Range(10, 100000));
  history->add_flag("--skip-sqlite", skip_sqlite, "measure only PostgreSQL");

  for (auto* sub : {ingest, history}) {
    sub->add_option("--postgres", postgres, "PostgreSQL URI (a fresh database is created there)");
    sub->add_option("--dir", dir, "folder for the SQLite files")->check(CLI::ExistingDirectory);
    sub->add_flag("--keep", keep, "keep the files and databases");
  }
  CLI11_PARSE(app, argc, argv);

  try {
    if (ingest->parsed()) return run_ingest_command(records, threads, postgres, dir, keep);
    return run_history_command(rows, baseline_rows, postgres, dir, repeats, keep, skip_sqlite);
  } catch (const std::exception& e) {
    fmt::print(stderr, "server_store_bench: {}\n", e.what());
    return 1;
  }
}
