// Push publishing into a real nginx (dav PUT/DELETE on loopback): while OBS (ffmpeg) publishes,
// every segment, media playlist and the master arrive on the external origin in order, segments
// that left the window are deleted there, and an nginx restart mid-stream is ridden through
// (retries): at the end the origin's copy equals what strait serves itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/support/live_fixture.h"
#include "tests/support/nginx_origin.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::HttpFetch;
using test::kKey;
using test::RunCommand;

class PushPublishTest : public test::LiveServerTest {
 protected:
  void SetUp() override {
    std::string why;
    origin_ = test::NginxOrigin::Create(&why);
    if (!origin_)
      GTEST_SKIP() << why;
    LiveServerTest::SetUp();
  }
  void Configure(pipeline::Config& config) override {
    config.hls.window_segments = 3;  // + 2 kept for late readers: older segments get deleted
    config.publish.push_back({origin_->url() + "origin/", 2000, 6});
  }
  std::unique_ptr<test::NginxOrigin> origin_;
};

TEST_F(PushPublishTest, OriginGetsEverythingInOrderAndSurvivesARestart) {
  // 16 s: the 8 s clip twice, so segments leave the window.
  test::BackgroundProcess push(
      "ffmpeg -v error -re -stream_loop 1 -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
      dir_.File("push.log"));
  const std::string dir = origin_->root() + "/origin/shop1";
  for (int i = 0; i < 100 && !std::filesystem::exists(dir + "/src/playlist.m3u8"); ++i)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(std::filesystem::exists(dir + "/src/playlist.m3u8")) << app_->MetricsText();
  EXPECT_TRUE(std::filesystem::exists(dir + "/master.m3u8"));

  origin_->Stop();  // the origin goes away for 2 s; uploads are retried
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE(origin_->Start());
  ASSERT_EQ(push.Wait(40s), 0) << push.Log();

  // Wait until every upload is done, then compare with what strait serves.
  const std::string local = WaitFor("/live/shop1/src/playlist.m3u8", "#EXT-X-ENDLIST", 20s).body;
  ASSERT_NE(local.find("#EXT-X-ENDLIST"), std::string::npos);
  std::string remote;
  for (int i = 0; i < 100; ++i) {
    remote = test::ReadFile(dir + "/src/playlist.m3u8");
    if (remote == local)
      break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(remote, local) << "the origin's playlist is the one strait serves";
  std::vector<std::string> listed;
  for (const std::string& line : test::Lines(local))
    if (!line.empty() && line[0] != '#')
      listed.push_back(line);
  ASSERT_EQ(listed.size(), 3u);
  for (const std::string& seg : listed) {
    auto served = HttpFetch(HttpUrl("/live/shop1/src/" + seg));
    EXPECT_EQ(test::ReadFile(dir + "/src/" + seg), served.body) << seg;
  }
  // Older segments left the local store and were deleted on the origin too.
  size_t on_origin = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/src"))
    on_origin += e.path().extension() == ".ts";
  EXPECT_LE(on_origin, 5u) << "expired segments are DELETEd";
  const std::string metrics = app_->MetricsText();
  EXPECT_NE(metrics.find("strait_publish_queued{target=\"" + origin_->url() + "origin/\"} 0"),
            std::string::npos)
      << metrics;
  EXPECT_NE(
      metrics.find("strait_publish_failed_total{target=\"" + origin_->url() + "origin/\"} 0\n"),
      std::string::npos)
      << "the restart was ridden through by retries: " << metrics;
  auto decode =
      RunCommand("cat " + dir + "/src/" + listed[0] + " | ffmpeg -v error -i - -f null -");
  EXPECT_EQ(decode.exit_code, 0) << decode.output;
}

}  // namespace
}  // namespace strait
