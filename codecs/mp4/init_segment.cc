#include "codecs/mp4/init_segment.h"

#include <cmath>
#include <string>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"
#include "codecs/mp4/box_writer.h"

namespace strait::mp4 {

namespace {

constexpr uint32_t kMovieTimescale = 1000;
constexpr uint32_t kMatrix[9] = {0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000};
constexpr size_t kOpusHeadSize = 19;  // "OpusHead" .. channel mapping family

// A track with its codec configuration checked and the values the boxes need.
struct Described {
  const TrackInfo* info = nullptr;
  TrackLayout layout;
  int width = 0;
  int height = 0;
  int sample_rate = 0;  // audio timescale
  int channels = 0;
};

uint16_t Le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
uint32_t Le32(const uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

Result<Described> Describe(const TrackInfo& t) {
  Described d;
  d.info = &t;
  d.layout.source_id = t.id;
  switch (t.codec) {
    case CodecId::kH264: {
      auto avc = h264::ParseAvcConfig(t.extradata);
      if (!avc.ok())
        return avc.error().Context("invalid avcC");
      d.width = t.width ? t.width : avc->first_sps.width;
      d.height = t.height ? t.height : avc->first_sps.height;
      const double fps = t.frame_rate > 0 ? t.frame_rate : avc->first_sps.frame_rate;
      d.layout.video = true;
      d.layout.default_duration = fps > 0 ? std::llround(90000 / fps) : 3000;
      break;
    }
    case CodecId::kHevc: {
      auto hevc = hevc::ParseHevcConfig(t.extradata);
      if (!hevc.ok())
        return hevc.error().Context("invalid hvcC");
      d.width = t.width ? t.width : hevc->width;
      d.height = t.height ? t.height : hevc->height;
      d.layout.video = true;
      d.layout.default_duration = t.frame_rate > 0 ? std::llround(90000 / t.frame_rate) : 3000;
      break;
    }
    case CodecId::kAac: {
      auto asc = aac::ParseAudioSpecificConfig(t.extradata);
      if (!asc.ok())
        return asc.error().Context("invalid AudioSpecificConfig");
      const int output_rate =
          asc->extension_sample_rate ? asc->extension_sample_rate : asc->sample_rate;
      d.sample_rate = t.sample_rate > 0 ? t.sample_rate : output_rate;
      d.channels = t.channels > 0 ? t.channels : (asc->channels() ? asc->channels() : 2);
      if (d.sample_rate <= 0 || asc->sample_rate <= 0)
        return Error("no sample rate");
      // 1024 samples at the core rate (2048 output samples with SBR).
      d.layout.default_duration =
          std::llround(1024.0 * d.sample_rate / static_cast<double>(asc->sample_rate));
      break;
    }
    case CodecId::kOpus: {
      const auto& x = t.extradata;
      if (x.size() < kOpusHeadSize || std::string(x.begin(), x.begin() + 8) != "OpusHead")
        return Error("invalid OpusHead");
      d.channels = x[9];
      if (d.channels == 0 || (x[18] != 0 && x.size() < kOpusHeadSize + 2 + d.channels))
        return Error("invalid OpusHead");
      d.sample_rate = 48000;  // Opus always decodes at 48 kHz (RFC 7845 4)
      d.layout.default_duration = 960;
      break;
    }
    default:
      return Error("unsupported codec");
  }
  if (d.layout.video) {
    if (d.width <= 0 || d.height <= 0 || d.width > 0xffff || d.height > 0xffff)
      return Error("no picture size");
    d.layout.timescale = {1, 90000};
  } else {
    d.layout.timescale = {1, d.sample_rate};
  }
  return d;
}

// ISO 14496-1 7.2.2.3: tag, expandable size, payload.
void Descriptor(BoxWriter& w, uint8_t tag, std::span<const uint8_t> payload) {
  w.U8(tag);
  const size_t n = payload.size();
  int bytes = 1;
  while (bytes < 4 && (n >> (7 * bytes)) != 0)
    ++bytes;
  for (int i = bytes - 1; i >= 0; --i)
    w.U8(static_cast<uint8_t>(((n >> (7 * i)) & 0x7f) | (i ? 0x80 : 0)));
  w.Bytes(payload);
}

// ISO 14496-14 5.6: ES_Descriptor > DecoderConfigDescriptor > DecoderSpecificInfo (the ASC),
// SLConfigDescriptor.
void WriteEsds(BoxWriter& w, const Described& d) {
  std::vector<uint8_t> config;
  BoxWriter c(config);
  c.U8(0x40);                                      // objectTypeIndication: AAC
  c.U8(0x15);                                      // audio stream, reserved 1
  c.U24(static_cast<uint32_t>(768 * d.channels));  // bufferSizeDB: 6144 bits/ch
  c.U32(static_cast<uint32_t>(d.info->bitrate));   // maxBitrate
  c.U32(static_cast<uint32_t>(d.info->bitrate));   // avgBitrate
  Descriptor(c, 0x05, d.info->extradata);
  std::vector<uint8_t> es;
  BoxWriter e(es);
  e.U16(0);  // ES_ID: unused in MP4
  e.U8(0);   // no dependsOn, URL, OCR
  Descriptor(e, 0x04, config);
  const uint8_t sl[1] = {0x02};  // predefined: MP4
  Descriptor(e, 0x06, sl);
  const size_t box = w.BeginFull("esds", 0, 0);
  Descriptor(w, 0x03, es);
  w.End(box);
}

// ISO/IEC 23003-5-like "Encapsulation of Opus in ISOBMFF" 4.3.2: OpusHead's fields, big endian.
void WriteDops(BoxWriter& w, const Described& d) {
  const uint8_t* h = d.info->extradata.data();
  const size_t box = w.Begin("dOps");
  w.U8(0);              // Version
  w.U8(h[9]);           // OutputChannelCount
  w.U16(Le16(h + 10));  // PreSkip
  w.U32(Le32(h + 12));  // InputSampleRate
  w.U16(Le16(h + 16));  // OutputGain
  w.U8(h[18]);          // ChannelMappingFamily
  if (h[18] != 0)       // StreamCount, CoupledCount, ChannelMapping
    w.Bytes(std::span<const uint8_t>(h + 19, 2 + static_cast<size_t>(h[9])));
  w.End(box);
}

void WriteSampleEntry(BoxWriter& w, const Described& d) {
  const CodecId codec = d.info->codec;
  const char* type = codec == CodecId::kH264   ? "avc1"
                     : codec == CodecId::kHevc ? "hvc1"
                     : codec == CodecId::kAac  ? "mp4a"
                                               : "Opus";
  const size_t box = w.Begin(type);
  w.Zeros(6);  // reserved
  w.U16(1);    // data_reference_index
  if (d.layout.video) {
    w.Zeros(16);  // pre_defined, reserved
    w.U16(static_cast<uint16_t>(d.width));
    w.U16(static_cast<uint16_t>(d.height));
    w.U32(0x00480000);  // 72 dpi
    w.U32(0x00480000);
    w.U32(0);       // reserved
    w.U16(1);       // frame_count
    w.Zeros(32);    // compressorname
    w.U16(0x18);    // depth
    w.U16(0xffff);  // pre_defined = -1
    const size_t config = w.Begin(codec == CodecId::kH264 ? "avcC" : "hvcC");
    w.Bytes(d.info->extradata);
    w.End(config);
  } else {
    w.Zeros(8);  // reserved (version 0)
    w.U16(static_cast<uint16_t>(d.channels));
    w.U16(16);  // samplesize
    w.U32(0);   // pre_defined, reserved
    w.U32(d.sample_rate <= 0xffff ? static_cast<uint32_t>(d.sample_rate) << 16 : 0);
    if (codec == CodecId::kAac)
      WriteEsds(w, d);
    else
      WriteDops(w, d);
  }
  w.End(box);
}

void WriteTrak(BoxWriter& w, const Described& d) {
  const bool video = d.layout.video;
  const size_t trak = w.Begin("trak");
  const size_t tkhd = w.BeginFull("tkhd", 0, 0x3);  // enabled, in movie
  w.U32(0);                                         // creation_time
  w.U32(0);                                         // modification_time
  w.U32(d.layout.file_id);
  w.U32(0);  // reserved
  w.U32(0);  // duration: fragmented
  w.Zeros(8);
  w.U16(0);                   // layer
  w.U16(0);                   // alternate_group
  w.U16(video ? 0 : 0x0100);  // volume
  w.U16(0);
  for (uint32_t m : kMatrix)
    w.U32(m);
  w.U32(static_cast<uint32_t>(d.width) << 16);
  w.U32(static_cast<uint32_t>(d.height) << 16);
  w.End(tkhd);

  const size_t mdia = w.Begin("mdia");
  const size_t mdhd = w.BeginFull("mdhd", 0, 0);
  w.U32(0);
  w.U32(0);
  w.U32(static_cast<uint32_t>(d.layout.timescale.den));
  w.U32(0);       // duration
  w.U16(0x55c4);  // language "und"
  w.U16(0);
  w.End(mdhd);
  const size_t hdlr = w.BeginFull("hdlr", 0, 0);
  w.U32(0);
  w.FourCC(video ? "vide" : "soun");
  w.Zeros(12);
  const std::string_view name = video ? "VideoHandler" : "SoundHandler";
  w.Bytes({reinterpret_cast<const uint8_t*>(name.data()), name.size() + 1});  // with the NUL
  w.End(hdlr);

  const size_t minf = w.Begin("minf");
  if (video) {
    const size_t vmhd = w.BeginFull("vmhd", 0, 1);
    w.Zeros(8);  // graphicsmode, opcolor
    w.End(vmhd);
  } else {
    const size_t smhd = w.BeginFull("smhd", 0, 0);
    w.U32(0);  // balance, reserved
    w.End(smhd);
  }
  const size_t dinf = w.Begin("dinf");
  const size_t dref = w.BeginFull("dref", 0, 0);
  w.U32(1);
  w.End(w.BeginFull("url ", 0, 1));  // media in this file
  w.End(dref);
  w.End(dinf);
  const size_t stbl = w.Begin("stbl");
  const size_t stsd = w.BeginFull("stsd", 0, 0);
  w.U32(1);
  WriteSampleEntry(w, d);
  w.End(stsd);
  for (const char* empty : {"stts", "stsc", "stco"}) {
    const size_t box = w.BeginFull(empty, 0, 0);
    w.U32(0);  // entry_count
    w.End(box);
  }
  const size_t stsz = w.BeginFull("stsz", 0, 0);
  w.U32(0);  // sample_size
  w.U32(0);  // sample_count
  w.End(stsz);
  w.End(stbl);
  w.End(minf);
  w.End(mdia);
  w.End(trak);
}

}  // namespace

Result<InitSegmentData> BuildInitSegment(std::span<const TrackInfo> tracks) {
  if (tracks.empty() || tracks.size() > kMaxTracks)
    return Error("cmaf: need 1 to 4 tracks, got " + std::to_string(tracks.size()));
  std::vector<Described> described;
  for (size_t i = 0; i < tracks.size(); ++i) {
    const TrackInfo& t = tracks[i];
    for (size_t j = 0; j < i; ++j) {
      if (tracks[j].id == t.id)
        return Error("cmaf: duplicate track id " + std::to_string(t.id));
    }
    auto d = Describe(t);
    if (!d.ok()) {
      return d.error().Context("cmaf: track " + std::to_string(t.id) + " (" +
                               std::string(CodecName(t.codec)) + ")");
    }
    d->layout.file_id = static_cast<uint32_t>(i + 1);
    described.push_back(std::move(*d));
  }

  InitSegmentData init;
  BoxWriter w(init.bytes);
  const size_t ftyp = w.Begin("ftyp");
  w.FourCC("iso6");  // major brand: tfdt, default-base-is-moof, trun v1
  w.U32(0);
  for (const char* brand : {"iso6", "cmfc", "mp41"})
    w.FourCC(brand);
  w.End(ftyp);

  const size_t moov = w.Begin("moov");
  const size_t mvhd = w.BeginFull("mvhd", 0, 0);
  w.U32(0);  // creation_time
  w.U32(0);  // modification_time
  w.U32(kMovieTimescale);
  w.U32(0);           // duration
  w.U32(0x00010000);  // rate 1.0
  w.U16(0x0100);      // volume 1.0
  w.Zeros(10);
  for (uint32_t m : kMatrix)
    w.U32(m);
  w.Zeros(24);                                         // pre_defined
  w.U32(static_cast<uint32_t>(described.size() + 1));  // next_track_ID
  w.End(mvhd);
  for (const Described& d : described)
    WriteTrak(w, d);
  const size_t mvex = w.Begin("mvex");
  for (const Described& d : described) {
    const size_t trex = w.BeginFull("trex", 0, 0);
    w.U32(d.layout.file_id);
    w.U32(1);  // default_sample_description_index
    w.U32(0);  // default duration, size, flags: every trun carries its own
    w.U32(0);
    w.U32(0);
    w.End(trex);
  }
  w.End(mvex);
  w.End(moov);

  for (const Described& d : described)
    init.tracks.push_back(d.layout);
  return init;
}

}  // namespace strait::mp4
