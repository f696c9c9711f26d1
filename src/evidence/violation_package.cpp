#include "evidence/violation_package.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <utility>

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "codec/clip_encoder.hpp"
#include "codec/image_io.hpp"
#include "core/errors.hpp"
#include "crypto/crypto.hpp"
#include "rules/local_time.hpp"

namespace roadwarden::evidence {
namespace {

cv::Rect clamp_rect(double x0, double y0, double x1, double y1, const cv::Size& size) {
  const int l = std::clamp(static_cast<int>(std::floor(x0)), 0, size.width);
  const int t = std::clamp(static_cast<int>(std::floor(y0)), 0, size.height);
  const int r = std::clamp(static_cast<int>(std::ceil(x1)), 0, size.width);
  const int b = std::clamp(static_cast<int>(std::ceil(y1)), 0, size.height);
  return {l, t, std::max(0, r - l), std::max(0, b - t)};
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string seconds(double ms) {
  return fmt::format("{:.3f} s", ms / 1000.0);
}

struct Clip {
  std::string file, media_type, codec;
  std::vector<std::uint8_t> bytes;
  double fps = 0;
};

/// Encodes the clip frames with codec::ClipEncoder: H.264 in MP4 when an H.264 encoder is
/// available, else Motion JPEG in AVI. Frame rate from the frames' capture times (frames − 1
/// over the span), 25 when there is a single frame. Frames of another size than the first are
/// resized to it. Throws InternalError when a frame cannot be decoded or no encoder works.
Clip write_clip(const std::vector<ViolationClipFrame>& frames) {
  Clip c;
  c.fps = 25;
  if (frames.size() >= 2) {
    const double span_s =
        static_cast<double>(frames.back().time.unix_ms - frames.front().time.unix_ms) / 1000.0;
    if (span_s > 0) c.fps = static_cast<double>(frames.size() - 1) / span_s;
  }
  const auto decode = [](const ViolationClipFrame& f) {
    try {
      return codec::decode_image(f.jpeg);
    } catch (const InvalidInput& e) {
      throw InternalError(fmt::format("an evidence clip frame cannot be decoded: {}", e.what()));
    }
  };
  const cv::Mat first = decode(frames.front());
  codec::ClipEncoder encoder(first.size(), c.fps);
  encoder.add(first);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    cv::Mat image = decode(frames[i]);
    if (image.size() != first.size()) cv::resize(image, image, first.size());
    encoder.add(image);
  }
  codec::EncodedClip encoded = encoder.finish();
  c.file = std::move(encoded.file);
  c.media_type = std::move(encoded.media_type);
  c.codec = std::move(encoded.codec);
  c.bytes = std::move(encoded.bytes);
  return c;
}

void require(bool ok, const std::string& what) {
  if (!ok) throw InvalidInput("red-light evidence: " + what);
}

}  // namespace

std::vector<std::string> red_light_data_bar(const RedLightEvidence& e, const ViolationStill& still,
                                            const std::string& role) {
  require(e.rule && e.decision, "the rule and its decision are required");
  const rules::RedLightDecision& d = *e.decision;
  const rules::TimeZone zone(e.timezone);
  const std::string local = rules::to_iso8601(zone.to_local(still.time));
  const std::string hash = e.rule->config_hash().substr(0, 12);
  return {
      fmt::format("SITE {}  CAMERA {}  APPROACH {}  LANE {}", e.site_id, e.camera,
                  e.rule->options().approach_id, d.lane.value_or("-")),
      fmt::format("UTC {}", to_iso8601(still.time)),
      fmt::format("LOCAL {} {}", local, e.timezone),
      fmt::format("PHASE {}  INTO RED {}  ONSET {}", upper(rules::to_string(d.phase)),
                  d.time_into_red_ms ? seconds(*d.time_into_red_ms) : std::string("-"),
                  d.red_onset ? to_iso8601(*d.red_onset) : std::string("-")),
      fmt::format("GRACE {}  CONFIG {}  FRAME {} {}",
                  seconds(static_cast<double>(e.rule->options().grace_ms)), hash, still.sequence,
                  upper(role)),
  };
}

Package build_red_light_package(const RedLightEvidence& e) {
  require(e.rule && e.decision, "the rule and its decision are required");
  const rules::RedLightDecision& d = *e.decision;
  const rules::RedLightOptions& o = e.rule->options();
  require(d.violation(), "the decision is not a violation");
  require(d.crossing_time && d.lane && d.red_onset && d.time_into_red_ms && d.clip_start &&
              d.clip_end && d.evidence,
          "the decision lacks its crossing, lane, red onset or clip window");
  require(e.jpeg_quality >= 50 && e.jpeg_quality <= 100, "jpeg_quality must be in 50..100");
  require(!e.best_frame.empty() && e.best_frame.type() == CV_8UC3,
          "the best frame must be a non-empty BGR 8-bit image");
  for (const ViolationStill* s : {&e.before, &e.at_line, &e.intersection})
    require(!s->image.empty() && s->image.type() == CV_8UC3,
            "each still must be a non-empty BGR 8-bit image");

  Package p;
  nlohmann::json files = nlohmann::json::object();
  nlohmann::json bars = nlohmann::json::object();
  const auto add = [&](std::string name, std::string media_type, std::vector<std::uint8_t> bytes) {
    files[name] = crypto::sha256_hex(std::span<const std::uint8_t>(bytes));
    p.files.push_back({std::move(name), std::move(media_type), std::move(bytes)});
  };
  const std::pair<const ViolationStill*, const char*> stills[] = {
      {&e.before, "before"}, {&e.at_line, "at_line"}, {&e.intersection, "intersection"}};
  nlohmann::json frames = nlohmann::json::object();
  for (const auto& [still, role] : stills) {
    const std::vector<std::string> lines = red_light_data_bar(e, *still, role);
    bars[role] = lines;
    frames[role] = {{"sequence", still->sequence},
                    {"time", to_iso8601(still->time)},
                    {"size", {still->image.cols, still->image.rows}}};
    add(std::string(role) + ".jpg", "image/jpeg",
        codec::encode_jpeg(with_data_bar(still->image, lines), e.jpeg_quality));
  }

  nlohmann::json clip = {{"requested_start", to_iso8601(*d.clip_start)},
                         {"requested_end", to_iso8601(*d.clip_end)},
                         {"frames", e.clip.size()},
                         {"truncated_start", e.clip_truncated_start},
                         {"truncated_end", e.clip_truncated_end}};
  if (!e.clip.empty()) {
    Clip c = write_clip(e.clip);
    clip["start"] = to_iso8601(e.clip.front().time);
    clip["end"] = to_iso8601(e.clip.back().time);
    clip["fps"] = std::round(c.fps * 1000) / 1000;
    clip["codec"] = c.codec;
    clip["file"] = c.file;
    add(c.file, c.media_type, std::move(c.bytes));
  } else {
    clip["start"] = nullptr;
    clip["end"] = nullptr;
    clip["file"] = nullptr;
  }

  const Box b = e.read.best_corners.bounding_box();
  const cv::Rect cut = clamp_rect(b.x - 0.15 * b.width, b.y - 0.15 * b.height, b.x + 1.15 * b.width,
                                  b.y + 1.15 * b.height, e.best_frame.size());
  if (cut.area() > 0)
    add("plate.jpg", "image/jpeg", codec::encode_jpeg(e.best_frame(cut), e.jpeg_quality));

  const auto ms = [](double v) { return std::round(v * 1000) / 1000; };
  nlohmann::json v = {
      {"kind", "red_light"},
      {"approach", o.approach_id},
      {"lane", *d.lane},
      {"phase", std::string(rules::to_string(d.phase))},
      {"red_onset", to_iso8601(*d.red_onset)},
      {"crossing_time", to_iso8601(*d.crossing_time)},
      {"time_into_red_ms", ms(*d.time_into_red_ms)},
      {"grace_ms", o.grace_ms},
      {"amber_ms", o.amber_ms},
      {"all_red_ms", o.all_red_ms},
      {"min_time_into_red_ms", o.min_time_into_red_ms},
      {"config_hash", e.rule->config_hash()},
      {"config", nlohmann::json::parse(e.rule->canonical_config())},
      {"reason", d.reason},
      {"clip", clip},
      {"frames", frames},
      {"data_bar", bars},
      {"files", files},
  };
  if (d.speed_kmh) v["speed_kmh"] = ms(*d.speed_kmh);
  if (d.video_colour) v["video_colour"] = std::string(rules::to_string(*d.video_colour));
  p.metadata = {{"type", "violation"},    {"site", e.site_id},
                {"timezone", e.timezone}, {"tz_database", rules::TimeZone::database_version()},
                {"camera", e.camera},     {"clock_source", e.clock_source},
                {"engine", e.engine},     {"read", to_json(e.read)},
                {"violation", v}};
  return p;
}

}  // namespace roadwarden::evidence
