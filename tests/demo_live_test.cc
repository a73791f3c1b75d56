// `strait serve --demo` end to end: the App with the synthetic publisher on loopback ephemeral
// ports, the whole pipeline on (the default ladder, LL-HLS CMAF). Real HTTP fetches of
// /live/demo/master.m3u8 and its renditions; ffmpeg/ffprobe decode the segments: every rung
// and the audio are present, the picture changes from one segment to the next (real motion),
// and the audio is a tone, not silence.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "pipeline/app.h"
#include "tests/support/live_fixture.h"
#include "tests/support/subprocess.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using test::HttpFetch;
using test::RunCommand;

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

class DemoLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline::Config config = test::LoopbackConfig(dir_.path());
    // 1 s segments (the demo's GOP follows): two complete segments arrive in half the time.
    config.hls.segment_duration_s = 1.0;
    ASSERT_TRUE(pipeline::EnableDemo(config));  // what `--demo` does with a config file
    ASSERT_EQ(config.streams.size(), 1u);
    auto app = test::StartQuietApp(config, clock_);
    ASSERT_TRUE(app.ok()) << app.error().message();
    app_ = std::move(app.value());
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(app_->http_port()) + path;
  }

  // Polls `path` until its body has `needle` at least `count` times (or the time is up); returns
  // the last answer.
  test::HttpResult WaitFor(const std::string& path, const std::string& needle, int count,
                           std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    test::HttpResult r;
    while (std::chrono::steady_clock::now() < deadline) {
      r = HttpFetch(Url(path));
      if (r.status == 200 && Count(r.body, needle) >= count)
        return r;
      std::this_thread::sleep_for(250ms);
    }
    return r;
  }

  // init + segment `index` (0 = the first complete one) of a rendition, as one playable file.
  std::string SegmentFile(const std::string& rendition, const std::string& playlist, size_t index) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(playlist, m, std::regex("#EXT-X-MAP:URI=\"([^\"]+)\"")))
        << playlist;
    std::vector<std::string> segments;
    for (const std::string& line : test::Lines(playlist)) {
      if (!line.empty() && line[0] != '#')
        segments.push_back(line);
    }
    if (index >= segments.size())
      return "";
    const std::string base = "/live/demo/" + rendition + "/";
    auto init = HttpFetch(Url(base + m[1].str()));
    auto seg = HttpFetch(Url(base + segments[index]));
    EXPECT_EQ(init.status, 200);
    EXPECT_EQ(seg.status, 200) << segments[index];
    const std::string path = dir_.File(rendition + "-" + std::to_string(index) + ".mp4");
    std::ofstream(path, std::ios::binary) << init.body << seg.body;
    return path;
  }

  test::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<pipeline::App> app_;
};

// The first picture of a segment file, as 160x90 grey bytes.
std::string FirstPicture(const std::string& file) {
  auto r = RunCommand("ffmpeg -v error -i " + file +
                      " -frames:v 1 -vf scale=160:90 -pix_fmt gray -f rawvideo -");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return r.output;
}

TEST_F(DemoLiveTest, MasterPlaylistPlaysWithMotionAndSound) {
  const auto started = std::chrono::steady_clock::now();
  // Renditions appear in the master as they go live: wait for all three rungs.
  auto master = WaitFor("/live/demo/master.m3u8", "#EXT-X-STREAM-INF", 3, 15s);
  ASSERT_EQ(master.status, 200) << master.body;
  for (const char* rung : {"720p/playlist.m3u8", "480p/playlist.m3u8", "360p/playlist.m3u8"})
    EXPECT_NE(master.body.find(rung), std::string::npos) << rung << "\n" << master.body;
  EXPECT_NE(master.body.find("RESOLUTION=1280x720"), std::string::npos) << master.body;
  EXPECT_NE(master.body.find("#EXT-X-MEDIA:TYPE=AUDIO"), std::string::npos) << master.body;

  // Two complete segments of the top rung (1 s each).
  auto p720 = WaitFor("/live/demo/720p/playlist.m3u8", "#EXTINF", 2, 12s);
  ASSERT_EQ(p720.status, 200);
  ASSERT_GE(Count(p720.body, "#EXTINF"), 2) << p720.body;
  EXPECT_NE(p720.body.find("#EXT-X-PART:"), std::string::npos);  // low-latency parts
  const std::string a = SegmentFile("720p", p720.body, 0);
  const std::string b = SegmentFile("720p", p720.body, 1);
  ASSERT_FALSE(a.empty() || b.empty());

  auto probe = RunCommand(
      "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
      "stream=codec_name,width,height,nb_read_frames -of default=nw=1 " +
      a);
  ASSERT_EQ(probe.exit_code, 0) << probe.output;
  EXPECT_NE(probe.output.find("codec_name=h264"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("width=1280"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("height=720"), std::string::npos) << probe.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(probe.output, m, std::regex("nb_read_frames=(\\d+)")));
  // 30 pictures when the machine keeps up; on a loaded one the ladder's governor may halve a
  // rung's frame rate or drop frames up to the next keyframe at start-up (see transcoder.h).
  EXPECT_GE(std::stoi(m[1]), 3) << probe.output;

  // Real motion: the first pictures of consecutive segments differ clearly.
  const std::string pa = FirstPicture(a), pb = FirstPicture(b);
  ASSERT_EQ(pa.size(), 160u * 90u);
  ASSERT_EQ(pb.size(), pa.size());
  double diff = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    diff += std::abs(int(uint8_t(pa[i])) - int(uint8_t(pb[i])));
  EXPECT_GT(diff / pa.size(), 4.0) << "the picture did not change between segments";

  // The smallest rung decodes too.
  auto p360 = WaitFor("/live/demo/360p/playlist.m3u8", "#EXTINF", 1, 5s);
  ASSERT_EQ(p360.status, 200);
  const std::string small = SegmentFile("360p", p360.body, 0);
  ASSERT_FALSE(small.empty());
  probe = RunCommand("ffprobe -v error -select_streams v:0 -show_entries stream=width,height "
                     "-of default=nw=1 " + small);
  EXPECT_NE(probe.output.find("width=640"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("height=360"), std::string::npos) << probe.output;

  // Audio: AAC, and a tone (-12 dB peak, 0.25 amplitude), not silence.
  auto audio = WaitFor("/live/demo/audio/playlist.m3u8", "#EXTINF", 1, 5s);
  ASSERT_EQ(audio.status, 200);
  const std::string sound = SegmentFile("audio", audio.body, 0);
  ASSERT_FALSE(sound.empty());
  probe = RunCommand("ffprobe -v error -show_entries stream=codec_name,sample_rate,channels "
                     "-of default=nw=1 " + sound);
  EXPECT_NE(probe.output.find("codec_name=aac"), std::string::npos) << probe.output;
  EXPECT_NE(probe.output.find("sample_rate=48000"), std::string::npos) << probe.output;
  auto volume = RunCommand("ffmpeg -v info -i " + sound + " -af volumedetect -f null - 2>&1");
  ASSERT_TRUE(std::regex_search(volume.output, m, std::regex("mean_volume: (-?[0-9.]+) dB")))
      << volume.output;
  EXPECT_GT(std::stod(m[1]), -25.0) << volume.output;  // a 0.25 sine is about -15 dB mean

  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  RecordProperty("seconds_to_two_segments", std::to_string(took));
  app_->Stop();  // the demo thread stops before the registry goes
}

}  // namespace
}  // namespace strait
