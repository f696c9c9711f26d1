#include "server/evidence_vault.hpp"

#include <algorithm>
#include <system_error>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "server/durable_file.hpp"
#include "server/ingest.hpp"

namespace roadwarden::server {
namespace {

std::string associated_data(std::string_view record_key, std::string_view name) {
  return fmt::format("{}/{}", record_key, name);
}

void check_key(std::string_view record_key) {
  if (!valid_record_key(record_key)) {
    throw InvalidInput("the record key must be 32 lower-case hex digits");
  }
}

/// True when the manifest (the signed record JSON) lists `file` with the same size and hash.
bool manifest_lists(const std::string& manifest, const store::EvidenceFile& file) {
  const nlohmann::json record = nlohmann::json::parse(manifest, nullptr, false);
  if (!record.is_object()) return false;
  const auto files = record.find("files");
  if (files == record.end() || !files->is_array()) return false;
  return std::any_of(files->begin(), files->end(), [&](const nlohmann::json& entry) {
    if (!entry.is_object()) return false;
    const auto name = entry.find("name");
    const auto sha = entry.find("sha256");
    const auto size = entry.find("size");
    return name != entry.end() && name->is_string() && *name == file.name && sha != entry.end() &&
           sha->is_string() && *sha == file.sha256 && size != entry.end() &&
           size->is_number_integer() && size->get<std::int64_t>() == file.size;
  });
}

}  // namespace

EvidenceVault::EvidenceVault(std::filesystem::path root, crypto::EvidenceKey key)
    : root_(std::move(root)), key_(std::move(key)) {}

std::string EvidenceVault::relative_path(std::string_view record_key, std::string_view name) {
  check_key(record_key);
  if (!valid_evidence_file_name(name)) {
    throw InvalidInput("an evidence file name must be 1-64 of [a-z0-9_.-], not starting with '.'");
  }
  return fmt::format("{}/{}/{}.enc", record_key.substr(0, 2), record_key, name);
}

std::string EvidenceVault::write(std::string_view record_key, std::string_view name,
                                 std::span<const std::uint8_t> plaintext) const {
  const std::string relative = relative_path(record_key, name);
  const std::filesystem::path path = root_ / relative;
  create_directories_durably(path.parent_path());
  const std::vector<std::uint8_t> sealed =
      crypto::encrypt_evidence(key_, plaintext, associated_data(record_key, name));
  write_file_durably(path, sealed);
  return relative;
}

std::vector<std::uint8_t> EvidenceVault::read(const store::IngestedRecord& record,
                                              std::string_view name,
                                              std::string_view device_public_key) const {
  const std::string relative = relative_path(record.key, name);
  const auto file = std::find_if(record.files.begin(), record.files.end(),
                                 [&](const store::EvidenceFile& f) { return f.name == name; });
  if (file == record.files.end()) {
    throw InvalidInput("the record has no evidence file of this name");
  }
  if (file->storage_path != relative) {
    throw Corrupt(fmt::format("evidence {}/{}: the stored path is not the expected one", record.key,
                              file->name));
  }
  if (!crypto::verify_signature(device_public_key, record.manifest, record.signature)) {
    throw Corrupt(fmt::format(
        "evidence {}: the manifest's signature does not verify with the device key", record.key));
  }
  if (!manifest_lists(record.manifest, *file)) {
    throw Corrupt(
        fmt::format("evidence {}/{}: the signed manifest does not list this file "
                    "with its stored size and hash",
                    record.key, file->name));
  }
  const std::filesystem::path path = root_ / relative;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    // The store row exists, so the file must: retention deletes rows before files.
    throw Corrupt(fmt::format("evidence {}/{} is missing from disk", record.key, file->name));
  }
  const std::vector<std::uint8_t> sealed = read_file_bytes(path);
  std::vector<std::uint8_t> plain;
  try {
    plain = crypto::decrypt_evidence(key_, sealed, associated_data(record.key, file->name));
  } catch (const Corrupt&) {
    throw Corrupt(fmt::format("evidence {}/{} does not decrypt (altered, truncated or moved)",
                              record.key, file->name));
  }
  if (static_cast<std::int64_t>(plain.size()) != file->size ||
      crypto::sha256_hex(plain) != file->sha256) {
    throw Corrupt(fmt::format("evidence {}/{}: the SHA-256 differs from the stored hash",
                              record.key, file->name));
  }
  return plain;
}

void EvidenceVault::remove_file(std::string_view record_key, std::string_view name) const {
  const std::filesystem::path path = root_ / relative_path(record_key, name);
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) throw IoError(fmt::format("Cannot delete {}: {}.", path.string(), ec.message()));
}

void EvidenceVault::remove_record(std::string_view record_key) const {
  check_key(record_key);
  const std::filesystem::path shard = root_ / std::string(record_key.substr(0, 2));
  const std::filesystem::path folder = shard / std::string(record_key);
  std::error_code ec;
  std::filesystem::remove_all(folder, ec);
  if (ec) throw IoError(fmt::format("Cannot delete {}: {}.", folder.string(), ec.message()));
  if (std::filesystem::is_directory(shard, ec) && std::filesystem::is_empty(shard, ec)) {
    std::filesystem::remove(shard, ec);  // a concurrent write may have refilled it: fine
  }
  if (std::filesystem::is_directory(root_, ec)) sync_directory(root_);
}

}  // namespace roadwarden::server
