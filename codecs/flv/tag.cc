#include "codecs/flv/tag.h"

#include <string>

namespace strait::flv {
namespace {

constexpr uint8_t kLegacyAvc = 7;
constexpr uint8_t kLegacyHevc = 12;  // not in the FLV spec; the widespread Chinese CDN extension
constexpr uint8_t kFrameKey = 1;
constexpr uint8_t kFrameCommand = 5;
constexpr uint8_t kSoundAac = 10;

enum ExPacketType : uint8_t {
  kSequenceStart = 0,
  kCodedFrames = 1,
  kSequenceEnd = 2,
  kCodedFramesX = 3,
  kMetadata = 4,
  kMpeg2TsSequenceStart = 5,
  kMultitrack = 6,
  kModEx = 7,
};

constexpr uint32_t FourCc(char a, char b, char c, char d) {
  return uint32_t(uint8_t(a)) << 24 | uint32_t(uint8_t(b)) << 16 | uint32_t(uint8_t(c)) << 8 |
         uint8_t(d);
}

int32_t ReadSi24(const uint8_t* p) {
  int32_t v = (p[0] << 16) | (p[1] << 8) | p[2];
  return (v & 0x800000) ? v - 0x1000000 : v;
}

std::string Hex(uint32_t v) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  bool started = false;
  for (int shift = 28; shift >= 0; shift -= 4) {
    const int d = (v >> shift) & 0xf;
    if (d != 0 || started || shift == 0) {
      s += kDigits[d];
      started = true;
    }
  }
  return s;
}

std::string FourCcText(uint32_t f) {
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((f >> shift) & 0xff);
    s += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return s;
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

Result<MediaTag> ParseExVideo(std::span<const uint8_t> body) {
  const uint8_t frame_type = (body[0] >> 4) & 0x07;
  const uint8_t packet_type = body[0] & 0x0f;
  if (packet_type == kMultitrack || packet_type == kModEx) {
    return Error("unsupported Enhanced RTMP video packet type " + std::to_string(packet_type));
  }
  if (body.size() < 5) {
    return Error("truncated Enhanced RTMP video tag: " + std::to_string(body.size()) +
                 " bytes, need 5");
  }
  const uint32_t fourcc =
      uint32_t(body[1]) << 24 | uint32_t(body[2]) << 16 | uint32_t(body[3]) << 8 | body[4];
  MediaTag tag;
  switch (fourcc) {
    case FourCc('a', 'v', 'c', '1'):
      tag.codec = CodecId::kH264;
      break;
    case FourCc('h', 'v', 'c', '1'):
      tag.codec = CodecId::kHevc;
      break;
    case FourCc('a', 'v', '0', '1'):
      tag.codec = CodecId::kAv1;
      break;
    default:
      return Error("unsupported Enhanced RTMP video FourCC '" + FourCcText(fourcc) + "'");
  }
  std::span<const uint8_t> rest = body.subspan(5);
  tag.keyframe = frame_type == kFrameKey;
  if (frame_type == kFrameCommand && packet_type != kMetadata) {
    tag.kind = TagKind::kInfo;
    tag.payload = rest;
    return tag;
  }
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
  if (sound_format != kSoundAac) {
    return Error("unsupported FLV audio format " + std::to_string(sound_format) + " (byte " +
                 Hex(body[0]) + "); only AAC (10) is accepted");
  }
  if (body.size() < 2)
    return Error("truncated AAC audio tag: no AACPacketType");
  MediaTag tag;
  tag.codec = CodecId::kAac;
  tag.keyframe = true;
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
