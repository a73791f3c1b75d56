#include "codecs/ts/annexb.h"

#include <algorithm>
#include <string>

#include "codecs/h264/avc_config.h"
#include "codecs/h264/bit_reader.h"
#include "codecs/hevc/hevc_config.h"

namespace strait::ts {
namespace {

constexpr size_t kMaxParamSetBytes = 0xffff;  // the records' 16-bit NAL unit lengths

void Put16(std::vector<uint8_t>& out, size_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v));
}

Status CheckSets(const std::vector<Nal>& sets, const char* what) {
  if (sets.empty())
    return Error(std::string("no ") + what);
  if (sets.size() > 31)
    return Error(std::string("too many ") + what);
  for (const Nal& nal : sets) {
    if (nal.empty() || nal.size() > kMaxParamSetBytes)
      return Error(std::string("bad ") + what + " size " + std::to_string(nal.size()));
  }
  return OkStatus();
}

// The hvcC fields an HEVC SPS carries beyond the size (ITU-T H.265 7.3.2.2, 7.3.3).
struct HevcSpsFields {
  uint8_t ptl[12] = {};  // general_profile_space .. general_level_idc, as coded
  uint32_t max_sub_layers_minus1 = 0;
  bool temporal_id_nesting = false;
  uint32_t chroma_format_idc = 1;
  uint32_t bit_depth_luma_minus8 = 0;
  uint32_t bit_depth_chroma_minus8 = 0;
};

Result<HevcSpsFields> ParseHevcSpsFields(std::span<const uint8_t> nal) {
  if (nal.size() < 16 || HevcNalType(nal) != 33)
    return Error("hevc sps: too short or not an SPS");
  const std::vector<uint8_t> rbsp = h264::UnescapeRbsp(nal.subspan(2));
  if (rbsp.size() < 13)
    return Error("hevc sps: truncated profile_tier_level");
  HevcSpsFields f;
  f.max_sub_layers_minus1 = (rbsp[0] >> 1) & 7;
  f.temporal_id_nesting = rbsp[0] & 1;
  if (f.max_sub_layers_minus1 > 6)
    return Error("hevc sps: bad sps_max_sub_layers_minus1");
  std::copy(rbsp.begin() + 1, rbsp.begin() + 13, f.ptl);
  h264::BitReader br(std::span<const uint8_t>(rbsp).subspan(13));
  // Sub-layer profile/level presence flags, then the present sub-layer fields.
  bool profile_present[8] = {}, level_present[8] = {};
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i) {
    profile_present[i] = br.Flag();
    level_present[i] = br.Flag();
  }
  if (f.max_sub_layers_minus1 > 0)
    br.Skip(2 * (8 - f.max_sub_layers_minus1));
  for (uint32_t i = 0; i < f.max_sub_layers_minus1; ++i)
    br.Skip((profile_present[i] ? 88 : 0) + (level_present[i] ? 8 : 0));
  br.Ue();  // sps_seq_parameter_set_id
  f.chroma_format_idc = br.Ue();
  if (f.chroma_format_idc > 3)
    return Error("hevc sps: bad chroma_format_idc");
  if (f.chroma_format_idc == 3)
    br.Skip(1);  // separate_colour_plane_flag
  br.Ue();       // pic_width_in_luma_samples
  br.Ue();       // pic_height_in_luma_samples
  if (br.Flag()) {
    for (int i = 0; i < 4; ++i)
      br.Ue();  // conformance window offsets
  }
  f.bit_depth_luma_minus8 = br.Ue();
  f.bit_depth_chroma_minus8 = br.Ue();
  if (br.overrun() || f.bit_depth_luma_minus8 > 8 || f.bit_depth_chroma_minus8 > 8)
    return Error("hevc sps: truncated or bad bit depth");
  return f;
}

void AppendArray(std::vector<uint8_t>& out, int type, const std::vector<Nal>& nals) {
  out.push_back(static_cast<uint8_t>(0x80 | type));  // array_completeness = 1
  Put16(out, nals.size());
  for (const Nal& nal : nals) {
    Put16(out, nal.size());
    out.insert(out.end(), nal.begin(), nal.end());
  }
}

}  // namespace

std::vector<std::span<const uint8_t>> SplitAnnexB(std::span<const uint8_t> data) {
  std::vector<std::span<const uint8_t>> nals;
  const size_t n = data.size();
  size_t start = SIZE_MAX;  // first byte of the current NAL unit
  size_t i = 0;
  while (i + 2 < n) {
    if (data[i + 2] > 1) {
      i += 3;  // no start code can begin at i, i+1 or i+2 ending here
    } else if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      if (start != SIZE_MAX) {
        size_t end = i;
        while (end > start && data[end - 1] == 0)
          --end;  // trailing zero bytes belong to the next (4-byte) start code
        if (end > start)
          nals.push_back(data.subspan(start, end - start));
      }
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  if (start != SIZE_MAX && start < n) {
    size_t end = n;
    while (end > start && data[end - 1] == 0)
      --end;
    if (end > start)
      nals.push_back(data.subspan(start, end - start));
  }
  return nals;
}

void AppendLengthPrefixed(std::span<const uint8_t> nal, std::vector<uint8_t>& out) {
  const size_t len = nal.size();
  out.push_back(static_cast<uint8_t>(len >> 24));
  out.push_back(static_cast<uint8_t>(len >> 16));
  out.push_back(static_cast<uint8_t>(len >> 8));
  out.push_back(static_cast<uint8_t>(len));
  out.insert(out.end(), nal.begin(), nal.end());
}

int H264NalType(std::span<const uint8_t> nal) {
  return nal.empty() ? -1 : nal[0] & 0x1f;
}

int HevcNalType(std::span<const uint8_t> nal) {
  return nal.empty() ? -1 : (nal[0] >> 1) & 0x3f;
}

std::optional<std::vector<LengthPrefixedNal>> SplitLengthPrefixed(std::span<const uint8_t> au,
                                                                  int length_size) {
  if (length_size < 1 || length_size > 4)
    return std::nullopt;
  const size_t n = static_cast<size_t>(length_size);
  std::vector<LengthPrefixedNal> out;
  for (size_t at = 0; at + n <= au.size();) {
    size_t length = 0;
    for (size_t i = 0; i < n; ++i)
      length = (length << 8) | au[at + i];
    if (length == 0 || length > au.size() - at - n)
      return std::nullopt;
    out.push_back({at, au.subspan(at + n, length)});
    at += n + length;
  }
  return out;
}

std::optional<bool> H264HasIdr(std::span<const uint8_t> au, int length_size) {
  const auto nals = SplitLengthPrefixed(au, length_size);
  if (!nals)
    return std::nullopt;
  return std::any_of(nals->begin(), nals->end(),
                     [](const LengthPrefixedNal& u) { return H264NalType(u.nal) == 5; });
}

bool H264AuMayStartDecoding(std::span<const uint8_t> au, std::span<const uint8_t> avcc) {
  const Result<h264::AvcConfig> config = h264::ParseAvcConfig(avcc);
  const std::optional<bool> idr = H264HasIdr(au, config.ok() ? config->nal_length_size : 4);
  return !idr || *idr;
}

Result<std::vector<uint8_t>> BuildAvcC(const std::vector<Nal>& sps,
                                       const std::vector<Nal>& pps,
                                       VideoSize* size) {
  if (Status s = CheckSets(sps, "SPS"); !s)
    return s.error().Context("avcC");
  if (Status s = CheckSets(pps, "PPS"); !s)
    return s.error().Context("avcC");
  Result<h264::Sps> parsed = h264::ParseSps(sps[0]);
  if (!parsed.ok())
    return parsed.error().Context("avcC");
  const h264::Sps& s = *parsed;
  std::vector<uint8_t> out = {1, s.profile_idc, s.constraint_flags, s.level_idc, 0xff};
  out.push_back(static_cast<uint8_t>(0xe0 | sps.size()));
  for (const Nal& nal : sps) {
    Put16(out, nal.size());
    out.insert(out.end(), nal.begin(), nal.end());
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const Nal& nal : pps) {
    Put16(out, nal.size());
    out.insert(out.end(), nal.begin(), nal.end());
  }
  if (s.profile_idc == 100 || s.profile_idc == 110 || s.profile_idc == 122 ||
      s.profile_idc == 244) {
    const uint8_t depth = static_cast<uint8_t>((s.bit_depth_luma - 8) & 7);
    out.push_back(static_cast<uint8_t>(0xfc | (s.chroma_format_idc & 3)));
    out.push_back(0xf8 | depth);  // the parser keeps one bit depth: luma for both
    out.push_back(0xf8 | depth);
    out.push_back(0);  // numOfSequenceParameterSetExt
  }
  if (size)
    *size = {s.width, s.height};
  return out;
}

Result<std::vector<uint8_t>> BuildHvcC(const std::vector<Nal>& vps,
                                       const std::vector<Nal>& sps,
                                       const std::vector<Nal>& pps,
                                       VideoSize* size) {
  for (auto [sets, what] : {std::pair{&vps, "VPS"}, std::pair{&sps, "SPS"}, {&pps, "PPS"}}) {
    if (Status s = CheckSets(*sets, what); !s)
      return s.error().Context("hvcC");
  }
  Result<HevcSpsFields> f = ParseHevcSpsFields(sps[0]);
  if (!f.ok())
    return f.error().Context("hvcC");
  Result<hevc::SpsSize> sps_size = hevc::ParseSpsSize(sps[0]);
  if (!sps_size.ok())
    return sps_size.error().Context("hvcC");
  std::vector<uint8_t> out = {1};
  out.insert(out.end(), f->ptl, f->ptl + 12);
  out.push_back(0xf0);  // min_spatial_segmentation_idc = 0
  out.push_back(0x00);
  out.push_back(0xfc);  // parallelismType = 0 (unknown)
  out.push_back(static_cast<uint8_t>(0xfc | f->chroma_format_idc));
  out.push_back(static_cast<uint8_t>(0xf8 | f->bit_depth_luma_minus8));
  out.push_back(static_cast<uint8_t>(0xf8 | f->bit_depth_chroma_minus8));
  Put16(out, 0);  // avgFrameRate unknown
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne = 3.
  out.push_back(static_cast<uint8_t>(((f->max_sub_layers_minus1 + 1) << 3) |
                                     (f->temporal_id_nesting ? 4 : 0) | 3));
  out.push_back(3);  // numOfArrays
  AppendArray(out, 32, vps);
  AppendArray(out, 33, sps);
  AppendArray(out, 34, pps);
  if (size)
    *size = {sps_size->width, sps_size->height};
  return out;
}

}  // namespace strait::ts
