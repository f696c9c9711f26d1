// Crash-safe file replacement for the server's own files (audit head, evidence): write a
// temporary file beside the target, fsync it, rename it over the target, fsync the folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace roadwarden::server {

/// Writes `bytes` to `path` atomically and durably: a reader sees the old or the new
/// content, never a mix, and the new content survives a crash once this returns. The
/// temporary file is `path` + ".tmp-<random>" and is removed on failure. File mode 0600.
/// Throws IoError naming the file and the OS reason. Not safe for two writers of one path
/// at once (the caller serialises).
void write_file_durably(const std::filesystem::path& path, std::span<const std::uint8_t> bytes);

/// Creates `dir` and any missing parents (mode 0700) and fsyncs each parent of a folder
/// it created, so the new folders survive a crash. IoError on failure.
void create_directories_durably(const std::filesystem::path& dir);

/// fsyncs a folder (after a rename, create or unlink inside it). IoError on failure.
void sync_directory(const std::filesystem::path& dir);

/// Reads a whole file. IoError naming the file when it cannot be read.
[[nodiscard]] std::vector<std::uint8_t> read_file_bytes(const std::filesystem::path& path);

}  // namespace roadwarden::server
