#include "codecs/ffmpeg/video_encoder.h"

#include <climits>
#include <span>

#include "codecs/ffmpeg/codec_loop.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"
#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"
#include "codecs/ts/annexb.h"

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

namespace strait::ffmpeg {
namespace {

enum class Family { kX264, kX265, kNvenc };

struct KnownEncoder {
  const char* name;
  CodecId codec;
  Family family;
};

constexpr KnownEncoder kEncoders[] = {
    {"libx264", CodecId::kH264, Family::kX264},
    {"h264_nvenc", CodecId::kH264, Family::kNvenc},
    {"hevc_nvenc", CodecId::kHevc, Family::kNvenc},
    {"libx265", CodecId::kHevc, Family::kX265},
};

// NAL unit types that matter here.
constexpr int kH264Sps = 7, kH264Pps = 8, kH264Aud = 9;
constexpr int kHevcVps = 32, kHevcSps = 33, kHevcPps = 34, kHevcAud = 35;

int NalType(CodecId codec, std::span<const uint8_t> nal) {
  return codec == CodecId::kH264 ? ts::H264NalType(nal) : ts::HevcNalType(nal);
}

bool StartsWithStartCode(std::span<const uint8_t> d) {
  return (d.size() >= 3 && d[0] == 0 && d[1] == 0 && d[2] == 1) ||
         (d.size() >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 1);
}

struct ParameterSets {
  std::vector<ts::Nal> vps, sps, pps;
};

// The encoders' global header is Annex B (libx264, libx265, nvenc); an ISO record is accepted too.
Result<ParameterSets> ReadParameterSets(CodecId codec, std::span<const uint8_t> extradata) {
  ParameterSets sets;
  if (StartsWithStartCode(extradata)) {
    for (std::span<const uint8_t> nal : ts::SplitAnnexB(extradata)) {
      const int type = NalType(codec, nal);
      ts::Nal copy(nal.begin(), nal.end());
      if (type == (codec == CodecId::kH264 ? kH264Sps : kHevcSps))
        sets.sps.push_back(std::move(copy));
      else if (type == (codec == CodecId::kH264 ? kH264Pps : kHevcPps))
        sets.pps.push_back(std::move(copy));
      else if (codec == CodecId::kHevc && type == kHevcVps)
        sets.vps.push_back(std::move(copy));
    }  // SEI and anything else stays out of the record
  } else if (codec == CodecId::kH264) {
    Result<h264::AvcConfig> avcc = h264::ParseAvcConfig(extradata);
    if (!avcc.ok())
      return avcc.error();
    sets.sps = avcc->sps;
    sets.pps = avcc->pps;
  } else {
    Result<hevc::HevcConfig> hvcc = hevc::ParseHevcConfig(extradata);
    if (!hvcc.ok())
      return hvcc.error();
    sets.vps = hvcc->vps;
    sets.sps = hvcc->sps;
    sets.pps = hvcc->pps;
  }
  if (sets.sps.empty() || sets.pps.empty() || (codec == CodecId::kHevc && sets.vps.empty()))
    return Error("global header without the parameter sets");
  return sets;
}

Status SetOption(AVCodecContext* c, const char* key, const std::string& value) {
  if (int err = av_opt_set(c->priv_data, key, value.c_str(), 0); err < 0)
    return AvError(err, std::string("option ") + key + "=" + value);
  return OkStatus();
}

// The live settings per encoder family: no B-frames, no lookahead, keyframes only when forced,
// and forced keyframes are IDRs.
Status Configure(AVCodecContext* c, Family family, const VideoEncoderOptions& o) {
  std::vector<std::pair<const char*, std::string>> opts;
  switch (family) {
    case Family::kX264:
      opts = {{"preset", o.preset.empty() ? "veryfast" : o.preset},
              {"tune", "zerolatency"},
              {"forced-idr", "1"},
              {"x264-params",
               std::string("keyint=infinite:scenecut=0:bframes=0:rc-lookahead=0:sync-lookahead=0:"
                           "open-gop=0") +
                   (o.threads > 1 ? ":sliced-threads=0" : "")}};
      break;
    case Family::kX265: {
      std::string params =
          "keyint=-1:scenecut=0:bframes=0:rc-lookahead=0:open-gop=0:log-level=error";
      if (o.threads > 0)
        params += ":pools=" + std::to_string(o.threads) + ":frame-threads=1";
      opts = {{"preset", o.preset.empty() ? "veryfast" : o.preset},
              {"tune", "zerolatency"},
              {"forced-idr", "1"},
              {"x265-params", params}};
      break;
    }
    case Family::kNvenc:
      c->gop_size = 1 << 30;  // effectively infinite: keyframes are forced by the caller
      opts = {{"tune", "ll"}, {"forced-idr", "1"}, {"no-scenecut", "1"}, {"zerolatency", "1"}};
      if (!o.preset.empty())
        opts.emplace_back("preset", o.preset);
      break;
  }
  if (!o.profile.empty())
    opts.emplace_back("profile", o.profile);
  for (const auto& [key, value] : opts) {
    if (Status s = SetOption(c, key, value); !s)
      return s;
  }
  return OkStatus();
}

}  // namespace

struct VideoEncoder::Impl {
  VideoEncoderOptions options;
  TrackInfo track;
  std::string what;  // error context: "libx264 640x360"
  AVCodecContextPtr codec;
  AVFramePtr frame{av_frame_alloc()};
  AVPacketPtr packet{av_packet_alloc()};
  std::vector<uint8_t> parameter_sets;  // length-prefixed (VPS,) SPS, PPS for keyframes
  int pixel_format = AV_PIX_FMT_YUV420P;
  bool flushed = false;

  // Annex B from the encoder to length-prefixed NAL units, parameter sets added to keyframes
  // that lack them (after an access unit delimiter, if any).
  Status Emit(AVPacket* pkt, const PacketSink& sink) {
    if (pkt->size <= 0)
      return OkStatus();
    const CodecId id = track.codec;
    const auto nals = ts::SplitAnnexB(std::span<const uint8_t>(pkt->data, pkt->size));
    if (nals.empty())
      return Error(what + ": encoder output is not Annex B");
    const bool key = pkt->flags & AV_PKT_FLAG_KEY;
    const int sps_type = id == CodecId::kH264 ? kH264Sps : kHevcSps;
    const int aud_type = id == CodecId::kH264 ? kH264Aud : kHevcAud;
    bool insert = key && options.parameter_sets_in_keyframes;
    for (const auto& nal : nals) {
      if (NalType(id, nal) == sps_type)
        insert = false;
    }
    std::vector<uint8_t> out;
    out.reserve(static_cast<size_t>(pkt->size) + 4 * nals.size() +
                (insert ? parameter_sets.size() : 0));
    for (const auto& nal : nals) {
      if (insert && NalType(id, nal) != aud_type) {
        out.insert(out.end(), parameter_sets.begin(), parameter_sets.end());
        insert = false;
      }
      ts::AppendLengthPrefixed(nal, out);
    }
    const int64_t pts = pkt->pts == AV_NOPTS_VALUE ? kNoTimestamp : pkt->pts;
    const int64_t dts = pkt->dts == AV_NOPTS_VALUE ? pts : pkt->dts;
    sink(Packet(options.track_id, MediaKind::kVideo, id, std::move(out), pts, dts, options.timebase,
                key));
    return OkStatus();
  }
};

VideoEncoder::VideoEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
VideoEncoder::~VideoEncoder() = default;

const TrackInfo& VideoEncoder::track() const {
  return impl_->track;
}

Result<std::unique_ptr<VideoEncoder>> VideoEncoder::Create(const VideoEncoderOptions& o) {
  const KnownEncoder* known = nullptr;
  for (const KnownEncoder& k : kEncoders) {
    if (o.codec == k.name)
      known = &k;
  }
  if (!known)
    return Error("video encoder: unknown encoder \"" + o.codec + "\"");
  const std::string what = o.codec + " " + std::to_string(o.width) + "x" + std::to_string(o.height);
  if (o.device_frames && known->family != Family::kNvenc)
    return Error(what + ": only NVENC reads GPU frames");
  const int pix_fmt = o.device_frames      ? AV_PIX_FMT_CUDA
                      : o.nv12             ? AV_PIX_FMT_NV12
                      : o.pixel_format < 0 ? AV_PIX_FMT_YUV420P
                                           : o.pixel_format;
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(pix_fmt));
  if (!desc)
    return Error(what + ": bad pixel format");
  const int align_w = 1 << desc->log2_chroma_w, align_h = 1 << desc->log2_chroma_h;
  if (o.width <= 0 || o.height <= 0 || o.width % align_w || o.height % align_h)
    return Error(what + ": size must be positive and a multiple of the chroma subsampling");
  if (o.timebase.num <= 0 || o.timebase.den <= 0 || !(o.fps > 0))
    return Error(what + ": bad timebase or frame rate");
  if (o.bitrate < 0 || o.maxrate < 0 || o.bufsize < 0 || o.bufsize > INT_MAX)
    return Error(what + ": bad bitrate, maxrate or bufsize");
  const AVCodec* encoder = avcodec_find_encoder_by_name(o.codec.c_str());
  if (!encoder)
    return Error(what + ": encoder not available in this FFmpeg build");

  auto impl = std::make_unique<Impl>();
  impl->options = o;
  impl->what = what;
  impl->pixel_format = pix_fmt;
  impl->codec.reset(avcodec_alloc_context3(encoder));
  if (!impl->codec || !impl->frame || !impl->packet)
    return Error(what + ": out of memory");
  AVCodecContext* c = impl->codec.get();
  c->width = o.width;
  c->height = o.height;
  c->pix_fmt = static_cast<AVPixelFormat>(pix_fmt);
  if (o.device_frames) {
    c->sw_pix_fmt = reinterpret_cast<const AVHWFramesContext*>(o.device_frames->data)->sw_format;
    c->hw_frames_ctx = av_buffer_ref(o.device_frames);
    if (!c->hw_frames_ctx)
      return Error(what + ": out of memory");
  }
  c->sample_aspect_ratio = AVRational{1, 1};
  c->time_base = AVRational{o.timebase.num, o.timebase.den};
  c->framerate = av_d2q(o.fps, 1 << 16);
  c->max_b_frames = 0;
  c->thread_count = o.threads < 0 ? 0 : o.threads;
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // parameter sets in extradata, for avcC / hvcC
  c->bit_rate = o.bitrate;
  c->rc_max_rate = o.maxrate;
  c->rc_buffer_size = static_cast<int>(o.bufsize);
  if (Status s = Configure(c, known->family, o); !s)
    return s.error().Context(what);
  if (int err = avcodec_open2(c, encoder, nullptr); err < 0) {
    const char* hint = known->family == Family::kNvenc ? " (needs an NVIDIA GPU and driver)" : "";
    return AvError(err, what + ": cannot open encoder" + std::string(hint));
  }

  const std::span<const uint8_t> extradata(c->extradata, c->extradata ? c->extradata_size : 0);
  Result<ParameterSets> sets = ReadParameterSets(known->codec, extradata);
  if (!sets.ok())
    return sets.error().Context(what);
  ts::VideoSize size;
  Result<std::vector<uint8_t>> record = known->codec == CodecId::kH264
                                            ? ts::BuildAvcC(sets->sps, sets->pps, &size)
                                            : ts::BuildHvcC(sets->vps, sets->sps, sets->pps, &size);
  if (!record.ok())
    return record.error().Context(what);
  for (const auto* list : {&sets->vps, &sets->sps, &sets->pps}) {
    for (const ts::Nal& nal : *list)
      ts::AppendLengthPrefixed(nal, impl->parameter_sets);
  }

  TrackInfo& t = impl->track;
  t.id = o.track_id;
  t.kind = MediaKind::kVideo;
  t.codec = known->codec;
  t.timebase = o.timebase;
  t.extradata = std::move(*record);
  t.width = o.width;
  t.height = o.height;
  t.frame_rate = o.fps;
  t.bitrate = o.bitrate;
  return std::unique_ptr<VideoEncoder>(new VideoEncoder(std::move(impl)));
}

Status VideoEncoder::Encode(const Frame& frame, bool force_idr, const PacketSink& sink) {
  Impl& e = *impl_;
  if (e.flushed)
    return Error(e.what + ": encode after flush");
  const AVFrame* in = frame.av();
  if (!in)
    return Error(e.what + ": empty frame");
  if (in->width != e.options.width || in->height != e.options.height ||
      in->format != e.pixel_format) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(in->format));
    return Error(e.what + ": got a " + std::to_string(in->width) + "x" +
                 std::to_string(in->height) + " " + (name ? name : "?") + " frame");
  }
  if (in->pts == AV_NOPTS_VALUE)
    return Error(e.what + ": frame without pts");
  // A new reference, so that the shared input frame itself is never modified.
  AVFrame* f = e.frame.get();
  if (int err = av_frame_ref(f, in); err < 0)
    return AvError(err, e.what);
  f->pict_type = force_idr ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  f->key_frame = force_idr ? 1 : 0;
  Status s = EncodeLoop(
      e.codec.get(), f, e.packet.get(), [&](AVPacket* pkt) { return e.Emit(pkt, sink); }, e.what);
  av_frame_unref(f);
  return s;
}

Status VideoEncoder::Flush(const PacketSink& sink) {
  Impl& e = *impl_;
  if (e.flushed)
    return OkStatus();
  e.flushed = true;
  return EncodeLoop(
      e.codec.get(), nullptr, e.packet.get(), [&](AVPacket* pkt) { return e.Emit(pkt, sink); },
      e.what);
}

}  // namespace strait::ffmpeg
