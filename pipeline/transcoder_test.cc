// The transcode graph as a live session sees it: packets arrive in real time and one rung's
// encoder is too slow (a test hook). The governor lowers that rung's frame rate at a segment
// boundary; before it can, the rung loses whole GOP-aligned chunks, counted; its queue never grows
// past its bound.
#include "pipeline/transcoder.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "codecs/ffmpeg/file_reader.h"
#include "transport/hls/stream.h"

namespace strait::pipeline {
namespace {

using namespace std::chrono_literals;

std::vector<ffmpeg::FileReader::Event> ReadAll(const std::string& path) {
  std::vector<ffmpeg::FileReader::Event> out;
  auto reader = ffmpeg::FileReader::Open(path);
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message());
  if (!reader.ok())
    return out;
  for (;;) {
    auto e = (*reader)->Next();
    if (!e.ok() || std::holds_alternative<ffmpeg::FileReader::EndOfStream>(*e))
      return out;
    out.push_back(std::move(*e));
  }
}

TEST(TranscoderTest, DecoderThreadsAreTheCoresTheEncodersLeave) {
  EXPECT_EQ(DefaultDecoderThreads(2, 3), 1);  // the reference machine's ladder
  EXPECT_EQ(DefaultDecoderThreads(1, 1), 1);
  EXPECT_EQ(DefaultDecoderThreads(4, 3), 2);
  EXPECT_EQ(DefaultDecoderThreads(8, 0), 4);  // passthrough only: at most 4 (latency)
  EXPECT_EQ(DefaultDecoderThreads(64, 3), 4);
}

TEST(TranscoderTest, SlowRungDropsWholeGopsAndStaysBounded) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("strait-transcoder-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string clip = (dir / "in.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi "
                         "-i sine=sample_rate=48000 -t 10 -c:v libx264 -preset ultrafast -g 30 "
                         "-pix_fmt yuv420p -c:a aac " +
                         clip)
                            .c_str()),
            0);
  const auto events = ReadAll(clip);
  ASSERT_GT(events.size(), 300u);

  transport::hls::Stream stream("t", {});
  SystemClock clock;
  TranscoderOptions opts;
  RungConfig fast, slow;
  fast.name = "240p";
  fast.height = 240;
  fast.bitrate_kbps = 400;
  fast.preset = "ultrafast";
  slow = fast;
  slow.name = "120p";
  slow.height = 120;
  slow.bitrate_kbps = 150;
  opts.ladder = {fast, slow};
  opts.encoder = "x264";
  opts.live = true;
  opts.rung_queue_frames = 6;
  opts.segment_duration_s = 1.0;
  opts.before_encode = [](const std::string& rung) {
    if (rung == "120p")
      std::this_thread::sleep_for(25ms);  // 40 fps at best: behind a 100 fps feed
  };
  opts.logger =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  Transcoder transcoder("t", stream, clock, opts);
  for (const auto& e : events) {
    if (auto* t = std::get_if<TrackInfo>(&e)) {
      transcoder.OnTrack(*t);
    } else if (auto* p = std::get_if<Packet>(&e)) {
      transcoder.OnPacket(*p);
      if (p->kind() == MediaKind::kVideo)
        std::this_thread::sleep_for(10ms);  // the publisher's pace, 3x realtime
    }
  }
  transcoder.OnEnd(OkStatus());
  const TranscoderStats stats = transcoder.Stats();
  std::filesystem::remove_all(dir);

  EXPECT_EQ(stats.frames_decoded, 300u);
  ASSERT_EQ(stats.rungs.size(), 2u);
  const RungStats& s = stats.rungs[1].second;
  EXPECT_EQ(stats.rungs[1].first, "120p");
  EXPECT_GT(s.gops_dropped, 0u);
  EXPECT_GT(s.frames_dropped, 30u);
  EXPECT_LE(s.queue_high_water, 6u) << "the slow rung's queue is bounded";
  EXPECT_EQ(s.frames_in, s.frames_encoded + s.frames_dropped + s.frames_capped + s.frames_governed);
  // The governor first lowered the slow rung's frame rate at a segment boundary.
  EXPECT_GT(s.governor_steps, 0u);
  EXPECT_GT(s.frames_governed, 0u);
  EXPECT_LT(s.frames_encoded, 300u);
  EXPECT_LE(stats.rungs[0].second.queue_high_water, 6u);
  // The slow rung still publishes, and its playlist is finished.
  auto* rendition = stream.FindRendition("120p");
  ASSERT_NE(rendition, nullptr);
  EXPECT_TRUE(rendition->Stats().ended);
  EXPECT_GT(rendition->Stats().segments_total, 0u);
}

}  // namespace
}  // namespace strait::pipeline
