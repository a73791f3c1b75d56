// TsDemuxer against real encoder output: the ffmpeg CLI writes MPEG-TS (H.264 / HEVC + AAC / Opus),
// a ReadFn feeds it in odd-sized chunks, and the demuxed Packets must be well-formed strait
// packets: avcC / hvcC that the codecs/ parsers accept, ~90 frames, keyframes, monotonic dts; then
// TsMuxer remuxes them and ffmpeg must decode the result without a single error. Bad input
// (garbage, truncation, no PAT/PMT, read errors, unsupported codecs) must end in bounded time.
#include "codecs/ts/ts_demuxer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"
#include "codecs/ts/ts_muxer.h"

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

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Serves `data` in chunks of 1, 7, 188, 1316, 333, ... bytes (never more than asked for).
TsDemuxer::ReadFn ChunkedReader(std::vector<uint8_t> data) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(std::move(data));
  auto pos = std::make_shared<size_t>(0);
  auto call = std::make_shared<size_t>(0);
  return [bytes, pos, call](uint8_t* buf, int size) -> int {
    static constexpr size_t kChunks[] = {1, 7, 188, 1316, 333, 4097, 61};
    const size_t want = std::min<size_t>(kChunks[(*call)++ % 7], static_cast<size_t>(size));
    const size_t n = std::min(want, bytes->size() - *pos);
    std::copy_n(bytes->begin() + static_cast<std::ptrdiff_t>(*pos), n, buf);
    *pos += n;
    return static_cast<int>(n);
  };
}

struct Demuxed {
  std::vector<TrackInfo> infos;
  std::vector<Packet> packets;
  bool ended = false;
  std::string error;
};

Demuxed DemuxAll(TsDemuxer::ReadFn read, TsDemuxer::Options options = {}) {
  Demuxed out;
  auto demuxer = TsDemuxer::Open(std::move(read), options);
  if (!demuxer.ok()) {
    out.error = demuxer.error().message();
    return out;
  }
  for (int i = 0; i < 100000; ++i) {
    auto event = (*demuxer)->Next();
    if (!event.ok()) {
      out.error = event.error().message();
      EXPECT_FALSE((*demuxer)->Next().ok());  // errors are sticky
      return out;
    }
    if (auto* info = std::get_if<TrackInfo>(&*event)) {
      out.infos.push_back(*info);
    } else if (auto* packet = std::get_if<Packet>(&*event)) {
      out.packets.push_back(*packet);
    } else {
      out.ended = true;
      EXPECT_TRUE(std::holds_alternative<TsDemuxer::EndOfStream>(*(*demuxer)->Next()));
      return out;
    }
  }
  ADD_FAILURE() << "no end";
  return out;
}

class TsDemuxerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("strait_tsdemux_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string Path(const std::string& name) { return (dir_ / name).string(); }

  // 3 s of 640x360 at 30 fps plus a sine; `args` picks the codecs.
  static std::vector<uint8_t> MakeTs(const std::string& name, const std::string& args) {
    const std::string path = Path(name);
    const std::string log = RunCommand(
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=640x360:rate=30 -f lavfi -i sine -t 3 " +
        args + " -f mpegts " + path);
    EXPECT_EQ(log, "") << args;
    return ReadAll(path);
  }

  // Remuxes with TsMuxer and decodes with ffmpeg: the strongest check that the payloads and
  // extradata are right.
  static void ExpectRemuxDecodes(const Demuxed& d, const std::string& name, int video_frames) {
    std::vector<TrackInfo> tracks;
    for (const TrackInfo& info : d.infos) {
      if (std::none_of(tracks.begin(), tracks.end(), [&](auto& t) { return t.id == info.id; }))
        tracks.push_back(info);
    }
    auto muxer = TsMuxer::Create(tracks);
    ASSERT_TRUE(muxer.ok()) << muxer.error().message();
    for (const Packet& p : d.packets) {
      const Status s = (*muxer)->Write(p);
      ASSERT_TRUE(s.ok()) << s.error().message();
    }
    ASSERT_TRUE((*muxer)->Finish().ok());
    const std::vector<uint8_t> bytes = (*muxer)->TakeBytes();
    const std::string path = Path(name);
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    EXPECT_EQ(RunCommand("ffmpeg -v error -i " + path + " -f null -"), "") << name;
    const std::string count = RunCommand(
        "ffprobe -v error -select_streams v:0 -count_frames -show_entries "
        "stream=nb_read_frames -of csv=p=0 " +
        path);
    EXPECT_EQ(std::atoi(count.c_str()), video_frames) << count;
  }

  static fs::path dir_;
};

fs::path TsDemuxerTest::dir_;

const TrackInfo* Find(const Demuxed& d, uint32_t id) {
  for (const TrackInfo& t : d.infos) {
    if (t.id == id)
      return &t;
  }
  return nullptr;
}

// Per track: dts never decreases, pts >= dts, everything in 90 kHz; returns the video count.
int CheckPackets(const Demuxed& d, int* keyframes) {
  int64_t last[2] = {kNoTimestamp, kNoTimestamp};
  int video = 0;
  *keyframes = 0;
  for (const Packet& p : d.packets) {
    EXPECT_LT(p.track_id(), 2u);
    EXPECT_EQ(p.timebase(), kMpegTs);
    EXPECT_NE(p.dts(), kNoTimestamp);
    EXPECT_GE(p.pts(), p.dts());
    if (last[p.track_id()] != kNoTimestamp) {
      EXPECT_GT(p.dts(), last[p.track_id()]);
    }
    last[p.track_id()] = p.dts();
    if (p.kind() == MediaKind::kVideo) {
      ++video;
      *keyframes += p.keyframe();
      // Length-prefixed NAL units that exactly fill the payload.
      size_t pos = 0;
      const auto data = p.data();
      while (pos + 4 <= data.size()) {
        pos += 4 + ((size_t{data[pos]} << 24) | (size_t{data[pos + 1]} << 16) |
                    (size_t{data[pos + 2]} << 8) | data[pos + 3]);
      }
      EXPECT_EQ(pos, data.size());
    }
  }
  if (!d.packets.empty()) {
    EXPECT_EQ(d.packets.front().kind() == MediaKind::kVideo ? d.packets.front().keyframe() : true,
              true);
  }
  return video;
}

TEST_F(TsDemuxerTest, H264Aac) {
  const auto ts = MakeTs("h264.ts", "-c:v libx264 -g 30 -bf 2 -c:a aac");
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  ASSERT_TRUE(d.ended) << d.error;
  ASSERT_EQ(d.infos.size(), 2u);
  const TrackInfo* video = Find(d, 0);
  const TrackInfo* audio = Find(d, 1);
  ASSERT_TRUE(video && audio);
  EXPECT_EQ(video->codec, CodecId::kH264);
  EXPECT_EQ(video->timebase, kMpegTs);
  EXPECT_EQ(video->width, 640);
  EXPECT_EQ(video->height, 360);
  auto avcc = h264::ParseAvcConfig(video->extradata);
  ASSERT_TRUE(avcc.ok()) << avcc.error().message();
  EXPECT_EQ(avcc->first_sps.width, 640);
  EXPECT_EQ(audio->codec, CodecId::kAac);
  EXPECT_EQ(audio->sample_rate, 44100);
  EXPECT_EQ(audio->channels, 1);
  auto asc = aac::ParseAudioSpecificConfig(audio->extradata);
  ASSERT_TRUE(asc.ok());
  EXPECT_EQ(asc->object_type, 2);
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(d, &keyframes), 90);
  EXPECT_EQ(keyframes, 3);
  EXPECT_GT(d.packets.size(), 90u + 120u);  // ~129 AAC frames in 3 s
  ExpectRemuxDecodes(d, "h264_remux.ts", 90);
}

TEST_F(TsDemuxerTest, HevcAac) {
  const auto ts =
      MakeTs("hevc.ts", "-c:v libx265 -x265-params log-level=error -g 30 -c:a aac -ac 2");
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  ASSERT_TRUE(d.ended) << d.error;
  const TrackInfo* video = Find(d, 0);
  ASSERT_TRUE(video);
  EXPECT_EQ(video->codec, CodecId::kHevc);
  EXPECT_EQ(video->width, 640);
  EXPECT_EQ(video->height, 360);
  auto hvcc = hevc::ParseHevcConfig(video->extradata);
  ASSERT_TRUE(hvcc.ok()) << hvcc.error().message();
  EXPECT_EQ(hvcc->general_profile_idc, 1);  // Main
  EXPECT_GT(hvcc->general_level_idc, 0);
  EXPECT_EQ(hvcc->width, 640);
  ASSERT_TRUE(Find(d, 1));
  EXPECT_EQ(Find(d, 1)->channels, 2);
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(d, &keyframes), 90);
  EXPECT_GE(keyframes, 3);
  ExpectRemuxDecodes(d, "hevc_remux.ts", 90);
}

TEST_F(TsDemuxerTest, H264Opus) {
  const auto ts = MakeTs("opus.ts", "-c:v libx264 -g 30 -c:a libopus -ac 2");
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  ASSERT_TRUE(d.ended) << d.error;
  const TrackInfo* audio = Find(d, 1);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->codec, CodecId::kOpus);
  EXPECT_EQ(audio->sample_rate, 48000);
  EXPECT_EQ(audio->channels, 2);
  ASSERT_GE(audio->extradata.size(), 19u);
  EXPECT_EQ(std::string(audio->extradata.begin(), audio->extradata.begin() + 8), "OpusHead");
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(d, &keyframes), 90);
  ExpectRemuxDecodes(d, "opus_remux.ts", 90);
}

TEST_F(TsDemuxerTest, H264Mp3) {
  const auto ts = MakeTs("mp3.ts", "-c:v libx264 -g 30 -c:a libmp3lame -ar 48000");
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  ASSERT_TRUE(d.ended) << d.error;
  const TrackInfo* audio = Find(d, 1);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->codec, CodecId::kMp3);
  EXPECT_EQ(audio->sample_rate, 48000);
  EXPECT_EQ(audio->channels, 1);
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(d, &keyframes), 90);
  ExpectRemuxDecodes(d, "mp3_remux.ts", 90);
}

TEST_F(TsDemuxerTest, FirstPacketsComeOutEarly) {
  // Live ingest: the first packets must not wait for libavformat's probing of seconds of input.
  const auto ts = MakeTs("early.ts", "-c:v libx264 -g 30 -c:a aac");
  auto demuxer = TsDemuxer::Open(ChunkedReader(ts));
  ASSERT_TRUE(demuxer.ok()) << demuxer.error().message();
  uint64_t at_first_video = 0;
  for (int i = 0; i < 1000 && !at_first_video; ++i) {
    auto event = (*demuxer)->Next();
    ASSERT_TRUE(event.ok()) << event.error().message();
    if (auto* p = std::get_if<Packet>(&*event); p && p->kind() == MediaKind::kVideo)
      at_first_video = (*demuxer)->bytes_read();
  }
  EXPECT_GT(at_first_video, 0u);
  EXPECT_LT(at_first_video, uint64_t{188 * 400 + 64 * 1024}) << ts.size();
}

TEST_F(TsDemuxerTest, TimestampWrapAndRestartStayMonotonic) {
  // 33-bit wrap 1.5 s in, then the encoder restarts with a new size (timestamps jump back, a new
  // SPS): one timeline, strictly increasing dts, a second video TrackInfo with the new size.
  auto ts = MakeTs("wrap.ts", "-c:v libx264 -g 30 -c:a aac -output_ts_offset 95442.3");
  const auto second = MakeTs("small.ts", "-c:v libx264 -g 30 -c:a aac -s 320x240");
  ts.insert(ts.end(), second.begin(), second.end());
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  ASSERT_TRUE(d.ended) << d.error;
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(d, &keyframes), 180);
  std::vector<int> widths;
  for (const TrackInfo& t : d.infos) {
    if (t.id == 0)
      widths.push_back(t.width);
  }
  EXPECT_EQ(widths, (std::vector<int>{640, 320}));
  // Crossing 2^33 kept going up by the frame interval instead of falling back to ~0.
  int64_t max_step = 0;
  int64_t last = kNoTimestamp;
  for (const Packet& p : d.packets) {
    if (p.track_id() != 0)
      continue;
    if (last != kNoTimestamp)
      max_step = std::max(max_step, p.dts() - last);
    last = p.dts();
  }
  EXPECT_LE(max_step, 3000 * 4);
  EXPECT_GT(d.packets.back().dts(), int64_t{1} << 33);
}

TEST_F(TsDemuxerTest, GarbageIsAnError) {
  std::vector<uint8_t> garbage(300000);
  std::mt19937 rng(7);
  for (auto& b : garbage)
    b = static_cast<uint8_t>(rng());
  const Demuxed d = DemuxAll(ChunkedReader(garbage));
  EXPECT_FALSE(d.ended);
  EXPECT_FALSE(d.error.empty());
  EXPECT_TRUE(d.packets.empty());
}

TEST_F(TsDemuxerTest, TruncatedEndsCleanly) {
  auto ts = MakeTs("trunc.ts", "-c:v libx264 -g 30 -c:a aac");
  ts.resize(ts.size() / 2 + 101);  // mid-packet
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  EXPECT_TRUE(d.ended) << d.error;
  int keyframes = 0;
  EXPECT_GT(CheckPackets(d, &keyframes), 20);
  for (size_t cut : {size_t{0}, size_t{100}, size_t{188 * 3}}) {
    std::vector<uint8_t> head(ts.begin(), ts.begin() + static_cast<std::ptrdiff_t>(cut));
    const Demuxed h = DemuxAll(ChunkedReader(head));
    EXPECT_TRUE(h.packets.empty());
  }
}

TEST_F(TsDemuxerTest, NoPatPmtEndsWithinBound) {
  // An endless stream of null packets: no program ever shows up.
  TsDemuxer::Options options;
  options.max_bytes_without_streams = 1 << 20;
  uint64_t served = 0;
  auto nulls = [&served](uint8_t* buf, int size) {
    const int n = std::min(size, 188 * 7);
    for (int i = 0; i < n; ++i) {
      const size_t k = (served + static_cast<size_t>(i)) % 188;
      buf[i] = k == 0 ? 0x47 : k == 1 ? 0x1f : k == 2 ? 0xff : k == 3 ? 0x10 : 0xff;
    }
    served += static_cast<uint64_t>(n);
    return n;
  };
  const Demuxed d = DemuxAll(nulls, options);
  EXPECT_FALSE(d.error.empty());
  EXPECT_NE(d.error.find("no usable MPEG-TS program"), std::string::npos) << d.error;
  EXPECT_LT(served, (1u << 20) + 200000u);
}

TEST_F(TsDemuxerTest, ReadErrorEndsPromptly) {
  const auto ts = MakeTs("err.ts", "-c:v libx264 -g 30 -c:a aac");
  size_t pos = 0;
  bool failed = false;
  auto read = [&](uint8_t* buf, int size) {
    if (pos >= ts.size() / 3) {
      failed = true;
      return -1;
    }
    const size_t n = std::min<size_t>(static_cast<size_t>(size), 1316);
    std::copy_n(ts.begin() + static_cast<std::ptrdiff_t>(pos), n, buf);
    pos += n;
    return static_cast<int>(n);
  };
  auto demuxer = TsDemuxer::Open(read);
  ASSERT_TRUE(demuxer.ok()) << demuxer.error().message();
  int after_failure = 0;
  Result<TsDemuxer::Event> event = (*demuxer)->Next();
  while (event.ok()) {
    ASSERT_FALSE(std::holds_alternative<TsDemuxer::EndOfStream>(*event));
    after_failure += failed;
    event = (*demuxer)->Next();
  }
  EXPECT_TRUE(failed);
  EXPECT_LT(after_failure, 3);  // no draining of buffered frames after the read failed
  EXPECT_NE(event.error().message().find("read failed"), std::string::npos);
  EXPECT_LE((*demuxer)->bytes_read(), ts.size() / 3 + 1316);
}

TEST_F(TsDemuxerTest, UnsupportedOnlyIsAnError) {
  const auto ts = MakeTs("mpeg2.ts", "-an -c:v mpeg2video");
  const Demuxed d = DemuxAll(ChunkedReader(ts));
  EXPECT_NE(d.error.find("unsupported codec mpeg2video"), std::string::npos) << d.error;
  // With a usable track next to it, the unsupported one is skipped silently.
  const auto mixed = MakeTs("mixed.ts",
                            "-map 0:v -map 0:v -map 1:a -c:v:0 mpeg2video "
                            "-c:v:1 libx264 -g 30 -c:a aac");
  const Demuxed m = DemuxAll(ChunkedReader(mixed));
  ASSERT_TRUE(m.ended) << m.error;
  ASSERT_TRUE(Find(m, 0));
  EXPECT_EQ(Find(m, 0)->codec, CodecId::kH264);
  int keyframes = 0;
  EXPECT_EQ(CheckPackets(m, &keyframes), 90);
  // MPEG-1 layer II: libavformat calls it MP3; strait does not carry it.
  const auto mp2 = MakeTs("mp2.ts", "-vn -c:a mp2");
  EXPECT_NE(DemuxAll(ChunkedReader(mp2)).error.find("unsupported codec mp2"), std::string::npos);
  const Demuxed v = DemuxAll(ChunkedReader(MakeTs("h264mp2.ts", "-c:v libx264 -c:a mp2")));
  ASSERT_TRUE(v.ended) << v.error;
  EXPECT_EQ(v.infos.size(), 1u);
  EXPECT_FALSE(Find(v, 1));
}

}  // namespace
}  // namespace strait::ts
