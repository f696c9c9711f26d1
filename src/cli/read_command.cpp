#include <iostream>

#include "cli/commands.hpp"
#include "cli/read_runner.hpp"
#include "core/errors.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace roadwarden::cli {

void ReadCommand::add_to(CLI::App& app, int& status) {
  CLI::App* cmd = app.add_subcommand("read", "Read licence plates in images, folders and videos");
  add_reader_options(*cmd, reader);
  cmd->add_option("--format", format, "Output: one JSON object per image, or text")
      ->check(CLI::IsMember({"jsonl", "text"}))
      ->capture_default_str();
  cmd->add_option("--store", store_path, "Also store every plate read in this SQLite file");
  cmd->add_option("--every", every, "For videos, read every N-th frame")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  cmd->add_option("paths", paths, "Images (JPEG, PNG, BMP), folders (recursive), videos")
      ->required();
  cmd->callback([this, &status] { status = run(); });
}

int ReadCommand::run() const {
  const std::unique_ptr<alpr::Alpr> alpr = build_reader(reader);
  std::unique_ptr<store::Store> db;
  if (!store_path.empty()) db = store::open_sqlite_store(store_path);
  const SystemClock clock;
  RunOptions run_options;
  run_options.every = every;

  bool all_ok = true;
  for (const Input& input : expand_inputs(paths)) {
    all_ok &= read_input(*alpr, input, run_options, [&](alpr::ReadResult&& r) {
      if (r.error) std::cerr << "roadwarden: " << alpr::to_text_line(r) << '\n';
      std::cout << (format == "jsonl" ? alpr::to_json_line(r) : alpr::to_text_line(r)) << '\n';
      std::cout.flush();
      if (db && !r.plates.empty()) {
        std::vector<store::StoredPlateRead> rows;
        const UtcTime now = clock.now();
        for (const PlateResult& p : r.plates) {
          rows.push_back({0, now, clock.source(), r.image, r.frame.value_or(-1), p});
        }
        (void)db->add_plate_reads(rows);
      }
    });
  }
  std::cout.flush();
  if (!std::cout) throw IoError("cannot write the output (standard output failed)");
  return all_ok ? 0 : 1;
}

}  // namespace roadwarden::cli
