// Test support: a live strait (pipeline::App) on ephemeral ports with two streams, a shared 8 s
// 720p30 H.264 + AAC fixture, and the end-to-end playback check (curl fetches of master, media
// playlist and every segment; ffprobe on their concatenation). Used by the RTMP and SRT tests.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <regex>
#include <string>
#include <thread>
#include <utility>

#include "pipeline/app.h"
#include "tests/support/subprocess.h"

namespace strait::test {

using namespace std::chrono_literals;

inline constexpr char kKey[] = "sk_test_4f1d2c";        // stream shop1
inline constexpr char kOtherKey[] = "sk_other_93ab1e";  // stream shop2 (has an SRT passphrase)
inline constexpr char kShop2Passphrase[] = "shop2-secret-pass";
inline constexpr char kShop2ReadKey[] = "rk_shop2_viewer";

// tests/browser: play.mjs (hls.js in headless Chromium), player.html, console.mjs.
inline std::string BrowserDir() {
  return std::string(STRAIT_SOURCE_DIR) + "/tests/browser";
}

// Why the browser tests cannot run here (node, chromium or tests/browser/node_modules missing),
// or "" when they can: a test skips with it.
inline std::string BrowserMissing() {
  if (RunCommand("command -v node && test -x /usr/bin/chromium").exit_code != 0)
    return "node or chromium missing (scripts/install-deps.sh installs them)";
  if (RunCommand("test -d " + BrowserDir() + "/node_modules/hls.js -a -d " + BrowserDir() +
                 "/node_modules/playwright-core")
          .exit_code != 0)
    return "tests/browser/node_modules missing (scripts/install-deps.sh runs npm ci)";
  return "";
}

// The built-in defaults on loopback ports the kernel picks (RTMP, HTTP, SRT), data in `data_dir`.
inline pipeline::Config LoopbackConfig(const std::string& data_dir) {
  pipeline::Config config = pipeline::DefaultConfig();
  config.rtmp_listen = "127.0.0.1:0";
  config.http_listen = "127.0.0.1:0";
  config.srt_listen = "127.0.0.1:0";
  config.data_dir = data_dir;
  return config;
}

// Starts the App as the live tests do: on `config`, logging nowhere.
inline Result<std::unique_ptr<pipeline::App>> StartQuietApp(const pipeline::Config& config,
                                                            const Clock& clock) {
  auto logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  return pipeline::App::Start(config, logger, clock);
}

class LiveServerTest : public ::testing::Test {
 protected:
  // The 8 s fixture is generated once per build tree (the file name carries its recipe version)
  // and shared by the test processes; rename makes concurrent generation safe.
  static void SetUpTestSuite() {
    const std::string dir = STRAIT_FIXTURE_DIR;
    if (test::RunCommand("test -s " + Clip()).exit_code == 0)
      return;
    const std::string tmp = Clip() + "." + std::to_string(::getpid()) + ".flv";
    // 8 s of 720p30 H.264 High (keyframe every 2 s) + 48 kHz stereo AAC.
    auto r =
        test::RunCommand("mkdir -p " + dir +
                             " && ffmpeg -v error -y "
                             "-f lavfi -i testsrc2=size=1280x720:rate=30 "
                             "-f lavfi -i sine=frequency=440:sample_rate=48000 -ac 2 -t 8 "
                             "-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p -g 60 "
                             "-keyint_min 60 -sc_threshold 0 -b:v 2500k -c:a aac -b:a 96k -f flv " +
                             tmp + " && mv " + tmp + " " + Clip(),
                         120s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  // A derived fixture may change the config before the server starts.
  virtual void Configure(pipeline::Config& config) {}
  static std::string Clip() { return std::string(STRAIT_FIXTURE_DIR) + "/clip-720p-8s-v1.flv"; }

  void SetUp() override {
    pipeline::Config config = LoopbackConfig(dir_.path());
    config.streams = {{"shop1", kKey, "", "", "", ""},
                      {"shop2", kOtherKey, kShop2Passphrase, kShop2ReadKey, "", ""}};
    config.transcode.enabled = false;  // the source only ("src"); transcode tests turn it on
    config.hls.variants = "ts";        // MPEG-TS, read by ffprobe/GStreamer; LL tests turn CMAF on
    config.hls.reconnect_grace_s = 0;  // EXT-X-ENDLIST as soon as a push ends; reconnect tests: on
    Configure(config);
    auto app = StartQuietApp(config, clock_);
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app.value());
  }

  std::string RtmpUrl(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(app_->rtmp_port()) + "/live/" + key;
  }
  std::string SrtUrl(const std::string& streamid, const std::string& extra = "") const {
    return "srt://127.0.0.1:" + std::to_string(app_->srt_port()) + "?streamid=" + streamid + extra;
  }
  std::string HttpUrl(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(app_->http_port()) + path;
  }

  // Reads /metrics once and raises each counter to the value of its series (the metric name with
  // its labels, as /metrics prints them), where higher: read all along a publish, the counters
  // keep their peak (a graph that ended has none left to read).
  void ReadPeakCounters(std::initializer_list<std::pair<std::string, int64_t*>> counters) {
    for (const std::string& line : Lines(HttpFetch(HttpUrl("/metrics")).body)) {
      for (const auto& [series, count] : counters) {
        if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
            line[series.size()] == ' ')
          *count = std::max<int64_t>(*count, std::stoll(line.substr(series.size() + 1)));
      }
    }
  }

  // Waits until `path` answers 200 (and, if given, its body contains `needle`).
  test::HttpResult WaitFor(const std::string& path,
                           const std::string& needle,
                           std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    test::HttpResult r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = HttpFetch(HttpUrl(path));
      if (r.status == 200 && r.body.find(needle) != std::string::npos)
        return r;
      std::this_thread::sleep_for(200ms);
    }
    return r;
  }

  // Fetches master → media playlist → every segment, concatenates the segments into one file and
  // returns ffprobe's view of it.
  void CheckPlayback(const std::string& stream, double expected_seconds) {
    const std::string base = "/live/" + stream;
    auto master = WaitFor(base + "/master.m3u8", "#EXT-X-STREAM-INF", 10s);
    ASSERT_EQ(master.status, 200) << master.body;
    EXPECT_EQ(master.Header("Content-Type"), "application/vnd.apple.mpegurl");
    EXPECT_EQ(master.Header("Access-Control-Allow-Origin"), "*");
    EXPECT_NE(master.body.find("RESOLUTION=1280x720"), std::string::npos) << master.body;
    EXPECT_NE(master.body.find("CODECS=\"avc1.64001f,mp4a.40.2\""), std::string::npos)
        << master.body;
    EXPECT_NE(master.body.find("mp4a.40.2"), std::string::npos) << master.body;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(master.body, m, std::regex("BANDWIDTH=(\\d+)")));
    EXPECT_GT(std::stoll(m[1]), 100000);

    // The publisher has finished: wait for the final segment and EXT-X-ENDLIST.
    auto media = WaitFor(base + "/src/playlist.m3u8", "#EXT-X-ENDLIST", 30s);
    ASSERT_EQ(media.status, 200);
    ASSERT_NE(media.body.find("#EXT-X-ENDLIST"), std::string::npos) << media.body;
    EXPECT_NE(media.body.find("#EXT-X-PROGRAM-DATE-TIME:"), std::string::npos);
    EXPECT_NE(media.body.find("#EXT-X-INDEPENDENT-SEGMENTS"), std::string::npos);

    std::string concat;
    int segments = 0;
    for (const std::string& line : Lines(media.body)) {
      if (line.empty() || line[0] == '#')
        continue;
      auto seg = HttpFetch(HttpUrl(base + "/src/" + line));
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
    auto probe = RunCommand(
        "ffprobe -v error -show_entries stream=codec_name,width,height "
        "-show_entries format=duration -of default=nw=1 " +
        ts);
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

}  // namespace strait::test
