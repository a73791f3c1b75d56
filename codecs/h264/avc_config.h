// H.264 codec configuration: the AVCDecoderConfigurationRecord ("avcC", ISO 14496-15 5.3.3) and the
// sequence parameter set inside it (ITU-T H.264 7.3.2.1), parsed far enough for codec strings
// (profile, constraint flags, level), the displayed size (after frame cropping) and the frame rate
// when the VUI carries timing info. Input is untrusted: every read is bounds-checked and errors
// come back as Result. Pure functions, no threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "codecs/result.h"

namespace strait::h264 {

struct Sps {
  uint8_t profile_idc = 0;
  uint8_t constraint_flags = 0;  // constraint_set0..5 flags + reserved bits, as the byte
  uint8_t level_idc = 0;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma = 8;
  bool frame_mbs_only = true;
  int width = 0;  // after cropping
  int height = 0;
  double frame_rate =
      0;  // from VUI timing info (time_scale / (2 * num_units_in_tick)); 0 if absent
};

struct AvcConfig {
  uint8_t profile_idc = 0;
  uint8_t profile_compatibility = 0;
  uint8_t level_idc = 0;
  int nal_length_size = 4;
  std::vector<std::vector<uint8_t>> sps;  // NAL units, with header, still escaped
  std::vector<std::vector<uint8_t>> pps;
  Sps first_sps;  // parsed from sps[0]
};

// `nal` is one SPS NAL unit including its 1-byte header, with emulation prevention bytes.
Result<Sps> ParseSps(std::span<const uint8_t> nal);
Result<AvcConfig> ParseAvcConfig(std::span<const uint8_t> avcc);

}  // namespace strait::h264
