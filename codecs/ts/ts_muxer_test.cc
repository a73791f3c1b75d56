// TsMuxer against real encoder output: the ffmpeg CLI makes an MP4 (H.264 or HEVC + AAC,
// length-prefixed video, raw AAC), libavformat demuxes it into strait Packets, TsMuxer writes
// segments cut at keyframes, and ffprobe/ffmpeg must read each segment on its own.
#include "codecs/ts/ts_muxer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/id3/id3.h"

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

// An open GOP (x264 open-gop, as some hardware encoders send): after the first IDR, keyframes are
// recovery-point I pictures, not IDRs, and the stream carries no SPS/PPS of its own (they are in
// the avcC). Each segment still starts with them, so that it decodes on its own; FFmpeg's
// h264_mp4toannexb puts them before IDR pictures only.
TEST_F(TsMuxerTest, OpenGopSegmentsCarryTheParameterSetsAtEveryKeyframe) {
  const Media media = Demux(Make("open.mp4",
                                 "-c:v libx264 -pix_fmt yuv420p -bf 3 -x264-params "
                                 "open-gop=1"));
  ASSERT_EQ(media.tracks.size(), 2u);
  const auto segments = MuxSegments(media);
  ASSERT_EQ(segments.size(), 4u);
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string path = Save("open" + std::to_string(i) + ".ts", segments[i]);
    // The first picture of the segment is an I picture (IDR only in the first) and decodes.
    const std::string frames = RunCommand(
        "ffprobe -v error -select_streams v -show_entries frame=pict_type,key_frame -of csv=p=0 " +
        path);
    EXPECT_NE(frames.find("I"), std::string::npos) << i << ": " << frames;
    EXPECT_EQ(frames.find("non-existing PPS"), std::string::npos) << i << ": " << frames;
    EXPECT_GE(std::count(frames.begin(), frames.end(), '\n'), 25) << i << ": " << frames;
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

// Timed metadata: an ID3 stream (stream type 0x15, 'ID3 ' metadata descriptors) beside the
// pictures, as HLS players read it; FFmpeg finds it as timed_id3 with the tags and times written.
TEST_F(TsMuxerTest, TimedId3StreamIsReadBackWithItsTimes) {
  Media media = Demux(Make("id3.mp4", "-c:v libx264 -pix_fmt yuv420p"));
  ASSERT_EQ(media.tracks.size(), 2u);
  TrackInfo id3;
  id3.id = 9;
  id3.kind = MediaKind::kData;
  id3.codec = CodecId::kTimedId3;
  id3.timebase = kMpegTs;
  media.tracks.push_back(id3);
  auto muxer = TsMuxer::Create(media.tracks);
  ASSERT_TRUE(muxer.ok()) << muxer.error().message();
  // The tags, each written before the first picture at or after its time (0.5 s and 1.5 s).
  struct Tag {
    int64_t at;
    const char* text;
    bool written = false;
  } tags_in[] = {{45000, "{\"event\":\"start\"}"}, {135000, "{\"event\":\"end\"}"}};
  for (const Packet& p : media.packets) {
    for (Tag& t : tags_in) {
      if (p.kind() != MediaKind::kVideo || t.written ||
          Rescale(p.dts(), p.timebase(), kMpegTs) < t.at)
        continue;
      t.written = true;
      auto bytes = id3::TxxxTag({{"com.strait.card", t.text}});
      ASSERT_TRUE(bytes.ok());
      ASSERT_TRUE((*muxer)
                      ->Write(Packet(9, MediaKind::kData, CodecId::kTimedId3, std::move(*bytes),
                                     t.at, t.at, kMpegTs, true))
                      .ok());
    }
    ASSERT_TRUE((*muxer)->Write(p).ok());
  }
  ASSERT_TRUE((*muxer)->Finish().ok());
  const std::string path = Save("id3.ts", (*muxer)->TakeBytes());
  const std::string streams =
      RunCommand("ffprobe -v error -show_entries stream=codec_name -of csv=p=0 " + path);
  EXPECT_NE(streams.find("timed_id3"), std::string::npos) << streams;
  // Times: 0.5 s and 1.5 s on the pictures' timeline (the muxer shifts every stream alike).
  const auto times = [&](const std::string& select) {
    std::vector<double> out;
    std::istringstream in(RunCommand("ffprobe -v error -select_streams " + select +
                                     " -show_entries packet=pts_time -of csv=p=0 " + path));
    for (std::string line; std::getline(in, line);) {
      if (!line.empty())
        out.push_back(std::stod(line));
    }
    return out;
  };
  const std::vector<double> tags = times("d"), pictures = times("v");
  ASSERT_EQ(tags.size(), 2u);
  ASSERT_FALSE(pictures.empty());
  const auto video = std::find_if(media.packets.begin(), media.packets.end(),
                                  [](const Packet& p) { return p.kind() == MediaKind::kVideo; });
  const double origin = Rescale(video->pts(), video->timebase(), kMpegTs) / 90000.0;
  EXPECT_NEAR(tags[0] - pictures[0], 0.5 - origin, 1e-6);
  EXPECT_NEAR(tags[1] - tags[0], 1.0, 1e-6);
  // The PES payloads (stream_id 0xbd, private_stream_1) are the tags as written: what hls.js and
  // Apple's players read. (FFmpeg's demuxer drops the first 5 bytes, as for metadata AU cells.)
  std::string payloads;
  std::ostringstream read;
  read << std::ifstream(path, std::ios::binary).rdbuf();
  const std::string bytes = read.str();
  for (size_t at = 0; at + 188 <= bytes.size(); at += 188) {
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + at);
    size_t off = 4 + ((p[3] & 0x20) ? 1 + p[4] : 0);
    if ((p[1] & 0x40) && off + 9 < 188 && p[off] == 0 && p[off + 1] == 0 && p[off + 2] == 1 &&
        p[off + 3] == 0xbd) {
      off += 9 + p[off + 8];
      payloads.append(reinterpret_cast<const char*>(p + off), 188 - off);
    }
  }
  EXPECT_EQ(payloads.find("ID3\x04"), 0u);
  EXPECT_NE(payloads.find("TXXX"), std::string::npos);
  EXPECT_LT(payloads.find("{\"event\":\"start\"}"), payloads.find("{\"event\":\"end\"}"));
  EXPECT_EQ(RunCommand("ffmpeg -v error -i " + path + " -map 0:v -map 0:a -f null -"), "");
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
