// The demo publisher's parts without a server: the pattern moves, the tone is continuous,
// `--demo` adds the right streams, and DemoPublisher drives a MediaSink the way an ingest
// connection does (tracks first, a keyframe first, IDRs on the GOP grid, OnEnd once, nothing after).
#include "pipeline/demo.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "pipeline/config.h"
#include "pipeline/demo_pattern.h"

namespace strait::pipeline {
namespace {

using namespace std::chrono_literals;

double MeanAbsDiff(const Frame& a, const Frame& b) {
  double sum = 0;
  for (int y = 0; y < a.height(); ++y) {
    const uint8_t* ra = a.data(0) + size_t(y) * a.linesize(0);
    const uint8_t* rb = b.data(0) + size_t(y) * b.linesize(0);
    for (int x = 0; x < a.width(); ++x)
      sum += std::abs(int(ra[x]) - int(rb[x]));
  }
  return sum / (double(a.width()) * a.height());
}

TEST(DemoPatternTest, PicturesMoveAndTheTextShows) {
  auto a = Frame::AllocateVideo(320, 180, Frame::Layout::kYuv420p);
  auto b = Frame::AllocateVideo(320, 180, Frame::Layout::kYuv420p);
  auto c = Frame::AllocateVideo(320, 180, Frame::Layout::kYuv420p);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(demo::DrawTestPattern(*a, 0, "12:00:00.00"));
  ASSERT_TRUE(demo::DrawTestPattern(*b, 15, "12:00:00.15"));
  ASSERT_TRUE(demo::DrawTestPattern(*c, 0, "12:00:00.00"));
  EXPECT_GT(MeanAbsDiff(*a, *b), 5.0);  // half a second later: bars and box moved
  EXPECT_EQ(MeanAbsDiff(*a, *c), 0.0);  // the same picture number and text: the same picture
  // Text is white (235) in the bottom third, where the background is 40 and the box 149.
  int white = 0;
  for (int y = 120; y < 180; ++y) {
    for (int x = 0; x < 320; ++x)
      white += a->data(0)[size_t(y) * a->linesize(0) + x] == 235;
  }
  EXPECT_GT(white, 100);
}

TEST(DemoPatternTest, RefusesWhatItCannotDraw) {
  auto rgba = Frame::AllocateVideo(320, 180, Frame::Layout::kRgba);
  ASSERT_TRUE(rgba.ok());
  EXPECT_FALSE(demo::DrawTestPattern(*rgba, 0, ""));
  auto tiny = Frame::AllocateVideo(16, 16, Frame::Layout::kYuv420p);
  ASSERT_TRUE(tiny.ok());
  EXPECT_FALSE(demo::DrawTestPattern(*tiny, 0, ""));
}

TEST(DemoPatternTest, ToneIsContinuousAcrossCalls) {
  // 1600 samples (one 30 fps picture at 48 kHz) at a time: no jump where two calls meet.
  std::vector<float> all;
  for (int call = 0; call < 3; ++call) {
    auto pcm = Frame::Silence(1600, 48000, 2);
    ASSERT_TRUE(pcm.ok());
    demo::FillTone(*pcm, 1600, 2, 48000, call * 1600, 440, 0.25f);
    const auto* left = reinterpret_cast<const float*>(pcm->data(0));
    const auto* right = reinterpret_cast<const float*>(pcm->data(1));
    for (int i = 0; i < 1600; ++i) {
      ASSERT_EQ(left[i], right[i]);
      all.push_back(left[i]);
    }
  }
  const double max_step = 0.25 * 2 * 3.14159265 * 440 / 48000 * 1.01;
  for (size_t i = 1; i < all.size(); ++i)
    ASSERT_LE(std::abs(all[i] - all[i - 1]), max_step) << "at sample " << i;
  EXPECT_NEAR(*std::max_element(all.begin(), all.end()), 0.25, 0.001);
}

class DemoConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strait-demo-config-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(DemoConfigTest, BuiltinDefaultGetsDemoAndStudioWithKeptKeys) {
  Config config = DefaultConfig();
  config.data_dir = dir_.string();
  ASSERT_TRUE(EnsureDemoStream(config));
  ASSERT_TRUE(EnableDemo(config));
  EXPECT_TRUE(config.demo);
  ASSERT_EQ(config.streams.size(), 2u);
  EXPECT_EQ(config.streams[0].name, "demo");
  EXPECT_EQ(config.streams[1].name, "studio");
  EXPECT_NE(config.streams[0].key, config.streams[1].key);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "studio.key"));

  Config again = DefaultConfig();  // a restart: the same keys (OBS settings survive)
  again.data_dir = dir_.string();
  ASSERT_TRUE(EnsureDemoStream(again));
  ASSERT_TRUE(EnableDemo(again));
  EXPECT_EQ(again.streams[0].key, config.streams[0].key);
  EXPECT_EQ(again.streams[1].key, config.streams[1].key);
}

TEST_F(DemoConfigTest, AConfigFileGetsDemoOnlyWhenItHasNone) {
  auto parsed = ParseConfig(
      "server: {data_dir: " + dir_.string() + "}\nstreams:\n  - {name: shop, key: sk_shop_123}\n",
      "test.yaml");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  ASSERT_TRUE(EnableDemo(*parsed));
  ASSERT_EQ(parsed->streams.size(), 2u);  // no `studio`: the file names its own streams
  EXPECT_EQ(parsed->streams[1].name, "demo");

  auto own = ParseConfig("streams:\n  - {name: demo, key: sk_mine_123}\n", "test.yaml");
  ASSERT_TRUE(own.ok());
  ASSERT_TRUE(EnableDemo(*own));
  ASSERT_EQ(own->streams.size(), 1u);
  EXPECT_EQ(own->streams[0].key, "sk_mine_123");
}

// A console_dir must hold the page: one without index.html was accepted, and /console then
// answered 404 with advice to rebuild.
TEST(ConsoleDirConfigTest, ParsedAndValidated) {
  const std::string dir = std::string(STRAIT_SOURCE_DIR) + "/pipeline/console";
  auto ok = ParseConfig("server: {console_dir: " + dir + "}\n", "t.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->console_dir, dir);
  auto empty = ParseConfig("server: {console_dir: ''}\n", "t.yaml");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("server.console_dir"), std::string::npos);
  auto missing = ParseConfig("server: {console_dir: /nonexistent/console}\n", "t.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("t.yaml:1:23: server.console_dir: no index.html"),
            std::string::npos)
      << missing.error().message();
}

// Records what an ingest server would hand the pipeline.
class RecordingHandler final : public transport::PublishHandler {
 public:
  struct Log {
    std::mutex mu;
    std::vector<TrackInfo> tracks;
    std::vector<Packet> packets;
    int ends = 0;
    bool end_ok = false;
    size_t bytes = 0;
    bool after_end = false;
  };
  class Sink final : public transport::MediaSink {
   public:
    explicit Sink(std::shared_ptr<Log> log) : log_(std::move(log)) {}
    void OnTrack(const TrackInfo& t) override {
      std::lock_guard l(log_->mu);
      log_->after_end |= log_->ends > 0;
      log_->tracks.push_back(t);
    }
    void OnPacket(const Packet& p) override {
      std::lock_guard l(log_->mu);
      log_->after_end |= log_->ends > 0;
      log_->packets.push_back(p);
    }
    void OnBytes(size_t n) override { log_->bytes += n; }
    void OnEnd(const Status& why) override {
      std::lock_guard l(log_->mu);
      log_->ends++;
      log_->end_ok = why.ok();
    }

   private:
    std::shared_ptr<Log> log_;
  };

  transport::PublishDecision Publish(const transport::PublishRequest& request) override {
    key = request.key;
    protocol = request.protocol;
    transport::PublishDecision d;
    d.sink = std::make_unique<Sink>(log);
    d.stream_name = "demo";
    return d;
  }

  std::shared_ptr<Log> log = std::make_shared<Log>();
  std::string key, protocol;
};

TEST(DemoPublisherTest, PublishesLikeAnIngestConnection) {
  RecordingHandler handler;
  DemoOptions o;
  o.key = "sk_demo_test";
  o.width = 320;
  o.height = 180;
  o.gop_seconds = 0.5;  // 15 pictures
  o.video_bitrate = 300'000;
  o.logger =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::vector<int64_t> gops;
  std::mutex gops_mu;
  o.on_gop = [&](int64_t gop) {
    std::lock_guard l(gops_mu);
    gops.push_back(gop);
  };
  static const SystemClock clock;
  auto demo = DemoPublisher::Start(handler, o, clock);
  ASSERT_TRUE(demo.ok()) << demo.error().message();
  std::this_thread::sleep_for(1200ms);
  (*demo)->Stop();
  (*demo)->Stop();  // idempotent

  EXPECT_EQ(handler.key, "sk_demo_test");
  EXPECT_EQ(handler.protocol, "demo");
  const auto& log = *handler.log;
  EXPECT_EQ(log.ends, 1);
  EXPECT_TRUE(log.end_ok);
  EXPECT_FALSE(log.after_end);
  ASSERT_EQ(log.tracks.size(), 2u);
  EXPECT_EQ(log.tracks[0].codec, CodecId::kH264);
  EXPECT_EQ(log.tracks[0].width, 320);
  EXPECT_FALSE(log.tracks[0].extradata.empty());
  EXPECT_EQ(log.tracks[1].codec, CodecId::kAac);
  EXPECT_EQ(log.tracks[1].sample_rate, 48000);
  EXPECT_FALSE(log.tracks[1].extradata.empty());

  // Real time: about 36 pictures in 1.2 s; keyframes exactly every 15 pictures from the first.
  std::vector<Packet> video;
  double audio_seconds = 0;
  for (const Packet& p : log.packets) {
    if (p.kind() == MediaKind::kVideo)
      video.push_back(p);
    else
      audio_seconds += 1024.0 / 48000;
  }
  ASSERT_GE(video.size(), 25u);
  EXPECT_LE(video.size(), 45u);
  for (size_t i = 0; i < video.size(); ++i) {
    EXPECT_EQ(video[i].keyframe(), i % 15 == 0) << "picture " << i;
    EXPECT_EQ(video[i].timebase(), kMpegTs);
    if (i > 0) {
      EXPECT_EQ(video[i].pts() - video[i - 1].pts(), 3000);
    }
  }
  EXPECT_GT(video[0].pts(), 0);
  EXPECT_NEAR(audio_seconds, video.size() / 30.0, 0.2);
  EXPECT_GT(log.bytes, 0u);
  std::lock_guard l(gops_mu);
  ASSERT_GE(gops.size(), 2u);
  EXPECT_EQ(gops[0], 0);
  EXPECT_EQ(gops[1], 1);
}

TEST(DemoPublisherTest, NeedsAKey) {
  RecordingHandler handler;
  static const SystemClock clock;
  EXPECT_FALSE(DemoPublisher::Start(handler, DemoOptions{}, clock).ok());
}

}  // namespace
}  // namespace strait::pipeline
