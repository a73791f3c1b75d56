#include "codecs/codec_string.h"

#include <cstdio>

namespace strait {

std::string AvcCodecString(const h264::AvcConfig& config) {
  // The SPS is authoritative; the avcC header copies it.
  const h264::Sps& sps = config.first_sps;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "avc1.%02x%02x%02x", sps.profile_idc, sps.constraint_flags,
                sps.level_idc);
  return buf;
}

std::string HevcCodecString(const hevc::HevcConfig& c) {
  std::string s = "hvc1.";
  if (c.general_profile_space > 0)
    s += static_cast<char>('A' + c.general_profile_space - 1);
  s += std::to_string(c.general_profile_idc);
  // general_profile_compatibility_flag[j] is bit (31 - j) as read; the string wants it reversed.
  uint32_t reversed = 0;
  for (int j = 0; j < 32; ++j) {
    if (c.general_profile_compatibility_flags & (1u << (31 - j)))
      reversed |= 1u << j;
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), ".%X.", reversed);
  s += buf;
  s += c.general_tier_flag ? 'H' : 'L';
  s += std::to_string(c.general_level_idc);
  uint8_t bytes[6];
  int last = -1;
  for (int i = 0; i < 6; ++i) {
    bytes[i] = static_cast<uint8_t>(c.general_constraint_indicator_flags >> (8 * (5 - i)));
    if (bytes[i])
      last = i;
  }
  for (int i = 0; i <= last; ++i) {
    std::snprintf(buf, sizeof(buf), ".%X", bytes[i]);
    s += buf;
  }
  return s;
}

std::string AacCodecString(const aac::AudioSpecificConfig& config) {
  return "mp4a.40." + std::to_string(config.object_type);
}

Result<std::string> CodecString(const TrackInfo& track) {
  switch (track.codec) {
    case CodecId::kH264: {
      Result<h264::AvcConfig> c = h264::ParseAvcConfig(track.extradata);
      if (!c)
        return c.error().Context("codec string");
      return AvcCodecString(*c);
    }
    case CodecId::kHevc: {
      Result<hevc::HevcConfig> c = hevc::ParseHevcConfig(track.extradata);
      if (!c)
        return c.error().Context("codec string");
      return HevcCodecString(*c);
    }
    case CodecId::kAac: {
      Result<aac::AudioSpecificConfig> c = aac::ParseAudioSpecificConfig(track.extradata);
      if (!c)
        return c.error().Context("codec string");
      return AacCodecString(*c);
    }
    case CodecId::kMp3:
      return std::string("mp4a.40.34");
    case CodecId::kOpus:
      return std::string("Opus");
    default:
      break;
  }
  return Error("codec string: unsupported codec " + std::string(CodecName(track.codec)));
}

}  // namespace strait
