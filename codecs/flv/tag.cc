#include "codecs/flv/tag.h"

#include <string>

namespace strait::flv {
namespace {

constexpr uint8_t kLegacyAvc = 7;
constexpr uint8_t kLegacyHevc = 12;  // not in the FLV spec; the widespread Chinese CDN extension
constexpr uint8_t kFrameKey = 1;
constexpr uint8_t kFrameCommand = 5;
constexpr uint8_t kSoundMp3 = 2;
constexpr uint8_t kSoundExHeader = 9;
constexpr uint8_t kSoundAac = 10;
constexpr uint8_t kSoundMp3At8k = 14;

// VideoPacketType and AudioPacketType share these values (E-RTMP v2); audio has no 3, 5 (its
// Multitrack is 5), 6.
enum ExPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kCodedFramesX = 3,          // video
  kMetadata = 4,              // video
  kMultichannelConfig = 4,    // audio
  kMpeg2TsSequenceStart = 5,  // video
  kAudioMultitrack = 5,
  kVideoMultitrack = 6,
  kModEx = 7,
};

enum AvMultitrackType : uint8_t {
  kOneTrack = 0,
  kManyTracks = 1,
  kManyTracksManyCodecs = 2,
};

constexpr uint32_t FourCc(char a, char b, char c, char d) {
  return uint32_t(uint8_t(a)) << 24 | uint32_t(uint8_t(b)) << 16 | uint32_t(uint8_t(c)) << 8 |
         uint8_t(d);
}

int32_t ReadSi24(const uint8_t* p) {
  int32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
  return (v & 0x800000) ? v - 0x1000000 : v;
}

uint32_t ReadU32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// The Enhanced RTMP FourCCs strait takes, and their codecs.
struct FourCcCodec {
  uint32_t fourcc;
  CodecId codec;
};
constexpr FourCcCodec kVideoFourCcs[] = {{FourCc('a', 'v', 'c', '1'), CodecId::kH264},
                                         {FourCc('h', 'v', 'c', '1'), CodecId::kHevc},
                                         {FourCc('a', 'v', '0', '1'), CodecId::kAv1}};
constexpr FourCcCodec kAudioFourCcs[] = {{FourCc('m', 'p', '4', 'a'), CodecId::kAac},
                                         {FourCc('O', 'p', 'u', 's'), CodecId::kOpus},
                                         {FourCc('.', 'm', 'p', '3'), CodecId::kMp3}};

// kUnknown when `fourcc` is not in `table`.
template <size_t N>
CodecId CodecOf(uint32_t fourcc, const FourCcCodec (&table)[N]) {
  for (const FourCcCodec& e : table) {
    if (e.fourcc == fourcc)
      return e.codec;
  }
  return CodecId::kUnknown;
}

std::string FourCcText(uint32_t f) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((f >> shift) & 0xff);
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
}

Error Truncated(const char* media, const char* what) {
  return Error(std::string("truncated Enhanced RTMP ") + media + " tag: " + what);
}

// The ModEx loop: each modifier is a size (UI8 + 1; 256 means a UI16 + 1 follows), that many
// bytes of data, then a byte with the modifier's type (high nibble) and the next packet type (low
// nibble), which may be ModEx again. The one modifier defined, TimestampOffsetNano, refines the
// millisecond timestamp by less than a millisecond: skipped like any other.
Status SkipModEx(const char* media, uint8_t& packet_type, std::span<const uint8_t>& rest) {
  while (packet_type == kModEx) {
    if (rest.empty())
      return Truncated(media, "ModEx size");
    size_t size = size_t{rest[0]} + 1;
    rest = rest.subspan(1);
    if (size == 256) {
      if (rest.size() < 2)
        return Truncated(media, "ModEx size");
      size = (size_t{rest[0]} << 8 | rest[1]) + 1;
      rest = rest.subspan(2);
    }
    if (rest.size() < size + 1)
      return Truncated(media, "ModEx data");
    packet_type = rest[size] & 0x0f;
    rest = rest.subspan(size + 1);
  }
  return OkStatus();
}

// What follows the packet type (and ModEx): the FourCC of a single track, or a multitrack header.
struct ExHeader {
  uint8_t packet_type = 0;
  bool multitrack = false;
  uint8_t multitrack_type = kOneTrack;
  uint32_t fourcc = 0;  // every track's, except with ManyTracksManyCodecs
  std::span<const uint8_t> body;
};

Result<ExHeader> ReadExHeader(const char* media,
                              uint8_t packet_type,
                              uint8_t multitrack_packet_type,
                              std::span<const uint8_t> rest) {
  ExHeader h;
  if (packet_type == multitrack_packet_type) {
    if (rest.empty())
      return Truncated(media, "multitrack type");
    h.multitrack = true;
    h.multitrack_type = rest[0] >> 4;
    packet_type = rest[0] & 0x0f;
    rest = rest.subspan(1);
    if (h.multitrack_type > kManyTracksManyCodecs) {
      return Error(std::string("unsupported Enhanced RTMP ") + media + " multitrack type " +
                   std::to_string(h.multitrack_type));
    }
    if (packet_type == multitrack_packet_type || packet_type == kModEx) {
      return Error(std::string("bad Enhanced RTMP ") + media + " multitrack packet type " +
                   std::to_string(packet_type));
    }
  }
  h.packet_type = packet_type;
  if (h.multitrack_type != kManyTracksManyCodecs) {
    if (rest.size() < 4) {
      return Error(std::string("truncated Enhanced RTMP ") + media +
                   " tag: " + std::to_string(rest.size()) + " bytes where the FourCC goes, need 4");
    }
    h.fourcc = ReadU32(rest.data());
    rest = rest.subspan(4);
  }
  h.body = rest;
  return h;
}

// Runs `parse_track(fourcc, data)` on track 0 of the body (the whole body without multitrack) and
// returns its tag, or a kInfo tag when the body has no track 0; the other tracks are counted.
template <typename ParseTrack>
Result<MediaTag> TrackZero(const char* media, const ExHeader& h, ParseTrack parse_track) {
  if (!h.multitrack)
    return parse_track(h.fourcc, h.body);
  MediaTag tag;
  tag.kind = TagKind::kInfo;
  bool found = false;
  uint32_t skipped = 0;
  std::span<const uint8_t> rest = h.body;
  do {
    uint32_t fourcc = h.fourcc;
    if (h.multitrack_type == kManyTracksManyCodecs) {
      if (rest.size() < 4)
        return Truncated(media, "track FourCC");
      fourcc = ReadU32(rest.data());
      rest = rest.subspan(4);
    }
    if (rest.empty())
      return Truncated(media, "track id");
    const uint8_t track_id = rest[0];
    rest = rest.subspan(1);
    std::span<const uint8_t> data = rest;
    if (h.multitrack_type == kOneTrack) {
      rest = {};
    } else {
      if (rest.size() < 3)
        return Truncated(media, "track size");
      const size_t size = size_t{rest[0]} << 16 | size_t{rest[1]} << 8 | rest[2];
      rest = rest.subspan(3);
      if (rest.size() < size) {
        return Error(std::string("truncated Enhanced RTMP ") + media + " tag: track " +
                     std::to_string(track_id) + " of " + std::to_string(size) + " bytes in " +
                     std::to_string(rest.size()));
      }
      data = rest.first(size);
      rest = rest.subspan(size);
    }
    if (track_id != 0 || found) {
      ++skipped;
      continue;
    }
    auto parsed = parse_track(fourcc, data);
    if (!parsed.ok())
      return parsed.error();
    tag = std::move(*parsed);
    found = true;
  } while (!rest.empty());
  tag.skipped_tracks = skipped;
  return tag;
}

Result<MediaTag> ParseLegacyVideo(std::span<const uint8_t> body) {
  const uint8_t frame_type = body[0] >> 4;
  const uint8_t codec_id = body[0] & 0x0f;
  MediaTag tag;
  if (codec_id == kLegacyAvc) {
    tag.codec = CodecId::kH264;
  } else if (codec_id == kLegacyHevc) {
    tag.codec = CodecId::kHevc;
  } else {
    return Error("unsupported FLV video codec id " + std::to_string(codec_id));
  }
  if (frame_type == kFrameCommand) {
    tag.kind = TagKind::kInfo;
    tag.payload = body.subspan(1);
    return tag;
  }
  if (body.size() < 5) {
    return Error("truncated AVC video tag: " + std::to_string(body.size()) + " bytes, need 5");
  }
  tag.keyframe = frame_type == kFrameKey;
  tag.payload = body.subspan(5);
  switch (body[1]) {
    case 0:
      tag.kind = TagKind::kConfig;
      break;
    case 1:
      tag.kind = TagKind::kFrame;
      tag.composition_time_ms = ReadSi24(&body[2]);
      break;
    case 2:
      tag.kind = TagKind::kEnd;
      break;
    default:
      return Error("bad AVCPacketType " + std::to_string(body[1]));
  }
  return tag;
}

// One track of an Enhanced RTMP video body.
Result<MediaTag> ParseExVideoTrack(uint8_t frame_type,
                                   uint8_t packet_type,
                                   uint32_t fourcc,
                                   std::span<const uint8_t> rest) {
  MediaTag tag;
  tag.codec = CodecOf(fourcc, kVideoFourCcs);
  if (tag.codec == CodecId::kUnknown)
    return Error("unsupported Enhanced RTMP video FourCC '" + FourCcText(fourcc) + "'");
  tag.keyframe = frame_type == kFrameKey;
  switch (packet_type) {
    case kSequenceStart:
      tag.kind = TagKind::kConfig;
      break;
    case kCodedFrames:
      tag.kind = TagKind::kFrame;
      if (tag.codec != CodecId::kAv1) {
        if (rest.size() < 3)
          return Error("truncated Enhanced RTMP CodedFrames composition time");
        tag.composition_time_ms = ReadSi24(rest.data());
        rest = rest.subspan(3);
      }
      break;
    case kCodedFramesX:
      tag.kind = TagKind::kFrame;
      break;
    case kSequenceEnd:
      tag.kind = TagKind::kEnd;
      break;
    case kMetadata:
    case kMpeg2TsSequenceStart:
      tag.kind = TagKind::kInfo;
      break;
    default:
      return Error("unsupported Enhanced RTMP video packet type " + std::to_string(packet_type));
  }
  tag.payload = rest;
  return tag;
}

Result<MediaTag> ParseExVideo(std::span<const uint8_t> body) {
  const uint8_t frame_type = (body[0] >> 4) & 0x07;
  uint8_t packet_type = body[0] & 0x0f;
  std::span<const uint8_t> rest = body.subspan(1);
  if (Status s = SkipModEx("video", packet_type, rest); !s.ok())
    return s.error();
  // A command frame carries a command byte (seek start/end) straight after the header: no FourCC.
  if (frame_type == kFrameCommand && packet_type != kMetadata) {
    MediaTag tag;
    tag.kind = TagKind::kInfo;
    tag.payload = rest;
    return tag;
  }
  auto header = ReadExHeader("video", packet_type, kVideoMultitrack, rest);
  if (!header.ok())
    return header.error();
  return TrackZero("video", *header, [&](uint32_t fourcc, std::span<const uint8_t> data) {
    return ParseExVideoTrack(frame_type, header->packet_type, fourcc, data);
  });
}

// One track of an Enhanced RTMP audio body.
Result<MediaTag> ParseExAudioTrack(uint8_t packet_type,
                                   uint32_t fourcc,
                                   std::span<const uint8_t> rest) {
  MediaTag tag;
  tag.keyframe = true;
  tag.codec = CodecOf(fourcc, kAudioFourCcs);
  if (tag.codec == CodecId::kUnknown) {  // fLaC, ac-3, ec-3 and FourCCs not defined yet
    tag.kind = TagKind::kUnsupported;
    tag.format = "FourCC '" + FourCcText(fourcc) + "'";
    return tag;
  }
  switch (packet_type) {
    case kSequenceStart:
      tag.kind = TagKind::kConfig;
      break;
    case kCodedFrames:
      tag.kind = TagKind::kFrame;
      break;
    case kSequenceEnd:
      tag.kind = TagKind::kEnd;
      break;
    case kMultichannelConfig:
    default:  // reserved packet types: nothing a packager needs
      tag.kind = TagKind::kInfo;
      break;
  }
  tag.payload = rest;
  return tag;
}

Result<MediaTag> ParseExAudio(std::span<const uint8_t> body) {
  uint8_t packet_type = body[0] & 0x0f;
  std::span<const uint8_t> rest = body.subspan(1);
  if (Status s = SkipModEx("audio", packet_type, rest); !s.ok())
    return s.error();
  auto header = ReadExHeader("audio", packet_type, kAudioMultitrack, rest);
  if (!header.ok())
    return header.error();
  return TrackZero("audio", *header, [&](uint32_t fourcc, std::span<const uint8_t> data) {
    return ParseExAudioTrack(header->packet_type, fourcc, data);
  });
}

const char* SoundFormatName(uint8_t sound_format) {
  static const char* const kNames[16] = {"linear PCM, platform endian",
                                         "ADPCM",
                                         "MP3",
                                         "linear PCM, little endian",
                                         "Nellymoser 16 kHz mono",
                                         "Nellymoser 8 kHz mono",
                                         "Nellymoser",
                                         "G.711 A-law",
                                         "G.711 mu-law",
                                         "ExHeader",
                                         "AAC",
                                         "Speex",
                                         "reserved",
                                         "reserved",
                                         "MP3 8 kHz",
                                         "device-specific sound"};
  return kNames[sound_format & 0x0f];
}

}  // namespace

Result<MediaTag> ParseVideoTag(std::span<const uint8_t> body) {
  if (body.empty())
    return Error("empty video tag");
  if (body[0] & 0x80)
    return ParseExVideo(body);
  return ParseLegacyVideo(body);
}

Result<MediaTag> ParseAudioTag(std::span<const uint8_t> body) {
  if (body.empty())
    return Error("empty audio tag");
  const uint8_t sound_format = body[0] >> 4;
  if (sound_format == kSoundExHeader)
    return ParseExAudio(body);
  MediaTag tag;
  tag.keyframe = true;
  if (sound_format == kSoundMp3 || sound_format == kSoundMp3At8k) {
    tag.codec = CodecId::kMp3;
    tag.kind = TagKind::kFrame;
    tag.payload = body.subspan(1);
    return tag;
  }
  if (sound_format != kSoundAac) {
    tag.kind = TagKind::kUnsupported;
    tag.format = std::string(SoundFormatName(sound_format)) + " (SoundFormat " +
                 std::to_string(sound_format) + ")";
    return tag;
  }
  if (body.size() < 2)
    return Error("truncated AAC audio tag: no AACPacketType");
  tag.codec = CodecId::kAac;
  tag.payload = body.subspan(2);
  switch (body[1]) {
    case 0:
      tag.kind = TagKind::kConfig;
      break;
    case 1:
      tag.kind = TagKind::kFrame;
      break;
    default:
      return Error("bad AACPacketType " + std::to_string(body[1]));
  }
  return tag;
}

}  // namespace strait::flv
