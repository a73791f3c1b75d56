#include "codecs/ffmpeg/video_decoder.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
}

#include <cstring>
#include <string>

#include "codecs/cuda/scaler.h"
#include "codecs/ffmpeg/codec_loop.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"

namespace strait::ffmpeg {
namespace {

// libdav1d first: the native "av1" decoder in FFmpeg 5.1 decodes only through a hardware
// accelerator.
const AVCodec* FindDecoder(CodecId codec) {
  switch (codec) {
    case CodecId::kH264:
      return avcodec_find_decoder(AV_CODEC_ID_H264);
    case CodecId::kHevc:
      return avcodec_find_decoder(AV_CODEC_ID_HEVC);
    case CodecId::kAv1:
      if (const AVCodec* dav1d = avcodec_find_decoder_by_name("libdav1d"))
        return dav1d;
      return avcodec_find_decoder(AV_CODEC_ID_AV1);
    default:
      return nullptr;
  }
}

}  // namespace

// Picks the CUDA surface format when the decoder offers it (NVDEC), else the first software one
// (not another hardware format: VDPAU or VA-API would fail their set-up too, one at a time), and
// says why in `*fallback` (VideoDecoder::fallback()). libavcodec offers CUDA only where NVDEC
// supports the stream; where NVDEC's set-up fails it drops CUDA from the list and asks again.
AVPixelFormat PreferCuda(AVCodecContext* c, const AVPixelFormat* formats) {
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f)
    if (*f == AV_PIX_FMT_CUDA)
      return *f;
  auto* fallback = static_cast<std::string*>(c->opaque);
  if (fallback && fallback->empty()) {
    *fallback =
        "NVDEC cannot decode this stream (its profile, bit depth or size) or failed to "
        "set up (FFmpeg's log says which)";
  }
  for (const AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(*f);
    if (d && !(d->flags & AV_PIX_FMT_FLAG_HWACCEL))
      return *f;
  }
  return formats[0];
}

struct AVBufferDeleter {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};

struct VideoDecoder::Impl {
  TrackInfo track;
  std::unique_ptr<AVBufferRef, AVBufferDeleter> hw_device;  // kCuda
  std::string what;                                         // error context, "h264 decode"
  AVCodecContextPtr codec;
  AVPacketPtr packet{av_packet_alloc()};
  AVFramePtr frame{av_frame_alloc()};
  std::vector<uint8_t> pending_extradata;  // from UpdateTrack, sent with the next packet
  bool keep_on_device = false;             // kCuda: CUDA frames as they are
  std::string fallback;                    // VideoDecoder::fallback()

  Status Run(const AVPacket* in, const FrameSink& sink) {
    return DecodeLoop(
        codec.get(), in, frame.get(),
        [&](AVFrame* out) -> Status {
          out->pts = out->best_effort_timestamp;
          out->time_base = AVRational{track.timebase.num, track.timebase.den};
          AVFrame* keep = av_frame_alloc();
          if (!keep)
            return Error(what + ": out of memory");
          if (hw_device && out->format != AV_PIX_FMT_CUDA && fallback.empty()) {
            const char* fmt = av_get_pix_fmt_name(static_cast<AVPixelFormat>(out->format));
            fallback = std::string(codec->codec->name) +
                       " has no NVDEC path: " + (fmt ? fmt : "unknown") +
                       " pictures from the CPU decoder";
          }
          if (out->format == AV_PIX_FMT_CUDA && !keep_on_device) {  // NVDEC: to system memory
            if (int err = av_hwframe_transfer_data(keep, out, 0); err < 0) {
              av_frame_free(&keep);
              return AvError(err, what + ": download from the GPU");
            }
            av_frame_copy_props(keep, out);
            av_frame_unref(out);
          } else {
            av_frame_move_ref(keep, out);
          }
          sink(Frame::Adopt(keep));
          return OkStatus();
        },
        what);
  }
};

VideoDecoder::VideoDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoDecoder::~VideoDecoder() = default;

const TrackInfo& VideoDecoder::track() const {
  return impl_->track;
}

Result<std::unique_ptr<VideoDecoder>> VideoDecoder::Create(const TrackInfo& track,
                                                           const VideoDecoderOptions& options) {
  const std::string what = std::string(CodecName(track.codec)) + " decode";
  const AVCodec* decoder = FindDecoder(track.codec);
  if (!decoder)
    return Error(what + ": no decoder for this codec");
  if (track.timebase.num <= 0 || track.timebase.den <= 0)
    return Error(what + ": bad timebase");
  auto impl = std::make_unique<Impl>();
  impl->track = track;
  impl->what = what;
  impl->codec.reset(avcodec_alloc_context3(decoder));
  if (!impl->codec || !impl->packet || !impl->frame)
    return Error(what + ": out of memory");
  AVCodecContext* c = impl->codec.get();
  c->pkt_timebase = AVRational{track.timebase.num, track.timebase.den};
  c->thread_count = options.threads < 0 ? 0 : options.threads;
  c->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (track.width > 0 && track.height > 0) {  // a hint only: the SPS decides
    c->width = track.width;
    c->height = track.height;
  }
  if (Status s = SetExtradata(c, track.extradata.data(), track.extradata.size()); !s)
    return s.error().Context(what);
  if (options.hardware == VideoDecoderOptions::Hardware::kCuda) {
    // On CUDA's primary context, the one the CUDA runtime (strait's kernels) uses, so device
    // pointers of these frames are valid there too (cuda::NewDeviceRef).
    auto device = cuda::NewDeviceRef();
    if (!device.ok())
      return Error(what + ": no CUDA device for NVDEC: " + device.error().message());
    impl->hw_device.reset(*device);
    c->hw_device_ctx = av_buffer_ref(*device);
    c->get_format = PreferCuda;
    c->opaque = &impl->fallback;
    impl->keep_on_device = options.keep_on_device;
    // No extra_hw_frames for the pictures held downstream (rung queues): FFmpeg 5.1's NVDEC copies
    // each picture out of its decode surface into a frame of the CUDA frames pool, which grows on
    // demand; extra_hw_frames would add decode surfaces (the DPB's + 5 + threads already), and
    // past 32 cuvidCreateDecoder may fail ("Using more than 32 decode surfaces might cause nvdec
    // to fail"): with 32 extra, every stream would have been decoded on the CPU.
  }
  if (int err = avcodec_open2(c, decoder, nullptr); err < 0)
    return AvError(err, what + ": open " + decoder->name);
  return std::unique_ptr<VideoDecoder>(new VideoDecoder(std::move(impl)));
}

Status VideoDecoder::Decode(const Packet& packet, const FrameSink& sink) {
  Impl& d = *impl_;
  if (packet.size() == 0)
    return OkStatus();  // an empty packet would read as end of stream
  AVPacket* pkt = d.packet.get();
  av_packet_unref(pkt);
  // A copy into a padded buffer: libavcodec's bitstream readers read past the end.
  if (int err = av_new_packet(pkt, static_cast<int>(packet.size())); err < 0)
    return AvError(err, d.what);
  std::memcpy(pkt->data, packet.data().data(), packet.size());
  const Timebase tb = d.track.timebase;
  auto convert = [&](int64_t ts) {
    if (ts == kNoTimestamp)
      return static_cast<int64_t>(AV_NOPTS_VALUE);
    return packet.timebase() == tb ? ts : Rescale(ts, packet.timebase(), tb);
  };
  pkt->pts = convert(packet.pts());
  pkt->dts = convert(packet.dts());
  pkt->flags = packet.keyframe() ? AV_PKT_FLAG_KEY : 0;
  if (!d.pending_extradata.empty()) {
    // h264/hevc decoders re-read the parameter sets from this side data (a new avcC/hvcC).
    uint8_t* side =
        av_packet_new_side_data(pkt, AV_PKT_DATA_NEW_EXTRADATA, d.pending_extradata.size());
    if (!side)
      return Error(d.what + ": out of memory");
    std::memcpy(side, d.pending_extradata.data(), d.pending_extradata.size());
    d.pending_extradata.clear();
  }
  Status s = d.Run(pkt, sink);
  av_packet_unref(pkt);
  return s;
}

Status VideoDecoder::Flush(const FrameSink& sink) {
  Status s = impl_->Run(nullptr, sink);
  avcodec_flush_buffers(impl_->codec.get());  // leaves draining mode: packets are accepted again
  return s;
}

const std::string& VideoDecoder::fallback() const {
  return impl_->fallback;
}

Status VideoDecoder::UpdateTrack(const TrackInfo& track) {
  Impl& d = *impl_;
  if (track.codec != d.track.codec) {
    return Error(d.what + ": codec changed to " + std::string(CodecName(track.codec)) +
                 "; needs a new decoder");
  }
  if (track.extradata != d.track.extradata)
    d.pending_extradata = track.extradata;
  const Timebase tb = d.track.timebase;  // packets keep being rescaled to the first timebase
  d.track = track;
  d.track.timebase = tb;
  return OkStatus();
}

}  // namespace strait::ffmpeg
