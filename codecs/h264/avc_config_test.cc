#include "codecs/h264/avc_config.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "codecs/h264/bit_reader.h"
#include "codecs/h264/test_vectors.h"

namespace strait::h264 {
namespace {

TEST(AvcConfig, ParsesHigh720p) {
  Result<AvcConfig> c = ParseAvcConfig(testdata::kAvcC720pHigh);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->profile_idc, 100);
  EXPECT_EQ(c->level_idc, 31);
  EXPECT_EQ(c->nal_length_size, 4);
  ASSERT_EQ(c->sps.size(), 1u);
  ASSERT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(c->first_sps.profile_idc, 100);
  EXPECT_EQ(c->first_sps.constraint_flags, 0);
  EXPECT_EQ(c->first_sps.level_idc, 31);
  EXPECT_EQ(c->first_sps.width, 1280);
  EXPECT_EQ(c->first_sps.height, 720);
  EXPECT_EQ(c->first_sps.frame_rate, 30);  // x264 writes VUI timing info
}

TEST(AvcConfig, ParsesMain1080pWithCroppingAndTiming) {
  Result<AvcConfig> c = ParseAvcConfig(testdata::kAvcC1080pMain);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->first_sps.profile_idc, 77);
  EXPECT_EQ(c->first_sps.constraint_flags, 0x40);
  EXPECT_EQ(c->first_sps.level_idc, 40);
  EXPECT_EQ(c->first_sps.width, 1920);
  EXPECT_EQ(c->first_sps.height, 1080);
  EXPECT_NEAR(c->first_sps.frame_rate, 29.97, 0.01);
}

TEST(AvcConfig, RejectsTruncatedInputAtEveryLength) {
  const std::vector<uint8_t>& full = testdata::kAvcC720pHigh;
  // Up to the end of the SPS, every prefix must fail cleanly (the PPS list is after it).
  for (size_t n = 0; n < 35; ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    EXPECT_FALSE(ParseAvcConfig(cut).ok()) << n;
  }
}

TEST(AvcConfig, RejectsBadVersionAndMissingSps) {
  std::vector<uint8_t> v = testdata::kAvcC720pHigh;
  v[0] = 2;
  EXPECT_FALSE(ParseAvcConfig(v).ok());
  const std::vector<uint8_t> no_sps = {0x01, 0x64, 0x00, 0x1f, 0xff, 0xe0, 0x00};
  EXPECT_FALSE(ParseAvcConfig(no_sps).ok());
}

TEST(Sps, RejectsWrongNalType) {
  std::vector<uint8_t> sps(testdata::kAvcC720pHigh.begin() + 8,
                           testdata::kAvcC720pHigh.begin() + 8 + 26);
  EXPECT_TRUE(ParseSps(sps).ok());
  sps[0] = 0x68;  // PPS
  EXPECT_FALSE(ParseSps(sps).ok());
}

// A High-profile 1280x720 SPS NAL from its syntax elements, with a scaling matrix whose first
// list's first delta_scale is `delta` (the rest 0) and bit_depth_luma_minus8 = `depth_minus8`.
std::vector<uint8_t> HighSps(int delta, uint32_t depth_minus8) {
  std::string bits;
  auto put = [&](uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i)
      bits += (v >> i) & 1 ? '1' : '0';
  };
  auto ue = [&](uint32_t v) {
    const uint64_t code = uint64_t{v} + 1;
    int n = 0;
    while (code >> n > 1)
      ++n;
    put(0, n);
    put(code, n + 1);
  };
  auto se = [&](int v) {
    const int64_t code = v > 0 ? 2 * int64_t{v} - 1 : -2 * int64_t{v};
    ue(static_cast<uint32_t>(code));
  };
  put(100, 8);  // profile_idc: High
  put(0, 8);
  put(31, 8);
  ue(0);  // seq_parameter_set_id
  ue(1);  // chroma_format_idc 4:2:0
  ue(depth_minus8);
  ue(0);
  put(0, 1);  // qpprime_y_zero_transform_bypass_flag
  put(1, 1);  // seq_scaling_matrix_present_flag
  put(1, 1);  // list 0 present: 16 delta_scale
  se(delta);
  for (int i = 1; i < 16; ++i)
    se(0);
  put(0, 7);  // lists 1-7 absent
  ue(0);      // log2_max_frame_num_minus4
  ue(2);      // pic_order_cnt_type
  ue(1);      // max_num_ref_frames
  put(0, 1);
  ue(79);          // pic_width_in_mbs_minus1
  ue(44);          // pic_height_in_map_units_minus1
  put(0b1100, 4);  // frame_mbs_only, direct_8x8_inference, no cropping, no VUI
  put(1, 1);       // rbsp_stop_one_bit
  while (bits.size() % 8)
    bits += '0';
  std::vector<uint8_t> nal = {0x67};
  for (size_t i = 0; i < bits.size(); i += 8)
    nal.push_back(static_cast<uint8_t>(std::stoi(bits.substr(i, 8), nullptr, 2)));
  return nal;
}

// Values the spec rules out are errors, not arithmetic on them (sps_fuzzer found delta_scale
// 2^31 - 121 overflowing `last + delta + 256`).
TEST(Sps, RejectsOutOfRangeScalingDeltasAndBitDepths) {
  for (int delta : {-128, 0, 127}) {
    Result<Sps> sps = ParseSps(HighSps(delta, 0));
    ASSERT_TRUE(sps.ok()) << delta << ": " << sps.error().message();
    EXPECT_EQ(sps->width, 1280);
    EXPECT_EQ(sps->height, 720);
  }
  for (int delta : {-129, 128, 1 << 30}) {
    Result<Sps> sps = ParseSps(HighSps(delta, 0));
    ASSERT_FALSE(sps.ok()) << delta;
    EXPECT_NE(sps.error().message().find("delta_scale"), std::string::npos);
  }
  Result<Sps> ten = ParseSps(HighSps(0, 2));
  ASSERT_TRUE(ten.ok()) << ten.error().message();
  EXPECT_EQ(ten->bit_depth_luma, 10u);
  for (uint32_t depth_minus8 : {7u, 0xfffffff8u}) {
    Result<Sps> sps = ParseSps(HighSps(0, depth_minus8));
    ASSERT_FALSE(sps.ok()) << depth_minus8;
    EXPECT_NE(sps.error().message().find("bit_depth"), std::string::npos);
  }
}

TEST(BitReader, ExpGolombAndOverrun) {
  // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4
  const std::vector<uint8_t> bytes = {0b10100110, 0b01000010, 0b10000000};
  BitReader br(bytes);
  EXPECT_EQ(br.Ue(), 0u);
  EXPECT_EQ(br.Ue(), 1u);
  EXPECT_EQ(br.Ue(), 2u);
  EXPECT_EQ(br.Ue(), 3u);
  EXPECT_EQ(br.Ue(), 4u);
  EXPECT_FALSE(br.overrun());
  br.Bits(16);
  EXPECT_TRUE(br.overrun());
  const std::vector<uint8_t> zeros(8, 0);
  BitReader z(zeros);
  z.Ue();
  EXPECT_TRUE(z.overrun());
}

TEST(BitReader, SignedExpGolomb) {
  // ue 1 -> +1, ue 2 -> -1, ue 3 -> +2
  const std::vector<uint8_t> bytes = {0b01001100, 0b10000000};
  BitReader br(bytes);
  EXPECT_EQ(br.Se(), 1);
  EXPECT_EQ(br.Se(), -1);
  EXPECT_EQ(br.Se(), 2);
}

TEST(Rbsp, RemovesEmulationPrevention) {
  const std::vector<uint8_t> in = {0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x03, 0x00, 0x03};
  EXPECT_EQ(UnescapeRbsp(in), (std::vector<uint8_t>{0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x03}));
}

}  // namespace
}  // namespace strait::h264
