#include "codecs/h264/avc_config.h"

#include <string>

#include "codecs/h264/bit_reader.h"

namespace strait::h264 {
namespace {

bool HasChromaInfo(uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// False when a delta_scale is outside the -128..127 the spec allows (7.4.2.1.1.1).
bool SkipScalingList(BitReader& br, int size) {
  int32_t last = 8, next = 8;
  for (int j = 0; j < size && !br.overrun(); ++j) {
    if (next != 0) {
      const int32_t delta = br.Se();
      if (delta < -128 || delta > 127)
        return false;
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

// Best effort: the VUI is only read for timing info; a truncated VUI leaves frame_rate at 0.
void ParseVuiTiming(BitReader& br, Sps& sps) {
  if (br.Flag()) {  // aspect_ratio_info_present_flag
    if (br.Bits(8) == 255)
      br.Skip(32);  // Extended_SAR
  }
  if (br.Flag())
    br.Skip(1);     // overscan
  if (br.Flag()) {  // video_signal_type_present_flag
    br.Skip(4);
    if (br.Flag())
      br.Skip(24);  // colour description
  }
  if (br.Flag()) {  // chroma_loc_info_present_flag
    br.Ue();
    br.Ue();
  }
  if (br.Flag()) {  // timing_info_present_flag
    const uint64_t units = br.Bits(32);
    const uint64_t scale = br.Bits(32);
    if (!br.overrun() && units > 0 && scale > 0) {
      sps.frame_rate = static_cast<double>(scale) / (2.0 * static_cast<double>(units));
    }
  }
}

Status ParseFrameSize(BitReader& br, Sps& sps, bool separate_colour_plane) {
  br.Ue();     // max_num_ref_frames
  br.Skip(1);  // gaps_in_frame_num_value_allowed_flag
  const uint32_t w_mbs = br.Ue() + 1;
  const uint32_t h_units = br.Ue() + 1;
  sps.frame_mbs_only = br.Flag();
  if (!sps.frame_mbs_only)
    br.Skip(1);  // mb_adaptive_frame_field_flag
  br.Skip(1);    // direct_8x8_inference_flag
  uint32_t crop[4] = {0, 0, 0, 0};
  if (br.Flag()) {
    for (auto& c : crop)
      c = br.Ue();
  }
  if (br.overrun())
    return Error("h264 sps: truncated");
  if (w_mbs > 1024 || h_units > 1024)
    return Error("h264 sps: implausible size");
  const int chroma_array_type = separate_colour_plane ? 0 : static_cast<int>(sps.chroma_format_idc);
  const int frame_factor = sps.frame_mbs_only ? 1 : 2;
  int crop_x = 1, crop_y = frame_factor;
  if (chroma_array_type != 0) {
    crop_x = chroma_array_type == 3 ? 1 : 2;
    crop_y = (chroma_array_type == 1 ? 2 : 1) * frame_factor;
  }
  const int64_t width = int64_t{w_mbs} * 16 - int64_t{crop_x} * (int64_t{crop[0]} + crop[1]);
  const int64_t height =
      int64_t{h_units} * 16 * frame_factor - int64_t{crop_y} * (int64_t{crop[2]} + crop[3]);
  if (width <= 0 || height <= 0)
    return Error("h264 sps: cropping exceeds the picture");
  sps.width = static_cast<int>(width);
  sps.height = static_cast<int>(height);
  if (br.Flag())
    ParseVuiTiming(br, sps);
  return OkStatus();
}

}  // namespace

Result<Sps> ParseSps(std::span<const uint8_t> nal) {
  if (nal.size() < 4)
    return Error("h264 sps: too short");
  if ((nal[0] & 0x1f) != 7)
    return Error("h264 sps: NAL type " + std::to_string(nal[0] & 0x1f));
  const std::vector<uint8_t> rbsp = UnescapeRbsp(nal.subspan(1));
  BitReader br(rbsp);
  Sps sps;
  sps.profile_idc = static_cast<uint8_t>(br.Bits(8));
  sps.constraint_flags = static_cast<uint8_t>(br.Bits(8));
  sps.level_idc = static_cast<uint8_t>(br.Bits(8));
  if (br.Ue() > 31)
    return Error("h264 sps: bad seq_parameter_set_id");
  bool separate_colour_plane = false;
  if (HasChromaInfo(sps.profile_idc)) {
    sps.chroma_format_idc = br.Ue();
    if (sps.chroma_format_idc > 3)
      return Error("h264 sps: bad chroma_format_idc");
    if (sps.chroma_format_idc == 3)
      separate_colour_plane = br.Flag();
    const uint32_t bit_depth_luma_minus8 = br.Ue();
    if (bit_depth_luma_minus8 > 6)
      return Error("h264 sps: bad bit_depth_luma_minus8");
    sps.bit_depth_luma = bit_depth_luma_minus8 + 8;
    br.Ue();          // bit_depth_chroma_minus8
    br.Skip(1);       // qpprime_y_zero_transform_bypass_flag
    if (br.Flag()) {  // seq_scaling_matrix_present_flag
      const int lists = sps.chroma_format_idc == 3 ? 12 : 8;
      for (int i = 0; i < lists && !br.overrun(); ++i) {
        if (br.Flag() && !SkipScalingList(br, i < 6 ? 16 : 64))
          return Error("h264 sps: delta_scale out of range");
      }
    }
  }
  if (br.Ue() > 12)
    return Error("h264 sps: bad log2_max_frame_num_minus4");
  const uint32_t poc_type = br.Ue();
  if (poc_type == 0) {
    if (br.Ue() > 12)
      return Error("h264 sps: bad log2_max_pic_order_cnt_lsb_minus4");
  } else if (poc_type == 1) {
    br.Skip(1);
    br.Se();
    br.Se();
    const uint32_t cycle = br.Ue();
    if (cycle > 255)
      return Error("h264 sps: bad num_ref_frames_in_pic_order_cnt_cycle");
    for (uint32_t i = 0; i < cycle && !br.overrun(); ++i)
      br.Se();
  } else if (poc_type > 2) {
    return Error("h264 sps: bad pic_order_cnt_type");
  }
  if (br.overrun())
    return Error("h264 sps: truncated");
  if (Status s = ParseFrameSize(br, sps, separate_colour_plane); !s)
    return s.error();
  return sps;
}

Result<AvcConfig> ParseAvcConfig(std::span<const uint8_t> avcc) {
  if (avcc.size() < 7)
    return Error("avcC: too short");
  if (avcc[0] != 1)
    return Error("avcC: configurationVersion " + std::to_string(avcc[0]));
  AvcConfig config;
  config.profile_idc = avcc[1];
  config.profile_compatibility = avcc[2];
  config.level_idc = avcc[3];
  config.nal_length_size = (avcc[4] & 3) + 1;
  if (config.nal_length_size == 3)
    return Error("avcC: NAL length size 3");
  size_t pos = 6;
  auto read_sets = [&](size_t count, std::vector<std::vector<uint8_t>>& out) -> Status {
    for (size_t i = 0; i < count; ++i) {
      if (avcc.size() - pos < 2)
        return Error("avcC: truncated parameter set length");
      const size_t len = (size_t{avcc[pos]} << 8) | avcc[pos + 1];
      pos += 2;
      if (avcc.size() - pos < len)
        return Error("avcC: truncated parameter set");
      out.emplace_back(avcc.begin() + pos, avcc.begin() + pos + len);
      pos += len;
    }
    return OkStatus();
  };
  if (Status s = read_sets(avcc[5] & 0x1f, config.sps); !s)
    return s.error();
  if (pos >= avcc.size())
    return Error("avcC: missing PPS count");
  const size_t num_pps = avcc[pos++];
  if (Status s = read_sets(num_pps, config.pps); !s)
    return s.error();
  if (config.sps.empty())
    return Error("avcC: no SPS");
  Result<Sps> sps = ParseSps(config.sps[0]);
  if (!sps)
    return sps.error().Context("avcC");
  config.first_sps = *sps;
  return config;
}

}  // namespace strait::h264
