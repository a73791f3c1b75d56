// End to end: a real encoder (ffmpeg CLI or GStreamer) pushes RTMP into an in-process strait on
// ephemeral ports; the test fetches playlists and segments over HTTP with curl and checks what
// came out with ffprobe. Fixtures are generated at test time with ffmpeg.
#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <regex>
#include <thread>

#include "pipeline/app.h"
#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::BackgroundProcess;
using test::HttpFetch;
using test::Lines;
using test::RunCommand;
using test::TempDir;

constexpr char kKey[] = "sk_test_4f1d2c";
constexpr char kOtherKey[] = "sk_other_93ab1e";

class RtmpToHlsTest : public ::testing::Test {
 protected:
  // The 8 s fixture is generated once per build tree (the file name carries its recipe version)
  // and shared by the test processes; rename makes concurrent generation safe.
  static void SetUpTestSuite() {
    const std::string dir = STRAIT_FIXTURE_DIR;
    if (test::RunCommand("test -s " + Clip()).exit_code == 0) return;
    const std::string tmp = Clip() + "." + std::to_string(::getpid()) + ".flv";
    // 8 s of 720p30 H.264 High (keyframe every 2 s) + 48 kHz stereo AAC.
    auto r = test::RunCommand("mkdir -p " + dir + " && ffmpeg -v error -y "
                 "-f lavfi -i testsrc2=size=1280x720:rate=30 "
                 "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 8 "
                 "-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 60 "
                 "-keyint_min 60 -sc_threshold 0 -b:v 2500k -c:a aac -b:a 96k -f flv " + tmp +
                 " && mv " + tmp + " " + Clip(),
                 120s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static std::string Clip() { return std::string(STRAIT_FIXTURE_DIR) + "/clip-720p-8s-v1.flv"; }

  void SetUp() override {
    pipeline::Config config = pipeline::DefaultConfig();
    config.rtmp_listen = "127.0.0.1:0";
    config.http_listen = "127.0.0.1:0";
    config.data_dir = dir_.path();
    config.streams = {{"shop1", kKey}, {"shop2", kOtherKey}};
    auto logger = std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto app = pipeline::App::Start(config, logger, clock_);
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app.value());
  }

  std::string RtmpUrl(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(app_->rtmp_port()) + "/live/" + key;
  }
  std::string HttpUrl(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(app_->http_port()) + path;
  }

  // Waits until `path` answers 200 (and, if given, its body contains `needle`).
  test::HttpResult WaitFor(const std::string& path, const std::string& needle,
                              std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    test::HttpResult r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = HttpFetch(HttpUrl(path));
      if (r.status == 200 && r.body.find(needle) != std::string::npos) return r;
      std::this_thread::sleep_for(200ms);
    }
    return r;
  }

  // Fetches master → media playlist → every segment, concatenates the segments into one file and
  // returns ffprobe's view of it.
  void CheckPlayback(double expected_seconds) {
    auto master = WaitFor("/live/shop1/master.m3u8", "#EXT-X-STREAM-INF", 10s);
    ASSERT_EQ(master.status, 200) << master.body;
    EXPECT_EQ(master.Header("Content-Type"), "application/vnd.apple.mpegurl");
    EXPECT_EQ(master.Header("Access-Control-Allow-Origin"), "*");
    EXPECT_NE(master.body.find("RESOLUTION=1280x720"), std::string::npos) << master.body;
    EXPECT_NE(master.body.find("CODECS=\"avc1.64001f,mp4a.40.2\""), std::string::npos) << master.body;
    EXPECT_NE(master.body.find("mp4a.40.2"), std::string::npos) << master.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(master.body, m, std::regex("BANDWIDTH=(\\d+)")));
    EXPECT_GT(std::stoll(m[1]), 100000);

    // The publisher has finished: wait for the final segment and EXT-X-ENDLIST.
    auto media = WaitFor("/live/shop1/src/playlist.m3u8", "#EXT-X-ENDLIST", 30s);
    ASSERT_EQ(media.status, 200);
    ASSERT_NE(media.body.find("#EXT-X-ENDLIST"), std::string::npos) << media.body;
    EXPECT_NE(media.body.find("#EXT-X-PROGRAM-DATE-TIME:"), std::string::npos);
    EXPECT_NE(media.body.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos);

    std::string concat;
    int segments = 0;
    for (const std::string& line : Lines(media.body)) {
      if (line.empty() || line[0] == '#') continue;
      auto seg = HttpFetch(HttpUrl("/live/shop1/src/" + line));
      ASSERT_EQ(seg.status, 200) << line;
      EXPECT_EQ(seg.Header("Content-Type"), "video/mp2t");
      EXPECT_NE(seg.Header("Cache-Control").find("immutable"), std::string::npos);
      concat += seg.body;
      ++segments;
    }
    EXPECT_GE(segments, 3);
    const std::string ts = dir_.File("all.ts");
    {
      std::ofstream out(ts, std::ios::binary);
      out << concat;
    }
    auto probe = RunCommand("ffprobe -v error -show_entries stream=codec_name,width,height "
                     "-show_entries format=duration -of default=nw=1 " + ts);
    ASSERT_EQ(probe.exit_code, 0) << probe.output;
    EXPECT_NE(probe.output.find("codec_name=h264"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("codec_name=aac"), std::string::npos) << probe.output;
    EXPECT_NE(probe.output.find("width=1280"), std::string::npos) << probe.output;
    ASSERT_TRUE(std::regex_search(probe.output, m, std::regex("duration=([0-9.]+)")));
    EXPECT_NEAR(std::stod(m[1]), expected_seconds, 2.0) << probe.output;  // within one segment
  }

  TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<pipeline::App> app_;
};

TEST_F(RtmpToHlsTest, FfmpegPushPlaysBackOverHls) {
  auto push = RunCommand("ffmpeg -v error -re -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey), 60s);
  ASSERT_EQ(push.exit_code, 0) << push.output;
  CheckPlayback(8.0);
  const std::string metrics = HttpFetch(HttpUrl("/metrics")).body;
  EXPECT_NE(metrics.find("strait_stream_publishes_total{stream=\"shop1\"} 1"), std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find(kKey), std::string::npos) << "the key leaked into /metrics";
  EXPECT_NE(metrics.find("strait_http_requests_total{code=\"200\"}"), std::string::npos);
}

TEST_F(RtmpToHlsTest, GStreamerPushPlaysBackOverHls) {
  if (!test::HaveTool("gst-launch-1.0")) GTEST_SKIP() << "gst-launch-1.0 not installed";
  auto push = RunCommand("gst-launch-1.0 -q filesrc location=" + Clip() +
                      " ! flvdemux name=d d.video ! queue ! h264parse ! flvmux name=m "
                      "streamable=true ! rtmp2sink location=" + RtmpUrl(kKey) +
                      " d.audio ! queue ! aacparse ! m.",
                  60s);
  ASSERT_EQ(push.exit_code, 0) << push.output;
  CheckPlayback(8.0);
}

TEST_F(RtmpToHlsTest, WrongKeyIsRefusedAndNothingIsPublished) {
  auto push =
      RunCommand("ffmpeg -v error -re -i " + Clip() + " -t 2 -c copy -f flv " + RtmpUrl("sk_wrong_key"),
          30s);
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
  CheckPlayback(8.0);
  EXPECT_NE(app_->MetricsText().find("strait_publish_refused_total{reason=\"already_live\"} 1"),
            std::string::npos);
}

TEST_F(RtmpToHlsTest, HevcOverEnhancedRtmpWhenLocalFfmpegCanSendIt) {
  TempDir tmp;
  // FFmpeg learned to write HEVC into FLV (Enhanced RTMP) in 6.1; 5.1 refuses.
  auto probe = RunCommand("ffmpeg -v error -f lavfi -i testsrc2=size=320x240:rate=30 -t 1 -c:v libx265 "
                   "-f flv " + tmp.File("h.flv"),
                   60s);
  if (probe.exit_code != 0) {
    GTEST_SKIP() << "the local ffmpeg cannot send HEVC over RTMP (Enhanced RTMP muxing needs "
                    "FFmpeg >= 6.1): "
                 << probe.output.substr(0, 200);
  }
  auto push = RunCommand("ffmpeg -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 -t 5 -c:v libx265 "
                  "-g 30 -f flv " + RtmpUrl(kKey),
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
  const std::string browser_dir = std::string(STRAIT_SOURCE_DIR) + "/tests/browser";
  if (!test::HaveTool("node") || !test::HaveTool("chromium")) {
    GTEST_SKIP() << "node or chromium missing (scripts/install-deps.sh installs them)";
  }
  if (test::RunCommand("test -d " + browser_dir + "/node_modules/hls.js").exit_code != 0) {
    GTEST_SKIP() << "tests/browser/node_modules missing (scripts/install-deps.sh runs npm ci)";
  }
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
