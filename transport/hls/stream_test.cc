// The master playlist of a ladder: video-only rungs and their audio rendition. A player reads the
// master once, so it is not published with the rungs alone while the audio rendition is about to
// go live (a viewer who came in the first seconds would play without sound); an audio track that
// never sends a frame holds it back for a few segments only. One publish's renditions date a
// picture the same, and the audio rendition's window covers the video renditions'.
#include "transport/hls/stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

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

// The other way round: the audio rendition's first segment came ~180 ms before the first rung's
// (the rungs are made at the first decoded picture), and the master listed the sound alone.
TEST_F(LadderMasterTest, AudioWaitsForTheRungsWhenThePublishHasVideo) {
  stream_.ExpectVideo(true);
  ASSERT_TRUE(audio_.AddTrack(AudioTrack()).ok());
  Feed(audio_, MakeLive(0, 4100, false, true));
  EXPECT_EQ(stream_.FindRendition("audio")->Stats().segments_total, 2u);
  EXPECT_EQ(stream_.MasterPlaylist(), nullptr) << Master();
  ASSERT_TRUE(video_.AddTrack(VideoTrack()).ok());
  Feed(video_, MakeLive(0, 2100, true, false));
  const std::string master = Master();
  EXPECT_NE(master.find("AUDIO=\"audio\""), std::string::npos) << master;
  EXPECT_NE(master.find("720p/playlist.m3u8"), std::string::npos) << master;
}

TEST_F(LadderMasterTest, AnAudioOnlyPublishIsListedAtOnce) {
  ASSERT_TRUE(audio_.AddTrack(AudioTrack()).ok());
  Feed(audio_, MakeLive(0, 2100, false, true));
  EXPECT_NE(Master().find("audio/playlist.m3u8"), std::string::npos) << Master();
}

TEST_F(LadderMasterTest, AVideoOnlySourceIsListedAtOnce) {
  ASSERT_TRUE(video_.AddTrack(VideoTrack()).ok());
  Feed(video_, MakeLive(0, 2100, true, false));
  EXPECT_NE(Master().find("720p/playlist.m3u8"), std::string::npos) << Master();
}

// One publish of a ladder as the Transcoder packages it: the rungs' and the audio's packagers
// share one WallAnchor; each packager's packets arrive `delay_ms` after their media time (the
// rungs a transcode latency after the audio).
class OnePublishTest : public ::testing::Test {
 protected:
  PackagerOptions Options(bool video) {
    PackagerOptions o;
    o.expect_video = video;
    o.expect_audio = !video;
    o.anchor = anchor_;
    return o;
  }
  struct Feed {
    Packager* packager;
    std::vector<Packet> packets;
    int64_t delay_ms;
    int64_t burst_ms = 0;  // the media before it arrives at once, late, at burst_ms + delay_ms
  };
  // Writes every feed's packets in the order they arrive, the clock at each arrival.
  void Play(const std::vector<Feed>& feeds) {
    struct Arrival {
      int64_t at_ms;
      Packager* packager;
      const Packet* packet;
    };
    std::vector<Arrival> arrivals;
    for (const Feed& f : feeds) {
      for (const Packet& p : f.packets)
        arrivals.push_back({std::max(p.dts(), f.burst_ms) + f.delay_ms, f.packager, &p});
    }
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const Arrival& a, const Arrival& b) { return a.at_ms < b.at_ms; });
    for (const Arrival& a : arrivals) {
      if (a.at_ms > now_ms_) {
        clock_.Advance(std::chrono::milliseconds(a.at_ms - now_ms_));
        now_ms_ = a.at_ms;
      }
      ASSERT_TRUE(a.packager->Write(*a.packet).ok());
    }
  }
  // The EXT-X-PROGRAM-DATE-TIME values of a rendition's playlist, oldest first.
  std::vector<std::string> Dates(const std::string& rendition) {
    std::vector<std::string> out;
    auto playlist = stream_.FindRendition(rendition)->Playlist();
    if (!playlist)
      return out;
    const std::string tag = "#EXT-X-PROGRAM-DATE-TIME:";
    for (size_t at = 0; (at = playlist->find(tag, at)) != std::string::npos; ++at)
      out.push_back(playlist->substr(at + tag.size(), 24));
    return out;
  }

  FakeClock clock_;
  int64_t now_ms_ = 0;
  std::shared_ptr<WallAnchor> anchor_ = std::make_shared<WallAnchor>();
  static RenditionOptions Window3() {
    RenditionOptions o;
    o.window_segments = 3;
    return o;
  }
  Stream stream_{"shop1", Window3()};
};

class OneCmafPublishTest : public OnePublishTest {
 protected:
  static RenditionOptions Cmaf() {
    RenditionOptions o = Window3();
    o.format = SegmentFormat::kCmaf;
    return o;
  }
};

// Seconds into the FakeClock's day of a date ("2025-11-28T00:00:06.000Z" → 6).
double Seconds(const std::string& date) {
  return std::stod(date.substr(17, 6));
}
// Within Rendition::kKeepFromSlack.
constexpr double kSlack = 0.1;

// With a packager's own anchor, the 720p rung (its first packet 300 ms after the audio's) dated
// the same picture 300 ms later than the audio and 150 ms later than the 360p rung did.
TEST_F(OnePublishTest, EveryPlaylistDatesAPictureTheSame) {
  Packager high(stream_.AddRendition("720p"), clock_, Options(true));
  Packager low(stream_.AddRendition("360p"), clock_, Options(true));
  Packager audio(stream_.AddRendition("audio"), clock_, Options(false));
  ASSERT_TRUE(high.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(low.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(audio.AddTrack(AudioTrack()).ok());
  Play({{&audio, MakeLive(0, 4100, false, true), 0},
        {&low, MakeLive(0, 4100, true, false), 150},
        {&high, MakeLive(0, 4100, true, false), 300}});
  const std::vector<std::string> high_dates = Dates("720p");
  ASSERT_EQ(high_dates.size(), 2u);
  EXPECT_EQ(high_dates, Dates("360p"));
  EXPECT_EQ(high_dates[0], "2025-11-28T00:00:00.000Z");  // the audio's first arrival
  ASSERT_FALSE(Dates("audio").empty());
  EXPECT_EQ(Dates("audio")[0], high_dates[0]);
}

// The first second of audio came late and in one burst: the mapping moved back while it was
// read, but the audio's first parts had been dated already (and its segment takes its first
// part's date), so its playlist dated the start 0.33 s later than the rungs' did. The first date
// published fixes the mapping for every rendition.
TEST_F(OneCmafPublishTest, ABurstDoesNotMoveDatesAlreadyPublished) {
  Packager high(stream_.AddRendition("720p", Cmaf()), clock_, Options(true));
  Packager low(stream_.AddRendition("360p", Cmaf()), clock_, Options(true));
  Packager audio(stream_.AddRendition("audio", Cmaf()), clock_, Options(false));
  ASSERT_TRUE(high.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(low.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(audio.AddTrack(AudioTrack()).ok());
  Play({{&audio, MakeLive(0, 4100, false, true), 0, 1000},
        {&low, MakeLive(0, 4100, true, false), 1150},
        {&high, MakeLive(0, 4100, true, false), 1300}});
  const std::vector<std::string> high_dates = Dates("720p");
  ASSERT_EQ(high_dates.size(), 2u);
  EXPECT_EQ(high_dates, Dates("360p"));
  ASSERT_GE(Dates("audio").size(), 2u);
  EXPECT_EQ(Dates("audio")[0], high_dates[0]);
  EXPECT_NEAR(Seconds(Dates("audio")[1]), Seconds(high_dates[1]), 0.022)  // an AAC frame
      << Dates("audio")[1] << " " << high_dates[1];
  // The audio's first part was dated within the burst: at most that far back (not in the future).
  EXPECT_LE(Seconds(high_dates[0]), 1.0);
  EXPECT_GE(Seconds(high_dates[0]), 0.5);
}

// The audio is published ahead of the transcoded video, so its window (by count) slid a segment
// or more past the video renditions'; a player starting at a video playlist's first segment then
// had no audio there. The audio keeps what the video lists, and no more than twice its window.
TEST_F(OnePublishTest, TheAudioWindowCoversTheVideoWindows) {
  Packager high(stream_.AddRendition("720p"), clock_, Options(true));
  Packager audio(stream_.AddRendition("audio"), clock_, Options(false));
  ASSERT_TRUE(high.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(audio.AddTrack(AudioTrack()).ok());
  // Media before / from `ms`.
  auto part = [](const std::vector<Packet>& all, int64_t ms, bool before) {
    std::vector<Packet> out;
    for (const Packet& p : all) {
      if ((p.dts() < ms) == before)
        out.push_back(p);
    }
    return out;
  };
  const std::vector<Packet> pictures = MakeLive(0, 16100, true, false);
  const std::vector<Packet> sound_frames = MakeLive(0, 18100, false, true);
  Play({{&audio, part(sound_frames, 16100, true), 0},
        {&high, part(pictures, 12100, true), 2500}});  // 2.5 s behind, 4 s of it still to come
  const std::vector<std::string> video = Dates("720p"), sound = Dates("audio");
  ASSERT_EQ(video.size(), 3u);
  EXPECT_EQ(video[0], "2025-11-28T00:00:06.000Z");
  ASSERT_FALSE(sound.empty());
  EXPECT_LE(Seconds(sound[0]), Seconds(video[0]) + kSlack) << "the audio covers the video's window";
  EXPECT_GE(sound.size(), 4u);
  EXPECT_LE(sound.size(), 6u) << "at most twice the window";
  // The audio still slides: once the video's window moved on, it drops what neither lists.
  Play({{&high, part(pictures, 12100, false), 2500}});
  Play({{&audio, part(sound_frames, 16100, false), 0}});
  const std::vector<std::string> later_video = Dates("720p"), later_sound = Dates("audio");
  ASSERT_EQ(later_video.size(), 3u);
  EXPECT_EQ(later_video[0], "2025-11-28T00:00:10.000Z");
  EXPECT_LE(Seconds(later_sound[0]), Seconds(later_video[0]) + kSlack);
  EXPECT_GT(Seconds(later_sound[0]), Seconds(video[0]));
}

}  // namespace
}  // namespace strait::transport::hls
