// Internal helpers of rw_crypto (not part of the public contract in crypto.hpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

namespace roadwarden::crypto::detail {

/// Initialises libsodium once (thread-safe); InternalError when it cannot start.
void ensure_sodium();

/// Creates `path` exclusively with mode 0600, writes `content`, fsyncs the file and its
/// directory. IoError (naming `what` and the path, never the content) when the file exists
/// or any step fails; a partially written file is removed.
void write_secret_file(const std::filesystem::path& path, std::string_view content,
                       std::string_view what);

/// Reads a secret file of exactly `size` bytes written as 2*size hex digits plus an optional
/// trailing '\n'. IoError when unreadable, PermissionDenied when readable by group or others,
/// InvalidInput when the content is malformed. Messages never contain the content.
[[nodiscard]] std::vector<std::uint8_t> read_secret_hex_file(const std::filesystem::path& path,
                                                             std::size_t size,
                                                             std::string_view what);

}  // namespace roadwarden::crypto::detail
