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

// ModEx (E-RTMP v2): modifiers before the real packet type. The one defined, TimestampOffsetNano
// (type 0), carries a UI24 of nanoseconds; strait skips it.
TEST_F(FlvTagTest, EnhancedVideoModEx) {
  // IsExHeader | key | ModEx; size 3 (UI8 2 + 1), 999999 ns; TimestampOffsetNano | CodedFrames;
  // hvc1, composition time 33, one NAL unit.
  auto frame = Video(Bytes{0x97, 0x02, 0x0f, 0x42, 0x3f, 0x01, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21,
                           0, 0, 0, 1, 0x26});
  ASSERT_TRUE(frame.ok()) << frame.error().message();
  EXPECT_EQ(frame->codec, CodecId::kHevc);
  EXPECT_EQ(frame->kind, TagKind::kFrame);
  EXPECT_TRUE(frame->keyframe);
  EXPECT_EQ(frame->composition_time_ms, 33);
  EXPECT_EQ(Bytes(frame->payload.begin(), frame->payload.end()), Bytes({0, 0, 0, 1, 0x26}));

  // Two modifiers, the second with the 16-bit size (UI8 255 → UI16 + 1 = 300 bytes), then an
  // inter CodedFramesX frame of av01.
  Bytes chained = {0xa7, 0x00, 0xaa, 0x07, 0xff, 0x01, 0x2b};
  chained.insert(chained.end(), 300, 0x55);
  chained.insert(chained.end(), {0x03, 'a', 'v', '0', '1', 0x12, 0x00});
  auto x = Video(chained);
  ASSERT_TRUE(x.ok()) << x.error().message();
  EXPECT_EQ(x->codec, CodecId::kAv1);
  EXPECT_EQ(x->kind, TagKind::kFrame);
  EXPECT_FALSE(x->keyframe);
  EXPECT_EQ(Bytes(x->payload.begin(), x->payload.end()), Bytes({0x12, 0x00}));

  EXPECT_FALSE(Video(Bytes{0x97}).ok());                                // no size
  EXPECT_FALSE(Video(Bytes{0x97, 0xff, 0x01}).ok());                    // half a UI16 size
  EXPECT_FALSE(Video(Bytes{0x97, 0x02, 0x0f, 0x42, 0x3f}).ok());        // no packet type after
  EXPECT_FALSE(Video(Bytes{0x97, 0x02, 0x0f, 0x42, 0x3f, 0x01}).ok());  // no FourCC
}

// Multitrack (E-RTMP v2; OBS sends its extra tracks this way): track 0 is the tag, the others are
// skipped and counted, whatever their codec.
TEST_F(FlvTagTest, EnhancedVideoMultitrack) {
  // Multitrack | OneTrack, CodedFrames; hvc1; track 0; composition time 40; NAL unit.
  auto one = Video(Bytes{0x96, 0x01, 'h', 'v', 'c', '1', 0x00, 0x00, 0x00, 40, 0, 0, 0, 1, 0x26});
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_EQ(one->codec, CodecId::kHevc);
  EXPECT_EQ(one->kind, TagKind::kFrame);
  EXPECT_TRUE(one->keyframe);
  EXPECT_EQ(one->composition_time_ms, 40);
  EXPECT_EQ(one->payload.size(), 5u);
  EXPECT_EQ(one->skipped_tracks, 0u);

  // OneTrack, track 1 only: nothing for the stream.
  auto other = Video(Bytes{0xa6, 0x03, 'a', 'v', 'c', '1', 0x01, 0, 0, 0, 1, 0x41});
  ASSERT_TRUE(other.ok()) << other.error().message();
  EXPECT_EQ(other->kind, TagKind::kInfo);
  EXPECT_EQ(other->skipped_tracks, 1u);

  // ManyTracks, SequenceStart; avc1; track 1 (3 bytes), then track 0 (2 bytes).
  auto many = Video(Bytes{0x96, 0x10, 'a', 'v', 'c', '1', 0x01, 0x00, 0x00, 0x03, 0x01, 0x4d, 0x00,
                          0x00, 0x00, 0x00, 0x02, 0x01, 0x64});
  ASSERT_TRUE(many.ok()) << many.error().message();
  EXPECT_EQ(many->codec, CodecId::kH264);
  EXPECT_EQ(many->kind, TagKind::kConfig);
  EXPECT_EQ(Bytes(many->payload.begin(), many->payload.end()), Bytes({0x01, 0x64}));
  EXPECT_EQ(many->skipped_tracks, 1u);

  // ManyTracksManyCodecs, CodedFramesX: track 1 in vp09 (not a codec strait takes, not even
  // looked at), track 0 in av01, track 2 in an unknown FourCC.
  auto mixed = Video(Bytes{0xa6, 0x23, 'v', 'p', '0', '9',  0x01, 0x00, 0x00, 0x01,
                           0xaa, 'a',  'v', '0', '1', 0x00, 0x00, 0x00, 0x02, 0x12,
                           0x00, 'x',  'y', 'z', 'w', 0x02, 0x00, 0x00, 0x00});
  ASSERT_TRUE(mixed.ok()) << mixed.error().message();
  EXPECT_EQ(mixed->codec, CodecId::kAv1);
  EXPECT_EQ(mixed->kind, TagKind::kFrame);
  EXPECT_FALSE(mixed->keyframe);
  EXPECT_EQ(Bytes(mixed->payload.begin(), mixed->payload.end()), Bytes({0x12, 0x00}));
  EXPECT_EQ(mixed->skipped_tracks, 2u);

  // ModEx before Multitrack.
  auto modex = Video(Bytes{0x97, 0x02, 0, 0, 1, 0x06, 0x01, 'h', 'v', 'c', '1', 0x00, 0, 0, 0});
  ASSERT_TRUE(modex.ok()) << modex.error().message();
  EXPECT_EQ(modex->kind, TagKind::kFrame);

  // Track 0 in a codec strait does not take is still an error; so is a track past the body, a
  // reserved multitrack type, and Multitrack inside Multitrack.
  auto vp9 = Video(Bytes{0x96, 0x21, 'v', 'p', '0', '9', 0x00, 0x00, 0x00, 0x01, 0xaa});
  ASSERT_FALSE(vp9.ok());
  EXPECT_EQ(vp9.error().message().rfind("unsupported", 0), 0u) << vp9.error().message();
  EXPECT_FALSE(Video(Bytes{0x96, 0x11, 'h', 'v', 'c', '1', 0x00, 0x00, 0x00, 0x09, 0, 0, 0}).ok());
  EXPECT_FALSE(Video(Bytes{0x96, 0x31, 'h', 'v', 'c', '1', 0x00}).ok());
  EXPECT_FALSE(Video(Bytes{0x96, 0x06, 'h', 'v', 'c', '1', 0x00}).ok());
  EXPECT_FALSE(Video(Bytes{0x96, 0x01, 'h', 'v', 'c', '1'}).ok());  // no track id
}

// A command frame (FrameType 5) carries one command byte right after the header, no FourCC.
TEST_F(FlvTagTest, EnhancedVideoCommandFrame) {
  for (const Bytes& body : {Bytes{0xd1, 0x00}, Bytes{0xd0, 0x01}, Bytes{0xd3},
                            Bytes{0xd7, 0x02, 0, 0, 1, 0x01, 0x00}}) {
    auto command = Video(body);
    ASSERT_TRUE(command.ok()) << command.error().message();
    EXPECT_EQ(command->kind, TagKind::kInfo);
    EXPECT_LE(command->payload.size(), 1u);
  }
  // With PacketType Metadata the frame type is ignored: a FourCC and AMF follow.
  auto meta = Video(Bytes{0xd4, 'h', 'v', 'c', '1', 0x02, 0x00, 0x09, 'c', 'o', 'l', 'o', 'r', 'I',
                          'n', 'f', 'o', 0x06});
  ASSERT_TRUE(meta.ok()) << meta.error().message();
  EXPECT_EQ(meta->codec, CodecId::kHevc);
  EXPECT_EQ(meta->kind, TagKind::kInfo);
  EXPECT_EQ(meta->payload.size(), 13u);
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

TEST_F(FlvTagTest, LegacyMp3) {
  // SoundFormat 2, 44 kHz, 16-bit, stereo; an MPEG-1 layer III frame header.
  auto mp3 = Audio(Bytes{0x2f, 0xff, 0xfb, 0x90, 0x64, 0x00});
  ASSERT_TRUE(mp3.ok()) << mp3.error().message();
  EXPECT_EQ(mp3->codec, CodecId::kMp3);
  EXPECT_EQ(mp3->kind, TagKind::kFrame);
  EXPECT_TRUE(mp3->keyframe);
  EXPECT_EQ(Bytes(mp3->payload.begin(), mp3->payload.end()), Bytes({0xff, 0xfb, 0x90, 0x64, 0x00}));
  auto low = Audio(Bytes{0xe2, 0xff, 0xe3, 0x28, 0xc4});  // SoundFormat 14: MP3 8 kHz
  ASSERT_TRUE(low.ok());
  EXPECT_EQ(low->codec, CodecId::kMp3);
}

// SoundFormat 9: the Enhanced RTMP v2 audio header (AudioPacketType in the low nibble, a FourCC).
TEST_F(FlvTagTest, EnhancedAudio) {
  auto asc = Audio(Bytes{0x90, 'm', 'p', '4', 'a', 0x12, 0x10});
  ASSERT_TRUE(asc.ok()) << asc.error().message();
  EXPECT_EQ(asc->codec, CodecId::kAac);
  EXPECT_EQ(asc->kind, TagKind::kConfig);
  EXPECT_EQ(Bytes(asc->payload.begin(), asc->payload.end()), Bytes({0x12, 0x10}));
  auto aac = Audio(Bytes{0x91, 'm', 'p', '4', 'a', 0x21, 0x00});
  ASSERT_TRUE(aac.ok());
  EXPECT_EQ(aac->kind, TagKind::kFrame);
  EXPECT_TRUE(aac->keyframe);
  EXPECT_EQ(aac->payload.size(), 2u);

  const Bytes opus_head = {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd', 1, 2,
                           0x38, 0x01, 0x80, 0xbb, 0,   0,   0,   0,   0};
  Bytes start = {0x90, 'O', 'p', 'u', 's'};
  start.insert(start.end(), opus_head.begin(), opus_head.end());
  auto head = Audio(start);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->codec, CodecId::kOpus);
  EXPECT_EQ(head->kind, TagKind::kConfig);
  EXPECT_EQ(Bytes(head->payload.begin(), head->payload.end()), opus_head);
  auto opus = Audio(Bytes{0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe});
  ASSERT_TRUE(opus.ok());
  EXPECT_EQ(opus->codec, CodecId::kOpus);
  EXPECT_EQ(opus->kind, TagKind::kFrame);
  EXPECT_EQ(opus->payload.size(), 3u);
  auto end = Audio(Bytes{0x92, 'O', 'p', 'u', 's'});
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->kind, TagKind::kEnd);
  // MultichannelConfig: order Native, 2 channels, mask FrontLeft | FrontRight.
  auto layout = Audio(Bytes{0x94, 'O', 'p', 'u', 's', 0x01, 0x02, 0x00, 0x00, 0x00, 0x03});
  ASSERT_TRUE(layout.ok());
  EXPECT_EQ(layout->kind, TagKind::kInfo);
  auto mp3 = Audio(Bytes{0x91, '.', 'm', 'p', '3', 0xff, 0xfb, 0x90, 0x64});
  ASSERT_TRUE(mp3.ok());
  EXPECT_EQ(mp3->codec, CodecId::kMp3);
  EXPECT_EQ(mp3->kind, TagKind::kFrame);

  // ModEx (TimestampOffsetNano) before CodedFrames.
  auto modex = Audio(Bytes{0x97, 0x02, 0x00, 0x01, 0xf4, 0x01, 'm', 'p', '4', 'a', 0x21});
  ASSERT_TRUE(modex.ok()) << modex.error().message();
  EXPECT_EQ(modex->codec, CodecId::kAac);
  EXPECT_EQ(modex->kind, TagKind::kFrame);
  EXPECT_EQ(modex->payload.size(), 1u);

  // A reserved AudioPacketType (3) carries nothing a packager needs: kInfo, not an error that
  // would end the publish.
  auto reserved = Audio(Bytes{0x93, 'm', 'p', '4', 'a'});
  ASSERT_TRUE(reserved.ok()) << reserved.error().message();
  EXPECT_EQ(reserved->kind, TagKind::kInfo);
  EXPECT_FALSE(Audio(Bytes{0x91, 'm', 'p', '4'}).ok());
}

TEST_F(FlvTagTest, EnhancedAudioMultitrack) {
  // Multitrack (5) | OneTrack, CodedFrames; mp4a; track 0.
  auto one = Audio(Bytes{0x95, 0x01, 'm', 'p', '4', 'a', 0x00, 0x21, 0x00});
  ASSERT_TRUE(one.ok()) << one.error().message();
  EXPECT_EQ(one->codec, CodecId::kAac);
  EXPECT_EQ(one->kind, TagKind::kFrame);
  EXPECT_EQ(Bytes(one->payload.begin(), one->payload.end()), Bytes({0x21, 0x00}));
  // ManyTracksManyCodecs, SequenceStart: track 1 in FLAC (skipped, no warning), track 0 in Opus.
  Bytes mixed = {0x95, 0x20, 'f', 'L', 'a', 'C', 0x01, 0x00, 0x00, 0x02,
                 0xaa, 0xbb, 'O', 'p', 'u', 's', 0x00, 0x00, 0x00, 0x13};
  const Bytes opus_head = {'O', 'p', 'u',  's',  'H', 'e', 'a', 'd', 1, 1,
                           0,   0,   0x80, 0xbb, 0,   0,   0,   0,   0};
  mixed.insert(mixed.end(), opus_head.begin(), opus_head.end());
  auto opus = Audio(mixed);
  ASSERT_TRUE(opus.ok()) << opus.error().message();
  EXPECT_EQ(opus->codec, CodecId::kOpus);
  EXPECT_EQ(opus->kind, TagKind::kConfig);
  EXPECT_EQ(Bytes(opus->payload.begin(), opus->payload.end()), opus_head);
  EXPECT_EQ(opus->skipped_tracks, 1u);
  // ManyTracks, track 0 in ac-3: the stream's audio is a format strait cannot carry.
  auto ac3 = Audio(Bytes{0x95, 0x11, 'a', 'c', '-', '3', 0x00, 0x00, 0x00, 0x01, 0x0b});
  ASSERT_TRUE(ac3.ok()) << ac3.error().message();
  EXPECT_EQ(ac3->kind, TagKind::kUnsupported);
  EXPECT_EQ(ac3->format, "FourCC 'ac-3'");
  // A track size past the end.
  EXPECT_FALSE(Audio(Bytes{0x95, 0x11, 'm', 'p', '4', 'a', 0x00, 0x00, 0x00, 0x05, 0x21}).ok());
}

// Audio strait cannot carry is no error: the tag says so and names the format.
TEST_F(FlvTagTest, UnsupportedAudioIsNamed) {
  auto speex = Audio(Bytes{0xb6, 0x00, 0x01});
  ASSERT_TRUE(speex.ok()) << speex.error().message();
  EXPECT_EQ(speex->kind, TagKind::kUnsupported);
  EXPECT_EQ(speex->codec, CodecId::kUnknown);
  EXPECT_EQ(speex->format, "Speex (SoundFormat 11)");
  auto pcm = Audio(Bytes{0x3f});
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(pcm->format, "linear PCM, little endian (SoundFormat 3)");
  auto flac = Audio(Bytes{0x90, 'f', 'L', 'a', 'C', 'f', 'L', 'a', 'C'});
  ASSERT_TRUE(flac.ok());
  EXPECT_EQ(flac->kind, TagKind::kUnsupported);
  EXPECT_EQ(flac->format, "FourCC 'fLaC'");
  auto eac3 = Audio(Bytes{0x91, 'e', 'c', '-', '3', 0x0b, 0x77});
  ASSERT_TRUE(eac3.ok());
  EXPECT_EQ(eac3->format, "FourCC 'ec-3'");
  auto unknown = Audio(Bytes{0x91, 0x01, 'x', 0x7f, 'y'});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->format, "FourCC '?x?y'");
}

TEST_F(FlvTagTest, UnsupportedAndMalformed) {
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
  const Bytes bodies[] = {
      {0x17, 0x01, 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x65},
      {0x91, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x26},
      {0xaf, 0x01, 0x21, 0x00},
      {0x97, 0x02, 0x0f, 0x42, 0x3f, 0x01, 'h', 'v', 'c', '1', 0x00, 0x00, 0x21, 0, 0, 0, 1, 0x26},
      {0x96, 0x11, 'a', 'v', 'c', '1', 0x01, 0x00, 0x00, 0x01, 0xaa, 0x00, 0x00, 0x00, 0x03, 0, 0,
       0},
      {0x96, 0x21, 'v', 'p', '0', '9',  0x01, 0x00, 0x00, 0x01,
       0xaa, 'a',  'v', '0', '1', 0x00, 0x00, 0x00, 0x01, 0x12},
      {0x95, 0x20, 'f', 'L', 'a',  'C',  0x01, 0x00, 0x00, 0x01, 0xaa,
       'm',  'p',  '4', 'a', 0x00, 0x00, 0x00, 0x02, 0x12, 0x10},
      {0x97, 0x02, 0x00, 0x01, 0xf4, 0x01, 'O', 'p', 'u', 's', 0xfc}};
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
