#include "codecs/ts/ts_muxer.h"

#include "codecs/ffmpeg/codec_ids.h"

#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"
#include "codecs/h264/avc_config.h"
#include "codecs/ts/annexb.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace strait::ts {
namespace {

constexpr int kIoBufferSize = 64 * 1024;

// The codecs MPEG-TS carries here (not AV1).
AVCodecID ToAvCodec(CodecId codec) {
  return codec == CodecId::kAv1 ? AV_CODEC_ID_NONE : ffmpeg::ToAvCodecId(codec);
}

// AVBuffer free callback: drops the reference to the strait Packet payload.
void ReleasePayload(void* opaque, uint8_t*) {
  delete static_cast<std::shared_ptr<const Packet::Buffer>*>(opaque);
}

Status SetUpStream(AVStream* st, const TrackInfo& track) {
  AVCodecParameters* par = st->codecpar;
  par->codec_id = ToAvCodec(track.codec);
  if (par->codec_id == AV_CODEC_ID_NONE) {
    return Error("unsupported codec " + std::string(CodecName(track.codec)));
  }
  par->codec_type = track.kind == MediaKind::kVideo   ? AVMEDIA_TYPE_VIDEO
                    : track.kind == MediaKind::kAudio ? AVMEDIA_TYPE_AUDIO
                                                      : AVMEDIA_TYPE_DATA;
  if (!track.extradata.empty()) {
    par->extradata =
        static_cast<uint8_t*>(av_mallocz(track.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!par->extradata)
      return Error("out of memory");
    std::memcpy(par->extradata, track.extradata.data(), track.extradata.size());
    par->extradata_size = static_cast<int>(track.extradata.size());
  }
  if (track.kind == MediaKind::kVideo) {
    par->width = track.width;
    par->height = track.height;
  } else if (track.kind == MediaKind::kAudio) {
    int rate = track.sample_rate, channels = track.channels;
    if (track.codec == CodecId::kAac) {
      if (auto asc = aac::ParseAudioSpecificConfig(track.extradata); asc.ok()) {
        rate = rate ? rate : asc->sample_rate;
        channels = channels ? channels : asc->channels();
      }
    }
    par->sample_rate = rate;
    if (track.codec == CodecId::kAac)
      par->frame_size = 1024;
    av_channel_layout_default(&par->ch_layout, channels > 0 ? channels : 2);
  }
  st->time_base = AVRational{track.timebase.num, track.timebase.den};
  return OkStatus();
}

// H.264: the avcC's SPS and PPS as length-prefixed NAL units, for keyframes that lack them.
struct ParameterSets {
  int length_size = 4;
  std::vector<uint8_t> units;  // empty: not H.264, or no usable avcC
};

ParameterSets ParameterSetsOf(const TrackInfo& track) {
  ParameterSets out;
  if (track.codec != CodecId::kH264)
    return out;
  Result<h264::AvcConfig> avcc = h264::ParseAvcConfig(track.extradata);
  if (!avcc.ok() || avcc->sps.empty() || avcc->pps.empty())
    return out;
  out.length_size = avcc->nal_length_size;
  auto append = [&](const std::vector<uint8_t>& nal) {
    for (int i = out.length_size - 1; i >= 0; --i)
      out.units.push_back(static_cast<uint8_t>(nal.size() >> (8 * i)));
    out.units.insert(out.units.end(), nal.begin(), nal.end());
  };
  for (const auto& sps : avcc->sps)
    append(sps);
  for (const auto& pps : avcc->pps)
    append(pps);
  return out;
}

// A keyframe that is not an IDR and carries no SPS — an open GOP's recovery-point I picture —
// gets the parameter sets in front of it (after an access unit delimiter), so that a segment
// starting there decodes on its own. FFmpeg's h264_mp4toannexb inserts them before IDR pictures
// only. Returns where they go in `au`, or nullopt when nothing is needed (or the NAL units do
// not parse).
std::optional<size_t> ParameterSetsGoAt(std::span<const uint8_t> au, int length_size) {
  const auto nals = SplitLengthPrefixed(au, length_size);
  if (!nals)
    return std::nullopt;
  size_t insert_at = 0;
  for (const LengthPrefixedNal& u : *nals) {
    const int type = H264NalType(u.nal);
    if (type == 5 || type == 7)
      return std::nullopt;  // an IDR (the filter inserts them) or the sets are there
    if (type == 9 && u.offset == 0)
      insert_at = u.offset + static_cast<size_t>(length_size) + u.nal.size();  // after the AUD
  }
  return insert_at;
}

}  // namespace

struct TsMuxer::Impl {
  // Declared before `format` so that the format context (which points at it) is freed first.
  ffmpeg::AVIOContextPtr io;
  ffmpeg::AVFormatOutputPtr format;
  ffmpeg::AVPacketPtr packet{av_packet_alloc()};
  std::vector<std::pair<uint32_t, int>> stream_of_track;  // track id -> stream index
  std::vector<ParameterSets> parameter_sets;              // by stream index
  std::vector<uint8_t> out;
  uint64_t bytes_out = 0;
  bool finished = false;

  static int Write(void* opaque, uint8_t* buf, int size) {
    auto* self = static_cast<Impl*>(opaque);
    self->out.insert(self->out.end(), buf, buf + size);
    self->bytes_out += static_cast<uint64_t>(size);
    return size;
  }
};

TsMuxer::TsMuxer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TsMuxer::~TsMuxer() = default;

uint64_t TsMuxer::bytes_out() const {
  return impl_->bytes_out;
}

Result<std::unique_ptr<TsMuxer>> TsMuxer::Create(const std::vector<TrackInfo>& tracks) {
  if (tracks.empty())
    return Error("ts mux: no tracks");
  auto impl = std::make_unique<Impl>();
  if (!impl->packet)
    return Error("ts mux: out of memory");
  AVFormatContext* raw = nullptr;
  int ret = avformat_alloc_output_context2(&raw, nullptr, "mpegts", nullptr);
  if (ret < 0)
    return ffmpeg::AvError(ret, "ts mux: alloc");
  impl->format.reset(raw);
  for (const TrackInfo& track : tracks) {
    AVStream* st = avformat_new_stream(raw, nullptr);
    if (!st)
      return Error("ts mux: out of memory");
    if (Status s = SetUpStream(st, track); !s) {
      return s.error().Context("ts mux: track " + std::to_string(track.id));
    }
    impl->stream_of_track.emplace_back(track.id, st->index);
    impl->parameter_sets.push_back(ParameterSetsOf(track));
  }
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferSize));
  if (!buffer)
    return Error("ts mux: out of memory");
  impl->io.reset(
      avio_alloc_context(buffer, kIoBufferSize, 1, impl.get(), nullptr, &Impl::Write, nullptr));
  if (!impl->io) {
    av_free(buffer);
    return Error("ts mux: out of memory");
  }
  raw->pb = impl->io.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO | AVFMT_FLAG_AUTO_BSF;
  ret = avformat_write_header(raw, nullptr);
  if (ret < 0)
    return ffmpeg::AvError(ret, "ts mux: write header");
  return std::unique_ptr<TsMuxer>(new TsMuxer(std::move(impl)));
}

Status TsMuxer::Write(const Packet& packet) {
  if (impl_->finished)
    return Error("ts mux: write after finish");
  int index = -1;
  for (const auto& [track, stream] : impl_->stream_of_track) {
    if (track == packet.track_id())
      index = stream;
  }
  if (index < 0)
    return Error("ts mux: unknown track " + std::to_string(packet.track_id()));
  if (packet.size() == 0)
    return Error("ts mux: empty packet");
  if (packet.dts() == kNoTimestamp)
    return Error("ts mux: packet without dts");

  AVPacket* pkt = impl_->packet.get();
  const ParameterSets& sets = impl_->parameter_sets[static_cast<size_t>(index)];
  const std::span<const uint8_t> au = packet.data();
  std::optional<size_t> sets_at;
  if (packet.keyframe() && !sets.units.empty())
    sets_at = ParameterSetsGoAt(au, sets.length_size);
  if (sets_at) {  // a copy with the parameter sets spliced in
    if (av_new_packet(pkt, static_cast<int>(au.size() + sets.units.size())) < 0)
      return Error("ts mux: out of memory");
    std::memcpy(pkt->data, au.data(), *sets_at);
    std::memcpy(pkt->data + *sets_at, sets.units.data(), sets.units.size());
    std::memcpy(pkt->data + *sets_at + sets.units.size(), au.data() + *sets_at,
                au.size() - *sets_at);
  } else {
    auto* ref = new std::shared_ptr<const Packet::Buffer>(packet.shared_payload());
    // FFmpeg's API is not const-correct; the buffer is flagged read-only and never written.
    pkt->buf = av_buffer_create(const_cast<uint8_t*>(packet.data().data()),
                                static_cast<int>(packet.size()), &ReleasePayload, ref,
                                AV_BUFFER_FLAG_READONLY);
    if (!pkt->buf) {
      delete ref;
      return Error("ts mux: out of memory");
    }
    pkt->data = pkt->buf->data;
    pkt->size = static_cast<int>(packet.size());
  }
  pkt->stream_index = index;
  pkt->dts = packet.dts();
  pkt->pts = packet.pts() == kNoTimestamp ? packet.dts() : packet.pts();
  pkt->flags = packet.keyframe() ? AV_PKT_FLAG_KEY : 0;
  const AVRational from{packet.timebase().num, packet.timebase().den};
  av_packet_rescale_ts(pkt, from, impl_->format->streams[index]->time_base);
  const int ret = av_write_frame(impl_->format.get(), pkt);
  av_packet_unref(pkt);
  if (ret < 0)
    return ffmpeg::AvError(ret, "ts mux: write");
  return OkStatus();
}

std::vector<uint8_t> TsMuxer::TakeBytes(bool restart_tables) {
  if (!impl_->finished) {
    av_write_frame(impl_->format.get(), nullptr);  // flushes the PES data the muxer holds
    avio_flush(impl_->io.get());
    // One-shot: PAT/PMT go out before the next packet, so the next chunk stands alone.
    if (restart_tables)
      av_opt_set(impl_->format->priv_data, "mpegts_flags", "+resend_headers", 0);
  }
  std::vector<uint8_t> bytes;
  bytes.swap(impl_->out);
  return bytes;
}

Status TsMuxer::Finish() {
  if (impl_->finished)
    return OkStatus();
  impl_->finished = true;
  const int ret = av_write_trailer(impl_->format.get());
  avio_flush(impl_->io.get());
  if (ret < 0)
    return ffmpeg::AvError(ret, "ts mux: trailer");
  return OkStatus();
}

}  // namespace strait::ts
