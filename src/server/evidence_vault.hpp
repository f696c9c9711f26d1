// The evidence vault: the files of ingested records, encrypted at rest
// (crypto::encrypt_evidence, XChaCha20-Poly1305 secretstream) under
// DATA_DIR/evidence/<key[0:2]>/<key>/<name>.enc.
//
// Reading back checks everything that can show tampering: authenticated decryption with
// the record key and file name as associated data (a file moved to another record or
// renamed fails), SHA-256 of the plaintext equal to the stored hash, the same hash listed in
// the record's manifest, and the manifest's Ed25519 signature by the uploading device.
// Tampered evidence is never served.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.hpp"
#include "store/server_records.hpp"

namespace roadwarden::server {

/// Encrypted evidence files of ingested records. Stateless apart from its root and key;
/// thread-safe (distinct records' files are distinct paths; the ingest route serialises
/// writers of one key).
class EvidenceVault {
 public:
  /// `root` is DATA_DIR/evidence (created on first write); `key` is the evidence key.
  EvidenceVault(std::filesystem::path root, crypto::EvidenceKey key);

  /// "<key[0:2]>/<key>/<name>.enc", the storage path relative to the root. InvalidInput
  /// when `record_key` is not 32 lower-case hex digits or `name` not a valid evidence file
  /// name (server/ingest.hpp valid_evidence_file_name): no name can leave the folder.
  [[nodiscard]] static std::string relative_path(std::string_view record_key,
                                                 std::string_view name);

  /// Encrypts `plaintext` (associated data "<record_key>/<name>") and writes it durably
  /// (temp file, fsync, rename, fsync folder; folders created and synced). Returns the
  /// relative storage path. Replaces an existing file of that name. InvalidInput for a bad
  /// key or name; IoError when the disk fails.
  std::string write(std::string_view record_key, std::string_view name,
                    std::span<const std::uint8_t> plaintext) const;

  /// The plaintext of file `name` of `record` (a record from the store). Throws:
  ///  - InvalidInput when `name` is not a valid file name or not one of the record's files;
  ///  - IoError when the encrypted file exists but cannot be read;
  ///  - Corrupt when the file is missing (its row exists, so it was deleted), decryption fails, the
  ///  SHA-256 differs from the stored one, the manifest
  ///    does not list the file with that hash and size, the stored path is not the
  ///    expected one, or the manifest signature does not verify with
  ///    `device_public_key` (64 hex).
  [[nodiscard]] std::vector<std::uint8_t> read(const store::IngestedRecord& record,
                                               std::string_view name,
                                               std::string_view device_public_key) const;

  /// Deletes the files of the record `record_key` and its folders when empty (the shard
  /// folder too). Missing files are fine. InvalidInput for a bad key; IoError on failure.
  void remove_record(std::string_view record_key) const;

  /// Deletes one file of a record (used when an ingest is not stored after all).
  void remove_file(std::string_view record_key, std::string_view name) const;

  /// The root folder.
  [[nodiscard]] const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
  crypto::EvidenceKey key_;
};

}  // namespace roadwarden::server
