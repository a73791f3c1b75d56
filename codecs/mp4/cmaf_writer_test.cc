// CmafWriter against real encoder output: the ffmpeg CLI encodes H.264 / HEVC + AAC (MP4) or Opus
// (Matroska), FileReader turns the file into strait packets (shifted to start at 10 s), the
// writer cuts LL-HLS-style parts (every 10 video frames and at keyframes), and libavformat must
// demux init + parts back into the same samples: timestamps, keyframe flags, payload bytes and
// codec parameters. ffprobe / ffmpeg must read the file, and an independent part on its own,
// without a single complaint.
#include "codecs/mp4/cmaf_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/file_reader.h"

namespace strait::mp4 {
namespace {

namespace fs = std::filesystem;

// Runs a shell command and returns what it wrote to stdout (redirect inside `cmd` as needed).
std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p)
    return "popen failed";
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

// Reads `path` with FileReader; timestamps shifted by +10 s (the writer keeps absolute times).
Media Read(const std::string& path) {
  Media m;
  auto reader = ffmpeg::FileReader::Open(path);
  EXPECT_TRUE(reader.ok()) << (reader.ok() ? "" : reader.error().message());
  if (!reader.ok())
    return m;
  for (;;) {
    auto event = (*reader)->Next();
    EXPECT_TRUE(event.ok());
    if (!event.ok() || std::holds_alternative<ffmpeg::FileReader::EndOfStream>(*event))
      break;
    if (auto* t = std::get_if<TrackInfo>(&*event)) {
      m.tracks.push_back(*t);
    } else {
      const Packet& p = std::get<Packet>(*event);
      const int64_t shift = Rescale(10, {1, 1}, p.timebase());
      m.packets.push_back(p.WithTimestamps(p.pts() + shift, p.dts() + shift));
    }
  }
  return m;
}

struct Written {
  std::vector<uint8_t> file;  // init + every chunk
  std::vector<uint8_t> init;
  std::vector<Chunk> chunks;
};

// LL-HLS parts: a new chunk before every keyframe and after every `part_frames` video frames.
Written Write(const Media& m, int part_frames) {
  Written out;
  auto writer = CmafWriter::Create(m.tracks);
  EXPECT_TRUE(writer.ok()) << (writer.ok() ? "" : writer.error().message());
  if (!writer.ok())
    return out;
  CmafWriter& w = **writer;
  out.init = *w.InitSegment();
  out.file = out.init;
  const auto wall = std::chrono::system_clock::time_point(std::chrono::seconds(1764288000));
  auto take = [&](std::optional<MediaTime> next) {
    Chunk c = w.Flush(next, wall);
    out.file.insert(out.file.end(), c.bytes.begin(), c.bytes.end());
    out.chunks.push_back(std::move(c));
  };
  int frames = 0;
  for (const Packet& p : m.packets) {
    if (p.kind() == MediaKind::kVideo) {
      if (!w.empty() && (p.keyframe() || frames == part_frames)) {
        take(p.dts_time());
        frames = 0;
      }
      ++frames;
    }
    const Status s = w.Add(p);
    EXPECT_TRUE(s.ok()) << s.error().message();
  }
  take(std::nullopt);
  return out;
}

struct Stream {
  const AVCodecParameters* par = nullptr;
  AVRational time_base{};
  std::vector<ffmpeg::AVPacketPtr> packets;
};

struct Demuxed {
  ffmpeg::AVFormatInputPtr format;
  std::vector<Stream> streams;
};

Demuxed Demux(const std::string& path) {
  Demuxed d;
  AVFormatContext* raw = nullptr;
  EXPECT_GE(avformat_open_input(&raw, path.c_str(), nullptr, nullptr), 0) << path;
  if (!raw)
    return d;
  d.format.reset(raw);
  EXPECT_GE(avformat_find_stream_info(raw, nullptr), 0);
  for (unsigned i = 0; i < raw->nb_streams; ++i)
    d.streams.push_back({raw->streams[i]->codecpar, raw->streams[i]->time_base, {}});
  for (;;) {
    ffmpeg::AVPacketPtr pkt(av_packet_alloc());
    if (av_read_frame(raw, pkt.get()) < 0)
      break;
    d.streams[pkt->stream_index].packets.push_back(std::move(pkt));
  }
  return d;
}

std::string Save(const fs::path& path, std::span<const uint8_t> bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

// The stream `s` of the written file carries exactly the packets of input track `t`.
void ExpectSameSamples(const Media& in, const TrackInfo& t, const Stream& s) {
  std::vector<const Packet*> expected;
  for (const Packet& p : in.packets) {
    if (p.track_id() == t.id)
      expected.push_back(&p);
  }
  ASSERT_EQ(s.packets.size(), expected.size()) << CodecName(t.codec);
  const double tick = av_q2d(s.time_base);
  int reordered = 0;
  // A B-picture stream is written CMAF-style (decode times later by the first picture's
  // pts - dts, negative composition offsets; CmafLayout.ChunkGolden checks the exact boxes), which
  // libavformat 5.1 reads back with every dts later by that much and every pts later by the most
  // negative offset (as it does for its own `-movflags cmaf` files). So the times come back
  // moved, each by one constant for the whole track, by at most the first picture's reorder delay.
  const double delay = expected[0]->pts_time().seconds() - expected[0]->dts_time().seconds();
  const double moved_dts =
      static_cast<double>(s.packets[0]->dts) * tick - expected[0]->dts_time().seconds();
  const double moved_pts =
      static_cast<double>(s.packets[0]->pts) * tick - expected[0]->pts_time().seconds();
  for (double moved : {moved_dts, moved_pts}) {
    EXPECT_GE(moved, -tick * 1.01);
    EXPECT_LE(moved, delay + tick * 1.01);
  }
  if (t.kind == MediaKind::kAudio) {
    EXPECT_NEAR(moved_dts, 0, tick * 1.01);
    EXPECT_NEAR(moved_pts, 0, tick * 1.01);
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const Packet& a = *expected[i];
    const AVPacket& b = *s.packets[i];
    ASSERT_NEAR(a.dts_time().seconds() + moved_dts, static_cast<double>(b.dts) * tick, tick * 1.01)
        << i;
    ASSERT_NEAR(a.pts_time().seconds() + moved_pts, static_cast<double>(b.pts) * tick, tick * 1.01)
        << i;
    ASSERT_EQ(a.keyframe(), (b.flags & AV_PKT_FLAG_KEY) != 0) << i;
    ASSERT_EQ(std::vector<uint8_t>(a.data().begin(), a.data().end()),
              std::vector<uint8_t>(b.data, b.data + b.size))
        << i;
    reordered += b.pts != b.dts;
  }
  if (t.kind == MediaKind::kVideo) {
    EXPECT_GT(reordered, 0) << "expected B-frames (composition offsets)";
  }
  EXPECT_EQ(std::vector<uint8_t>(s.par->extradata, s.par->extradata + s.par->extradata_size),
            t.extradata);
}

class CmafWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strait_cmaf_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Encode(const std::string& name, const std::string& args) {
    const std::string path = (dir_ / name).string();
    Shell("ffmpeg -v error -y " + args + " " + path + " 2>&1");
    return path;
  }

  // ffprobe reads every packet, ffmpeg decodes everything, both silently.
  void ExpectCleanRead(const std::string& path) {
    EXPECT_EQ(Shell("ffprobe -v error -show_streams -show_packets " + path + " 2>&1 >/dev/null"),
              "")
        << path;
    EXPECT_EQ(Shell("ffmpeg -v error -i " + path + " -f null - 2>&1"), "") << path;
  }

  // Video + audio: encode, write parts, demux and compare; then one independent part alone.
  void RoundTripAv(const std::string& video_args, const std::string& codec_name, AVCodecID id) {
    const Media in = Read(Encode("in.mp4",
                                 "-f lavfi -i testsrc2=size=320x240:rate=30 -f lavfi -i "
                                 "sine=frequency=440:sample_rate=48000 -t 4 " +
                                     video_args + " -bf 2 -g 30 -c:a aac -b:a 64k -ac 2 -f mp4"));
    ASSERT_EQ(in.tracks.size(), 2u);
    ASSERT_GT(in.packets.size(), 250u);
    const Written out = Write(in, 10);
    const std::string path = Save(dir_ / "out.mp4", out.file);

    // 120 frames, GOP 30: parts of up to 10 frames, the first of each GOP independent.
    int keyframes = 0, independent = 0, samples = 0;
    for (const Packet& p : in.packets)
      keyframes += p.kind() == MediaKind::kVideo && p.keyframe();
    int64_t last_start = -1;
    for (const Chunk& c : out.chunks) {
      independent += c.independent;
      samples += c.samples;
      EXPECT_GT(c.start_dts_90k, last_start);
      last_start = c.start_dts_90k;
    }
    EXPECT_GE(keyframes, 4);
    EXPECT_GE(out.chunks.size(), 12u);
    EXPECT_EQ(independent, keyframes);
    EXPECT_EQ(samples, static_cast<int>(in.packets.size()));

    const Demuxed d = Demux(path);
    ASSERT_EQ(d.streams.size(), 2u);
    const AVCodecParameters& v = *d.streams[0].par;
    const AVCodecParameters& a = *d.streams[1].par;
    EXPECT_EQ(v.codec_id, id);
    EXPECT_EQ(v.width, 320);
    EXPECT_EQ(v.height, 240);
    EXPECT_EQ(a.codec_id, AV_CODEC_ID_AAC);
    EXPECT_EQ(a.sample_rate, 48000);
    EXPECT_EQ(a.ch_layout.nb_channels, 2);
    EXPECT_EQ(d.streams[0].time_base.den, 90000);
    EXPECT_EQ(d.streams[1].time_base.den, 48000);
    ExpectSameSamples(in, in.tracks[0], d.streams[0]);
    ExpectSameSamples(in, in.tracks[1], d.streams[1]);
    ExpectCleanRead(path);

    // An independent part in the middle plays on its own after the init segment.
    size_t k = out.chunks.size() / 2;
    while (k < out.chunks.size() && !out.chunks[k].independent)
      ++k;
    ASSERT_LT(k, out.chunks.size());
    std::vector<uint8_t> part = out.init;
    part.insert(part.end(), out.chunks[k].bytes.begin(), out.chunks[k].bytes.end());
    const std::string part_path = Save(dir_ / "part.mp4", part);
    ExpectCleanRead(part_path);
    const std::string probe = Shell(
        "ffprobe -v error -show_entries stream=codec_name -of csv=p=0 " + part_path + " 2>&1");
    EXPECT_EQ(probe, codec_name + "\naac\n");
  }

  fs::path dir_;
};

TEST_F(CmafWriterTest, H264AacRoundTripsThroughLibavformat) {
  RoundTripAv("-c:v libx264 -pix_fmt yuv420p", "h264", AV_CODEC_ID_H264);
}

TEST_F(CmafWriterTest, HevcAacRoundTripsThroughLibavformat) {
  RoundTripAv("-c:v libx265 -x265-params log-level=error -pix_fmt yuv420p -tag:v hvc1", "hevc",
              AV_CODEC_ID_HEVC);
}

TEST_F(CmafWriterTest, OpusRoundTripsWithDops) {
  const Media in = Read(Encode("in.mka",
                               "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 -c:a libopus "
                               "-b:a 64k -ac 2"));
  ASSERT_EQ(in.tracks.size(), 1u);
  ASSERT_EQ(in.tracks[0].codec, CodecId::kOpus);
  ASSERT_GT(in.packets.size(), 90u);
  // Audio-only parts of 16 frames (~0.33 s).
  Written out;
  {
    auto writer = CmafWriter::Create(in.tracks);
    ASSERT_TRUE(writer.ok()) << writer.error().message();
    out.file = *(*writer)->InitSegment();
    for (size_t i = 0; i < in.packets.size(); ++i) {
      ASSERT_TRUE((*writer)->Add(in.packets[i]).ok());
      if (i % 16 == 15 || i + 1 == in.packets.size()) {
        const Chunk c = (*writer)->Flush(std::nullopt, std::nullopt);
        EXPECT_TRUE(c.independent);
        out.file.insert(out.file.end(), c.bytes.begin(), c.bytes.end());
      }
    }
  }
  const std::string path = Save(dir_ / "opus.mp4", out.file);
  ExpectCleanRead(path);
  const Demuxed d = Demux(path);
  ASSERT_EQ(d.streams.size(), 1u);
  EXPECT_EQ(d.streams[0].par->codec_id, AV_CODEC_ID_OPUS);
  EXPECT_EQ(d.streams[0].par->sample_rate, 48000);
  EXPECT_EQ(d.streams[0].par->ch_layout.nb_channels, 2);
  EXPECT_EQ(d.streams[0].time_base.den, 48000);
  // dOps back to OpusHead (libavformat's mov reader) gives the input's OpusHead byte for byte.
  ExpectSameSamples(in, in.tracks[0], d.streams[0]);
}

}  // namespace
}  // namespace strait::mp4
