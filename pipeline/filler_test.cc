#include "pipeline/filler.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace strait::pipeline {
namespace {

TrackInfo Aac(std::vector<uint8_t> asc) {
  TrackInfo t;
  t.id = 1;
  t.kind = MediaKind::kAudio;
  t.codec = CodecId::kAac;
  t.timebase = Timebase{1, 48000};
  t.sample_rate = 48000;
  t.channels = 2;
  t.extradata = std::move(asc);
  return t;
}

// Silence for 1 s of the publisher's absence on an AAC-LC 48 kHz stereo track, from `Begin`;
// the packets written.
std::vector<Packet> Silence(const TrackInfo& track) {
  auto logger =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_st>());
  Filler filler({}, logger, "shop1");
  std::vector<Packet> out;
  std::vector<SilenceOut> audio;
  audio.push_back({track, 0, [&](const Packet& p) { out.push_back(p); }});
  const auto t0 = Filler::Clock::time_point{};
  filler.Begin(Frame(), 0, 3000, kMpegTs, std::move(audio), t0);
  filler.Run(t0 + std::chrono::seconds(1), [](Frame) {});
  (void)filler.End();
  return out;
}

// An SRT publisher's AAC comes with the TS ingest's 2-byte AudioSpecificConfig, FFmpeg's encoder
// writes 5 bytes (an explicit no-SBR extension): the same stream, so its silence fills the gap (it
// was refused as "parameters differ", and SRT streams paused their audio while away).
TEST(FillerTest, AacSilenceFitsEitherFormOfTheSameConfiguration) {
  const std::vector<Packet> two = Silence(Aac({0x11, 0x90}));
  EXPECT_GE(two.size(), 40u) << "about 1 s of 1024-sample frames";
  const std::vector<Packet> five = Silence(Aac({0x11, 0x90, 0x56, 0xe5, 0x00}));
  EXPECT_EQ(five.size(), two.size());
  // A configuration the encoder cannot match (a mono ASC on a track said to be stereo) would need a
  // discontinuity: no silence.
  EXPECT_TRUE(Silence(Aac({0x11, 0x88})).empty());
}

}  // namespace
}  // namespace strait::pipeline
