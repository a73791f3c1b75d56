// The master playlist of a ladder: video-only rungs and their audio rendition. A player reads the
// master once, so it is not published with the rungs alone while the audio rendition is about to
// go live (a viewer who came in the first seconds would play without sound); an audio track that
// never sends a frame holds it back for a few segments only.
#include "transport/hls/stream.h"

#include <gtest/gtest.h>

#include "codecs/clock.h"
#include "transport/hls/packager.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

using testing::AudioTrack;
using testing::MakeLive;
using testing::VideoTrack;

class LadderMasterTest : public ::testing::Test {
 protected:
  LadderMasterTest()
      : video_(stream_.AddRendition("720p"), clock_, VideoOnly()),
        audio_(stream_.AddRendition("audio"), clock_, AudioOnly()) {}

  static PackagerOptions VideoOnly() {
    PackagerOptions o;
    o.expect_audio = false;
    return o;
  }
  static PackagerOptions AudioOnly() {
    PackagerOptions o;
    o.expect_video = false;
    return o;
  }
  void Feed(Packager& p, const std::vector<Packet>& packets) {
    for (const Packet& packet : packets)
      ASSERT_TRUE(p.Write(packet).ok());
  }
  std::string Master() {
    auto m = stream_.MasterPlaylist();
    return m ? *m : "";
  }

  FakeClock clock_;
  Stream stream_{"shop1", {}};
  Packager video_;
  Packager audio_;
};

TEST_F(LadderMasterTest, TheRungsWaitForTheirAudioGroup) {
  ASSERT_TRUE(audio_.AddTrack(AudioTrack()).ok());  // its publish began: no segment yet
  ASSERT_TRUE(video_.AddTrack(VideoTrack()).ok());
  Feed(video_, MakeLive(0, 4100, true, false));
  EXPECT_EQ(stream_.FindRendition("720p")->Stats().segments_total, 2u);
  EXPECT_EQ(stream_.MasterPlaylist(), nullptr) << Master();
  Feed(audio_, MakeLive(0, 2100, false, true));
  const std::string master = Master();
  EXPECT_NE(master.find("#EXT-X-MEDIA:TYPE=AUDIO"), std::string::npos) << master;
  EXPECT_NE(master.find("AUDIO=\"audio\""), std::string::npos) << master;
  EXPECT_NE(master.find("720p/playlist.m3u8"), std::string::npos) << master;
}

TEST_F(LadderMasterTest, AnAudioTrackWithoutFramesHoldsTheMasterBackForAFewSegmentsOnly) {
  ASSERT_TRUE(audio_.AddTrack(AudioTrack()).ok());
  ASSERT_TRUE(video_.AddTrack(VideoTrack()).ok());
  Feed(video_, MakeLive(0, 6100, true, false));
  EXPECT_EQ(stream_.FindRendition("720p")->Stats().segments_total, 3u);
  const std::string master = Master();
  EXPECT_NE(master.find("720p/playlist.m3u8"), std::string::npos) << master;
  EXPECT_EQ(master.find("AUDIO="), std::string::npos) << master;
}

TEST_F(LadderMasterTest, AVideoOnlySourceIsListedAtOnce) {
  ASSERT_TRUE(video_.AddTrack(VideoTrack()).ok());
  Feed(video_, MakeLive(0, 2100, true, false));
  EXPECT_NE(Master().find("720p/playlist.m3u8"), std::string::npos) << Master();
}

}  // namespace
}  // namespace strait::transport::hls
