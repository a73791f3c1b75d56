// Push publishing into a real nginx (dav PUT/DELETE on loopback): while OBS (ffmpeg) publishes,
// every segment, media playlist and the master arrive on the external origin in order, segments
// that left the window are deleted there, and an nginx restart mid-stream is ridden through
// (retries): at the end the origin's copy equals what strait serves itself. With Low-Latency HLS
// (CMAF parts), every playlist version seen on the origin lists only objects already there
// (uploads run several at once), and expired parts and segments are deleted there.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/live_fixture.h"
#include "tests/support/llhls_check.h"
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
    config.hls.window_segments = 3;  // + 4 kept for late readers: older segments get deleted
    pipeline::PublishTarget target;
    target.url = origin_->url() + "origin/";
    target.timeout_ms = 2000;
    target.retries = 6;
    config.publish.push_back(target);
  }
  std::unique_ptr<test::NginxOrigin> origin_;
};

TEST_F(PushPublishTest, OriginGetsEverythingInOrderAndSurvivesARestart) {
  // 24 s: the 8 s clip three times, so segments leave the window and the 4 kept after it.
  test::BackgroundProcess push(
      "ffmpeg -v error -re -stream_loop 2 -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
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
  EXPECT_LE(on_origin, 7u) << "expired segments are DELETEd";
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

// One request from nginx's access log; `path` is relative to the stream's folder on the origin.
struct Request {
  std::string method, path;
  int status = 0;
};

// The access log's requests under `prefix` (e.g. "/origin/shop1/"), in the order nginx answered.
std::vector<Request> ReadAccessLog(const std::string& file, const std::string& prefix) {
  std::vector<Request> out;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string msec, method, uri;
    int status = 0;
    if (fields >> msec >> method >> uri >> status && uri.starts_with(prefix))
      out.push_back({method, uri.substr(prefix.size()), status});
  }
  return out;
}

bool IsPart(const std::string& path) {
  static const std::regex kName("src/part\\d+\\.\\d+\\.m4s");
  return std::regex_match(path, kName);
}
bool IsSegment(const std::string& path) {
  static const std::regex kName("src/seg\\d+\\.m4s");
  return std::regex_match(path, kName);
}
bool IsInit(const std::string& path) {
  static const std::regex kName("src/init\\d+\\.mp4");
  return std::regex_match(path, kName);
}

// Every URI a media playlist lists: init, segments and parts.
std::vector<std::string> Listed(const test::LlPlaylist& p) {
  std::vector<std::string> out;
  if (p.map_uri)
    out.push_back(*p.map_uri);
  for (const test::LlSegment& s : p.segments) {
    out.push_back(s.uri);
    for (const test::LlPart& part : s.parts)
      out.push_back(part.uri);
  }
  for (const test::LlPart& part : p.pending_parts)
    out.push_back(part.uri);
  return out;
}

std::string Excerpt(const std::vector<Request>& requests, size_t at) {
  std::string out;
  for (size_t i = at >= 3 ? at - 3 : 0; i < std::min(requests.size(), at + 4); ++i)
    out += (i == at ? "  > " : "    ") + requests[i].method + " " + requests[i].path + " " +
           std::to_string(requests[i].status) + "\n";
  return out;
}

class LowLatencyPushTest : public PushPublishTest {
 protected:
  void Configure(pipeline::Config& config) override {
    PushPublishTest::Configure(config);  // window 3 (+4 held), the nginx target
    config.hls.variants = "ll-cmaf";
    config.transcode.enabled = false;
  }
};

TEST_F(LowLatencyPushTest, PartsReachTheOriginBeforeThePlaylistsThatListThem) {
  // 24 s: the 8 s clip three times, so parts and segments leave the window and what is kept
  // after it.
  test::BackgroundProcess push(
      "ffmpeg -v error -re -stream_loop 2 -i " + Clip() + " -c copy -f flv " + RtmpUrl(kKey),
      dir_.File("push.log"));
  const std::string dir = origin_->root() + "/origin/shop1";
  const std::string target = origin_->url() + "origin/";

  // Meanwhile, each new version of the origin's playlist parses and lists only objects that are
  // already on the origin (what a player reading the origin would fetch next).
  std::string seen;
  int versions = 0, with_parts = 0;
  std::vector<std::string> missing;
  const auto started = std::chrono::steady_clock::now();
  bool restarted = false;
  while (push.running()) {
    if (!restarted && std::chrono::steady_clock::now() - started > 6s) {
      // The origin goes away for 2 s mid-stream: the backlog must still go out in order.
      restarted = true;
      origin_->Stop();
      std::this_thread::sleep_for(2s);
      ASSERT_TRUE(origin_->Start());
    }
    const std::string text = test::ReadFile(dir + "/src/playlist.m3u8");
    if (!text.empty() && text != seen) {
      seen = text;
      ++versions;
      test::ParseResult parsed = test::ParseMediaPlaylist(text);
      ASSERT_TRUE(parsed.ok()) << parsed.error << "\n" << text;
      with_parts += !parsed.playlist.pending_parts.empty();
      for (const std::string& uri : Listed(parsed.playlist))
        if (!std::filesystem::exists(dir + "/src/" + uri))
          missing.push_back("version " + std::to_string(versions) + " lists " + uri);
    }
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(push.Wait(1s), 0) << push.Log();
  EXPECT_TRUE(missing.empty()) << missing.size() << " listed objects not on the origin yet, e.g. "
                               << missing[0];
  EXPECT_GT(with_parts, 10) << versions << " playlist versions seen on the origin";

  // Wait until strait has packaged the end and every upload is done: the origin's playlist is
  // the one strait serves, twice in a row with nothing queued.
  std::string local, remote, before;
  for (int i = 0; i < 50; ++i) {
    local = HttpFetch(HttpUrl("/live/shop1/src/playlist.m3u8")).body;
    remote = test::ReadFile(dir + "/src/playlist.m3u8");
    const bool idle = app_->MetricsText().find("strait_publish_queued{target=\"" + target +
                                               "\"} 0") != std::string::npos;
    if (!local.empty() && local == remote && local == before && idle)
      break;
    before = local;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(remote, local) << "the origin's playlist is the one strait serves";
  test::ParseResult final_playlist = test::ParseMediaPlaylist(local);
  ASSERT_TRUE(final_playlist.ok()) << final_playlist.error << "\n" << local;
  EXPECT_EQ(test::ReadFile(dir + "/master.m3u8"),
            HttpFetch(HttpUrl("/live/shop1/master.m3u8")).body);

  // What nginx's access log shows (requests in the order they finished): several run at once
  // (`connections`), so parts and segments may finish in any order among themselves; what a
  // player needs — a playlist never ahead of what it lists — was checked on the origin's disk
  // above. Here: every request succeeded, and the first playlist came after the init and a part.
  const std::vector<Request> requests = ReadAccessLog(origin_->access_log(), "/origin/shop1/");
  std::vector<std::string> bad;
  std::optional<size_t> first_init, first_part, first_segment, first_playlist;
  std::map<std::string, std::string> last_op;  // path -> PUT or DELETE
  size_t part_deletes = 0, segment_deletes = 0;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    if (r.method != "PUT" && r.method != "DELETE")
      continue;
    last_op[r.path] = r.method;
    if (r.method == "DELETE") {
      part_deletes += IsPart(r.path);
      segment_deletes += IsSegment(r.path);
      if (r.status != 204 && r.status != 404)
        bad.push_back("DELETE " + r.path + " answered " + std::to_string(r.status));
      continue;
    }
    if (r.status != 201 && r.status != 204)
      bad.push_back("PUT " + r.path + " answered " + std::to_string(r.status));
    if (IsInit(r.path))
      first_init = first_init.value_or(i);
    if (r.path == "src/playlist.m3u8")
      first_playlist = first_playlist.value_or(i);
    if (IsPart(r.path))
      first_part = first_part.value_or(i);
    if (IsSegment(r.path))
      first_segment = first_segment.value_or(i);
  }
  ASSERT_TRUE(first_init && first_part && first_segment && first_playlist) << Excerpt(requests, 0);
  EXPECT_LT(*first_init, *first_part);
  EXPECT_LT(*first_part, *first_playlist);
  EXPECT_TRUE(bad.empty()) << bad.size() << " failed requests; the first ones:\n"
                           << bad[0] << "\n"
                           << (bad.size() > 1 ? bad[1] : "");

  // Expired parts and segments were DELETEd: what is left on the origin is exactly what was PUT
  // and not deleted since.
  EXPECT_GT(part_deletes, 0u);
  EXPECT_GT(segment_deletes, 0u);
  std::set<std::string> expected, on_origin;
  for (const auto& [path, op] : last_op)
    if (op == "PUT" && path.starts_with("src/"))
      expected.insert(path);
  for (const auto& e : std::filesystem::directory_iterator(dir + "/src"))
    on_origin.insert("src/" + e.path().filename().string());
  EXPECT_EQ(on_origin, expected);
  for (size_t oldest : {*first_part, *first_segment})
    EXPECT_EQ(last_op[requests[oldest].path], "DELETE") << requests[oldest].path;

  // Everything the final playlist lists is on the origin, byte for byte what strait serves.
  const std::vector<std::string> listed = Listed(final_playlist.playlist);
  EXPECT_GE(final_playlist.playlist.segments.size(), 3u) << local;
  for (const std::string& uri : listed) {
    const std::string served = HttpFetch(HttpUrl("/live/shop1/src/" + uri)).body;
    EXPECT_FALSE(served.empty()) << uri;
    EXPECT_TRUE(test::ReadFile(dir + "/src/" + uri) == served) << uri << " differs on the origin";
  }
  const std::string metrics = app_->MetricsText();
  EXPECT_NE(metrics.find("strait_publish_failed_total{target=\"" + target + "\"} 0\n"),
            std::string::npos)
      << metrics;

  // A player reads the origin's copy: ffprobe through nginx (init, then fMP4 segments).
  auto probe = RunCommand("ffprobe -v error -show_entries stream=codec_name -of default=nw=1 " +
                              origin_->url() + "origin/shop1/src/playlist.m3u8",
                          20s);
  EXPECT_EQ(probe.exit_code, 0) << probe.output;
  std::set<std::string> codecs;
  for (const std::string& line : test::Lines(probe.output))
    if (!line.empty())
      codecs.insert(line);  // with -v error, any complaint would be a line of its own
  EXPECT_EQ(codecs, (std::set<std::string>{"codec_name=aac", "codec_name=h264"})) << probe.output;
}

}  // namespace
}  // namespace strait
