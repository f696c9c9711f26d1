#include "codec/clip_encoder.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <opencv2/core.hpp>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/dict.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
}

#include "codec/ffmpeg_log.hpp"
#include "core/errors.hpp"
#include "core/temp_folder.hpp"

namespace roadwarden::codec {

namespace {

namespace fs = std::filesystem;

std::vector<std::uint8_t> read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read back the encoded video clip");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Container {
  const char* muxer;
  const char* file;
  const char* media_type;
  const char* codec;
};
constexpr Container kMp4{"mp4", "clip.mp4", "video/mp4", "h264"};
constexpr Container kAvi{"avi", "clip.avi", "video/x-msvideo", "mjpeg"};

bool takes_yuv420p(const AVCodec* codec) {
  if (!codec->pix_fmts) return true;  // not declared: try it
  for (const AVPixelFormat* f = codec->pix_fmts; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_YUV420P) return true;
  }
  return false;
}

// H.264 encoders in order of preference: the software ones first (no device needed).
std::vector<const AVCodec*> h264_encoders() {
  std::vector<const AVCodec*> out;
  auto add = [&out](const AVCodec* c) {
    if (!c || !takes_yuv420p(c)) return;
    for (const AVCodec* have : out)
      if (have == c) return;
    out.push_back(c);
  };
  add(avcodec_find_encoder_by_name("libx264"));
  add(avcodec_find_encoder_by_name("libopenh264"));
  void* it = nullptr;
  while (const AVCodec* c = av_codec_iterate(&it)) {
    if (c->id == AV_CODEC_ID_H264 && av_codec_is_encoder(c)) add(c);
  }
  return out;
}

}  // namespace

struct ClipEncoder::Impl {
  TempFolder tmp{"roadwarden-clip"};
  Container container{};
  fs::path path;
  cv::Size input_size;
  cv::Size size;    // encoded (even)
  cv::Mat staging;  // BGR input rows padded to 16 pixels, plus one spare row
  AVRational rate{};
  AVFormatContext* mux = nullptr;
  AVCodecContext* enc = nullptr;
  AVStream* stream = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* packet = nullptr;
  SwsContext* sws = nullptr;
  std::int64_t frames = 0;
  bool finished = false;

  ~Impl() { close(); }

  void close() {
    if (mux && mux->pb) avio_closep(&mux->pb);
    avformat_free_context(mux);
    mux = nullptr;
    stream = nullptr;
    avcodec_free_context(&enc);
    av_frame_free(&frame);
    av_packet_free(&packet);
    sws_freeContext(sws);
    sws = nullptr;
  }

  // Opens `codec` into `c`'s container; false (everything released) when it cannot.
  bool try_open(const AVCodec* codec, const Container& c, const ClipEncoderOptions& o) {
    close();
    container = c;
    path = tmp.path() / c.file;
    std::error_code ec;
    fs::remove(path, ec);
    const bool mjpeg = codec->id == AV_CODEC_ID_MJPEG;
    // The muxer keeps the URL: MP4's faststart reopens the file by it to move the index.
    const std::string url = "file:" + path.string();
    if (avformat_alloc_output_context2(&mux, nullptr, c.muxer, url.c_str()) < 0 || !mux) {
      mux = nullptr;
      return false;
    }
    stream = avformat_new_stream(mux, nullptr);
    enc = avcodec_alloc_context3(codec);
    frame = av_frame_alloc();
    packet = av_packet_alloc();
    if (!stream || !enc || !frame || !packet) throw std::bad_alloc();

    enc->width = size.width;
    enc->height = size.height;
    enc->pix_fmt = mjpeg ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    enc->color_range = mjpeg ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    enc->colorspace = AVCOL_SPC_SMPTE170M;  // BT.601: what swscale converts with by default
    enc->time_base = av_inv_q(rate);
    enc->framerate = rate;
    enc->sample_aspect_ratio = AVRational{1, 1};
    enc->thread_count = o.threads;
    enc->gop_size = std::max(1, static_cast<int>(std::lround(av_q2d(rate))));  // ~1 s
    if (mux->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    AVDictionary* codec_opts = nullptr;
    if (mjpeg) {
      enc->flags |= AV_CODEC_FLAG_QSCALE;
      enc->global_quality = FF_QP2LAMBDA * o.mjpeg_qscale;
    } else if (std::string(codec->name) == "libx264") {
      av_dict_set(&codec_opts, "preset", "veryfast", 0);
      av_dict_set(&codec_opts, "crf", std::to_string(o.h264_crf).c_str(), 0);
    }
    const int opened = avcodec_open2(enc, codec, &codec_opts);
    av_dict_free(&codec_opts);
    if (opened < 0) return false;
    if (avcodec_parameters_from_context(stream->codecpar, enc) < 0) return false;
    stream->time_base = enc->time_base;
    stream->avg_frame_rate = rate;

    if (avio_open(&mux->pb, url.c_str(), AVIO_FLAG_WRITE) < 0) return false;
    AVDictionary* mux_opts = nullptr;
    if (std::string(c.muxer) == "mp4") av_dict_set(&mux_opts, "movflags", "+faststart", 0);
    const int header = avformat_write_header(mux, &mux_opts);
    av_dict_free(&mux_opts);
    if (header < 0) return false;

    frame->format = enc->pix_fmt;
    frame->width = size.width;
    frame->height = size.height;
    frame->color_range = enc->color_range;
    frame->colorspace = enc->colorspace;
    if (av_frame_get_buffer(frame, 0) < 0) throw std::bad_alloc();
    sws = sws_getContext(size.width, size.height, AV_PIX_FMT_BGR24, size.width, size.height,
                         enc->pix_fmt, SWS_BILINEAR, nullptr, nullptr, nullptr);
    return sws != nullptr;
  }

  // Sends `f` (nullptr: flush) and writes every packet the encoder gives back.
  void encode(const AVFrame* f) {
    int r = avcodec_send_frame(enc, f);
    if (r < 0)
      throw InternalError(fmt::format("{} encoding of a video clip frame failed", container.codec));
    while ((r = avcodec_receive_packet(enc, packet)) >= 0) {
      av_packet_rescale_ts(packet, enc->time_base, stream->time_base);
      packet->stream_index = stream->index;
      r = av_interleaved_write_frame(mux, packet);  // takes the packet's reference
      if (r < 0) throw IoError("cannot write the video clip to its temporary file");
    }
    if (r != AVERROR(EAGAIN) && r != AVERROR_EOF) {
      throw InternalError(fmt::format("{} encoding of a video clip failed", container.codec));
    }
  }
};

ClipEncoder::ClipEncoder(cv::Size size, double fps, const ClipEncoderOptions& options) {
  if (size.width < 2 || size.height < 2) {
    throw InvalidInput(fmt::format("video clip frames must be at least 2x2 pixels (got {}x{})",
                                   size.width, size.height));
  }
  if (!std::isfinite(fps) || fps <= 0) {
    throw InvalidInput(fmt::format("video clip frame rate must be > 0 fps (got {})", fps));
  }
  if (options.h264_crf < 0 || options.h264_crf > 51) {
    throw InvalidInput(fmt::format("h264_crf must be in 0..51 (got {})", options.h264_crf));
  }
  if (options.mjpeg_qscale < 2 || options.mjpeg_qscale > 31) {
    throw InvalidInput(fmt::format("mjpeg_qscale must be in 2..31 (got {})", options.mjpeg_qscale));
  }
  if (options.threads < 1) {
    throw InvalidInput(fmt::format("threads must be >= 1 (got {})", options.threads));
  }
  quiet_ffmpeg_log();
  impl_ = std::make_unique<Impl>();
  impl_->input_size = size;
  impl_->size = cv::Size(size.width + size.width % 2, size.height + size.height % 2);
  impl_->rate = av_d2q(fps, 90000);
  impl_->staging.create(impl_->size.height + 1, (impl_->size.width + 15) & ~15, CV_8UC3);
  if (options.allow_h264) {
    for (const AVCodec* codec : h264_encoders()) {
      if (impl_->try_open(codec, kMp4, options)) return;
    }
  }
  if (const AVCodec* mjpeg = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
      mjpeg && impl_->try_open(mjpeg, kAvi, options)) {
    return;
  }
  impl_->close();
  throw InternalError("no video encoder (H.264 or Motion JPEG) can write the clip");
}

ClipEncoder::~ClipEncoder() = default;

void ClipEncoder::add(const cv::Mat& bgr) {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("ClipEncoder::add after finish");
  if (bgr.type() != CV_8UC3 || bgr.size() != m.input_size) {
    throw InvalidInput(fmt::format(
        "video clip frame {} is {}x{} type {}, expected {}x{} BGR 8-bit (type {})", m.frames,
        bgr.cols, bgr.rows, bgr.type(), m.input_size.width, m.input_size.height, CV_8UC3));
  }
  // Staged in rows padded to 16 pixels plus a spare row: swscale's SIMD code reads (and, in
  // other directions, writes) whole pixel groups past a row of exactly width × 3 bytes.
  cv::Mat image = m.staging(cv::Rect(0, 0, m.size.width, m.size.height));
  if (m.size != m.input_size) {
    cv::copyMakeBorder(bgr, image, 0, m.size.height - bgr.rows, 0, m.size.width - bgr.cols,
                       cv::BORDER_REPLICATE);
  } else {
    bgr.copyTo(image);
  }
  if (av_frame_make_writable(m.frame) < 0) throw std::bad_alloc();
  const std::uint8_t* src[4] = {m.staging.data, nullptr, nullptr, nullptr};
  const int src_stride[4] = {static_cast<int>(m.staging.step[0]), 0, 0, 0};
  sws_scale(m.sws, src, src_stride, 0, m.size.height, m.frame->data, m.frame->linesize);
  m.frame->pts = m.frames++;
  m.encode(m.frame);
}

EncodedClip ClipEncoder::finish() {
  Impl& m = *impl_;
  if (m.finished) throw std::logic_error("ClipEncoder::finish called twice");
  m.finished = true;
  if (m.frames == 0) throw InvalidInput("a video clip needs at least one frame");
  m.encode(nullptr);
  if (av_write_trailer(m.mux) < 0) throw IoError("cannot finish the video clip file");
  if (avio_closep(&m.mux->pb) < 0) throw IoError("cannot finish the video clip file");
  EncodedClip out;
  out.bytes = read_all(m.path);
  if (out.bytes.empty()) throw InternalError("the encoded video clip is empty");
  out.file = m.container.file;
  out.media_type = m.container.media_type;
  out.codec = m.container.codec;
  out.size = m.size;
  out.frames = m.frames;
  m.close();
  return out;
}

EncodedClip encode_clip(std::span<const cv::Mat> frames, double fps,
                        const ClipEncoderOptions& options) {
  if (frames.empty()) throw InvalidInput("a video clip needs at least one frame");
  ClipEncoder encoder(frames.front().size(), fps, options);
  for (const cv::Mat& f : frames) encoder.add(f);
  return encoder.finish();
}

}  // namespace roadwarden::codec
