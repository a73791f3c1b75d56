// End to end with the ABR ladder on: OBS (ffmpeg) pushes 720p over RTMP, strait decodes once and
// encodes 720p/480p/360p; the master playlist lists them, every rung's segments probe at their
// size with IDRs at identical PTS, and GStreamer's hlsdemux plays the stream through.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "tests/support/live_fixture.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::HttpFetch;
using test::kKey;
using test::RunCommand;

class LadderLiveTest : public test::LiveServerTest {
 protected:
  void Configure(pipeline::Config& config) override {
    config.transcode.enabled = true;
    config.transcode.encoder = "x264";
  }
};

TEST_F(LadderLiveTest, RtmpPushComesOutAsAnAlignedLadder) {
  test::BackgroundProcess push(
      "ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
      dir_.File("push.log"));
  // While live, /metrics shows each rung's work (and no drops on this light load).
  const std::string encoded = "strait_rung_frames_encoded_total{stream=\"shop1\",rung=\"360p\"}";
  auto metrics = WaitFor("/metrics", encoded, 10s);
  EXPECT_NE(metrics.body.find(encoded), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("strait_rung_gops_dropped_total{stream=\"shop1\",rung=\"720p\"}"),
            std::string::npos);
  // A clean push decoded on the CPU: no decode errors, no NVDEC.
  EXPECT_NE(metrics.body.find("strait_transcode_decode_errors_total{stream=\"shop1\"} 0\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("strait_transcode_nvdec{stream=\"shop1\"} 0\n"), std::string::npos);
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  const std::string base = "/live/shop1";
  std::vector<std::vector<double>> idrs;
  // Pictures in the rung with the fewest: under load the live governor may halve a rung's frame
  // rate (it keeps serving rather than falling behind), so a player's count is measured
  // against what the rungs carry, not against the source's 30 fps.
  size_t fewest_frames = SIZE_MAX;
  // ... and the shortest span of pictures: 8 s, unless the graph's input, behind realtime, dropped
  // to a next keyframe that never came (the end of the stream).
  double shortest_span = 1e9;
  for (const char* rung : {"720p", "480p", "360p"}) {
    SCOPED_TRACE(rung);
    auto media = WaitFor(base + "/" + rung + "/playlist.m3u8", "#EXT-X-ENDLIST", 30s);
    ASSERT_NE(media.body.find("#EXT-X-ENDLIST"), std::string::npos) << media.body;
    std::string concat;
    for (const std::string& line : test::Lines(media.body)) {
      if (line.empty() || line[0] == '#')
        continue;
      auto seg = HttpFetch(HttpUrl(base + "/" + rung + "/" + line));
      ASSERT_EQ(seg.status, 200);
      concat += seg.body;
    }
    const std::string ts = dir_.File(std::string(rung) + ".ts");
    std::ofstream(ts, std::ios::binary) << concat;
    auto size = RunCommand(
        "ffprobe -v error -select_streams v -show_entries stream=width,height "
        "-of csv=p=0 " +
        ts);
    const std::map<std::string, std::string> expected = {
        {"720p", "1280,720"}, {"480p", "854,480"}, {"360p", "640,360"}};
    EXPECT_EQ(size.output.rfind(expected.at(rung) + "\n", 0), 0u) << size.output;
    auto keys = RunCommand(
        "ffprobe -v error -select_streams v -show_entries packet=pts_time,flags "
        "-of csv=p=0 " +
        ts + " | grep K");
    std::vector<double> pts;
    for (const std::string& line : test::Lines(keys.output))
      if (!line.empty())
        pts.push_back(std::stod(line));
    EXPECT_EQ(pts.size(), 4u) << keys.output << media.body;  // 8 s, a segment (and IDR) every 2 s
    idrs.push_back(pts);
    std::vector<double> all;
    for (const std::string& line :
         test::Lines(RunCommand("ffprobe -v error -select_streams v -show_entries "
                                "packet=pts_time -of csv=p=0 " +
                                ts)
                         .output)) {
      if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
        all.push_back(std::stod(line));
    }
    ASSERT_FALSE(all.empty());
    fewest_frames = std::min(fewest_frames, all.size());
    shortest_span = std::min(shortest_span, *std::max_element(all.begin(), all.end()) -
                                                *std::min_element(all.begin(), all.end()));
  }
  ASSERT_EQ(idrs.size(), 3u);
  EXPECT_EQ(idrs[0], idrs[1]);
  EXPECT_EQ(idrs[0], idrs[2]);

  auto master = HttpFetch(HttpUrl(base + "/master.m3u8"));
  EXPECT_NE(master.body.find("RESOLUTION=854x480"), std::string::npos) << master.body;
  EXPECT_EQ(master.body.find("src/"), std::string::npos) << "no passthrough in the default ladder";
  if (RunCommand("gst-inspect-1.0 hlsdemux").exit_code != 0)
    GTEST_SKIP() << "GStreamer hlsdemux not installed";
  // playbin, as a GStreamer player plays HLS: hlsdemux and a decoder for every stream it exposes
  // (the variant, and the audio group where hlsdemux takes it), relinked on variant switches. The
  // hand-made `hlsdemux ! tsdemux ! h264parse ! avdec_h264` chain this replaced failed once on a
  // loaded CI machine ("hlsdemux: streaming stopped, reason not-linked": a pad it never linked).
  // GStreamer's warnings and hlsdemux's choices go into the output too: a short run (seen in
  // full suite runs on a loaded machine, never alone) then says why.
  auto gst =
      RunCommand("GST_DEBUG_NO_COLOR=1 GST_DEBUG=2,hlsdemux:4 gst-launch-1.0 -v playbin uri=" +
                     HttpUrl(base + "/master.m3u8") +
                     " video-sink='fakesink name=pictures sync=false silent=false'"
                     " audio-sink='fakesink sync=false'",
                 60s);
  EXPECT_EQ(gst.exit_code, 0) << gst.output;
  // Decoded pictures that reached the video sink, and the span of their timestamps.
  size_t pictures = 0;
  double first_pts = 1e9, last_pts = -1;
  for (const std::string& line : test::Lines(gst.output)) {
    if (line.find("(pictures:sink) (") == std::string::npos)
      continue;
    ++pictures;
    int h = 0, m = 0;
    double s = 0;
    if (const size_t at = line.find("pts: ");
        at != std::string::npos &&
        std::sscanf(line.c_str() + at, "pts: %d:%d:%lf", &h, &m, &s) == 3) {
      first_pts = std::min(first_pts, h * 3600 + m * 60 + s);
      last_pts = std::max(last_pts, h * 3600 + m * 60 + s);
    }
  }
  // On failure: GStreamer's warnings and errors, hlsdemux's playlists and variants, and how the
  // run ended.
  std::string notes;
  for (const std::string& line : test::Lines(gst.output)) {
    for (const char* key : {"WARN", "ERROR", "EOS", "hlsdemux gst"}) {
      if (line.find(key) != std::string::npos && line.find("GstSoupSession") == std::string::npos) {
        notes += line.substr(0, 300) + "\n";
        break;
      }
    }
  }
  const std::string tail =
      gst.output.substr(gst.output.size() - std::min<size_t>(gst.output.size(), 3000));
  // Played through: nearly every picture the rungs carry (a variant switch may cost a few), and
  // from the first segment to the last (8 s, or what the rungs carry).
  EXPECT_GE(pictures * 10, fewest_frames * 9)
      << pictures << " pictures played, the leanest rung has " << fewest_frames << "\n"
      << notes << "...\n"
      << tail;
  EXPECT_GT(last_pts - first_pts, std::min(7.0, shortest_span - 0.5))
      << "pictures from " << first_pts << " s to " << last_pts << " s; the rungs carry "
      << shortest_span << " s\n"
      << notes;
}

// hls.js in headless Chromium plays the ladder: it sees the three rungs and the audio group, loads
// audio fragments from the audio rendition and video from a rung, and playback advances.
TEST_F(LadderLiveTest, HlsJsPlaysTheLadderWithItsAudioGroup) {
  if (const std::string missing = test::BrowserMissing(); !missing.empty())
    GTEST_SKIP() << missing;
  const std::string browser_dir = test::BrowserDir();
  test::BackgroundProcess push(
      "ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
      dir_.File("push.log"));
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "AUDIO=\"audio\"", 15s).status, 200);
  auto play = RunCommand(
      "node " + browser_dir + "/play.mjs " + HttpUrl("/live/shop1/master.m3u8") + " 2", 60s);
  EXPECT_EQ(play.exit_code, 0) << play.output;
  EXPECT_NE(play.output.find("\"audioTracks\":1"), std::string::npos) << play.output;
  EXPECT_EQ(play.output.find("\"audioFragments\":0"), std::string::npos) << play.output;
  EXPECT_NE(play.output.find("\"height\":360"), std::string::npos) << play.output;  // a level
  EXPECT_NE(play.output.find("\"height\":720"), std::string::npos) << play.output;  // listed
  push.Wait(30s);
}

// The ladder over LL-HLS with an Opus rendition: the master lists every rung twice, once with the
// AAC group and once with the Opus group (a player picks what it can play); the Opus rendition
// is CMAF whose init + segments decode as Opus at 48 kHz, and hls.js in low-latency mode plays
// the master.
class LadderOpusTest : public LadderLiveTest {
 protected:
  void Configure(pipeline::Config& config) override {
    LadderLiveTest::Configure(config);
    config.hls.variants = "ll-cmaf";
    config.transcode.opus = true;
  }
};

TEST_F(LadderOpusTest, OpusRenditionIsItsOwnAudioGroup) {
  test::BackgroundProcess push(
      "ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
      dir_.File("push.log"));
  auto master = WaitFor("/live/shop1/master.m3u8", "GROUP-ID=\"audio-opus\"", 15s);
  ASSERT_EQ(master.status, 200) << master.body;
  EXPECT_NE(master.body.find("GROUP-ID=\"audio\""), std::string::npos) << master.body;
  EXPECT_NE(master.body.find("AUDIO=\"audio-opus\""), std::string::npos) << master.body;
  EXPECT_NE(master.body.find(",Opus\""), std::string::npos)
      << master.body;  // RFC 6381 for Opus in MP4
  ASSERT_EQ(push.Wait(60s), 0) << push.Log();
  auto media = WaitFor("/live/shop1/audio-opus/playlist.m3u8", "#EXT-X-ENDLIST", 20s);
  ASSERT_EQ(media.status, 200) << media.body;
  std::string all, init_uri;
  for (const std::string& line : test::Lines(media.body)) {
    if (line.starts_with("#EXT-X-MAP:URI=\""))
      init_uri = line.substr(16, line.size() - 17);
  }
  ASSERT_FALSE(init_uri.empty()) << media.body;
  all = HttpFetch(HttpUrl("/live/shop1/audio-opus/" + init_uri)).body;
  int segments = 0;
  for (const std::string& line : test::Lines(media.body)) {
    if (!line.empty() && line[0] != '#') {
      all += HttpFetch(HttpUrl("/live/shop1/audio-opus/" + line)).body;
      ++segments;
    }
  }
  EXPECT_GE(segments, 3);
  const std::string file = dir_.File("opus.mp4");
  std::ofstream(file, std::ios::binary) << all;
  auto probe = RunCommand(
      "ffprobe -v error -show_entries stream=codec_name,sample_rate,channels "
      "-show_entries format=duration -of default=nw=1 " +
      file);
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("codec_name=opus"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("sample_rate=48000"), std::string::npos) << probe.output;
  auto decode = RunCommand("ffmpeg -v error -i " + file + " -f null -");
  EXPECT_EQ(decode.exit_code, 0) << decode.output;
  EXPECT_EQ(decode.output, "") << decode.output;
}

// The publisher drops and comes back within the grace window: the ladder keeps going meanwhile
// with the last picture, then the slate (black), and silence; the new publish continues the same
// renditions: no 404, no discontinuity, one timeline with no hole in video or audio.
class LadderReconnectTest : public LadderLiveTest {
 protected:
  void Configure(pipeline::Config& config) override {
    LadderLiveTest::Configure(config);
    config.hls.variants = "ll-cmaf";
    config.hls.reconnect_grace_s = 10;
    config.transcode.slate_after_s = 1;
  }
  // Mean luma of the picture at `t` seconds of `file`.
  static double LumaAt(const std::string& file, double t) {
    auto r =
        RunCommand("ffmpeg -v error -ss " + std::to_string(t) + " -i " + file +
                   " -frames:v 1 -vf scale=64:36 -f rawvideo -pix_fmt gray - | od -An -v -tu1");
    double sum = 0;
    int n = 0;
    std::istringstream in(r.output);
    for (int v; in >> v; ++n)
      sum += v;
    return n ? sum / n : -1;
  }
};

// The publisher comes back over the other protocol (RTMP's millisecond timestamps, then SRT's
// 90 kHz ones): the renditions go on in real time. The graph kept the first publish's timebase
// for its rungs and filler but took the new publish's timestamps as they came: 10 s of the
// second publish made 904 s of video (its program date times 15 minutes ahead of the clock).
TEST_F(LadderReconnectTest, BackOverSrtAfterRtmpTheRenditionsKeepPace) {
  const std::string source =
      "ffmpeg -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 4 "
      "-c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p -c:a aac ";
  auto rtmp = RunCommand(source + "-f flv " + RtmpUrl(kKey), 30s);
  ASSERT_EQ(rtmp.exit_code, 0) << rtmp.output;
  std::this_thread::sleep_for(1s);
  auto srt = RunCommand(source + "-f mpegts '" + SrtUrl(std::string("publish:") + kKey) + "'", 30s);
  ASSERT_EQ(srt.exit_code, 0) << srt.output;
  std::this_thread::sleep_for(1500ms);  // the last parts are packaged
  for (const char* rendition : {"360p", "audio"}) {
    const std::string body =
        HttpFetch(HttpUrl("/live/shop1/" + std::string(rendition) + "/playlist.m3u8")).body;
    EXPECT_NE(body.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << body;
    double total = 0;
    for (size_t at = 0; (at = body.find("#EXTINF:", at)) != std::string::npos; ++at)
      total += std::stod(body.substr(at + 8));
    // 4 s, about a second of filler, 4 s (and up to a segment of the filler after it).
    EXPECT_GT(total, 7.0) << rendition << "\n" << body;
    EXPECT_LT(total, 13.0) << rendition << "\n" << body;
  }
}

TEST_F(LadderReconnectTest, FillerBridgesTheGapAndTheRenditionsContinue) {
  const std::string push_cmd =
      "ffmpeg -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 6 "
      "-c:v libx264 -preset ultrafast -g 60 -pix_fmt yuv420p "
      "-c:a aac -f flv " +
      RtmpUrl(kKey);
  auto first = std::make_unique<test::BackgroundProcess>(push_cmd, dir_.File("push1.log"));
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "360p/playlist.m3u8", 15s).status, 200);
  ASSERT_EQ(first->Wait(30s), 0) << first->Log();
  // Away for 4 s: 1 s of the last picture, then the slate. The playlists keep answering.
  for (int i = 0; i < 8; ++i) {
    const test::HttpResult r = HttpFetch(HttpUrl("/live/shop1/360p/playlist.m3u8"));
    ASSERT_EQ(r.status, 200) << "while the publisher is away";
    EXPECT_EQ(r.body.find("#EXT-X-ENDLIST"), std::string::npos);
    std::this_thread::sleep_for(500ms);
  }
  auto second = std::make_unique<test::BackgroundProcess>(push_cmd, dir_.File("push2.log"));
  // Did a loaded machine make the 360p rung, or the graph's input (the decode thread behind),
  // drop the rest of a GOP (the last resorts: up to a segment of pictures)? Read while the graph
  // is live. The filler's hole, were it missing, would be the 4 s away.
  int64_t rung_dropped = 0, input_dropped = 0;
  for (auto until = std::chrono::steady_clock::now() + 30s;
       second->running() && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(300ms)) {
    ReadPeakCounters(
        {{"strait_rung_frames_dropped_total{stream=\"shop1\",rung=\"360p\"}", &rung_dropped},
         {"strait_transcode_input_dropped_total{stream=\"shop1\"}", &input_dropped}});
  }
  const int64_t dropped = rung_dropped + input_dropped;
  ASSERT_EQ(second->Wait(30s), 0) << second->Log();
  std::this_thread::sleep_for(1500ms);  // the last parts are packaged

  auto fetch_all = [&](const std::string& rendition) {
    const std::string base = "/live/shop1/" + rendition + "/";
    const test::HttpResult media = HttpFetch(HttpUrl(base + "playlist.m3u8"));
    EXPECT_EQ(media.body.find("#EXT-X-DISCONTINUITY"), std::string::npos) << media.body;
    std::string all, init;
    for (const std::string& line : test::Lines(media.body)) {
      if (line.starts_with("#EXT-X-MAP:URI=\"") && init.empty())
        init = HttpFetch(HttpUrl(base + line.substr(16, line.size() - 17))).body;
      else if (!line.empty() && line[0] != '#')
        all += HttpFetch(HttpUrl(base + line)).body;
    }
    const std::string file = dir_.File(rendition + ".mp4");
    std::ofstream(file, std::ios::binary) << init << all;
    return file;
  };
  auto steps = [](const std::string& file, const char* stream) {
    auto r = RunCommand(std::string("ffprobe -v error -select_streams ") + stream +
                        " -show_entries packet=pts_time -of csv=p=0 " + file);
    std::vector<double> t;
    for (const std::string& l : test::Lines(r.output))
      if (!l.empty())
        t.push_back(std::stod(l));
    std::sort(t.begin(), t.end());
    double max_step = 0;
    for (size_t i = 1; i < t.size(); ++i)
      max_step = std::max(max_step, t[i] - t[i - 1]);
    return std::make_pair(t.empty() ? 0.0 : t.back() - t.front(), max_step);
  };
  const std::string video = fetch_all("360p");
  const auto [video_span, video_step] = steps(video, "v");
  EXPECT_GT(video_span, 13.0) << "6 s + 4 s of filler + 6 s on one timeline";
  // 30 fps; the governor may halve it twice.
  EXPECT_LT(video_step, dropped > 0 ? 2.1 : 0.2)
      << "a hole in the video timeline (" << dropped << " pictures or packets dropped)";
  const std::string audio = fetch_all("audio");
  const auto [audio_span, audio_step] = steps(audio, "a");
  EXPECT_GT(audio_span, 13.0);
  EXPECT_LT(audio_step, input_dropped > 0 ? 2.1 : 0.05)
      << "a hole in the audio timeline (" << input_dropped << " packets dropped at the input)";
  // testsrc2 is bright and colourful; the slate is black.
  const double live = LumaAt(video, 3.0), slate = LumaAt(video, 8.5);
  std::printf(
      "filler: video %.2f s (max step %.3f), audio %.2f s (max step %.3f), luma live %.0f "
      "slate %.0f\n",
      video_span, video_step, audio_span, audio_step, live, slate);
  EXPECT_GT(live, 60) << "live picture";
  EXPECT_LT(slate, 25) << "slate";

  // The second publisher does not come back: when the grace runs out, every rendition ends
  // together (the rungs once ended a second grace later: their playlists stayed live, with no
  // new segment, 10 s after the audio's had ended), and TARGETDURATION never moved (the slate's
  // whole-millisecond pictures put some forced IDRs a picture short of 2 s: never cut, they made
  // 4 s segments).
  std::map<std::string, std::chrono::steady_clock::time_point> ended;
  for (auto until = std::chrono::steady_clock::now() + 20s;
       ended.size() < 2 && std::chrono::steady_clock::now() < until;
       std::this_thread::sleep_for(200ms)) {
    for (const char* rendition : {"360p", "audio"}) {
      const std::string body =
          HttpFetch(HttpUrl("/live/shop1/" + std::string(rendition) + "/playlist.m3u8")).body;
      EXPECT_NE(body.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << body;
      if (body.find("#EXT-X-ENDLIST") != std::string::npos)
        ended.emplace(rendition, std::chrono::steady_clock::now());
    }
  }
  ASSERT_EQ(ended.size(), 2u) << "not ended 20 s after the grace began";
  const auto apart = ended["360p"] > ended["audio"] ? ended["360p"] - ended["audio"]
                                                    : ended["audio"] - ended["360p"];
  EXPECT_LT(apart, 3s) << "the video and audio renditions end together";
}

}  // namespace
}  // namespace strait
