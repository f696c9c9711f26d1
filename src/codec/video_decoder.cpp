#include "codec/video_decoder.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <limits>
#include <string_view>
#include <utility>

#include <fmt/format.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include "codec/ffmpeg_log.hpp"
#include "core/errors.hpp"

namespace roadwarden::codec {

namespace {

using SteadyClock = std::chrono::steady_clock;

// Decoders a camera's video may use (FFmpeg decoder names): the codecs IP cameras and video
// files carry. FFmpeg's image decoders (PNG, TIFF, JPEG 2000, EXR, …) can also sit in a video
// container or an HTTP stream; they are never run on camera input.
constexpr const char* kCameraDecoders =
    "h264,hevc,mpeg4,mjpeg,mpeg2video,mpeg1video,h263,vp8,vp9,av1,libdav1d";

// Demuxers a stream URL may be read with: RTSP(S) sessions, HTTP(S) multipart MJPEG (or a bare
// JPEG sequence).
constexpr const char* kRtspFormats = "rtsp";
constexpr const char* kHttpFormats = "mpjpeg,mjpeg";

std::string scheme_of(std::string_view url) {
  const std::size_t pos = url.find("://");
  if (pos == std::string_view::npos) return {};
  std::string out(url.substr(0, pos));
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Full-range "J" formats (deprecated by FFmpeg in favour of color_range) mapped to their plain
// twin, so swscale neither warns nor guesses the range.
AVPixelFormat plain_format(AVPixelFormat f, bool& full_range) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P:
      full_range = true;
      return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P:
      full_range = true;
      return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P:
      full_range = true;
      return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P:
      full_range = true;
      return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P:
      full_range = true;
      return AV_PIX_FMT_YUV411P;
    default:
      return f;
  }
}

int sws_colorspace(AVColorSpace cs) {
  switch (cs) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    default:
      return SWS_CS_DEFAULT;  // BT.601, what FFmpeg and OpenCV assume when unflagged
  }
}

}  // namespace

struct VideoDecoder::Impl {
  AVFormatContext* format = nullptr;
  AVCodecContext* decoder = nullptr;
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  SwsContext* sws = nullptr;
  int stream = -1;
  bool draining = false;   // the flush packet was sent
  bool ended = false;      // the decoder gave its last frame
  bool has_frame = false;  // `frame` holds the last grabbed frame
  // What `sws` was made for.
  int sws_width = 0, sws_height = 0, sws_format = -1, sws_full_range = -1, sws_cs = -1;

  int read_timeout_ms = 5000;
  std::function<bool()> abort;
  SteadyClock::time_point deadline;  // of the blocking operation in progress
  bool interrupted = false;          // the interrupt callback fired since the deadline was set

  ~Impl() { release(); }

  void arm(int timeout_ms) {
    deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    interrupted = false;
  }

  // FFmpeg's AVIOInterruptCB: non-zero abandons the blocking operation (AVERROR_EXIT).
  static int interrupt(void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    bool stop = SteadyClock::now() >= self->deadline;
    if (!stop && self->abort) {
      try {
        stop = self->abort();
      } catch (...) {
        stop = true;  // never let an exception cross FFmpeg's C frames
      }
    }
    if (stop) self->interrupted = true;
    return stop ? 1 : 0;
  }

  void release() {
    sws_freeContext(sws);
    sws = nullptr;
    av_frame_free(&frame);
    av_packet_free(&packet);
    avcodec_free_context(&decoder);
    avformat_close_input(&format);  // also frees a context that was never opened
    stream = -1;
    draining = ended = has_frame = false;
    sws_width = sws_height = 0;
    sws_format = sws_full_range = sws_cs = -1;
  }

  bool open(const std::string& path_or_url, const VideoDecoderOptions& o) {
    const std::string scheme = scheme_of(path_or_url);
    const bool rtsp = scheme == "rtsp" || scheme == "rtsps";
    const bool http = scheme == "http" || scheme == "https";
    // Anything else is a local file, opened through the file protocol only: a path is never
    // taken as a protocol ("concat:", "subfile,", …) and the demuxer cannot reach the network.
    const std::string target = rtsp || http ? path_or_url : "file:" + path_or_url;
    const char* protocols = rtsp   ? "rtsp,rtsps,rtp,srtp,udp,tcp,tls"
                            : http ? "http,https,tcp,tls"
                                   : "file";

    format = avformat_alloc_context();
    if (!format) throw std::bad_alloc();
    format->interrupt_callback = AVIOInterruptCB{&Impl::interrupt, this};
    AVDictionary* dict = nullptr;
    av_dict_set(&dict, "protocol_whitelist", protocols, 0);
    av_dict_set(&dict, "codec_whitelist", kCameraDecoders, 0);  // stream probing's decoders
    const std::string formats = rtsp ? kRtspFormats : http ? kHttpFormats : o.format_whitelist;
    if (!formats.empty()) av_dict_set(&dict, "format_whitelist", formats.c_str(), 0);
    if (rtsp) av_dict_set(&dict, "rtsp_flags", "prefer_tcp", 0);

    arm(o.open_timeout_ms);
    const int opened = avformat_open_input(&format, target.c_str(), nullptr, &dict);
    av_dict_free(&dict);
    if (opened < 0) {
      format = nullptr;  // freed by avformat_open_input on failure
      return false;
    }
    if (avformat_find_stream_info(format, nullptr) < 0) return false;

    const AVCodec* codec = nullptr;
    stream = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (stream < 0 || !codec) return false;
    for (unsigned i = 0; i < format->nb_streams; ++i) {
      if (static_cast<int>(i) != stream) format->streams[i]->discard = AVDISCARD_ALL;
    }
    const AVStream* st = format->streams[stream];

    decoder = avcodec_alloc_context3(codec);
    if (!decoder) throw std::bad_alloc();
    if (avcodec_parameters_to_context(decoder, st->codecpar) < 0) return false;
    decoder->pkt_timebase = st->time_base;
    decoder->thread_count = o.decoder_threads;
    AVDictionary* codec_options = nullptr;
    av_dict_set(&codec_options, "codec_whitelist", kCameraDecoders, 0);
    const int codec_opened = avcodec_open2(decoder, codec, &codec_options);
    av_dict_free(&codec_options);
    if (codec_opened < 0) return false;

    packet = av_packet_alloc();
    frame = av_frame_alloc();
    if (!packet || !frame) throw std::bad_alloc();
    return true;
  }

  bool grab() {
    has_frame = false;
    if (!decoder || ended) return false;
    arm(read_timeout_ms);
    while (true) {
      av_frame_unref(frame);
      const int received = avcodec_receive_frame(decoder, frame);
      if (received >= 0) {
        has_frame = true;
        return true;
      }
      if (received == AVERROR_EOF || (draining && received == AVERROR(EAGAIN))) {
        ended = true;
        return false;
      }
      if (received != AVERROR(EAGAIN)) return false;  // a frame that cannot be decoded

      const int read = av_read_frame(format, packet);
      if (read == AVERROR(EAGAIN)) {
        if (interrupt(this)) return false;
        continue;
      }
      if (read < 0) {
        if (interrupted) return false;  // timeout or abort: not the end of the input
        // The end, or a read error at the end of a file's data: flush the decoder so its
        // delayed frames come out.
        if (read == AVERROR_EOF || (format->pb && avio_feof(format->pb))) {
          avcodec_send_packet(decoder, nullptr);
          draining = true;
          continue;
        }
        return false;
      }
      if (packet->stream_index != stream) {
        av_packet_unref(packet);
        continue;
      }
      const int sent = avcodec_send_packet(decoder, packet);
      av_packet_unref(packet);
      // A corrupt packet: consumed, reported as one failed grab (as OpenCV's grab did).
      if (sent < 0 && sent != AVERROR(EAGAIN)) return false;
    }
  }

  cv::Mat retrieve_bgr() {
    if (!has_frame || frame->width <= 0 || frame->height <= 0) return {};
    bool full_range = frame->color_range == AVCOL_RANGE_JPEG;
    const AVPixelFormat src = plain_format(static_cast<AVPixelFormat>(frame->format), full_range);
    const int cs = sws_colorspace(frame->colorspace);
    if (!sws || sws_width != frame->width || sws_height != frame->height || sws_format != src ||
        sws_full_range != static_cast<int>(full_range) || sws_cs != cs) {
      sws_freeContext(sws);
      sws_format = -1;
      if (!sws_isSupportedInput(src)) return {};
      sws = sws_getContext(frame->width, frame->height, src, frame->width, frame->height,
                           AV_PIX_FMT_BGR24, SWS_BILINEAR, nullptr, nullptr, nullptr);
      if (!sws) return {};
      sws_setColorspaceDetails(sws, sws_getCoefficients(cs), full_range ? 1 : 0,
                               sws_getCoefficients(SWS_CS_DEFAULT), 1, 0, 1 << 16, 1 << 16);
      sws_width = frame->width;
      sws_height = frame->height;
      sws_format = src;
      sws_full_range = full_range ? 1 : 0;
      sws_cs = cs;
    }
    // swscale's SIMD YUV→BGR converters (FFmpeg 5.1, x86) work in groups of pixels: with a row
    // stride of exactly width × 3 they drop the last width % 8 pixels, and for widths that are
    // not a multiple of 16 they write up to 24 bytes past the last row. So convert into rows
    // padded to a multiple of 16 pixels plus one spare row, then hand out a continuous Mat (a
    // view when no column padding was needed, else a copy).
    const int padded_width = (frame->width + 15) & ~15;
    cv::Mat buffer(frame->height + 1, padded_width, CV_8UC3);
    std::uint8_t* dst[4] = {buffer.data, nullptr, nullptr, nullptr};
    const int dst_stride[4] = {static_cast<int>(buffer.step[0]), 0, 0, 0};
    if (sws_scale(sws, frame->data, frame->linesize, 0, frame->height, dst, dst_stride) !=
        frame->height) {
      return {};
    }
    const cv::Mat image = buffer(cv::Rect(0, 0, frame->width, frame->height));
    return padded_width == frame->width ? image : image.clone();
  }
};

VideoDecoder::VideoDecoder() : impl_(std::make_unique<Impl>()) {}
VideoDecoder::~VideoDecoder() = default;
VideoDecoder::VideoDecoder(VideoDecoder&&) noexcept = default;
VideoDecoder& VideoDecoder::operator=(VideoDecoder&&) noexcept = default;

bool VideoDecoder::open(const std::string& path_or_url, const VideoDecoderOptions& options) {
  if (options.open_timeout_ms <= 0) {
    throw InvalidInput(
        fmt::format("open_timeout_ms must be > 0 (got {})", options.open_timeout_ms));
  }
  if (options.read_timeout_ms <= 0) {
    throw InvalidInput(
        fmt::format("read_timeout_ms must be > 0 (got {})", options.read_timeout_ms));
  }
  if (options.decoder_threads < 1) {
    throw InvalidInput(
        fmt::format("decoder_threads must be >= 1 (got {})", options.decoder_threads));
  }
  quiet_ffmpeg_log();
  if (!impl_) impl_ = std::make_unique<Impl>();
  impl_->release();
  impl_->read_timeout_ms = options.read_timeout_ms;
  impl_->abort = options.abort;
  if (impl_->open(path_or_url, options)) return true;
  impl_->release();
  return false;
}

bool VideoDecoder::is_open() const {
  return impl_ && impl_->decoder != nullptr;
}

void VideoDecoder::release() {
  if (impl_) impl_->release();
}

bool VideoDecoder::grab() {
  return impl_ && impl_->grab();
}

cv::Mat VideoDecoder::retrieve_bgr() {
  return impl_ ? impl_->retrieve_bgr() : cv::Mat();
}

cv::Mat VideoDecoder::read_bgr() {
  if (!grab()) return {};
  return retrieve_bgr();
}

double VideoDecoder::position_ms() const {
  constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  if (!impl_ || !impl_->has_frame) return kUnknown;
  // Formats without timestamps (HTTP multipart MJPEG, raw streams): libavformat interpolates
  // them from a guessed frame rate, which is no stream time at all.
  if (impl_->format->iformat->flags & AVFMT_NOTIMESTAMPS) return kUnknown;
  const std::int64_t ts = impl_->frame->best_effort_timestamp;
  if (ts == AV_NOPTS_VALUE) return kUnknown;
  const AVStream* st = impl_->format->streams[impl_->stream];
  const std::int64_t start = st->start_time == AV_NOPTS_VALUE ? 0 : st->start_time;
  return static_cast<double>(ts - start) * av_q2d(st->time_base) * 1000.0;
}

std::optional<double> VideoDecoder::fps() const {
  if (!is_open()) return std::nullopt;
  const AVStream* st = impl_->format->streams[impl_->stream];
  for (const AVRational rate : {st->avg_frame_rate, st->r_frame_rate}) {
    if (rate.num > 0 && rate.den > 0) {
      const double fps = av_q2d(rate);
      if (std::isfinite(fps) && fps > 0) return fps;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> VideoDecoder::frame_count() const {
  if (!is_open()) return std::nullopt;
  const AVStream* st = impl_->format->streams[impl_->stream];
  if (st->nb_frames > 0) return st->nb_frames;
  double seconds = std::numeric_limits<double>::quiet_NaN();
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0) {
    seconds = static_cast<double>(st->duration) * av_q2d(st->time_base);
  } else if (impl_->format->duration != AV_NOPTS_VALUE && impl_->format->duration > 0) {
    seconds = static_cast<double>(impl_->format->duration) / AV_TIME_BASE;
  }
  const std::optional<double> rate = fps();
  if (!rate || !std::isfinite(seconds)) return std::nullopt;
  const double count = std::round(seconds * *rate);
  if (!std::isfinite(count) || count < 1) return std::nullopt;
  return static_cast<std::int64_t>(count);
}

cv::Size VideoDecoder::frame_size() const {
  if (!is_open()) return {};
  if (impl_->has_frame) return {impl_->frame->width, impl_->frame->height};
  const AVCodecParameters* par = impl_->format->streams[impl_->stream]->codecpar;
  return {par->width, par->height};
}

}  // namespace roadwarden::codec
