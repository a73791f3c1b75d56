#include "codecs/mpeg_audio/frame_header.h"

#include <gtest/gtest.h>

#include <vector>

namespace strait::mpeg_audio {
namespace {

using Bytes = std::vector<uint8_t>;

TEST(MpegAudioFrameHeaderTest, Mp3Layers) {
  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint stereo (LAME's usual first frame).
  auto mp3 = ParseFrameHeader(Bytes{0xff, 0xfb, 0x90, 0x64});
  ASSERT_TRUE(mp3);
  EXPECT_EQ(mp3->layer, 3);
  EXPECT_EQ(mp3->sample_rate, 44100);
  EXPECT_EQ(mp3->channels, 2);
  EXPECT_EQ(mp3->samples, 1152);
  // MPEG-2 layer III, 24 kHz, mono: 576 samples a frame.
  auto lsf = ParseFrameHeader(Bytes{0xff, 0xf3, 0x44, 0xc4});
  ASSERT_TRUE(lsf);
  EXPECT_EQ(lsf->sample_rate, 24000);
  EXPECT_EQ(lsf->channels, 1);
  EXPECT_EQ(lsf->samples, 576);
  // MPEG-2.5 layer III, 8 kHz (FLV's SoundFormat 14).
  auto low = ParseFrameHeader(Bytes{0xff, 0xe3, 0x28, 0xc4});
  ASSERT_TRUE(low);
  EXPECT_EQ(low->sample_rate, 8000);
  // MPEG-1 layer II and layer I.
  auto mp2 = ParseFrameHeader(Bytes{0xff, 0xfd, 0x94, 0x00});
  ASSERT_TRUE(mp2);
  EXPECT_EQ(mp2->layer, 2);
  EXPECT_EQ(mp2->samples, 1152);
  auto mp1 = ParseFrameHeader(Bytes{0xff, 0xff, 0x94, 0x00});
  ASSERT_TRUE(mp1);
  EXPECT_EQ(mp1->layer, 1);
  EXPECT_EQ(mp1->samples, 384);
}

TEST(MpegAudioFrameHeaderTest, RejectsWhatIsNoHeader) {
  EXPECT_FALSE(ParseFrameHeader(Bytes{}));
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xff, 0xfb, 0x90}));        // short
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xfe, 0xfb, 0x90, 0x64}));  // no sync
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xff, 0xeb, 0x90, 0x64}));  // reserved version
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xff, 0xf9, 0x90, 0x64}));  // reserved layer
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xff, 0xfb, 0x9c, 0x64}));  // reserved sampling rate
  EXPECT_FALSE(ParseFrameHeader(Bytes{0xff, 0xfb, 0xf0, 0x64}));  // forbidden bitrate index 15
}

}  // namespace
}  // namespace strait::mpeg_audio
