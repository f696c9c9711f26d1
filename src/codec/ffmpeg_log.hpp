// FFmpeg's log level, set once per process by every codec that calls into FFmpeg.
#pragma once

namespace roadwarden::codec {

/// Sets FFmpeg's global log level (av_log_set_level) to fatal errors only, once per process.
/// FFmpeg otherwise logs to stderr per-macroblock complaints about every corrupt packet, and
/// messages that can quote an input's URL (credentials). Failures reach callers as return
/// values or exceptions instead. Thread-safe.
void quiet_ffmpeg_log();

}  // namespace roadwarden::codec
