// Owning handles for FFmpeg objects: every FFmpeg allocation in strait is held by one of these
// unique_ptr types and never freed by hand (Chromium media/ffmpeg/ffmpeg_deleters.h style).
// Only codecs/ includes FFmpeg headers; this header is the one place other codecs/ files get them.
#pragma once

#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/frame.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace strait::ffmpeg {

struct AVPacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct AVFrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct AVCodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
// An output format context: frees streams and the context; the caller's AVIOContext (if custom)
// is owned separately by AVIOContextPtr.
struct AVFormatOutputDeleter {
  void operator()(AVFormatContext* f) const { avformat_free_context(f); }
};
struct AVFormatInputDeleter {
  void operator()(AVFormatContext* f) const { avformat_close_input(&f); }
};
// A custom AVIOContext created with avio_alloc_context: frees its buffer and the context.
struct AVIOContextDeleter {
  void operator()(AVIOContext* io) const {
    if (io)
      av_freep(&io->buffer);
    avio_context_free(&io);
  }
};
// swscale / swresample contexts (Scaler, AudioTranscoder) and the AudioTranscoder's sample FIFO.
struct SwsContextDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct SwrContextDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct AVAudioFifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

using AVPacketPtr = std::unique_ptr<AVPacket, AVPacketDeleter>;
using AVFramePtr = std::unique_ptr<AVFrame, AVFrameDeleter>;
using AVCodecContextPtr = std::unique_ptr<AVCodecContext, AVCodecContextDeleter>;
using AVFormatOutputPtr = std::unique_ptr<AVFormatContext, AVFormatOutputDeleter>;
using AVFormatInputPtr = std::unique_ptr<AVFormatContext, AVFormatInputDeleter>;
using AVIOContextPtr = std::unique_ptr<AVIOContext, AVIOContextDeleter>;
using SwsContextPtr = std::unique_ptr<SwsContext, SwsContextDeleter>;
using SwrContextPtr = std::unique_ptr<SwrContext, SwrContextDeleter>;
using AVAudioFifoPtr = std::unique_ptr<AVAudioFifo, AVAudioFifoDeleter>;

}  // namespace strait::ffmpeg
