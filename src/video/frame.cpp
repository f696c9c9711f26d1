#include "video/frame.hpp"

namespace roadwarden::video {

const char* to_string(HealthEvent::Kind kind) {
  switch (kind) {
    case HealthEvent::Kind::connected:
      return "connected";
    case HealthEvent::Kind::lost:
      return "lost";
    case HealthEvent::Kind::reconnected:
      return "reconnected";
    case HealthEvent::Kind::decode_error:
      return "decode_error";
    case HealthEvent::Kind::ended:
      return "ended";
  }
  return "unknown";
}

}  // namespace roadwarden::video
