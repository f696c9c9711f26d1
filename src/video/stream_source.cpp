#include "video/stream_source.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace roadwarden::video {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_credential_key(std::string_view key) {
  static constexpr std::array<std::string_view, 10> kParts = {
      "user", "pass", "pwd", "token", "key", "auth", "secret", "sig", "login", "credential"};
  const std::string k = lower(key);
  return std::any_of(kParts.begin(), kParts.end(),
                     [&](std::string_view part) { return k.find(part) != std::string::npos; });
}

std::string redact_query(std::string_view query) {
  std::string out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, end - start);
    const std::size_t eq = item.find('=');
    if (!out.empty() || start > 0) out += '&';
    if (eq != std::string_view::npos && is_credential_key(item.substr(0, eq))) {
      out += item.substr(0, eq + 1);
      out += "***";
    } else {
      out += item;
    }
    start = end + 1;
  }
  return out;
}

std::string scheme_of(std::string_view url) {
  const std::size_t pos = url.find("://");
  return pos == std::string_view::npos ? std::string() : lower(url.substr(0, pos));
}

void validate(const StreamSourceOptions& o, const std::string& shown) {
  const std::string scheme = scheme_of(o.url);
  if (scheme != "rtsp" && scheme != "rtsps" && scheme != "http" && scheme != "https") {
    throw InvalidInput(fmt::format(
        "camera url '{}': unsupported scheme (use rtsp://, rtsps://, http:// or https://)", shown));
  }
  // Authority: [userinfo@]host[:port], host a name, an IPv4 address or [IPv6] (RFC 3986).
  std::string_view authority = std::string_view(o.url).substr(scheme.size() + 3);
  const std::size_t authority_end = authority.find_first_of("/?#");
  // An '@' after the authority's end most likely closes a password holding an unencoded
  // '/', '?' or '#', which cuts the authority short: say so with the error.
  // (find from npos finds nothing: no '/?#', no hint.)
  const std::string hint =
      authority.find('@', authority_end) != std::string_view::npos
          ? " (a password holding '/', '?', '#' or '@' must be percent-encoded: %2F %3F %23 %40)"
          : "";
  authority = authority.substr(0, authority_end);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1 ||
        (close + 1 < authority.size() && authority[close + 1] != ':')) {
      throw InvalidInput(fmt::format("camera url '{}': malformed [IPv6] host{}", shown, hint));
    }
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) port = authority.substr(close + 2);
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw InvalidInput(fmt::format("camera url '{}': no host{}", shown, hint));
  if (authority.size() > host.size()) {  // a ':' was given: the port must be 1-65535
    const bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
      throw InvalidInput(fmt::format("camera url '{}': port must be 1-65535{}", shown, hint));
  }
  if (std::any_of(o.url.begin(), o.url.end(),
                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; })) {
    throw InvalidInput(
        fmt::format("camera url '{}': contains spaces or control characters", shown));
  }
  if (o.open_timeout_ms <= 0) {
    throw InvalidInput(fmt::format("open_timeout_ms must be > 0 (got {})", o.open_timeout_ms));
  }
  if (o.read_timeout_ms <= 0) {
    throw InvalidInput(fmt::format("read_timeout_ms must be > 0 (got {})", o.read_timeout_ms));
  }
}

const StreamSourceOptions& validated(const StreamSourceOptions& o) {
  validate(o, redact_url(o.url));
  return o;
}

BackoffPolicy policy_of(const StreamSourceOptions& o) {
  return BackoffPolicy{o.backoff_initial_ms, o.backoff_max_ms, o.jitter};
}

}  // namespace

std::string redact_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t authority_start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  std::string out(url.substr(0, authority_start));
  std::string_view rest = url.substr(authority_start);
  // Everything up to the LAST '@' is user-info: a password may hold an unencoded '/', '?', '#'
  // or '@' (cameras accept them), so the authority cannot be ended at the first "/?#" before
  // looking for '@'. A path or query holding '@' is over-redacted, never leaked.
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  const std::size_t q = rest.find('?');
  if (q == std::string_view::npos) {
    out += rest;
    return out;
  }
  out += rest.substr(0, q + 1);
  rest.remove_prefix(q + 1);
  const std::size_t hash = std::min(rest.find('#'), rest.size());
  out += redact_query(rest.substr(0, hash));
  out += rest.substr(hash);
  return out;
}

StreamFrameSource::StreamFrameSource(StreamSourceOptions options, const Clock& clock,
                                     HealthSink health)
    : options_(validated(options)),
      clock_(clock),
      health_(std::move(health)),
      description_(redact_url(options_.url)),
      backoff_(policy_of(options_), options_.seed) {}

bool StreamFrameSource::open() {
  decoder_.release();
  codec::VideoDecoderOptions o;
  o.open_timeout_ms = options_.open_timeout_ms;
  o.read_timeout_ms = options_.read_timeout_ms;
  o.decoder_threads = 1;
  o.abort = [this] { return stop_.requested(); };
  return decoder_.open(options_.url, o);
}

std::optional<Frame> StreamFrameSource::next() {
  while (!ended_ && !stop_.requested()) {
    if (!decoder_.is_open()) {
      if (failures_ > 0 &&
          stop_.wait_for(std::chrono::milliseconds(backoff_.delay_ms(failures_)))) {
        break;
      }
      if (!open()) {
        if (stop_.requested()) break;  // the open was abandoned for stop()
        mark_lost(
            fmt::format("cannot open the stream (refused, unreachable, or no answer within "
                        "{} ms)",
                        options_.open_timeout_ms));
        continue;
      }
      connection_ = Connection{};
      if (!ever_connected_) {
        ever_connected_ = true;
        lost_since_.reset();
        emit(HealthEvent::Kind::connected, "");
      }
    }
    cv::Mat image = decoder_.read_bgr();
    if (image.empty()) {
      decoder_.release();
      if (stop_.requested()) break;  // the read was abandoned for stop()
      mark_lost(
          fmt::format("no frame within {} ms, or the stream ended", options_.read_timeout_ms));
      continue;
    }
    const double pts = decoder_.position_ms();
    return make_frame(std::move(image), pts, clock_.now());
  }
  decoder_.release();
  if (!ended_) {
    ended_ = true;
    emit(HealthEvent::Kind::ended, "stopped");
  }
  return std::nullopt;
}

Frame StreamFrameSource::make_frame(cv::Mat image, double pts_ms, UtcTime now) {
  Connection& c = connection_;
  UtcTime capture = now;
  if (!c.has_frame) {
    c.has_frame = true;
    c.pts_usable = std::isfinite(pts_ms) && pts_ms >= 0;
    c.wall0 = now;
    c.pts0 = pts_ms;
    c.last_pts = pts_ms;
  } else if (c.pts_usable && std::isfinite(pts_ms) && pts_ms > c.last_pts) {
    capture = UtcTime{c.wall0.unix_ms + std::llround(pts_ms - c.pts0)};
    c.last_pts = pts_ms;
  } else {
    c.pts_usable = false;  // no usable stream timestamps: arrival time for this connection
  }

  if (lost_since_) {
    const UtcTime since = last_frame_ ? *last_frame_ : *lost_since_;
    emit(HealthEvent::Kind::reconnected, "",
         std::max<std::int64_t>(0, now.unix_ms - since.unix_ms));
    lost_since_.reset();
  }
  failures_ = 0;
  last_frame_ = now;

  Frame frame;
  frame.image = std::move(image);
  frame.index = next_index_++;
  frame.sequence = options_.first_sequence + frame.index;
  frame.capture_time = capture;
  if (!first_capture_ms_) first_capture_ms_ = capture.unix_ms;
  frame.position_ms = static_cast<double>(capture.unix_ms - *first_capture_ms_);
  return frame;
}

void StreamFrameSource::mark_lost(std::string detail) {
  if (!lost_since_) lost_since_ = clock_.now();
  ++failures_;
  emit(HealthEvent::Kind::lost, std::move(detail), 0, failures_);
}

void StreamFrameSource::stop() {
  stop_.request();
}

void StreamFrameSource::emit(HealthEvent::Kind kind, std::string detail, std::int64_t gap_ms,
                             int attempt) {
  if (!health_) return;
  HealthEvent event;
  event.kind = kind;
  event.time = clock_.now();
  event.source = description_;
  event.detail = std::move(detail);
  event.gap_ms = gap_ms;
  event.attempt = attempt;
  health_(event);
}

}  // namespace roadwarden::video
