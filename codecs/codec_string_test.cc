#include "codecs/codec_string.h"

#include <gtest/gtest.h>

#include "codecs/h264/test_vectors.h"

namespace strait {
namespace {

TrackInfo Track(CodecId codec, std::vector<uint8_t> extradata) {
  TrackInfo t;
  t.codec = codec;
  t.kind = KindOf(codec);
  t.extradata = std::move(extradata);
  return t;
}

TEST(CodecString, Avc) {
  EXPECT_EQ(*CodecString(Track(CodecId::kH264, testdata::kAvcC720pHigh)), "avc1.64001f");
  EXPECT_EQ(*CodecString(Track(CodecId::kH264, testdata::kAvcC1080pMain)), "avc1.4d4028");
}

TEST(CodecString, Hevc) {
  EXPECT_EQ(*CodecString(Track(CodecId::kHevc, testdata::kHvcC360pMain)), "hvc1.1.6.L63.90");
}

TEST(CodecString, HevcAnnexEExamples) {
  // ISO 14496-15 Annex E: "hvc1.1.6.L93.B0" and "hev1.A4.41.H120.B0.23".
  hevc::HevcConfig main;
  main.general_profile_idc = 1;
  main.general_profile_compatibility_flags = 0x60000000;
  main.general_level_idc = 93;
  main.general_constraint_indicator_flags = 0xb00000000000ull;
  EXPECT_EQ(HevcCodecString(main), "hvc1.1.6.L93.B0");
  hevc::HevcConfig rext;
  rext.general_profile_space = 1;
  rext.general_profile_idc = 4;
  rext.general_profile_compatibility_flags = 0x82000000;  // flags 0 and 6 -> reversed 0x41
  rext.general_tier_flag = true;
  rext.general_level_idc = 120;
  rext.general_constraint_indicator_flags = 0xb02300000000ull;
  EXPECT_EQ(HevcCodecString(rext), "hvc1.A4.41.H120.B0.23");
}

TEST(CodecString, Aac) {
  EXPECT_EQ(*CodecString(Track(CodecId::kAac, testdata::kAscLc44100Stereo)), "mp4a.40.2");
  EXPECT_EQ(*CodecString(Track(CodecId::kAac, testdata::kAscHeAac)), "mp4a.40.5");
}

TEST(CodecString, Errors) {
  EXPECT_FALSE(CodecString(Track(CodecId::kH264, {})).ok());
  EXPECT_FALSE(CodecString(Track(CodecId::kAac, {0x00})).ok());
  EXPECT_FALSE(CodecString(Track(CodecId::kAv1, {})).ok());
}

}  // namespace
}  // namespace strait
