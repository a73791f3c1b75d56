// Playlist rendering, checked against golden files in tests/golden/hls/. To regenerate after an
// intended change: STRAIT_UPDATE_GOLDEN=1 ./strait_transport_test --gtest_filter='Playlist*'
#include "transport/hls/playlist.h"

#include <gtest/gtest.h>

#include "codecs/golden_file.h"
#include "transport/hls/packager.h"
#include "transport/hls/stream.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

using std::chrono::milliseconds;

void ExpectGolden(const std::string& name, const std::string& actual) {
  golden::ExpectFile("hls/" + name, actual);
}

std::chrono::system_clock::time_point At(int64_t ms) {
  return std::chrono::system_clock::time_point(milliseconds(1764288000000 + ms));
}

TEST(Playlist, Iso8601Millis) {
  EXPECT_EQ(FormatIso8601Millis(At(0)), "2025-11-28T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(At(86400000 + 3723456)), "2025-11-29T01:02:03.456Z");
}

TEST(Playlist, MediaGoldenFromStructs) {
  MediaPlaylist p;
  p.target_duration_s = 3;
  p.discontinuity_sequence = 1;
  for (int i = 0; i < 4; ++i) {
    SegmentEntry s;
    s.sequence = 40 + i;
    s.duration_s = i == 3 ? 1.2345 : 2.002;
    s.discontinuity = i == 2;
    s.program_date_time = At(i * 2002);
    p.segments.push_back(s);
  }
  ExpectGolden("media_structs.m3u8", RenderMediaPlaylist(p));
  p.ended = true;
  ExpectGolden("media_structs_ended.m3u8", RenderMediaPlaylist(p));
}

TEST(Playlist, MasterGolden) {
  std::vector<VariantInfo> variants(2);
  variants[0] = {"src/playlist.m3u8", 2563000, 2310000, 1920, 1080, 29.97, "avc1.64002a,mp4a.40.2"};
  variants[1] = {"720p/playlist.m3u8", 1400000, 0, 1280, 720, 0, "avc1.4d401f,mp4a.40.2"};
  ExpectGolden("master_two_renditions.m3u8", RenderMasterPlaylist(variants));
  std::vector<VariantInfo> audio_only = {
      {"src/playlist.m3u8", 130000, 128000, 0, 0, 0, "mp4a.40.5"}};
  ExpectGolden("master_audio_only.m3u8", RenderMasterPlaylist(audio_only));
}

// An ABR ladder: video-only rungs sharing one audio rendition as the group "audio"; each variant's
// bandwidth includes the audio's, its CODECS the audio codec.
TEST(Playlist, MasterWithAudioGroupGolden) {
  std::vector<VariantInfo> video(2), audio(1);
  video[0] = {"720p/playlist.m3u8", 2800000, 2600000, 1280, 720, 30, "avc1.64001f"};
  video[1] = {"360p/playlist.m3u8", 800000, 750000, 640, 360, 30, "avc1.64001e"};
  audio[0] = {"audio/playlist.m3u8", 140000, 130000, 0, 0, 0, "mp4a.40.2"};
  audio[0].channels = 2;
  const std::string text = RenderMasterPlaylist(video, audio);
  ExpectGolden("master_audio_group.m3u8", text);
  EXPECT_NE(text.find("BANDWIDTH=2940000,AVERAGE-BANDWIDTH=2730000,"), std::string::npos) << text;
  EXPECT_EQ(RenderMasterPlaylist(video, {}), RenderMasterPlaylist(video));
}

// AAC and Opus audio renditions: one group per codec, every video variant listed once per group.
TEST(Playlist, MasterWithAacAndOpusGroupsGolden) {
  std::vector<VariantInfo> video(2), audio(2);
  video[0] = {"720p/playlist.m3u8", 2800000, 2600000, 1280, 720, 30, "avc1.64001f"};
  video[1] = {"360p/playlist.m3u8", 800000, 750000, 640, 360, 30, "avc1.64001e"};
  audio[0] = {"audio/playlist.m3u8", 140000, 130000, 0, 0, 0, "mp4a.40.2"};
  audio[1] = {"audio-opus/playlist.m3u8", 100000, 96000, 0, 0, 0, "Opus"};
  audio[0].channels = audio[1].channels = 2;
  const std::string text = RenderMasterPlaylist(video, audio);
  ExpectGolden("master_aac_opus_groups.m3u8", text);
  EXPECT_NE(text.find("CODECS=\"avc1.64001e,Opus\",AUDIO=\"audio-opus\""), std::string::npos);
  EXPECT_NE(text.find("CODECS=\"avc1.64001e,mp4a.40.2\",AUDIO=\"audio\""), std::string::npos);
}

// The whole path: packager -> rendition -> rendered media playlist, with a FakeClock, a restart
// (discontinuity) and a finish (ENDLIST). Byte sizes do not appear in media playlists, so this is
// stable across FFmpeg versions.
TEST(Playlist, MediaGoldenFromPackager) {
  FakeClock clock;
  RenditionOptions options;
  options.window_segments = 4;
  Stream stream("shop1", options);
  Rendition& src = stream.AddRendition("src");
  Packager p(src, clock);
  auto feed = [&](int64_t start, int64_t duration) {
    ASSERT_TRUE(p.AddTrack(testing::VideoTrack()).ok());
    ASSERT_TRUE(p.AddTrack(testing::AudioTrack()).ok());
    for (const Packet& packet : testing::MakeLive(start, duration)) {
      ASSERT_TRUE(p.Write(packet).ok());
    }
  };
  feed(0, 8100);
  ExpectGolden("media_live.m3u8", *src.Playlist());
  ASSERT_TRUE(p.Finish().ok());
  clock.Advance(std::chrono::seconds(30));
  p.Restart();
  feed(1000, 5000);
  ASSERT_TRUE(p.Finish().ok());
  ExpectGolden("media_restart_ended.m3u8", *src.Playlist());
}

}  // namespace
}  // namespace strait::transport::hls
