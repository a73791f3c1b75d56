// End to end: a real encoder (ffmpeg CLI or GStreamer) pushes RTMP into an in-process strait on
// ephemeral ports; the test fetches playlists and segments over HTTP with curl and checks what
// came out with ffprobe. Fixtures are generated at test time with ffmpeg.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/support/live_fixture.h"
#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::BackgroundProcess;
using test::HttpFetch;
using test::Lines;
using test::RunCommand;
using test::TempDir;

using test::kKey;

class RtmpToHlsTest : public test::LiveServerTest {};

TEST_F(RtmpToHlsTest, FfmpegPushPlaysBackOverHls) {
  auto push =
      RunCommand("ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey), 60s);
  ASSERT_EQ(push.exit_code, 0) << push.output;
  CheckPlayback("shop1", 8.0);
  const std::string metrics = HttpFetch(HttpUrl("/metrics")).body;
  EXPECT_NE(metrics.find("strait_stream_publishes_total{stream=\"shop1\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(kKey), std::string::npos) << "the key leaked into /metrics";
  EXPECT_NE(metrics.find("strait_http_requests_total{code=\"200\"}"), std::string::npos);
}

TEST_F(RtmpToHlsTest, GStreamerPushPlaysBackOverHls) {
  if (!test::HaveTool("gst-launch-1.0"))
    GTEST_SKIP() << "gst-launch-1.0 not installed";
  auto push = RunCommand("gst-launch-1.0 -q filesrc location=" + Clip() +
                             " ! flvdemux name=d d.video ! queue ! h264parse ! flvmux name=m "
                             "streamable=true ! rtmp2sink location=" +
                             RtmpUrl(kKey) + " d.audio ! queue ! aacparse ! m.",
                         60s);
  ASSERT_EQ(push.exit_code, 0) << push.output;
  CheckPlayback("shop1", 8.0);
}

TEST_F(RtmpToHlsTest, WrongKeyIsRefusedAndNothingIsPublished) {
  auto push = RunCommand(
      "ffmpeg -v error -re -i " + Clip() + " -t 2 -c copy -f flv " + RtmpUrl("sk_wrong_key"), 30s);
  EXPECT_NE(push.exit_code, 0) << "ffmpeg should fail: " << push.output;
  EXPECT_EQ(HttpFetch(HttpUrl("/live/shop1/master.m3u8")).status, 404);
  EXPECT_EQ(HttpFetch(HttpUrl("/live/shop2/master.m3u8")).status, 404);
  EXPECT_EQ(HttpFetch(HttpUrl("/live/sk_wrong_key/master.m3u8")).status, 404);
  const std::string metrics = app_->MetricsText();
  EXPECT_NE(metrics.find("strait_publish_refused_total{reason=\"unknown_key\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("strait_stream_publishes_total{stream=\"shop1\"} 0"), std::string::npos);
}

TEST_F(RtmpToHlsTest, SecondPublisherIsRefusedWhileFirstKeepsStreaming) {
  BackgroundProcess first("ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
                          dir_.File("first.log"));
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "#EXT-X-STREAM-INF", 15s).status, 200);
  auto second =
      RunCommand("ffmpeg -v error -re -i " + Clip() + " -t 2 -c copy -f flv " + RtmpUrl(kKey), 30s);
  EXPECT_NE(second.exit_code, 0) << "second publisher should be refused: " << second.output;
  EXPECT_TRUE(first.running()) << first.Log();
  EXPECT_EQ(first.Wait(30s), 0) << first.Log();
  CheckPlayback("shop1", 8.0);
  EXPECT_NE(app_->MetricsText().find("strait_publish_refused_total{reason=\"already_live\"} 1"),
            std::string::npos);
}

// A publisher that stalls without closing (a half-open connection: OBS switched networks; here
// SIGSTOP) is closed after the 10 s idle timeout, so its reconnect is accepted instead of being
// told the stream is already published until a 30 s timeout; the playlist goes on.
TEST_F(RtmpToHlsTest, AStalledPublisherFreesItsKeyForTheReconnect) {
  BackgroundProcess first("ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
                          dir_.File("first.log"));
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "#EXT-X-STREAM-INF", 15s).status, 200);
  first.Signal(SIGSTOP);
  std::this_thread::sleep_for(11s);
  auto second =
      RunCommand("ffmpeg -v error -re -i " + Clip() + " -t 3 -c copy -f flv " + RtmpUrl(kKey), 30s);
  EXPECT_EQ(second.exit_code, 0) << "the reconnect should be accepted: " << second.output;
  EXPECT_EQ(second.output.find("already being published"), std::string::npos) << second.output;
  EXPECT_NE(app_->MetricsText().find("strait_stream_publishes_total{stream=\"shop1\"} 2"),
            std::string::npos);
  first.Signal(SIGKILL);
}

TEST_F(RtmpToHlsTest, HevcOverEnhancedRtmpWhenLocalFfmpegCanSendIt) {
  TempDir tmp;
  // FFmpeg learned to write HEVC into FLV (Enhanced RTMP) in 6.1; 5.1 refuses.
  auto probe = RunCommand(
      "ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libx265 "
      "-f flv " +
          tmp.File("h.flv"),
      60s);
  if (probe.exit_code != 0) {
    GTEST_SKIP() << "the local ffmpeg cannot send HEVC over RTMP (Enhanced RTMP muxing needs "
                    "FFmpeg >= 6.1): "
                 << probe.output.substr(0, 200);
  }
  auto push = RunCommand(
      "ffmpeg -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 -t 5 -c:v libx265 "
      "-g 30 -f flv " +
          RtmpUrl(kKey),
      60s);
  ASSERT_EQ(push.exit_code, 0) << push.output;
  auto master = WaitFor("/live/shop1/master.m3u8", "hvc1", 10s);
  EXPECT_EQ(master.status, 200) << master.body;
}

}  // namespace
}  // namespace strait

namespace strait {
namespace {

// A viewer's browser: hls.js in headless Chromium plays the live stream while ffmpeg pushes.
TEST_F(RtmpToHlsTest, HlsJsInHeadlessChromiumPlaysTheLiveStream) {
  if (const std::string missing = test::BrowserMissing(); !missing.empty())
    GTEST_SKIP() << missing;
  const std::string browser_dir = test::BrowserDir();
  BackgroundProcess push("ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
                         dir_.File("push.log"));
  ASSERT_EQ(WaitFor("/live/shop1/master.m3u8", "#EXT-X-STREAM-INF", 15s).status, 200);
  auto play = RunCommand("node " + browser_dir + "/play.mjs " + HttpUrl("/live/shop1/master.m3u8") +
                             " 2 " + dir_.File("shot.png"),
                         60s);
  EXPECT_EQ(play.exit_code, 0) << play.output;
  EXPECT_NE(play.output.find("\"width\":1280"), std::string::npos) << play.output;
  EXPECT_NE(play.output.find("\"manifest\":true"), std::string::npos) << play.output;
  push.Wait(30s);
}

}  // namespace
}  // namespace strait
