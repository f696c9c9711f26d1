// Text that came from outside (file names, camera and FFmpeg messages) made safe to write into a
// log line or a JSON record.
#pragma once

#include <string>
#include <string_view>

namespace roadwarden {

/// `text` with every byte that could forge or break a line escaped as `\xNN` (two upper-case hex
/// digits): ASCII control characters (0x00-0x1F, 0x7F: a newline in a file name would start a
/// fake log line, an ESC would drive the terminal) and bytes that are not part of a well-formed
/// UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF;
/// nlohmann::json refuses to serialise them). Printable ASCII (a backslash included) and valid
/// multi-byte UTF-8 (e.g. "Ташкент") pass unchanged. Never throws except std::bad_alloc.
[[nodiscard]] std::string safe_text(std::string_view text);

}  // namespace roadwarden
