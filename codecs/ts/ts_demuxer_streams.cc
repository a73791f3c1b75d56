#include "codecs/ts/ts_demuxer_streams.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/ffmpeg/codec_ids.h"
#include "codecs/mpeg_audio/frame_header.h"

namespace strait::ts {
namespace {

constexpr int64_t kWrap = int64_t{1} << 33;
constexpr int64_t kMask = kWrap - 1;
// Larger dts jumps than these (back / forward, 90 kHz) are discontinuities, not interleaving.
constexpr int64_t kMaxBackward = 5 * 90000;
constexpr int64_t kMaxForward = 10 * 90000;
constexpr int64_t kDiscontinuityStep = 3000;  // where the next dts lands after a jump (1/30 s)

// What strait takes from a TS: every audio/video codec it knows except AV1 (no TS mapping in
// FFmpeg 5.1); timed metadata (ID3) in a publisher's stream is not passed on.
std::optional<CodecId> SupportedCodec(AVCodecID id) {
  const std::optional<CodecId> codec = ffmpeg::FromAvCodecId(id);
  return codec == CodecId::kAv1 || codec == CodecId::kTimedId3 ? std::nullopt : codec;
}

// Samples (48 kHz) in an Opus packet from its TOC byte (RFC 6716 3.1); 960 if unreadable.
int OpusSamples(std::span<const uint8_t> d) {
  if (d.empty())
    return 960;
  const int config = d[0] >> 3;
  static constexpr int kSilk[4] = {480, 960, 1920, 2880};
  static constexpr int kCelt[4] = {120, 240, 480, 960};
  const int per_frame = config < 12   ? kSilk[config & 3]
                        : config < 16 ? (config & 1 ? 960 : 480)
                                      : kCelt[config & 3];
  int frames = 1;
  if ((d[0] & 3) == 1 || (d[0] & 3) == 2)
    frames = 2;
  else if ((d[0] & 3) == 3)
    frames = d.size() > 1 ? d[1] & 0x3f : 1;
  return std::max(per_frame * frames, 1);
}

}  // namespace

int64_t Timeline::Unwrap(int64_t ts, int64_t near) const {
  int64_t delta = ((ts & kMask) - (near & kMask)) & kMask;
  if (delta >= kWrap / 2)
    delta -= kWrap;
  return near + delta;
}

std::pair<int64_t, int64_t> Timeline::Map(int64_t pts, int64_t dts, int64_t track_last_dts) {
  if (dts == AV_NOPTS_VALUE)
    dts = pts;
  const int64_t raw_dts = last_raw_ == kNoTimestamp ? (dts & kMask) : Unwrap(dts, last_raw_);
  const int64_t raw_pts = pts == AV_NOPTS_VALUE ? raw_dts : Unwrap(pts, raw_dts);
  last_raw_ = raw_dts;
  int64_t out = raw_dts + offset_;
  if (last_out_ != kNoTimestamp &&
      (out < last_out_ - kMaxBackward || out > last_out_ + kMaxForward)) {
    offset_ += last_out_ + kDiscontinuityStep - out;
    out = last_out_ + kDiscontinuityStep;
  }
  last_out_ = out;
  const int64_t out_pts = raw_pts + offset_;
  const int64_t out_dts =
      track_last_dts == kNoTimestamp ? out : std::max(out, track_last_dts + 1);  // strictly up
  return {std::max(out_pts, out_dts), out_dts};
}

bool StreamMapper::HasSupportedStream(const AVFormatContext* format) {
  for (unsigned i = 0; format && i < format->nb_streams; ++i) {
    if (SupportedCodec(format->streams[i]->codecpar->codec_id))
      return true;
  }
  return false;
}

Status StreamMapper::Update(AVFormatContext* format) {
  if (classified_.size() < format->nb_streams)
    classified_.resize(format->nb_streams, false);
  bool pending = false;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    if (classified_[i])
      continue;
    AVStream* st = format->streams[i];
    const AVCodecID id = st->codecpar->codec_id;
    if (id == AV_CODEC_ID_NONE && st->codecpar->codec_type != AVMEDIA_TYPE_DATA) {
      pending = true;  // the codec may still be probed (PES without a PMT entry)
      continue;
    }
    classified_[i] = true;
    const std::optional<CodecId> codec = SupportedCodec(id);
    Track* t = nullptr;
    if (codec && KindOf(*codec) == MediaKind::kVideo && video_.stream < 0)
      t = &video_;
    else if (codec && KindOf(*codec) == MediaKind::kAudio && audio_.stream < 0)
      t = &audio_;
    if (!t) {
      if (!codec && first_unsupported_.empty())
        first_unsupported_ = avcodec_get_name(id);
      st->discard = AVDISCARD_ALL;
      continue;
    }
    st->discard = AVDISCARD_DEFAULT;
    t->stream = static_cast<int>(i);
    t->info.id = t == &video_ ? 0 : 1;
    t->info.codec = *codec;
    t->info.kind = KindOf(*codec);
    t->info.timebase = kMpegTs;
  }
  if (!any_usable() && !pending && !first_unsupported_.empty())
    return Error("unsupported codec " + first_unsupported_);
  return OkStatus();
}

void StreamMapper::Announce(Track& t, std::vector<DemuxEvent>& out) {
  t.announced = true;
  out.emplace_back(t.info);
}

Status StreamMapper::Process(const AVStream& stream,
                             const AVPacket& pkt,
                             std::vector<DemuxEvent>& out) {
  Track* t = pkt.stream_index == video_.stream   ? &video_
             : pkt.stream_index == audio_.stream ? &audio_
                                                 : nullptr;
  if (!t || pkt.size <= 0 || !pkt.data)
    return OkStatus();
  const bool video = t->info.kind == MediaKind::kVideo;
  int64_t pts = kNoTimestamp, dts = kNoTimestamp;
  if (pkt.pts != AV_NOPTS_VALUE || pkt.dts != AV_NOPTS_VALUE) {
    std::tie(pts, dts) = timeline_.Map(pkt.pts, pkt.dts, t->last_dts);
    if (video && t->last_dts != kNoTimestamp)
      t->frame_ticks = std::clamp<int64_t>(dts - t->last_dts, 1, 90000);
    t->anchor = dts;  // audio frames count from here
    t->anchor_samples = 0;
  } else if (video) {
    // The parser split a PES into several access units: step on by the last frame interval.
    if (t->last_dts == kNoTimestamp)
      return OkStatus();
    pts = dts = t->last_dts + t->frame_ticks;
  } else if (t->anchor == kNoTimestamp) {
    return OkStatus();  // nothing to time it by yet
  }
  const std::span<const uint8_t> data(pkt.data, static_cast<size_t>(pkt.size));
  switch (t->info.codec) {
    case CodecId::kH264:
    case CodecId::kHevc:
      return ProcessVideo(*t, data, pts, dts, out);
    case CodecId::kAac:
      ProcessAac(*t, data, out);
      return OkStatus();
    default:
      return ProcessOther(*t, stream, data, out);
  }
}

int64_t StreamMapper::NextAudioTs(Track& t, int samples) {
  int64_t ts = t.anchor;
  if (t.info.sample_rate > 0)
    ts += t.anchor_samples * 90000 / t.info.sample_rate;
  t.anchor_samples += samples;
  if (t.last_dts != kNoTimestamp && ts <= t.last_dts)
    ts = t.last_dts + 1;  // muxers want strictly increasing dts
  t.last_dts = ts;
  return ts;
}

Status StreamMapper::ProcessVideo(Track& t,
                                  std::span<const uint8_t> data,
                                  int64_t pts,
                                  int64_t dts,
                                  std::vector<DemuxEvent>& out) {
  const bool hevc = t.info.codec == CodecId::kHevc;
  std::vector<Nal> vps, sps, pps;
  std::vector<uint8_t> payload;
  payload.reserve(data.size() + 16);
  bool key = false;
  for (std::span<const uint8_t> nal : SplitAnnexB(data)) {
    const int type = hevc ? HevcNalType(nal) : H264NalType(nal);
    if (hevc ? type == 32 : false)
      vps.emplace_back(nal.begin(), nal.end());
    else if (type == (hevc ? 33 : 7))
      sps.emplace_back(nal.begin(), nal.end());
    else if (type == (hevc ? 34 : 8))
      pps.emplace_back(nal.begin(), nal.end());
    else if (type == (hevc ? 35 : 9) || type == (hevc ? 38 : 12))
      continue;  // access unit delimiters and filler data have no place in ISO samples
    else {
      key = key || (hevc ? (type >= 16 && type <= 23) : type == 5);
      AppendLengthPrefixed(nal, payload);
    }
  }
  if (!vps.empty() || !sps.empty() || !pps.empty()) {
    if (Status s = UpdateVideoConfig(t, std::move(vps), std::move(sps), std::move(pps), out); !s)
      return s;
  }
  if (!t.announced || payload.empty())
    return OkStatus();  // before the first parameter sets, or parameter sets only
  t.last_dts = dts;
  out.emplace_back(
      Packet(t.info.id, t.info.kind, t.info.codec, std::move(payload), pts, dts, kMpegTs, key));
  return OkStatus();
}

Status StreamMapper::UpdateVideoConfig(Track& t,
                                       std::vector<Nal> vps,
                                       std::vector<Nal> sps,
                                       std::vector<Nal> pps,
                                       std::vector<DemuxEvent>& out) {
  const bool hevc = t.info.codec == CodecId::kHevc;
  // A set missing from this access unit stays as it was (some encoders repeat only the SPS).
  if (!vps.empty())
    t.vps = std::move(vps);
  if (!sps.empty())
    t.sps = std::move(sps);
  if (!pps.empty())
    t.pps = std::move(pps);
  if (t.sps.empty() || t.pps.empty() || (hevc && t.vps.empty()))
    return OkStatus();  // wait for the rest
  VideoSize size;
  Result<std::vector<uint8_t>> config =
      hevc ? BuildHvcC(t.vps, t.sps, t.pps, &size) : BuildAvcC(t.sps, t.pps, &size);
  if (!config.ok()) {
    if (!t.announced)
      return OkStatus();  // not a usable configuration yet; keep waiting
    return config.error().Context(hevc ? "hevc parameter sets" : "h264 parameter sets");
  }
  if (t.announced && *config == t.info.extradata)
    return OkStatus();
  t.info.extradata = std::move(*config);
  t.info.width = size.width;
  t.info.height = size.height;
  Announce(t, out);
  return OkStatus();
}

void StreamMapper::ProcessAac(Track& t,
                              std::span<const uint8_t> data,
                              std::vector<DemuxEvent>& out) {
  // One packet may carry several ADTS frames; each becomes its own packet, 1024 samples apart.
  while (data.size() >= 7 && data[0] == 0xff && (data[1] & 0xf6) == 0xf0) {
    const bool crc = !(data[1] & 1);
    const int object_type = ((data[2] >> 6) & 3) + 1;
    const int sf_index = (data[2] >> 2) & 0xf;
    const int channel_config = ((data[2] & 1) << 2) | (data[3] >> 6);
    const size_t length = (size_t{data[3] & 3u} << 11) | (size_t{data[4]} << 3) | (data[5] >> 5);
    const size_t header = crc ? 9 : 7;
    const int rate = aac::SampleRateFromIndex(sf_index);
    if (length <= header || length > data.size() || rate == 0)
      return;  // corrupt: drop the rest of this PES
    const std::vector<uint8_t> asc = {
        static_cast<uint8_t>((object_type << 3) | (sf_index >> 1)),
        static_cast<uint8_t>(((sf_index & 1) << 7) | (channel_config << 3))};
    if (!t.announced || asc != t.info.extradata) {
      t.info.extradata = asc;
      t.info.sample_rate = rate;
      t.info.channels = channel_config == 7 ? 8 : channel_config;
      Announce(t, out);
    }
    const int64_t ts = NextAudioTs(t, 1024);
    out.emplace_back(Packet(t.info.id, t.info.kind, t.info.codec,
                            std::vector<uint8_t>(data.begin() + header, data.begin() + length), ts,
                            ts, kMpegTs, true));
    data = data.subspan(length);
  }
}

Status StreamMapper::ProcessOther(Track& t,
                                  const AVStream& st,
                                  std::span<const uint8_t> data,
                                  std::vector<DemuxEvent>& out) {
  const bool opus = t.info.codec == CodecId::kOpus;
  const std::optional<mpeg_audio::FrameHeader> mp3 =
      opus ? std::nullopt : mpeg_audio::ParseFrameHeader(data);
  if (!t.announced && mp3 && mp3->layer != 3) {
    // libavformat labels every MPEG audio stream type MP3; strait carries only layer III.
    audio_ = Track();
    first_unsupported_ = "mp" + std::to_string(mp3->layer);
    if (!any_usable())
      return Error("unsupported codec " + first_unsupported_);
    return OkStatus();
  }
  if (!t.announced) {
    const AVCodecParameters& par = *st.codecpar;
    t.info.extradata.assign(par.extradata, par.extradata + std::max(par.extradata_size, 0));
    t.info.sample_rate = par.sample_rate;
    t.info.channels = par.ch_layout.nb_channels;
    if (opus) {
      t.info.sample_rate = 48000;
      if (t.info.extradata.size() >= 19)
        t.info.channels = t.info.extradata[9];
    } else if (mp3) {
      t.info.sample_rate = mp3->sample_rate;
      t.info.channels = mp3->channels;
    }
    Announce(t, out);
  }
  const int samples = opus ? OpusSamples(data) : mp3 ? mp3->samples : 1152;
  const int64_t ts = NextAudioTs(t, samples);
  out.emplace_back(Packet(t.info.id, t.info.kind, t.info.codec,
                          std::vector<uint8_t>(data.begin(), data.end()), ts, ts, kMpegTs, true));
  return OkStatus();
}

}  // namespace strait::ts
