#include "codecs/hevc/hevc_config.h"

#include <string>

#include "codecs/h264/bit_reader.h"

namespace strait::hevc {
namespace {

using h264::BitReader;

void SkipProfileTierLevel(BitReader& br, uint32_t max_sub_layers_minus1) {
  br.Skip(96);  // general profile (88 bits) + general_level_idc
  bool profile_present[8] = {}, level_present[8] = {};
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    profile_present[i] = br.Flag();
    level_present[i] = br.Flag();
  }
  if (max_sub_layers_minus1 > 0) {
    for (uint32_t i = max_sub_layers_minus1; i < 8; ++i)
      br.Skip(2);
  }
  for (uint32_t i = 0; i < max_sub_layers_minus1; ++i) {
    if (profile_present[i])
      br.Skip(88);
    if (level_present[i])
      br.Skip(8);
  }
}

}  // namespace

Result<SpsSize> ParseSpsSize(std::span<const uint8_t> nal) {
  if (nal.size() < 3)
    return Error("hevc sps: too short");
  if (((nal[0] >> 1) & 0x3f) != 33)
    return Error("hevc sps: not an SPS NAL unit");
  const std::vector<uint8_t> rbsp = h264::UnescapeRbsp(nal.subspan(2));
  BitReader br(rbsp);
  br.Skip(4);  // sps_video_parameter_set_id
  const uint32_t max_sub_layers_minus1 = static_cast<uint32_t>(br.Bits(3));
  if (max_sub_layers_minus1 > 6)
    return Error("hevc sps: bad sps_max_sub_layers_minus1");
  br.Skip(1);  // sps_temporal_id_nesting_flag
  SkipProfileTierLevel(br, max_sub_layers_minus1);
  if (br.Ue() > 15)
    return Error("hevc sps: bad sps_seq_parameter_set_id");
  const uint32_t chroma_format_idc = br.Ue();
  if (chroma_format_idc > 3)
    return Error("hevc sps: bad chroma_format_idc");
  bool separate_colour_plane = false;
  if (chroma_format_idc == 3)
    separate_colour_plane = br.Flag();
  const int64_t width = br.Ue();
  const int64_t height = br.Ue();
  uint32_t win[4] = {0, 0, 0, 0};
  if (br.Flag()) {
    for (auto& w : win)
      w = br.Ue();
  }
  if (br.overrun())
    return Error("hevc sps: truncated");
  const uint32_t chroma = separate_colour_plane ? 0 : chroma_format_idc;
  const int64_t sub_w = (chroma == 1 || chroma == 2) ? 2 : 1;
  const int64_t sub_h = chroma == 1 ? 2 : 1;
  const int64_t w = width - sub_w * (int64_t{win[0]} + win[1]);
  const int64_t h = height - sub_h * (int64_t{win[2]} + win[3]);
  if (w <= 0 || h <= 0 || w > 16888 || h > 16888)
    return Error("hevc sps: implausible size");
  return SpsSize{static_cast<int>(w), static_cast<int>(h)};
}

Result<HevcConfig> ParseHevcConfig(std::span<const uint8_t> hvcc) {
  if (hvcc.size() < 23)
    return Error("hvcC: too short");
  if (hvcc[0] != 1)
    return Error("hvcC: configurationVersion " + std::to_string(hvcc[0]));
  HevcConfig c;
  BitReader br(hvcc.subspan(1, 12));
  c.general_profile_space = static_cast<uint8_t>(br.Bits(2));
  c.general_tier_flag = br.Flag();
  c.general_profile_idc = static_cast<uint8_t>(br.Bits(5));
  c.general_profile_compatibility_flags = static_cast<uint32_t>(br.Bits(32));
  c.general_constraint_indicator_flags = br.Bits(48);
  c.general_level_idc = static_cast<uint8_t>(br.Bits(8));
  c.nal_length_size = (hvcc[21] & 3) + 1;
  if (c.nal_length_size == 3)
    return Error("hvcC: NAL length size 3");
  const size_t num_arrays = hvcc[22];
  size_t pos = 23;
  for (size_t a = 0; a < num_arrays; ++a) {
    if (hvcc.size() - pos < 3)
      return Error("hvcC: truncated array header");
    const int type = hvcc[pos] & 0x3f;
    const size_t count = (size_t{hvcc[pos + 1]} << 8) | hvcc[pos + 2];
    pos += 3;
    for (size_t i = 0; i < count; ++i) {
      if (hvcc.size() - pos < 2)
        return Error("hvcC: truncated NAL unit length");
      const size_t len = (size_t{hvcc[pos]} << 8) | hvcc[pos + 1];
      pos += 2;
      if (hvcc.size() - pos < len)
        return Error("hvcC: truncated NAL unit");
      std::vector<uint8_t> nal(hvcc.begin() + pos, hvcc.begin() + pos + len);
      pos += len;
      if (type == 32)
        c.vps.push_back(std::move(nal));
      else if (type == 33)
        c.sps.push_back(std::move(nal));
      else if (type == 34)
        c.pps.push_back(std::move(nal));
    }
  }
  if (!c.sps.empty()) {
    if (Result<SpsSize> size = ParseSpsSize(c.sps[0]); size.ok()) {
      c.width = size->width;
      c.height = size->height;
    }
  }
  return c;
}

}  // namespace strait::hevc
