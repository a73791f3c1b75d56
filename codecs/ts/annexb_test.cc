// Annex B splitting and avcC / hvcC building, checked by round trips through the codecs/h264 and
// codecs/hevc record parsers on real encoder configurations.
#include "codecs/ts/annexb.h"

#include <gtest/gtest.h>

#include "codecs/h264/avc_config.h"
#include "codecs/h264/test_vectors.h"
#include "codecs/hevc/hevc_config.h"

namespace strait::ts {
namespace {

TEST(TsDemuxAnnexB, SplitsOnThreeAndFourByteStartCodes) {
  const std::vector<uint8_t> data = {0xaa, 0, 0,    0,    1, 0x09, 0xf0, 0, 0, 1,    0x67, 0x42,
                                     0,    0, 1,    0x68, 0, 0,    0,    0, 1, 0x65, 0x88, 0,
                                     0,    3, 0x01, 0,    0, 1,    0,    0, 1, 0x41};
  const auto nals = SplitAnnexB(data);
  ASSERT_EQ(nals.size(), 5u);
  EXPECT_EQ(std::vector<uint8_t>(nals[0].begin(), nals[0].end()), (std::vector<uint8_t>{9, 0xf0}));
  EXPECT_EQ(nals[1].size(), 2u);
  EXPECT_EQ(std::vector<uint8_t>(nals[2].begin(), nals[2].end()), (std::vector<uint8_t>{0x68}));
  EXPECT_EQ(std::vector<uint8_t>(nals[3].begin(), nals[3].end()),
            (std::vector<uint8_t>{0x65, 0x88, 0, 0, 3, 1}));
  EXPECT_EQ(H264NalType(nals[4]), 1);
  EXPECT_TRUE(SplitAnnexB({}).empty());
  const std::vector<uint8_t> no_start = {1, 2, 3, 0, 0};
  EXPECT_TRUE(SplitAnnexB(no_start).empty());
}

TEST(TsDemuxAnnexB, LengthPrefix) {
  std::vector<uint8_t> out = {7};
  const std::vector<uint8_t> nal = {0x65, 1, 2};
  AppendLengthPrefixed(nal, out);
  EXPECT_EQ(out, (std::vector<uint8_t>{7, 0, 0, 0, 3, 0x65, 1, 2}));
}

// An access unit with an IDR slice (after an AUD), one with a non-IDR I slice only (an open
// GOP's recovery point, SEI first), with 4- and 2-byte NAL lengths; lengths past the end fail.
TEST(TsDemuxAnnexB, H264HasIdrReadsTheSliceTypes) {
  const std::vector<uint8_t> idr = {0, 0, 0, 2, 0x09, 0xf0, 0, 0, 0, 3, 0x65, 0x88, 0x84};
  const std::vector<uint8_t> recovery = {0, 0, 0, 2, 0x06, 0x06, 0, 0, 0, 3, 0x41, 0x9a, 0x02};
  const std::vector<uint8_t> short_lengths = {0, 2, 0x09, 0xf0, 0, 3, 0x25, 0x88, 0x84};
  EXPECT_EQ(H264HasIdr(idr, 4), std::optional<bool>(true));
  EXPECT_EQ(H264HasIdr(recovery, 4), std::optional<bool>(false));
  EXPECT_EQ(H264HasIdr(short_lengths, 2), std::optional<bool>(true));  // nal_ref_idc 1, type 5
  EXPECT_EQ(H264HasIdr(short_lengths, 4), std::nullopt);
  EXPECT_EQ(H264HasIdr(std::vector<uint8_t>{0, 0, 0, 9, 0x65}, 4), std::nullopt);
  EXPECT_EQ(H264HasIdr(idr, 0), std::nullopt);
  EXPECT_EQ(H264HasIdr({}, 4), std::optional<bool>(false));
}

TEST(TsDemuxAnnexB, AvcCRoundTrip) {
  auto ref = h264::ParseAvcConfig(testdata::kAvcC720pHigh);
  ASSERT_TRUE(ref.ok());
  VideoSize size;
  auto built = BuildAvcC(ref->sps, ref->pps, &size);
  ASSERT_TRUE(built.ok()) << built.error().message();
  auto parsed = h264::ParseAvcConfig(*built);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->profile_idc, ref->profile_idc);
  EXPECT_EQ(parsed->profile_compatibility, ref->profile_compatibility);
  EXPECT_EQ(parsed->level_idc, ref->level_idc);
  EXPECT_EQ(parsed->nal_length_size, 4);
  EXPECT_EQ(parsed->sps, ref->sps);
  EXPECT_EQ(parsed->pps, ref->pps);
  EXPECT_EQ(size.width, 1280);
  EXPECT_EQ(size.height, 720);
  // Byte for byte what the encoder's muxer wrote, High profile extension included.
  EXPECT_EQ(*built, testdata::kAvcC720pHigh);
  EXPECT_FALSE(BuildAvcC(ref->sps, {}, nullptr).ok());
  EXPECT_FALSE(BuildAvcC({{0x67}}, ref->pps, nullptr).ok());
}

TEST(TsDemuxAnnexB, HvcCRoundTrip) {
  auto ref = hevc::ParseHevcConfig(testdata::kHvcC360pMain);
  ASSERT_TRUE(ref.ok());
  VideoSize size;
  auto built = BuildHvcC(ref->vps, ref->sps, ref->pps, &size);
  ASSERT_TRUE(built.ok()) << built.error().message();
  auto parsed = hevc::ParseHevcConfig(*built);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->general_profile_space, ref->general_profile_space);
  EXPECT_EQ(parsed->general_tier_flag, ref->general_tier_flag);
  EXPECT_EQ(parsed->general_profile_idc, ref->general_profile_idc);
  EXPECT_EQ(parsed->general_profile_compatibility_flags, ref->general_profile_compatibility_flags);
  EXPECT_EQ(parsed->general_constraint_indicator_flags, ref->general_constraint_indicator_flags);
  EXPECT_EQ(parsed->general_level_idc, ref->general_level_idc);
  EXPECT_EQ(parsed->nal_length_size, 4);
  EXPECT_EQ(parsed->vps, ref->vps);
  EXPECT_EQ(parsed->sps, ref->sps);
  EXPECT_EQ(parsed->pps, ref->pps);
  EXPECT_EQ(size.width, 640);
  EXPECT_EQ(size.height, 360);
  // The fixed header matches x265's record (chroma 4:2:0, 8 bit) up to avgFrameRate.
  EXPECT_TRUE(std::equal(built->begin(), built->begin() + 19, testdata::kHvcC360pMain.begin()));
  EXPECT_FALSE(BuildHvcC({}, ref->sps, ref->pps, nullptr).ok());
  EXPECT_FALSE(BuildHvcC(ref->vps, {{0x42, 0x01, 0x01}}, ref->pps, nullptr).ok());
}

}  // namespace
}  // namespace strait::ts
