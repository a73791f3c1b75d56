// HEVC codec configuration: the HEVCDecoderConfigurationRecord ("hvcC", ISO 14496-15 8.3.3) for the
// profile/tier/level fields that make the codec string, and (best effort) the picture size from
// the first SPS (ITU-T H.265 7.3.2.2, conformance window applied). Untrusted input: bounds-checked,
// errors as Result. Pure functions, no threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codecs/result.h"

namespace strait::hevc {

struct HevcConfig {
  uint8_t general_profile_space = 0;  // 0..3
  bool general_tier_flag = false;     // false = Main tier (L), true = High tier (H)
  uint8_t general_profile_idc = 0;
  uint32_t general_profile_compatibility_flags = 0;  // as read: flag j is bit (31 - j)
  uint64_t general_constraint_indicator_flags = 0;   // 48 bits, as read
  uint8_t general_level_idc = 0;
  int nal_length_size = 4;
  std::vector<std::vector<uint8_t>> vps, sps, pps;  // NAL units with headers, escaped
  int width = 0;  // from the first SPS; 0 if it could not be parsed
  int height = 0;
};

struct SpsSize {
  int width = 0;
  int height = 0;
};

// One SPS NAL unit including its 2-byte header, with emulation prevention bytes.
Result<SpsSize> ParseSpsSize(std::span<const uint8_t> nal);
Result<HevcConfig> ParseHevcConfig(std::span<const uint8_t> hvcc);

}  // namespace strait::hevc
