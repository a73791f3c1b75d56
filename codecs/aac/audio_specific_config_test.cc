#include "codecs/aac/audio_specific_config.h"

#include <gtest/gtest.h>

#include "codecs/h264/test_vectors.h"

namespace strait::aac {
namespace {

TEST(AudioSpecificConfig, ParsesLcStereo) {
  Result<AudioSpecificConfig> c = ParseAudioSpecificConfig(testdata::kAscLc44100Stereo);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->object_type, 2);
  EXPECT_EQ(c->core_object_type, 2);
  EXPECT_EQ(c->sample_rate, 44100);
  EXPECT_EQ(c->channel_config, 2);
  EXPECT_EQ(c->channels(), 2);
  EXPECT_EQ(c->extension_sample_rate, 0);
}

// The same 48 kHz stereo AAC-LC as the TS ingest and as FFmpeg (RTMP) describe it: the second
// adds a sync extension saying "no SBR".
TEST(AudioSpecificConfig, SameConfigurationInEitherForm) {
  const uint8_t two[] = {0x11, 0x90};
  const uint8_t five[] = {0x11, 0x90, 0x56, 0xE5, 0x00};
  const uint8_t at_44100[] = {0x12, 0x10};
  const uint8_t garbage[] = {0xFF};
  EXPECT_TRUE(SameConfiguration(two, five));
  EXPECT_TRUE(SameConfiguration(five, two));
  EXPECT_FALSE(SameConfiguration(two, at_44100));
  EXPECT_FALSE(SameConfiguration(two, garbage));
}

TEST(AudioSpecificConfig, ParsesExplicitHeAac) {
  Result<AudioSpecificConfig> c = ParseAudioSpecificConfig(testdata::kAscHeAac);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->object_type, 5);
  EXPECT_EQ(c->core_object_type, 2);
  EXPECT_EQ(c->sample_rate, 22050);
  EXPECT_EQ(c->extension_sample_rate, 44100);
  EXPECT_EQ(c->channels(), 2);
}

TEST(AudioSpecificConfig, ParsesEscapeObjectTypeAndExplicitRate) {
  Result<AudioSpecificConfig> c = ParseAudioSpecificConfig(testdata::kAscEscape);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->object_type, 33);
  EXPECT_EQ(c->sample_rate, 48000);
  EXPECT_EQ(c->channel_config, 1);
}

TEST(AudioSpecificConfig, RejectsBadInput) {
  EXPECT_FALSE(ParseAudioSpecificConfig({}).ok());
  EXPECT_FALSE(ParseAudioSpecificConfig(std::vector<uint8_t>{0x12}).ok());
  EXPECT_FALSE(ParseAudioSpecificConfig(std::vector<uint8_t>{0x00, 0x10}).ok());  // AOT 0
  EXPECT_FALSE(ParseAudioSpecificConfig(std::vector<uint8_t>{0x16, 0x90}).ok());  // index 13
  EXPECT_FALSE(ParseAudioSpecificConfig(std::vector<uint8_t>{0x2b, 0x92}).ok());  // truncated
  EXPECT_FALSE(ParseAudioSpecificConfig(std::vector<uint8_t>{0xf8, 0x3e, 0x01}).ok());
}

}  // namespace
}  // namespace strait::aac
