#include "codecs/flv/tag.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

namespace strait::flv {
namespace {

using Bytes = std::vector<uint8_t>;

// Keeps every parsed body alive for the whole test: MediaTag::payload is a view into it.
class FlvTagTest : public ::testing::Test {
 protected:
  Result<MediaTag> Video(Bytes body) { return ParseVideoTag(keep_.emplace_back(std::move(body))); }
  Result<MediaTag> Audio(Bytes body) { return ParseAudioTag(keep_.emplace_back(std::move(body))); }

 private:
  std::deque<Bytes> keep_;
};

TEST_F(FlvTagTest, AvcSequenceHeader) {
  const Bytes body = {0x17, 0x00, 0x00, 0x00, 0x00, 0x01, 0x64, 0x00, 0x1f};
  auto tag = ParseVideoTag(body);
  ASSERT_TRUE(tag.ok()) << tag.error().message();
  EXPECT_EQ(tag->codec, CodecId::kH264);
  EXPECT_EQ(tag->kind, TagKind::kConfig);
  EXPECT_TRUE(tag->keyframe);
  EXPECT_EQ(Bytes(tag->payload.begin(), tag->payload.end()), Bytes({0x01, 0x64, 0x00, 0x1f}));
}

TEST_F(FlvTagTest, AvcNaluWithNegativeCompositionTime) {
  const Bytes body = {0x27, 0x01, 0xff, 0xff, 0xd8, 0x00, 0x00, 0x00, 0x01, 0x41};
  auto tag = ParseVideoTag(body);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->kind, TagKind::kFrame);
  EXPECT_FALSE(tag->keyframe);
  EXPECT_EQ(tag->composition_time_ms, -40);
  EXPECT_EQ(tag->payload.size(), 5u);
}

TEST_F(FlvTagTest, AvcPositiveCompositionTimeAndEnd) {
  auto frame = Video(Bytes{0x17, 0x01, 0x00, 0x00, 0x50});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->composition_time_ms, 80);
  EXPECT_TRUE(frame->payload.empty());
  auto end = Video(Bytes{0x17, 0x02, 0x00, 0x00, 0x00});
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->kind, TagKind::kEnd);
}

TEST_F(FlvTagTest, EnhancedHvc1) {
  // IsExHeader | FrameType 1 (key) | PacketType 0 (SequenceStart), FourCC hvc1, hvcC bytes.
  auto config = Video(Bytes{0x90, 'h', 'v', 'c', '1', 0x01, 0x02});
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->codec, CodecId::kHevc);
  EXPECT_EQ(config->kind, TagKind::kConfig);
  EXPECT_EQ(config->payload.size(), 2u);
  // CodedFrames (1) carries SI24 composition time.
  auto frame = Video(Bytes{0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x26});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->kind, TagKind::kFrame);
  EXPECT_TRUE(frame->keyframe);
  EXPECT_EQ(frame->composition_time_ms, 33);
  EXPECT_EQ(frame->payload.size(), 5u);
  // CodedFramesX (3): no composition time, inter frame.
  auto x = Video(Bytes{0xa3, 'h', 'v', 'c', '1', 0, 0, 0, 1, 0x02});
  ASSERT_TRUE(x.ok());
  EXPECT_FALSE(x->keyframe);
  EXPECT_EQ(x->composition_time_ms, 0);
  EXPECT_EQ(x->payload.size(), 5u);
  auto end = Video(Bytes{0x92, 'h', 'v', 'c', '1'});
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->kind, TagKind::kEnd);
}

TEST_F(FlvTagTest, EnhancedAv1AndAvc1) {
  auto av1 = Video(Bytes{0x91, 'a', 'v', '0', '1', 0x12, 0x00});
  ASSERT_TRUE(av1.ok());
  EXPECT_EQ(av1->codec, CodecId::kAv1);
  EXPECT_EQ(av1->payload.size(), 2u);  // no composition time for av01
  auto avc = Video(Bytes{0x91, 'a', 'v', 'c', '1', 0, 0, 0});
  ASSERT_TRUE(avc.ok());
  EXPECT_EQ(avc->codec, CodecId::kH264);
  auto meta = Video(Bytes{0x94, 'a', 'v', '0', '1', 0x02});
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->kind, TagKind::kInfo);
  auto ts = Video(Bytes{0x95, 'a', 'v', '0', '1'});
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(ts->kind, TagKind::kInfo);
}

TEST_F(FlvTagTest, AacConfigAndFrame) {
  auto config = Audio(Bytes{0xaf, 0x00, 0x12, 0x10});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->codec, CodecId::kAac);
  EXPECT_EQ(config->kind, TagKind::kConfig);
  EXPECT_EQ(Bytes(config->payload.begin(), config->payload.end()), Bytes({0x12, 0x10}));
  auto frame = Audio(Bytes{0xaf, 0x01, 0x21, 0x00});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->kind, TagKind::kFrame);
  EXPECT_TRUE(frame->keyframe);
}

TEST_F(FlvTagTest, UnsupportedAndMalformed) {
  auto mp3 = Audio(Bytes{0x2f, 0x00});
  ASSERT_FALSE(mp3.ok());
  EXPECT_EQ(mp3.error().message().rfind("unsupported", 0), 0u) << mp3.error().message();
  auto vp6 = Video(Bytes{0x14, 0x00});
  ASSERT_FALSE(vp6.ok());
  EXPECT_EQ(vp6.error().message().rfind("unsupported", 0), 0u);
  auto vp9 = Video(Bytes{0x90, 'v', 'p', '0', '9'});
  ASSERT_FALSE(vp9.ok());
  EXPECT_NE(vp9.error().message().find("vp09"), std::string::npos);
  EXPECT_FALSE(Video(Bytes{}).ok());
  EXPECT_FALSE(Audio(Bytes{}).ok());
  EXPECT_FALSE(Audio(Bytes{0xaf}).ok());
  EXPECT_FALSE(Audio(Bytes{0xaf, 0x07}).ok());
  EXPECT_FALSE(Video(Bytes{0x17, 0x01, 0x00}).ok());
  EXPECT_FALSE(Video(Bytes{0x17, 0x09, 0x00, 0x00, 0x00}).ok());
  EXPECT_FALSE(Video(Bytes{0x91, 'h', 'v', 'c'}).ok());
  EXPECT_FALSE(Video(Bytes{0x91, 'h', 'v', 'c', '1', 0x00}).ok());
  EXPECT_FALSE(Video(Bytes{0x96, 'h', 'v', 'c', '1'}).ok());
}

TEST_F(FlvTagTest, EveryTruncationIsSafe) {
  const Bytes bodies[] = {{0x17, 0x01, 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x65},
                          {0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x26},
                          {0xaf, 0x01, 0x21, 0x00}};
  for (const Bytes& body : bodies) {
    for (size_t n = 0; n <= body.size(); ++n) {
      std::span<const uint8_t> prefix(body.data(), n);
      auto v = ParseVideoTag(prefix);
      auto a = ParseAudioTag(prefix);
      if (v.ok()) {
        EXPECT_LE(v->payload.size(), n);
      }
      if (a.ok()) {
        EXPECT_LE(a->payload.size(), n);
      }
    }
  }
}

}  // namespace
}  // namespace strait::flv
