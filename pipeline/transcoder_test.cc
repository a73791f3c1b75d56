// The transcode graph as a live session sees it: packets arrive in real time and one rung's
// encoder is too slow or stalls (a test hook). The governor lowers that rung's frame rate at a
// segment boundary; before it can, the rung loses the rest of a GOP at a time, counted, but never
// a segment's keyframe (its segments stay aligned with the other rungs'); its queue never grows
// past its bound.
#include "pipeline/transcoder.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <utility>

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

// A ladder of one x264 ultrafast rung, logging nowhere.
TranscoderOptions OneRung(const std::string& name, int height, int kbps) {
  TranscoderOptions opts;
  RungConfig r;
  r.name = name;
  r.height = height;
  r.bitrate_kbps = kbps;
  r.preset = "ultrafast";
  opts.ladder = {r};
  opts.encoder = "x264";
  opts.logger =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  return opts;
}

TEST(TranscoderTest, DecoderThreadsAreTheCoresTheEncodersLeave) {
  EXPECT_EQ(DefaultDecoderThreads(2, 3), 1);  // the reference machine's ladder
  EXPECT_EQ(DefaultDecoderThreads(1, 1), 1);
  EXPECT_EQ(DefaultDecoderThreads(4, 3), 2);
  EXPECT_EQ(DefaultDecoderThreads(8, 0), 4);  // passthrough only: at most 4 (latency)
  EXPECT_EQ(DefaultDecoderThreads(64, 3), 4);
}

TEST(TranscoderTest, TheLargestRungGetsTwoEncoderThreadsFromTwoCores) {
  EXPECT_EQ(RungEncoderThreads(2, 3, true), 2);  // the reference machine's 720p
  EXPECT_EQ(RungEncoderThreads(2, 3, false), 1);
  EXPECT_EQ(RungEncoderThreads(1, 3, true), 1);  // one core: nothing to run in parallel
  EXPECT_EQ(RungEncoderThreads(8, 3, true), 2);
  EXPECT_EQ(RungEncoderThreads(8, 3, false), 2);
  EXPECT_EQ(RungEncoderThreads(16, 2, true), 8);
  EXPECT_EQ(RungEncoderThreads(4, 0, false), 4);
}

// A 10 s 320x240 clip (keyframe every second) pushed live at 3x realtime through a two-rung
// ladder whose "120p" rung runs `slow_encode` before each picture; 1 s segments.
class SlowRungTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strait-transcoder-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    const std::string clip = (dir_ / "in.mp4").string();
    ASSERT_EQ(std::system(("ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi "
                           "-i sine=sample_rate=48000 -t 10 -c:v libx264 -preset ultrafast -g 30 "
                           "-pix_fmt yuv420p -c:a aac " +
                           clip)
                              .c_str()),
              0);
    events_ = ReadAll(clip);
    ASSERT_GT(events_.size(), 300u);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  TranscoderStats Run(std::function<void()> slow_encode,
                      std::function<bool(const Packet&)> nvdec_fails = nullptr) {
    TranscoderOptions opts;
    if (nvdec_fails) {
      opts.decoder = "cuda";  // NVDEC where one opens, else the hook's stand-in
      opts.nvdec_fails = std::move(nvdec_fails);
    }
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
    opts.before_encode = [&](const std::string& rung) {
      if (rung == "120p" && slow_encode)
        slow_encode();
    };
    opts.logger =
        std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
    Transcoder transcoder("t", stream_, clock_, opts);
    for (const auto& e : events_) {
      if (auto* t = std::get_if<TrackInfo>(&e)) {
        transcoder.OnTrack(*t);
      } else if (auto* p = std::get_if<Packet>(&e)) {
        transcoder.OnPacket(*p);
        if (p->kind() == MediaKind::kVideo)
          std::this_thread::sleep_for(10ms);  // the publisher's pace, 3x realtime
      }
    }
    transcoder.OnEnd(OkStatus());
    return transcoder.Stats();
  }

  // The slow rung still publishes, its playlist is finished, and it has every segment: a rung
  // behind realtime keeps each segment's keyframe, so its segments are the other rung's (the
  // same durations: none runs into the next) and their media sequence numbers match (a player
  // switching rungs asks for the same number).
  void ExpectEverySegment() {
    auto* slow = stream_.FindRendition("120p");
    auto* fast = stream_.FindRendition("240p");
    ASSERT_NE(slow, nullptr);
    ASSERT_NE(fast, nullptr);
    EXPECT_TRUE(slow->Stats().ended);
    EXPECT_EQ(fast->Stats().segments_total, 10u);
    EXPECT_EQ(slow->Stats().segments_total, fast->Stats().segments_total);
    EXPECT_EQ(slow->Stats().next_sequence, fast->Stats().next_sequence);
    // The last segment's end is its last picture's plus that picture's spacing, which the slow
    // rung's sparser pictures make longer: compared up to that one.
    auto durations = [](const std::string& playlist) {
      std::vector<std::string> out;
      for (size_t at = 0; (at = playlist.find("#EXTINF:", at)) != std::string::npos; ++at)
        out.push_back(playlist.substr(at, playlist.find(',', at) - at));
      if (!out.empty())
        out.pop_back();
      return out;
    };
    EXPECT_EQ(durations(*slow->Playlist()), durations(*fast->Playlist())) << *slow->Playlist();
  }

  std::filesystem::path dir_;
  std::vector<ffmpeg::FileReader::Event> events_;
  static transport::hls::RenditionOptions ListEverySegment() {
    transport::hls::RenditionOptions o;
    o.window_segments = 10;
    return o;
  }
  transport::hls::Stream stream_{"t", ListEverySegment()};
  SystemClock clock_;
};

TEST_F(SlowRungTest, DropsGopTailsAndStaysBounded) {
  const TranscoderStats stats =
      Run([] { std::this_thread::sleep_for(25ms); });  // 40 fps at best: behind a 100 fps feed
  EXPECT_EQ(stats.frames_decoded, 300u);
  EXPECT_EQ(stats.pictures_damaged, 0u) << "a clean stream";
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
  ExpectEverySegment();
}

// A stall (the encoder's thread held up for 1.5 s: another process took the cores) while
// several segment boundaries go by: the rung's full queue makes room for each boundary's
// keyframe, so the rung loses pictures but no segment.
TEST_F(SlowRungTest, AStalledRungKeepsEverySegment) {
  bool stalled = false;
  const TranscoderStats stats = Run([&] {
    if (!std::exchange(stalled, true))
      std::this_thread::sleep_for(1500ms);
  });
  const RungStats& s = stats.rungs[1].second;
  EXPECT_GT(s.frames_dropped, 30u);
  EXPECT_LE(s.queue_high_water, 6u) << "the slow rung's queue is bounded";
  ExpectEverySegment();
}

// NVDEC failing every packet from 3 s on (a poisoned CUDA context, a lost device): after
// kNvdecFailuresBeforeCpu of them the CPU decoder takes over from the next keyframe (4 s; one a
// second), so the stream loses that second of pictures and keeps the rest, counted and logged.
// Pictures decoded with concealed errors (a slice overwritten in transit) are counted, for
// /metrics (strait_transcode_pictures_damaged_total); a clean stream has none.
TEST_F(SlowRungTest, ConcealedPicturesAreCounted) {
  int corrupted = 0;
  for (auto& e : events_) {
    auto* p = std::get_if<Packet>(&e);
    if (!p || p->kind() != MediaKind::kVideo || p->keyframe() || p->data().size() < 64 ||
        corrupted++ != 40)
      continue;
    std::vector<uint8_t> bytes(p->data().begin(), p->data().end());
    for (size_t i = bytes.size() / 2; i < bytes.size(); ++i)
      bytes[i] = static_cast<uint8_t>(i * 37);
    *p = Packet(p->track_id(), p->kind(), p->codec(), std::move(bytes), p->pts(), p->dts(),
                p->timebase(), false);
  }
  ASSERT_GT(corrupted, 40);
  EXPECT_GE(Run(nullptr).pictures_damaged, 1u);
}

TEST_F(SlowRungTest, AFailingNvdecGivesWayToTheCpuDecoder) {
  int64_t failed_from = -1;
  const TranscoderStats stats = Run(nullptr, [&](const Packet& p) {
    const bool fail = p.pts() * p.timebase().num >= 3 * p.timebase().den;
    if (fail && failed_from < 0)
      failed_from = p.pts();
    return fail;
  });
  ASSERT_GE(failed_from, 0) << "the hook saw the packets";
  EXPECT_EQ(stats.nvdec_to_cpu, 1u);
  EXPECT_FALSE(stats.nvdec) << "the CPU decodes at the end";
  EXPECT_EQ(stats.decode_errors, static_cast<uint64_t>(kNvdecFailuresBeforeCpu));
  // 3 s before the failures and 6 s from the next keyframe (delayed pictures of the dropped
  // decoder's frame threads may be lost with it).
  EXPECT_LE(stats.frames_decoded, 270u);
  EXPECT_GE(stats.frames_decoded, 262u);
  ASSERT_EQ(stats.rungs.size(), 2u);
  for (const auto& [name, rung] : stats.rungs)
    EXPECT_EQ(rung.frames_encoded + rung.frames_dropped + rung.frames_capped, stats.frames_decoded)
        << name;
  // Both renditions end at the clip's end: the pictures after the switch were published.
  for (const char* name : {"240p", "120p"}) {
    const auto* r = stream_.FindRendition(name);
    ASSERT_NE(r, nullptr);
    EXPECT_TRUE(r->Stats().ended);
    double total = 0;
    const std::string playlist = *r->Playlist();
    for (size_t at = 0; (at = playlist.find("#EXTINF:", at)) != std::string::npos; ++at)
      total += std::stod(playlist.substr(at + 8));
    EXPECT_NEAR(total, 10.0, 0.1) << name << "\n" << playlist;
  }
}

// A publisher still connected sends nothing for 2.5 s (its uplink stalled), then goes on with
// timestamps 2.5 s later (OBS drops what it could not send): after transcode.input_loss (1 s here)
// the filler runs in real time, the media after the hole continues where the filler stopped (one
// offset, audio and video), and every segment stays within the target duration. Before, the hole
// made one segment 3.5 s long, and TARGETDURATION went from 2 (the stream's) to 4.
TEST_F(SlowRungTest, AStalledPublisherGetsTheFillerAndNoLongSegment) {
  TranscoderOptions opts = OneRung("240p", 240, 400);
  opts.live = true;
  opts.segment_duration_s = 1.0;
  opts.input_loss = 1000ms;
  Transcoder transcoder("t", stream_, clock_, opts);
  auto seconds = [](const Packet& p) {
    return static_cast<double>(p.pts()) * p.timebase().num / p.timebase().den;
  };
  bool stalled = false;
  for (const auto& e : events_) {
    if (auto* t = std::get_if<TrackInfo>(&e)) {
      transcoder.OnTrack(*t);
      continue;
    }
    const Packet& p = std::get<Packet>(e);
    if (seconds(p) >= 3.0 && seconds(p) < 5.5)
      continue;  // never sent
    if (seconds(p) >= 5.5 && !stalled) {
      stalled = true;
      std::this_thread::sleep_for(2500ms);
    }
    transcoder.OnPacket(p);
    if (p.kind() == MediaKind::kVideo)
      std::this_thread::sleep_for(11ms);  // 3x realtime
  }
  transcoder.OnEnd(OkStatus());
  const TranscoderStats stats = transcoder.Stats();
  EXPECT_EQ(stats.input_losses, 1u);
  for (const char* name : {"240p", "audio"}) {
    const auto* rendition = stream_.FindRendition(name);
    ASSERT_NE(rendition, nullptr) << name;
    const std::string playlist = *rendition->Playlist();
    EXPECT_NE(playlist.find("#EXT-X-TARGETDURATION:2\n"), std::string::npos) << name << "\n"
                                                                             << playlist;
    double total = 0;
    for (size_t at = 0; (at = playlist.find("#EXTINF:", at)) != std::string::npos; ++at) {
      const double d = std::stod(playlist.substr(at + 8));
      EXPECT_LE(d, 1.5) << name << "\n" << playlist;
      total += d;
    }
    // 7.5 s of media and the filler's 1.5 s (the stall less the second before it is noticed).
    EXPECT_NEAR(total, 9.0, 0.5) << name << "\n" << playlist;
  }
}

// AAC published with millisecond timestamps (RTMP) comes out of the "audio" rendition timed by its
// samples: frames 1024 samples apart. They were 21 or 22 ms apart as published (CMAF sample
// durations of 1008 and 1056, a 1 ms gap or overlap at every part).
TEST_F(SlowRungTest, MillisecondAudioTimestampsComeOutTimedBySamples) {
  TranscoderOptions opts = OneRung("120p", 120, 150);
  opts.live = false;
  {
    Transcoder transcoder("t", stream_, clock_, opts);
    for (const auto& e : events_) {
      if (auto* t = std::get_if<TrackInfo>(&e)) {
        TrackInfo ms = *t;
        ms.timebase = Timebase{1, 1000};
        transcoder.OnTrack(ms);
      } else if (auto* p = std::get_if<Packet>(&e)) {
        transcoder.OnPacket(p->InTimebase(Timebase{1, 1000}));
      }
    }
    transcoder.OnEnd(OkStatus());
  }
  const auto* audio = stream_.FindRendition("audio");
  ASSERT_NE(audio, nullptr);
  std::string all;
  for (uint64_t n = 0; auto bytes = audio->Segment(n); ++n)
    all.append(bytes->begin(), bytes->end());
  ASSERT_FALSE(all.empty());
  const std::string file = (dir_ / "audio.ts").string();
  std::ofstream(file, std::ios::binary) << all;
  FILE* probe = ::popen(("ffprobe -v error -select_streams a -show_entries packet=pts "
                         "-of csv=p=0 " +
                         file)
                            .c_str(),
                        "r");
  ASSERT_NE(probe, nullptr);
  std::string text;
  for (char buf[4096]; size_t n = std::fread(buf, 1, sizeof(buf), probe);)
    text.append(buf, n);
  ::pclose(probe);
  std::vector<int64_t> pts;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0])))
      pts.push_back(std::stoll(line));
  ASSERT_GT(pts.size(), 400u) << text.substr(0, 300);  // 10 s at 48 kHz: 469 frames
  size_t off_grid = 0;
  for (size_t i = 1; i < pts.size(); ++i)
    off_grid += std::llabs(pts[i] - pts[i - 1] - 1920) > 1;  // 1024 samples at 90 kHz
  EXPECT_EQ(off_grid, 0u) << "frames not 1024 samples apart";
}

// A publish announcing pictures over 4096x2304 (or a side over 4096) is not decoded: an 8192x8192
// parameter set took strait from 65 to 750 MB. Up to the limit either way up, it is.
TEST(TranscoderTest, PicturesOverTheSizeLimitAreNotDecoded) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("strait-transcoder-size-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto decoded = [&](const std::string& size) -> uint64_t {
    const std::string clip = (dir / (size + ".mp4")).string();
    EXPECT_EQ(
        std::system(("ffmpeg -v error -y -f lavfi -i color=gray:size=" + size +
                     ":rate=5 -frames:v 2 -c:v libx264 -preset ultrafast -pix_fmt yuv420p " + clip)
                        .c_str()),
        0);
    TranscoderOptions opts = OneRung("90p", 90, 100);
    transport::hls::Stream stream("t", {});
    SystemClock clock;
    Transcoder transcoder("t", stream, clock, opts);
    for (const auto& e : ReadAll(clip)) {
      if (auto* t = std::get_if<TrackInfo>(&e))
        transcoder.OnTrack(*t);
      else if (auto* p = std::get_if<Packet>(&e))
        transcoder.OnPacket(*p);
    }
    transcoder.OnEnd(OkStatus());
    return transcoder.Stats().frames_decoded;
  };
  EXPECT_EQ(decoded("4160x2304"), 0u) << "a side over 4096";
  EXPECT_EQ(decoded("4096x2320"), 0u) << "more pixels than 4096x2304";
  EXPECT_EQ(decoded("2304x4096"), 2u) << "4096x2304 upright";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strait::pipeline
