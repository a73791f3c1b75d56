#include "transport/hls/packager.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "transport/hls/stream.h"
#include "transport/hls/test_media.h"

namespace strait::transport::hls {
namespace {

using testing::AudioTrack;
using testing::MakeLive;
using testing::VideoTrack;

class PackagerTest : public ::testing::Test {
 protected:
  explicit PackagerTest(RenditionOptions options = {}) : stream_("shop1", options) {}

  void Feed(Packager& p, const std::vector<Packet>& packets) {
    for (const Packet& packet : packets) {
      Status s = p.Write(packet);
      ASSERT_TRUE(s.ok()) << s.error().message();
    }
  }
  std::string Playlist() {
    auto p = stream_.FindRendition("src")->Playlist();
    return p ? *p : "";
  }

  // 4.1 s of media from RTMP time 70 s (timestamps need not start at 0), arriving from 1.5 s on the
  // FakeClock (wall origin 2025-11-28T00:00:00Z), each picture presented `pts_delay_ms` after its
  // decode time; returns the playlist's first two segments' dates.
  std::vector<std::string> DatesOfSegments(int64_t pts_delay_ms) {
    clock_.Advance(std::chrono::milliseconds(1500));
    PackagerOptions o;
    o.max_arrival_anchor = std::chrono::milliseconds(0);
    Packager p(src_, clock_, o);
    EXPECT_TRUE(p.AddTrack(VideoTrack()).ok());
    EXPECT_TRUE(p.AddTrack(AudioTrack()).ok());
    for (const Packet& in : MakeLive(70000, 4100)) {
      const int64_t delay = in.kind() == MediaKind::kVideo ? pts_delay_ms : 0;
      std::vector<uint8_t> payload(in.data().begin(), in.data().end());
      EXPECT_TRUE(p.Write(Packet(in.track_id(), in.kind(), in.codec(), std::move(payload),
                                 in.pts() + delay, in.dts(), in.timebase(), in.keyframe()))
                      .ok());
    }
    std::vector<std::string> dates;
    const std::string pl = Playlist();
    for (const std::string seg : {"seg0.ts", "seg1.ts"}) {
      const size_t at = pl.find("#EXTINF:2.000,\n" + seg);
      EXPECT_NE(at, std::string::npos) << pl;
      const size_t tag = pl.rfind("#EXT-X-PROGRAM-DATE-TIME:", at);
      dates.push_back(
          at == std::string::npos || tag == std::string::npos ? "" : pl.substr(tag + 25, 24));
    }
    return dates;
  }

  static RenditionOptions CmafOptions() {
    RenditionOptions o;
    o.format = SegmentFormat::kCmaf;
    return o;
  }
  static PackagerOptions VideoOnly() {
    PackagerOptions o;
    o.expect_audio = false;
    return o;
  }

  FakeClock clock_;
  Stream stream_;
  Rendition& src_ = stream_.AddRendition("src");
};

TEST_F(PackagerTest, BuffersUntilAudioConfigArrives) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  Feed(p, MakeLive(0, 500, true, false));
  EXPECT_FALSE(p.stats().started);
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  EXPECT_TRUE(p.stats().started);
  Feed(p, MakeLive(500, 4000));
  EXPECT_EQ(p.stats().segments, 1u);
  auto variant = src_.Variant();
  ASSERT_TRUE(variant.has_value());
  EXPECT_EQ(variant->codecs, "avc1.64001f,mp4a.40.2");
  EXPECT_EQ(variant->width, 1280);
  EXPECT_EQ(variant->height, 720);
  EXPECT_EQ(variant->frame_rate, 30);  // from the SPS VUI
  EXPECT_EQ(variant->uri, "src/playlist.m3u8");
}

TEST_F(PackagerTest, StartsWithoutAudioAfterWaiting) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  Feed(p, MakeLive(0, 900, true, false));
  EXPECT_FALSE(p.stats().started);
  Feed(p, MakeLive(900, 200, true, false));
  EXPECT_TRUE(p.stats().started);
  EXPECT_FALSE(src_.Variant().has_value());  // no segment yet
  Feed(p, MakeLive(1100, 3000, true, false));
  ASSERT_TRUE(src_.Variant().has_value());
  EXPECT_EQ(src_.Variant()->codecs, "avc1.64001f");
}

TEST_F(PackagerTest, StartsAtOnceWhenNoAudioExpected) {
  PackagerOptions options;
  options.expect_audio = false;
  Packager p(src_, clock_, options);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  EXPECT_TRUE(p.stats().started);
}

// A decode time at or before the last one of its track (a passthrough switching onto an open
// GOP's keyframe, which carries more pts − dts delay) is raised just past it: the muxer, which
// refuses anything but rising decode times, takes the picture. One that cannot be raised without
// passing its own pts is dropped with an error.
TEST_F(PackagerTest, DecodeTimesThatGoBackAreRaisedWhereThePtsAllows) {
  PackagerOptions options;
  options.expect_audio = false;
  Packager p(src_, clock_, options);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  Feed(p, {testing::VideoPacket(0, true), testing::VideoPacket(33, false),
           testing::VideoPacket(67, false)});
  const Packet key = testing::VideoPacket(0, true);
  EXPECT_TRUE(p.Write(key.WithTimestamps(133, 60)).ok()) << "dts 60 after 67: raised to 68";
  EXPECT_TRUE(p.Write(testing::VideoPacket(100, false)).ok()) << "dts 100 after 68";
  const Status s = p.Write(testing::VideoPacket(0, false).WithTimestamps(90, 90));
  ASSERT_FALSE(s.ok()) << "pts 90 is before the last dts, 100";
  EXPECT_NE(s.error().message().find("decode time"), std::string::npos) << s.error().message();
  EXPECT_EQ(p.stats().packets_dropped, 1u);
  Feed(p, {testing::VideoPacket(167, false), testing::VideoPacket(2000, true)});
  EXPECT_EQ(p.stats().segments, 1u);
}

TEST_F(PackagerTest, CutsAtKeyframesOnceTargetReached) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  // A keyframe every 1.5 s with a 2 s target: cuts at 3 s, 6 s, ...
  Feed(p, MakeLive(0, 10000, true, true, 30, 1500));
  EXPECT_EQ(p.stats().segments, 3u);
  const std::string pl = Playlist();
  EXPECT_NE(pl.find("#EXTINF:3.000,\nseg0.ts\n"), std::string::npos) << pl;
  EXPECT_NE(pl.find("#EXTINF:3.000,\nseg2.ts\n"), std::string::npos) << pl;
  EXPECT_NE(pl.find("#EXT-X-TARGETDURATION:3\n"), std::string::npos) << pl;
  EXPECT_EQ(pl.find("#EXT-X-ENDLIST"), std::string::npos);
}

TEST_F(PackagerTest, DropsUntilFirstKeyframe) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p,
       {testing::VideoPacket(0, false), testing::AudioPacket(10), testing::VideoPacket(33, true)});
  EXPECT_EQ(p.stats().packets_dropped, 2u);
}

TEST_F(PackagerTest, SlidingWindowAndStoreBounds) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 20100));  // cuts at 2, 4, ..., 20 s: 10 segments
  const RenditionStats stats = src_.Stats();
  EXPECT_EQ(stats.segments_total, 10u);
  EXPECT_EQ(stats.media_sequence, 4u);
  EXPECT_EQ(stats.next_sequence, 10u);
  EXPECT_EQ(stats.segments_held, 8u);  // window 6 + 2 extra
  EXPECT_GT(stats.peak_bps, 0);
  EXPECT_GE(stats.peak_bps, stats.average_bps);
  EXPECT_GT(stats.average_bps, 8 * 2000 * 30);  // at least the video payload rate
  EXPECT_EQ(src_.Segment(1), nullptr);
  EXPECT_NE(src_.Segment(2), nullptr);  // left the window, still downloadable
  EXPECT_NE(src_.Segment(9), nullptr);
  EXPECT_EQ(src_.Segment(10), nullptr);
  const std::string pl = Playlist();
  EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:4\n"), std::string::npos) << pl;
  EXPECT_EQ(pl.find("seg3.ts"), std::string::npos);
  EXPECT_NE(pl.find("seg9.ts"), std::string::npos);
  ASSERT_NE(stream_.MasterPlaylist(), nullptr);
  EXPECT_NE(stream_.MasterPlaylist()->find("CODECS=\"avc1.64001f,mp4a.40.2\""), std::string::npos);
}

// A publish after the end starts a new playlist at the stream's URL: an ended playlist must not
// change (RFC 8216bis 6.2.1; it was reopened, EXT-X-ENDLIST removed and segments appended after
// a discontinuity); the media sequence numbers go on, so no URI is reused.
TEST_F(PackagerTest, FinishFlushesAndEndsARestartStartsANewPlaylist) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 5000));
  EXPECT_EQ(p.stats().segments, 2u);
  ASSERT_TRUE(p.Finish().ok());
  EXPECT_EQ(p.stats().segments, 3u);  // the partial ~1 s segment
  EXPECT_TRUE(src_.ended());
  std::string pl = Playlist();
  EXPECT_NE(pl.find("#EXTINF:0.999,\nseg2.ts\n#EXT-X-ENDLIST\n"), std::string::npos) << pl;

  p.Restart();
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 2100));  // the publisher's timestamps start over
  EXPECT_FALSE(src_.ended());
  pl = Playlist();
  EXPECT_EQ(pl.find("#EXT-X-ENDLIST"), std::string::npos) << pl;
  EXPECT_EQ(pl.find("seg2.ts"), std::string::npos) << pl;
  EXPECT_NE(pl.find("#EXT-X-MEDIA-SEQUENCE:3\n"), std::string::npos) << pl;
  EXPECT_NE(pl.find("seg3.ts"), std::string::npos) << pl;
}

TEST_F(PackagerTest, NewPackagerOnSameRenditionIsARestart) {
  {
    Packager p(src_, clock_);
    ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
    ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
    Feed(p, MakeLive(0, 2500));
    ASSERT_TRUE(p.Finish().ok());
  }
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 2500));
  EXPECT_EQ(src_.Stats().next_sequence, 3u);
  EXPECT_NE(Playlist().find("#EXT-X-DISCONTINUITY\n"), std::string::npos);
}

TEST_F(PackagerTest, ProgramDateTimeFollowsMediaTimeFromFirstPacket) {
  EXPECT_EQ(DatesOfSegments(0),
            (std::vector<std::string>{"2025-11-28T00:00:01.500Z", "2025-11-28T00:00:03.500Z"}));
}

// B-pictures: each picture presented 66 ms after its decode time (the reorder delay of two
// B-pictures at 30 fps). A segment is dated by its first picture's presentation, as players place
// it on their timeline (and as an encoded rung without B-pictures dates the same keyframe).
TEST_F(PackagerTest, ProgramDateTimeIsOfTheFirstPresentation) {
  EXPECT_EQ(DatesOfSegments(66),
            (std::vector<std::string>{"2025-11-28T00:00:01.566Z", "2025-11-28T00:00:03.566Z"}));
}

// A burst (everything arrives at once, as after an encoder's late start): the first segment's
// samples are not stamped later than they arrived, by at most max_arrival_anchor.
TEST_F(PackagerTest, ProgramDateTimeDoesNotRunAheadOfArrival) {
  clock_.Advance(std::chrono::milliseconds(1500));
  Packager p(src_, clock_);  // 500 ms at most
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 4100));
  const std::string pl = Playlist();
  EXPECT_NE(pl.find("#EXT-X-PROGRAM-DATE-TIME:2025-11-28T00:00:01.000Z\n#EXTINF:2.000,\nseg0.ts"),
            std::string::npos)
      << pl;
}

TEST_F(PackagerTest, AudioOnlyCutsOnTime) {
  PackagerOptions options;
  options.expect_video = false;
  Packager p(src_, clock_, options);
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 7000, false, true));
  EXPECT_EQ(p.stats().segments, 3u);
  EXPECT_EQ(src_.Variant()->codecs, "mp4a.40.2");
  EXPECT_EQ(src_.Variant()->width, 0);
  // With no keyframes to force them, later segments still open with SDT, PAT, PMT.
  auto seg = src_.Segment(2);
  ASSERT_NE(seg, nullptr);
  ASSERT_GE(seg->size(), 3u * 188);
  auto pid = [&](size_t k) { return (((*seg)[k * 188 + 1] & 0x1f) << 8) | (*seg)[k * 188 + 2]; };
  EXPECT_EQ(pid(0), 0x11);
  EXPECT_EQ(pid(1), 0);
  EXPECT_EQ(pid(2), 0x1000);
}

// Segments a little over the 2 s target (AAC frames: 2.020 s; a GOP of 2.001 s) keep
// TARGETDURATION at 2 (EXTINF rounded to the nearest integer, RFC 8216bis 4.4.3.1): rounding up
// made it 3 after the first segment, so it changed mid-stream and differed from the rungs'.
TEST_F(PackagerTest, SegmentsJustOverTheTargetKeepItsTargetDuration) {
  PackagerOptions options;
  options.expect_video = false;
  Packager audio(src_, clock_, options);
  ASSERT_TRUE(audio.AddTrack(AudioTrack()).ok());
  Feed(audio, MakeLive(0, 9000, false, true));
  ASSERT_GE(audio.stats().segments, 3u);
  const std::string pl = Playlist();
  EXPECT_EQ(pl.find("#EXTINF:2.000,"), std::string::npos) << "AAC frames do not fall on 2 s";
  EXPECT_NE(pl.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << pl;
  Rendition& gop = stream_.AddRendition("gop");
  Packager video(gop, clock_);
  ASSERT_TRUE(video.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(video.AddTrack(AudioTrack()).ok());
  Feed(video, MakeLive(0, 9000, true, true, 1000, 2001));  // 1 ms pictures: exactly 2.001 s
  const std::string gop_pl = *gop.Playlist();
  EXPECT_NE(gop_pl.find("#EXTINF:2.001,"), std::string::npos) << gop_pl;
  EXPECT_NE(gop_pl.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << gop_pl;
}

// 29.97 fps in milliseconds (OBS's "29.97", an NTSC camera through SRT): the ladder forces an IDR
// at the first picture on or after each 2 s, so every ~33 s a segment comes out a picture short
// of 2 s (1.968 s). It is cut there all the same: waiting for the next IDR made a 3.97 s segment
// and TARGETDURATION went from 2 to 4 mid-stream.
TEST_F(PackagerTest, AKeyframeAPictureShortOfTheTargetCuts) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  int64_t boundary = 0;
  for (int n = 0; n < 30 * 80; ++n) {
    const int64_t ms = std::llround(n * 1001.0 / 30);
    const bool idr = ms >= boundary;
    if (idr)
      boundary += 2000 * ((ms - boundary) / 2000 + 1);
    ASSERT_TRUE(p.Write(testing::VideoPacket(ms, idr)).ok());
  }
  const std::string pl = Playlist();
  EXPECT_NE(pl.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << pl;
  // 2,400 pictures, 80.05 s: a keyframe at each of the 40 boundaries after the first.
  EXPECT_EQ(p.stats().segments, 40u);
  for (const char* longer : {"#EXTINF:3.", "#EXTINF:4."})
    EXPECT_EQ(pl.find(longer), std::string::npos) << pl;
  // A GOP whose pictures were dropped (a slow rung keeps only its keyframes) is no short picture.
  Rendition& holes = stream_.AddRendition("holes");
  Packager h(holes, clock_);
  ASSERT_TRUE(h.AddTrack(VideoTrack()).ok());
  for (int64_t ms : {0, 33, 67, 1500, 1533, 3000})
    ASSERT_TRUE(h.Write(testing::VideoPacket(ms, ms % 1500 == 0)).ok());
  EXPECT_EQ(h.stats().segments, 1u) << "1.5 s is not within a picture of 2 s: no cut at 1.5 s";
}

// A new configuration of the running video track (an encoder reopened, a passthrough switching):
// the segment is cut and the muxer restarted, but the timeline goes on, so no discontinuity (one
// in this rendition only would set it apart from the stream's other renditions).
TEST_F(PackagerTest, ChangedVideoConfigRestartsTheMuxerWithoutADiscontinuity) {
  Packager p(src_, clock_);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  Feed(p, MakeLive(0, 3000));
  TrackInfo v = VideoTrack();
  v.extradata = testdata::kAvcC1080pMain;
  ASSERT_TRUE(p.AddTrack(v).ok());
  EXPECT_EQ(p.stats().segments, 1u);  // the open segment ends at the new keyframe...
  Feed(p, MakeLive(3000, 2500));
  const std::string pl = Playlist();
  EXPECT_EQ(pl.find("#EXT-X-DISCONTINUITY"), std::string::npos) << pl;
  EXPECT_EQ(p.stats().segments, 3u) << pl;
  // CODECS lists every format the variant has had in this publish (the playlist still holds the
  // first configuration's segments); the resolution is the current one.
  EXPECT_EQ(src_.Variant()->codecs, "avc1.64001f,avc1.4d4028,mp4a.40.2");
  EXPECT_EQ(src_.Variant()->height, 1080);
  // Back to the first configuration: no format added; a new publish starts the list again.
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  Feed(p, MakeLive(5500, 2500));
  EXPECT_EQ(src_.Variant()->codecs, "avc1.64001f,avc1.4d4028,mp4a.40.2");
  // ... and a configuration replaced before any picture of it was muxed is not listed.
  p.Restart();
  ASSERT_TRUE(p.AddTrack(v).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  Feed(p, MakeLive(8000, 2500));
  EXPECT_EQ(src_.Variant()->codecs, "avc1.64001f,mp4a.40.2");
}

// An open-GOP H.264 source (copied): its keyframes after the first are recovery-point I pictures,
// not IDRs. A segment they open is not independent, so neither the media playlists (TS and CMAF)
// nor the master say EXT-X-INDEPENDENT-SEGMENTS while one is listed.
TEST_F(PackagerTest, OpenGopSegmentsAreNotCalledIndependent) {
  Rendition& cmaf = stream_.AddRendition("src-cmaf", CmafOptions());
  Packager p({&src_, &cmaf}, clock_, VideoOnly());
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  // A keyframe from `idr_from` ms on is an IDR; before, only the first one.
  auto feed = [&](int64_t from_ms, int64_t to_ms, int64_t idr_from) {
    for (int64_t ms = from_ms; ms < to_ms; ms += 40) {
      const bool key = ms % 2000 == 0;
      Packet packet = testing::VideoPacket(ms, key);
      if (key && ms != 0 && ms < idr_from) {  // nal_unit_type 1 (a non-IDR slice), keyframe
        std::vector<uint8_t> nal(packet.data().begin(), packet.data().end());
        nal[4] = 0x41;
        packet =
            Packet(0, MediaKind::kVideo, CodecId::kH264, std::move(nal), ms, ms, kMillis, true);
      }
      ASSERT_TRUE(p.Write(packet).ok());
    }
  };
  feed(0, 6000, 1 << 30);
  EXPECT_EQ(p.stats().segments, 2u);
  for (Rendition* r : {&src_, &cmaf})
    EXPECT_EQ(r->Playlist()->find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos)
        << *r->Playlist();
  ASSERT_NE(stream_.MasterPlaylist(), nullptr);
  EXPECT_EQ(stream_.MasterPlaylist()->find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos)
      << *stream_.MasterPlaylist();
  // IDRs again: once the open-GOP segments left the 6-segment window, the tag is back.
  feed(6000, 20040, 0);
  for (Rendition* r : {&src_, &cmaf}) {
    EXPECT_EQ(r->Playlist()->find("seg2."), std::string::npos) << *r->Playlist();
    EXPECT_NE(r->Playlist()->find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos)
        << *r->Playlist();
  }
  EXPECT_NE(stream_.MasterPlaylist()->find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos)
      << *stream_.MasterPlaylist();
}

// Pictures dropped before a configuration change (a rung behind realtime, the end of a
// passthrough's encoded stretch) leave no hole: the segment before the change ends where the new
// configuration's first keyframe starts, in TS and in CMAF (whose last sample then lasts until
// there: a player's buffer has no gap to seek over). The new configuration's pictures before
// that keyframe are dropped.
TEST_F(PackagerTest, AVideoConfigChangeEndsTheSegmentAtTheNewKeyframe) {
  Rendition& cmaf = stream_.AddRendition("src-cmaf", CmafOptions());
  Packager p({&src_, &cmaf}, clock_, VideoOnly());
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  for (int64_t ms = 0; ms < 1500; ms += 33)
    ASSERT_TRUE(p.Write(testing::VideoPacket(ms, ms == 0)).ok());
  // Nothing from 1.5 s to 2 s; the new configuration's keyframe is at 2 s.
  TrackInfo v = VideoTrack();
  v.extradata = testdata::kAvcC1080pMain;
  ASSERT_TRUE(p.AddTrack(v).ok());
  EXPECT_EQ(p.stats().segments, 0u);
  const uint64_t dropped = p.stats().packets_dropped;
  ASSERT_TRUE(p.Write(testing::VideoPacket(1980, false)).ok());
  EXPECT_EQ(p.stats().packets_dropped, dropped + 1) << "before the new configuration's keyframe";
  for (int64_t ms = 2000; ms <= 4000; ms += 40)
    ASSERT_TRUE(p.Write(testing::VideoPacket(ms, ms % 2000 == 0)).ok());
  EXPECT_EQ(p.stats().segments, 2u);
  for (Rendition* r : {&src_, &cmaf}) {
    const std::string pl = *r->Playlist();
    const size_t first = pl.find("#EXTINF:");
    ASSERT_NE(first, std::string::npos) << pl;
    EXPECT_EQ(pl.substr(first, 14), "#EXTINF:2.000,") << pl;
    EXPECT_EQ(pl.find("#EXT-X-DISCONTINUITY"), std::string::npos) << pl;
  }
  // CMAF: the first segment's parts add up to its 2 s.
  double parts = 0;
  const std::string pl = *cmaf.Playlist();
  for (size_t at = 0; (at = pl.find("#EXT-X-PART:DURATION=", at)) != std::string::npos; ++at) {
    if (at > pl.find("#EXTINF:"))
      break;
    parts += std::stod(pl.substr(at + 21));
  }
  EXPECT_NEAR(parts, 2.0, 0.002) << pl;
}

TEST(RenditionStore, ByteCapDropsOldestButKeepsNewest) {
  RenditionOptions options;
  options.max_bytes = 1000;
  Rendition r("s", "src", options, nullptr);
  r.BeginPublish({});
  for (int i = 0; i < 4; ++i) {
    SegmentData d;
    d.bytes = std::make_shared<const std::vector<uint8_t>>(600, 0x47);
    d.duration_s = 2;
    ASSERT_TRUE(r.AddSegment(d).ok());
  }
  EXPECT_EQ(r.Stats().segments_held, 1u);
  EXPECT_NE(r.Segment(3), nullptr);
  EXPECT_EQ(r.Segment(2), nullptr);
  r.Clear();
  EXPECT_EQ(r.Playlist(), nullptr);
  EXPECT_EQ(r.Segment(3), nullptr);
  EXPECT_EQ(r.Stats().next_sequence, 4u);
}

// BANDWIDTH is the peak since the publish began: a busy first minute that slid out of the window
// still counts (an easy one after it advertised a fraction of what the rendition needs); a new
// publish starts over.
TEST(RenditionStore, PeakBandwidthSinceThePublishBegan) {
  RenditionOptions options;
  options.window_segments = 3;
  Rendition r("s", "src", options, nullptr);
  auto add = [&](size_t bytes, double duration_s = 2) {
    SegmentData d;
    d.bytes = std::make_shared<const std::vector<uint8_t>>(bytes, 0x47);
    d.duration_s = duration_s;
    ASSERT_TRUE(r.AddSegment(d).ok());
  };
  r.BeginPublish({});
  add(500000);  // 2 Mb/s
  for (int i = 0; i < 5; ++i)
    add(50000);  // 200 kb/s
  EXPECT_EQ(r.Stats().media_sequence, 3u) << "the busy segment left the window";
  EXPECT_EQ(r.Stats().peak_bps, 2000000);
  EXPECT_EQ(r.Stats().average_bps, 200000);
  // A 0.1 s segment of 150 KB (a keyframe cut short: 12 Mb/s alone) is weighed with the one
  // before it, as RFC 8216bis 4.4.6.2 asks (runs of 0.5 to 1.5 target durations): 762 kb/s.
  add(150000, 0.1);
  EXPECT_EQ(r.Stats().peak_bps, 2000000);
  EXPECT_LT(r.Stats().peak_bps, 12000000);
  ASSERT_TRUE(r.Variant());
  EXPECT_EQ(r.Variant()->bandwidth, 2000000);
  r.EndPublish(true);
  r.BeginPublish({});
  add(50000);
  EXPECT_EQ(r.Stats().peak_bps, 200000) << "a new publish starts over, in a playlist of its own";
}

TEST(RenditionStore, MirrorsToDataDir) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("strait_hls_" + std::to_string(::getpid()));
  RenditionOptions options;
  options.window_segments = 2;
  options.extra_segments = 1;
  options.data_dir = dir;
  // Removed last, after the packager (whose destructor closes, and mirrors, the last segment)
  // and the stream are gone, also when an assertion returns early.
  struct RemoveAll {
    fs::path dir;
    ~RemoveAll() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove{dir};
  FakeClock clock;
  Stream stream("shop1", options);
  Packager p(stream.AddRendition("src"), clock);
  ASSERT_TRUE(p.AddTrack(VideoTrack()).ok());
  ASSERT_TRUE(p.AddTrack(AudioTrack()).ok());
  for (const Packet& packet : MakeLive(0, 10100))
    ASSERT_TRUE(p.Write(packet).ok());
  const fs::path r = dir / "live" / "shop1" / "src";
  EXPECT_TRUE(fs::exists(r / "playlist.m3u8"));
  EXPECT_TRUE(fs::exists(dir / "live" / "shop1" / "master.m3u8"));
  EXPECT_FALSE(fs::exists(r / "seg1.ts"));
  EXPECT_TRUE(fs::exists(r / "seg2.ts"));
  EXPECT_TRUE(fs::exists(r / "seg4.ts"));
  EXPECT_EQ(fs::file_size(r / "seg4.ts"), stream.FindRendition("src")->Segment(4)->size());
}

}  // namespace
}  // namespace strait::transport::hls
