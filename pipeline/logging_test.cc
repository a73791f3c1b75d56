#include "pipeline/logging.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>
#include <vector>

#include "codecs/ffmpeg/video_decoder.h"

namespace strait::pipeline {
namespace {

TEST(LoggingTest, RejectsUnknownFormatAndLevel) {
  EXPECT_FALSE(MakeLogger("xml", "info").ok());
  EXPECT_FALSE(MakeLogger("text", "loud").ok());
  EXPECT_TRUE(MakeLogger("json", "debug").ok());
}

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A corrupt publish makes FFmpeg's decoder complain about every packet (and its lines name no
// stream): two lines a second reach the log, the next one let through counts the rest.
TEST(LoggingTest, FfmpegComplaintsAreRateLimited) {
  std::ostringstream text;
  auto logger =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::ostream_sink_mt>(text));
  logger->set_pattern("%v");
  RouteFfmpegLogs(logger, "info");
  TrackInfo track;
  track.kind = MediaKind::kVideo;
  track.codec = CodecId::kH264;
  track.timebase = kMillis;
  auto decoder = ffmpeg::VideoDecoder::Create(track, {});
  ASSERT_TRUE(decoder.ok()) << decoder.error().message();
  // Annex B-less garbage: a length prefix, then a slice of a picture parameter set never sent.
  const std::vector<uint8_t> garbage = {0, 0, 0, 5, 0x41, 0x9a, 0x02, 0x03, 0x04};
  for (int i = 0; i < 300; ++i) {
    (void)(*decoder)->Decode(
        Packet(0, MediaKind::kVideo, CodecId::kH264, garbage, i * 33, i * 33, kMillis, false),
        [](Frame) {});
  }
  // FFmpeg's callback is process-wide: away from `text` before it goes.
  RouteFfmpegLogs(spdlog::default_logger(), "info");
  const std::string log = text.str();
  EXPECT_GE(Lines(log), 1u) << "the decoder said something";
  EXPECT_LE(Lines(log), 4u) << log;
  EXPECT_NE(log.find("ffmpeg: "), std::string::npos) << log;
}

}  // namespace
}  // namespace strait::pipeline
