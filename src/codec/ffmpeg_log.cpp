#include "codec/ffmpeg_log.hpp"

#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace roadwarden::codec {

void quiet_ffmpeg_log() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_FATAL); });
}

}  // namespace roadwarden::codec
