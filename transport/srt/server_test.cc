// Socket tests of the SRT server with real encoders pushing MPEG-TS: ffmpeg (three streamid
// dialects), ffmpeg piped into srt-live-transmit, and GStreamer's srtsink.
#include "transport/srt/server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "transport/srt/server_test_support.h"

namespace strait::transport::srt::testing {
namespace {

// 3 s of 30 fps H.264 + AAC as MPEG-TS (no output: the caller prints nothing on success).
constexpr const char* kFfmpegTs =
    "timeout 15 ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi "
    "-i sine -t 3 -c:v libx264 -preset ultrafast -g 30 -c:a aac -f mpegts";

void ExpectFullPush(const std::shared_ptr<Record>& r) {
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->WaitEnd(5s));
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  EXPECT_TRUE(r->end.ok()) << r->end.error().message();
  EXPECT_GT(r->bytes, 100000u);
  bool h264 = false, aac = false;
  for (const auto& t : r->tracks) {
    h264 |= t.codec == CodecId::kH264;
    aac |= t.codec == CodecId::kAac;
  }
  EXPECT_TRUE(h264);
  EXPECT_TRUE(aac);
  EXPECT_GE(r->video, 80);  // 90 sent; the last few may die with the caller's close
  EXPECT_LE(r->video, 90);
  EXPECT_GT(r->audio, 100);
}

class SrtServerPushTest : public SrtServerFixture,
                          public ::testing::WithParamInterface<const char*> {};

TEST_P(SrtServerPushTest, FfmpegPublishes) {
  StartServer();
  const std::string cmd = std::string(kFfmpegTs) + " '" + Url(GetParam()) + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto r = handler_.WaitRecord(0, 2s);
  ExpectFullPush(r);
  EXPECT_EQ(r->key, "KEY");
}

INSTANTIATE_TEST_SUITE_P(Dialects,
                         SrtServerPushTest,
                         ::testing::Values("#!::r=live/KEY,m=publish", "publish:KEY", "KEY"));

TEST_F(SrtServerFixture, FfmpegWithAWrongKeyFailsPromptly) {
  StartServer();
  const std::string cmd =
      std::string(kFfmpegTs) + " '" + Url("#!::r=live/WRONG,m=publish") + "' 2>/dev/null";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(std::system(cmd.c_str()), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2500ms);
  EXPECT_EQ(handler_.record_count(), 0u);
}

TEST_F(SrtServerFixture, SrtLiveTransmitPublishes) {
  if (!HaveTool("srt-live-transmit -version"))
    GTEST_SKIP() << "srt-live-transmit not installed";
  StartServer();
  // srt-live-transmit keeps its SRT connection open at the end of stdin; its exit timer (-t)
  // ends it (and closes the connection) once ffmpeg is done.
  const std::string cmd = std::string(kFfmpegTs) +
                          " - | srt-live-transmit -q -a:no -t:5 -chunk:1316 file://con '" +
                          Url("#!::r=live/KEY,m=publish") + "'";
  (void)std::system(cmd.c_str());
  ExpectFullPush(handler_.WaitRecord(0, 2s));
}

TEST_F(SrtServerFixture, GStreamerSrtSinkPublishes) {
  if (!HaveTool("gst-inspect-1.0 srtsink") || !HaveTool("gst-inspect-1.0 openh264enc") ||
      !HaveTool("gst-inspect-1.0 voaacenc"))
    GTEST_SKIP() << "needs GStreamer srtsink, openh264enc and voaacenc (x264enc is not packaged)";
  StartServer();
  const std::string uri = "srt://127.0.0.1:" + std::to_string(server_->port());
  const std::string cmd =
      "timeout 15 gst-launch-1.0 -q -e videotestsrc is-live=true num-buffers=90 ! "
      "video/x-raw,width=320,height=240,framerate=30/1 ! openh264enc ! h264parse ! queue ! "
      "mpegtsmux name=mux ! srtsink uri=" +
      uri +
      " streamid=live/KEY "
      "audiotestsrc is-live=true num-buffers=140 ! voaacenc ! aacparse ! queue ! mux. "
      ">/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto r = handler_.WaitRecord(0, 2s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->WaitEnd(5s));
  std::lock_guard lock(r->mu);
  EXPECT_TRUE(r->end.ok()) << r->end.error().message();
  // Only AAC is asserted: over srtsink the H.264 parameter sets (sent once, in the first
  // buffer) never reach the wire (a file written by srt-live-transmit from the same pipeline
  // shows "non-existing PPS" in ffprobe too), so the demuxer rightly drops that video.
  EXPECT_GT(r->audio, 100);
  EXPECT_TRUE(r->HasCodecLocked(CodecId::kAac));
}

TEST_F(SrtServerFixture, StatsWhilePublishingAndStopEndsTheSink) {
  StartServer();
  const std::string cmd =
      "timeout 15 ffmpeg -nostdin -v quiet -re -f lavfi -i "
      "testsrc2=size=320x240:rate=30 -t 8 -c:v libx264 -preset ultrafast "
      "-f mpegts '" +
      Url("live/KEY") + "' &";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto r = handler_.WaitRecord(0, 5s);
  ASSERT_TRUE(r);
  std::this_thread::sleep_for(1s);
  auto stats = server_->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].stream_name, "name-of-KE");
  EXPECT_EQ(stats[0].peer.rfind("127.0.0.1:", 0), 0u);
  EXPECT_GT(stats[0].packets_received, 0);
  EXPECT_GT(stats[0].bytes_received, 0u);
  EXPECT_EQ(server_->connection_count(), 1u);
  server_->Stop();  // returns after OnEnd
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  EXPECT_FALSE(r->end.ok());
  EXPECT_EQ(server_->connection_count(), 0u);
}

// A reader (m=request, and MediaMTX's read: with credentials) gets the source muxed into MPEG-TS
// in whole 188-byte packets, and is closed when the stream ends; the reader slot is freed.
TEST_F(SrtServerFixture, ReaderReceivesMpegTsUntilTheStreamEnds) {
  StartServer();
  for (const char* streamid : {"#!::r=live/LIVE,m=request", "read:live/LOCKED:viewer:rk_secret",
                               "#!::m=request,s=rk_secret,r=live/LOCKED"}) {
    Caller reader;
    ASSERT_EQ(reader.Connect(server_->port(), streamid), 0) << streamid;
    const std::vector<uint8_t> ts = reader.ReceiveAll(5s);
    ASSERT_GT(ts.size(), 188u * 10) << streamid;
    ASSERT_EQ(ts.size() % 188, 0u);
    size_t pes_starts = 0;
    for (size_t i = 0; i < ts.size(); i += 188) {
      ASSERT_EQ(ts[i], 0x47) << "lost sync at " << i;
      const bool unit_start = ts[i + 1] & 0x40;
      const size_t payload = (ts[i + 3] & 0x20) ? 5 + ts[i + 4] : 4;
      if (unit_start && payload + 3 < 188 && ts[i + payload] == 0 && ts[i + payload + 1] == 0 &&
          ts[i + payload + 2] == 1)
        ++pes_starts;
    }
    EXPECT_GT(pes_starts, 0u);  // the audio frames arrive as PES packets
    EXPECT_TRUE(reader.Broken()) << "the reader is closed when the stream ends";
  }
  for (int i = 0; i < 100 && server_->player_count() > 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(server_->player_count(), 0u);
  EXPECT_EQ(handler_.record_count(), 0u);  // readers never publish
}

}  // namespace
}  // namespace strait::transport::srt::testing
