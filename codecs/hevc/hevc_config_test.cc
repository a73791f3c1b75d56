#include "codecs/hevc/hevc_config.h"

#include <gtest/gtest.h>

#include "codecs/h264/test_vectors.h"

namespace strait::hevc {
namespace {

TEST(HevcConfig, ParsesX265Main) {
  Result<HevcConfig> c = ParseHevcConfig(testdata::kHvcC360pMain);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->general_profile_space, 0);
  EXPECT_FALSE(c->general_tier_flag);
  EXPECT_EQ(c->general_profile_idc, 1);
  EXPECT_EQ(c->general_profile_compatibility_flags, 0x60000000u);
  EXPECT_EQ(c->general_constraint_indicator_flags, 0x900000000000ull);
  EXPECT_EQ(c->general_level_idc, 63);
  EXPECT_EQ(c->nal_length_size, 4);
  EXPECT_EQ(c->vps.size(), 1u);
  EXPECT_EQ(c->sps.size(), 1u);
  EXPECT_EQ(c->pps.size(), 1u);
  EXPECT_EQ(c->width, 640);
  EXPECT_EQ(c->height, 360);
}

TEST(HevcConfig, RejectsTruncatedInput) {
  const std::vector<uint8_t>& full = testdata::kHvcC360pMain;
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + n);
    EXPECT_FALSE(ParseHevcConfig(cut).ok()) << n;
  }
}

TEST(HevcConfig, SizeIsBestEffort) {
  std::vector<uint8_t> v = testdata::kHvcC360pMain;
  v[57] = 0x44;  // the SPS NAL header now says PPS: profile still parses, size unknown
  Result<HevcConfig> c = ParseHevcConfig(v);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->general_profile_idc, 1);
  EXPECT_EQ(c->width, 0);
}

}  // namespace
}  // namespace strait::hevc
