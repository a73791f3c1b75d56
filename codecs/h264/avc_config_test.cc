#include "codecs/h264/avc_config.h"

#include <gtest/gtest.h>

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
