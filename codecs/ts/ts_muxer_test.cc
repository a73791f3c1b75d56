// TsMuxer against real encoder output: the ffmpeg CLI makes an MP4 (H.264 or HEVC + AAC,
// length-prefixed video, raw AAC), libavformat demuxes it into strait Packets, TsMuxer writes
// segments cut at keyframes, and ffprobe/ffmpeg must read each segment on its own.
#include "codecs/ts/ts_muxer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "codecs/ffmpeg/deleters.h"

namespace strait::ts {
namespace {

namespace fs = std::filesystem;

std::string RunCommand(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
    out.append(buf, n);
  pclose(p);
  return out;
}

struct Media {
  std::vector<TrackInfo> tracks;
  std::vector<Packet> packets;
};

CodecId FromAv(AVCodecID id) {
  switch (id) {
    case AV_CODEC_ID_H264:
      return CodecId::kH264;
    case AV_CODEC_ID_HEVC:
      return CodecId::kHevc;
    case AV_CODEC_ID_AAC:
      return CodecId::kAac;
    default:
      return CodecId::kUnknown;
  }
}

Media Demux(const std::string& path) {
  Media media;
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, path.c_str(), nullptr, nullptr) < 0)
    return media;
  ffmpeg::AVFormatInputPtr input(raw);
  avformat_find_stream_info(raw, nullptr);
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    const AVStream* st = raw->streams[i];
    TrackInfo t;
    t.id = i;
    t.codec = FromAv(st->codecpar->codec_id);
    t.kind = KindOf(t.codec);
    t.timebase = {st->time_base.num, st->time_base.den};
    t.extradata.assign(st->codecpar->extradata,
                       st->codecpar->extradata + st->codecpar->extradata_size);
    t.width = st->codecpar->width;
    t.height = st->codecpar->height;
    t.sample_rate = st->codecpar->sample_rate;
    t.channels = st->codecpar->ch_layout.nb_channels;
    media.tracks.push_back(t);
  }
  ffmpeg::AVPacketPtr pkt(av_packet_alloc());
  while (av_read_frame(raw, pkt.get()) >= 0) {
    const TrackInfo& t = media.tracks[pkt->stream_index];
    media.packets.emplace_back(t.id, t.kind, t.codec,
                               std::vector<uint8_t>(pkt->data, pkt->data + pkt->size), pkt->pts,
                               pkt->dts, t.timebase, (pkt->flags & AV_PKT_FLAG_KEY) != 0);
    av_packet_unref(pkt.get());
  }
  return media;
}

class TsMuxerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strait_ts_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Make(const std::string& name, const std::string& video_args) {
    const std::string path = (dir_ / name).string();
    RunCommand(
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i "
        "sine=frequency=440:sample_rate=48000 -t 4 " +
        video_args + " -g 30 -c:a aac -b:a 64k -ac 2 -f mp4 " + path);
    return path;
  }

  // Muxes `media`, cutting before every video keyframe, and returns the segments.
  std::vector<std::vector<uint8_t>> MuxSegments(const Media& media) {
    auto muxer = TsMuxer::Create(media.tracks);
    EXPECT_TRUE(muxer.ok()) << (muxer.ok() ? "" : muxer.error().message());
    if (!muxer.ok())
      return {};
    std::vector<std::vector<uint8_t>> segments;
    bool started = false;
    for (const Packet& p : media.packets) {
      if (p.kind() == MediaKind::kVideo && p.keyframe() && started) {
        segments.push_back((*muxer)->TakeBytes());
      }
      started = true;
      Status s = (*muxer)->Write(p);
      EXPECT_TRUE(s.ok()) << s.error().message();
    }
    EXPECT_TRUE((*muxer)->Finish().ok());
    segments.push_back((*muxer)->TakeBytes());
    return segments;
  }

  std::string Save(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  fs::path dir_;
};

void ExpectSegmentPlays(const std::string& path, const std::string& video_codec) {
  const std::string probe = RunCommand(
      "ffprobe -v error -show_entries stream=codec_name:format=format_name,duration "
      "-of default=nw=1 " +
      path);
  EXPECT_NE(probe.find("codec_name=" + video_codec), std::string::npos) << probe;
  EXPECT_NE(probe.find("codec_name=aac"), std::string::npos) << probe;
  EXPECT_NE(probe.find("format_name=mpegts"), std::string::npos) << probe;
  const size_t d = probe.find("duration=");
  ASSERT_NE(d, std::string::npos) << probe;
  const double duration = std::stod(probe.substr(d + 9));
  EXPECT_GT(duration, 0.9) << probe;
  EXPECT_LT(duration, 1.2) << probe;
  // Decodes on its own without errors (starts with PAT/PMT and a keyframe, ADTS audio).
  EXPECT_EQ(RunCommand("ffmpeg -v error -i " + path + " -f null -"), "") << path;
}

TEST_F(TsMuxerTest, H264AacSegmentsProbeAndDecodeIndependently) {
  const Media media = Demux(Make("in.mp4", "-c:v libx264 -pix_fmt yuv420p -bf 2"));
  ASSERT_EQ(media.tracks.size(), 2u);
  ASSERT_GT(media.packets.size(), 100u);
  const auto segments = MuxSegments(media);
  ASSERT_EQ(segments.size(), 4u);
  for (size_t i = 0; i < segments.size(); ++i) {
    ASSERT_FALSE(segments[i].empty());
    EXPECT_EQ(segments[i].size() % 188, 0u);
    EXPECT_EQ(segments[i][0], 0x47);
    // PAT (PID 0) and PMT (PID 0x1000) lead the segment (after the SDT).
    auto pid = [&](size_t k) {
      return ((segments[i][k * 188 + 1] & 0x1f) << 8) | segments[i][k * 188 + 2];
    };
    EXPECT_EQ(pid(0), 0x11) << i;
    EXPECT_EQ(pid(1), 0) << i;
    EXPECT_EQ(pid(2), 0x1000) << i;
    ExpectSegmentPlays(Save("seg" + std::to_string(i) + ".ts", segments[i]), "h264");
  }
}

TEST_F(TsMuxerTest, HevcAacSegmentsProbeAndDecodeIndependently) {
  const Media media =
      Demux(Make("hevc.mp4", "-c:v libx265 -x265-params log-level=error -tag:v hvc1"));
  ASSERT_EQ(media.tracks.size(), 2u);
  const auto segments = MuxSegments(media);
  ASSERT_GE(segments.size(), 3u);
  ExpectSegmentPlays(Save("hevc1.ts", segments[1]), "hevc");
}

TEST_F(TsMuxerTest, RejectsUnknownTracksAndEmptyPackets) {
  TrackInfo audio;
  audio.id = 1;
  audio.kind = MediaKind::kAudio;
  audio.codec = CodecId::kAac;
  audio.timebase = kMillis;
  audio.extradata = {0x12, 0x10};
  auto muxer = TsMuxer::Create({audio});
  ASSERT_TRUE(muxer.ok()) << muxer.error().message();
  EXPECT_FALSE(
      (*muxer)
          ->Write(Packet(7, MediaKind::kAudio, CodecId::kAac, {1, 2, 3}, 0, 0, kMillis, true))
          .ok());
  EXPECT_FALSE(
      (*muxer)->Write(Packet(1, MediaKind::kAudio, CodecId::kAac, {}, 0, 0, kMillis, true)).ok());
  TrackInfo unknown;
  unknown.codec = CodecId::kAv1;
  EXPECT_FALSE(TsMuxer::Create({unknown}).ok());
  EXPECT_FALSE(TsMuxer::Create({}).ok());
}

}  // namespace
}  // namespace strait::ts
