// CmafWriter box layout on synthetic samples: the box trees of an init segment and of a chunk,
// checked against golden files in tests/golden/mp4/ (regenerate after an intended change:
// STRAIT_UPDATE_GOLDEN=1 ./strait_codecs_test --gtest_filter='CmafLayout*'); sample durations at
// chunk ends; chunk metadata; and the errors that leave the writer usable.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "codecs/golden_file.h"
#include "codecs/h264/test_vectors.h"
#include "codecs/mp4/cmaf_writer.h"

namespace strait::mp4 {
namespace {

uint32_t Be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}
uint64_t Be64(const uint8_t* p) {
  return (uint64_t{Be32(p)} << 32) | Be32(p + 4);
}
std::string Hex(std::span<const uint8_t> b) {
  std::string s;
  char buf[3];
  for (uint8_t c : b) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    s += buf;
  }
  return s;
}

// A few fields of the boxes whose values matter for playback, after the type and size.
std::string Fields(const std::string& type, std::span<const uint8_t> body, const std::string& pad) {
  const uint8_t* p = body.data();
  char buf[160];
  if (type == "mfhd") {
    std::snprintf(buf, sizeof(buf), " seq=%u", Be32(p + 4));
  } else if (type == "tfhd") {
    std::snprintf(buf, sizeof(buf), " flags=0x%06x track=%u", Be32(p) & 0xffffff, Be32(p + 4));
  } else if (type == "tfdt") {
    std::snprintf(buf, sizeof(buf), " v%u time=%llu", p[0],
                  static_cast<unsigned long long>(p[0] ? Be64(p + 4) : Be32(p + 4)));
  } else if (type == "prft") {
    std::snprintf(buf, sizeof(buf), " track=%u ntp=0x%016llx media=%llu", Be32(p + 4),
                  static_cast<unsigned long long>(Be64(p + 8)),
                  static_cast<unsigned long long>(Be64(p + 16)));
  } else if (type == "emsg") {
    const std::string scheme(reinterpret_cast<const char*>(p + 24));
    const std::string value(reinterpret_cast<const char*>(p + 24 + scheme.size() + 1));
    const size_t data = 24 + scheme.size() + 1 + value.size() + 1;
    std::snprintf(buf, sizeof(buf), " v%u timescale=%u time=%llu duration=0x%08x id=%u", p[0],
                  Be32(p + 4), static_cast<unsigned long long>(Be64(p + 8)), Be32(p + 16),
                  Be32(p + 20));
    return buf + (" scheme=" + scheme + " value=\"" + value + "\" data=" + Hex(body.subspan(data)));
  } else if (type == "trun") {
    const uint32_t flags = Be32(p) & 0xffffff;
    const uint32_t n = Be32(p + 4);
    std::string s = " v" + std::to_string(p[0]);
    std::snprintf(buf, sizeof(buf), " flags=0x%06x samples=%u data_offset=%d", flags, n,
                  static_cast<int32_t>(Be32(p + 8)));
    s += buf;
    const size_t entry = (flags & 0x800) ? 16 : 12;
    for (uint32_t i = 0; i < n; ++i) {
      const uint8_t* e = p + 12 + i * entry;
      std::snprintf(buf, sizeof(buf), "\n%s  duration=%u size=%u flags=0x%08x", pad.c_str(),
                    Be32(e), Be32(e + 4), Be32(e + 8));
      s += buf;
      if (entry == 16)
        s += " cto=" + std::to_string(static_cast<int32_t>(Be32(e + 12)));
    }
    return s;
  } else if (type == "tkhd") {
    std::snprintf(buf, sizeof(buf), " track=%u %ux%u", Be32(p + 12), Be32(p + 76) >> 16,
                  Be32(p + 80) >> 16);
  } else if (type == "mdhd") {
    std::snprintf(buf, sizeof(buf), " timescale=%u", Be32(p + 12));
  } else if (type == "hdlr") {
    return " " + std::string(reinterpret_cast<const char*>(p + 8), 4);
  } else if (type == "trex") {
    std::snprintf(buf, sizeof(buf), " track=%u", Be32(p + 4));
  } else if (type == "ftyp") {
    std::string s = " " + std::string(reinterpret_cast<const char*>(p), 4) + " [";
    for (size_t i = 8; i + 4 <= body.size(); i += 4)
      s += std::string(i > 8 ? " " : "") + std::string(reinterpret_cast<const char*>(p + i), 4);
    return s + "]";
  } else if (type == "avc1" || type == "hvc1") {
    std::snprintf(buf, sizeof(buf), " %ux%u", (p[24] << 8) | p[25], (p[26] << 8) | p[27]);
  } else if (type == "mp4a" || type == "Opus") {
    std::snprintf(buf, sizeof(buf), " channels=%u rate=%u", (p[16] << 8) | p[17],
                  Be32(p + 24) >> 16);
  } else if (type == "esds" || type == "dOps") {
    return " " + Hex(body);
  } else {
    return "";
  }
  return buf;
}

// Children start this far into the body of these boxes; other boxes are leaves.
int ChildOffset(const std::string& type) {
  for (const char* c : {"moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex", "moof", "traf"}) {
    if (type == c)
      return 0;
  }
  if (type == "stsd" || type == "dref")
    return 8;
  if (type == "avc1" || type == "hvc1")
    return 78;
  if (type == "mp4a" || type == "Opus")
    return 28;
  return -1;
}

// The box tree: one line per box, "type size fields", indented by depth.
void Dump(std::span<const uint8_t> b, int depth, std::string& out) {
  const std::string pad(2 * depth, ' ');
  size_t i = 0;
  while (i + 8 <= b.size()) {
    const uint32_t size = Be32(&b[i]);
    const std::string type(reinterpret_cast<const char*>(&b[i + 4]), 4);
    if (size < 8 || size > b.size() - i) {
      out += pad + type + " bad size " + std::to_string(size) + "\n";
      return;
    }
    const auto body = b.subspan(i + 8, size - 8);
    out += pad + type + " " + std::to_string(size) + Fields(type, body, pad) + "\n";
    const int child = ChildOffset(type);
    if (child >= 0 && static_cast<size_t>(child) <= body.size())
      Dump(body.subspan(child), depth + 1, out);
    i += size;
  }
  if (i != b.size())
    out += pad + "trailing " + std::to_string(b.size() - i) + " bytes\n";
}

std::string Dump(std::span<const uint8_t> b) {
  std::string out;
  Dump(b, 0, out);
  return out;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  golden::ExpectFile("mp4/" + name, actual);
}

TrackInfo H264Track() {
  TrackInfo t;
  t.id = 0;
  t.kind = MediaKind::kVideo;
  t.codec = CodecId::kH264;
  t.timebase = kMpegTs;
  t.extradata = testdata::kAvcC720pHigh;
  return t;  // size and frame rate come from the SPS
}

TrackInfo AacTrack() {
  TrackInfo t;
  t.id = 1;
  t.kind = MediaKind::kAudio;
  t.codec = CodecId::kAac;
  t.timebase = {1, 48000};
  t.extradata = {0x11, 0x90};  // AAC-LC, 48 kHz, stereo
  t.sample_rate = 48000;
  t.channels = 2;
  t.bitrate = 128000;
  return t;
}

TrackInfo OpusTrack() {
  TrackInfo t;
  t.id = 1;
  t.kind = MediaKind::kAudio;
  t.codec = CodecId::kOpus;
  t.timebase = {1, 48000};
  // OpusHead v1, 2 channels, pre-skip 312, input 44100 Hz, gain 0, mapping family 0.
  t.extradata = {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd', 1, 2,
                 0x38, 0x01, 0x44, 0xac, 0,   0,   0,   0,   0};
  t.sample_rate = 48000;
  t.channels = 2;
  return t;
}

Packet Video(int64_t dts, int64_t pts, bool key, size_t size) {
  return Packet(0, MediaKind::kVideo, CodecId::kH264, std::vector<uint8_t>(size, 0xaa), pts, dts,
                kMpegTs, key);
}
Packet Audio(int64_t dts, size_t size = 10) {
  return Packet(1, MediaKind::kAudio, CodecId::kAac, std::vector<uint8_t>(size, 0x55), dts, dts,
                {1, 48000}, true);
}

std::chrono::system_clock::time_point Wall() {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(1764288000000));
}

std::unique_ptr<CmafWriter> MakeWriter(const std::vector<TrackInfo>& tracks) {
  auto w = CmafWriter::Create(tracks);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message());
  return w.ok() ? std::move(*w) : nullptr;
}

TEST(CmafLayout, InitSegmentGolden) {
  auto w = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(w);
  ExpectGolden("init_h264_aac.txt", Dump(*w->InitSegment()));

  TrackInfo hevc = H264Track();
  hevc.codec = CodecId::kHevc;
  hevc.extradata = testdata::kHvcC360pMain;
  auto w2 = MakeWriter({hevc, OpusTrack()});
  ASSERT_TRUE(w2);
  ExpectGolden("init_hevc_opus.txt", Dump(*w2->InitSegment()));
}

TEST(CmafLayout, ChunkGolden) {
  auto w = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(w);
  // I P B at 10 s (decode order), 30 fps; four AAC frames. The pictures are reordered (the I
  // frame shown 3000 after its dts): decode times move 3000 later, tfdt = the I frame's pts and
  // the B frame's composition offset negative.
  ASSERT_TRUE(w->Add(Video(900000, 903000, true, 100)).ok());
  ASSERT_TRUE(w->Add(Audio(480000)).ok());
  ASSERT_TRUE(w->Add(Audio(481024)).ok());
  ASSERT_TRUE(w->Add(Video(903000, 912000, false, 40)).ok());
  ASSERT_TRUE(w->Add(Audio(482048)).ok());
  ASSERT_TRUE(w->Add(Video(906000, 906000, false, 20)).ok());
  ASSERT_TRUE(w->Add(Audio(483072, 12)).ok());
  const Chunk c = w->Flush(MediaTime{909000, kMpegTs}, Wall());
  EXPECT_TRUE(c.independent);
  EXPECT_EQ(c.start_dts_90k, 900000);
  EXPECT_EQ(c.samples, 7);
  EXPECT_EQ(c.bytes.capacity(), c.bytes.size());  // sized exactly up front: no reallocation
  EXPECT_TRUE(w->empty());
  ExpectGolden("chunk_h264_aac.txt", Dump(c.bytes));
}

// Event messages (timed metadata in band) go between prft and moof, in the order given, and the
// chunk is still sized exactly up front.
TEST(CmafLayout, EventMessagesBeforeTheMoof) {
  auto w = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add(Video(900000, 900000, true, 100)).ok());
  ASSERT_TRUE(w->Add(Audio(480000)).ok());
  std::vector<EventMessage> events(2);
  events[0].scheme_id_uri = "https://aomedia.org/emsg/ID3";
  events[0].presentation_time = 901500;
  events[0].id = 7;
  events[0].message_data = {'I', 'D', '3', 4, 0, 0, 0, 0, 0, 0};
  events[1].scheme_id_uri = "urn:example";
  events[1].value = "v";
  events[1].timescale = 1000;
  events[1].presentation_time = 10017;
  events[1].event_duration = 2000;
  const Chunk c = w->Flush(MediaTime{903000, kMpegTs}, Wall(), events);
  EXPECT_EQ(c.bytes.capacity(), c.bytes.size());
  const std::string d = Dump(c.bytes);
  ExpectGolden("chunk_emsg.txt", d);
  const size_t prft = d.find("prft"), first = d.find("emsg"), second = d.find("emsg", first + 1),
               moof = d.find("moof");
  ASSERT_NE(second, std::string::npos) << d;
  EXPECT_LT(prft, first);
  EXPECT_LT(second, moof);
  // Without events: no emsg.
  ASSERT_TRUE(w->Add(Video(903000, 903000, false, 10)).ok());
  EXPECT_EQ(Dump(w->Flush(std::nullopt, std::nullopt).bytes).find("emsg"), std::string::npos);
}

TEST(CmafLayout, LastSampleDurations) {
  auto w = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(w);
  // next_video_dts (in ms here) sets the last video duration; audio repeats its last one.
  ASSERT_TRUE(w->Add(Video(0, 0, true, 10)).ok());
  ASSERT_TRUE(w->Add(Video(3000, 3000, false, 10)).ok());
  ASSERT_TRUE(w->Add(Audio(0)).ok());
  ASSERT_TRUE(w->Add(Audio(1000)).ok());
  std::string d = Dump(w->Flush(MediaTime{100, kMillis}, std::nullopt).bytes);
  EXPECT_EQ(d.find("prft"), std::string::npos);
  EXPECT_NE(d.find("duration=3000 size=10"), std::string::npos) << d;
  EXPECT_NE(d.find("duration=6000 size=10"), std::string::npos) << d;
  EXPECT_NE(d.find("duration=1000 size=10"), d.rfind("duration=1000 size=10")) << d;

  // Alone in its chunk, without next_video_dts: the previous sample's duration; a part without
  // a keyframe is not independent; an audio-only chunk is; no prft without track 1 samples.
  ASSERT_TRUE(w->Add(Video(9000, 9000, false, 10)).ok());
  const Chunk c = w->Flush(std::nullopt, Wall());
  EXPECT_FALSE(c.independent);
  EXPECT_EQ(c.start_dts_90k, 9000);
  d = Dump(c.bytes);
  EXPECT_NE(d.find("seq=2"), std::string::npos) << d;
  EXPECT_NE(d.find("prft"), std::string::npos) << d;
  EXPECT_NE(d.find("duration=6000 size=10 flags=0x01010000 cto=0"), std::string::npos) << d;
  ASSERT_TRUE(w->Add(Audio(2000)).ok());
  const Chunk a = w->Flush(std::nullopt, Wall());
  EXPECT_TRUE(a.independent);
  EXPECT_EQ(a.start_dts_90k, 3750);  // 2000 / 48000 s
  d = Dump(a.bytes);
  EXPECT_EQ(d.find("prft"), std::string::npos) << d;
  EXPECT_NE(d.find("seq=3"), std::string::npos) << d;
  EXPECT_NE(d.find("duration=1000 size=10 flags=0x02000000"), std::string::npos) << d;

  // Nothing buffered: an empty chunk, and the sequence number does not advance.
  EXPECT_TRUE(w->Flush(std::nullopt, Wall()).bytes.empty());
  ASSERT_TRUE(w->Add(Audio(3000)).ok());
  EXPECT_NE(Dump(w->Flush(std::nullopt, std::nullopt).bytes).find("seq=4"), std::string::npos);

  // First sample ever and alone: one frame (30 fps from the SPS; AAC 1024).
  auto fresh = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(fresh->Add(Video(0, 0, true, 10)).ok());
  ASSERT_TRUE(fresh->Add(Audio(0)).ok());
  d = Dump(fresh->Flush(std::nullopt, std::nullopt).bytes);
  EXPECT_NE(d.find("duration=3000 size=10 flags=0x02000000 cto=0"), std::string::npos) << d;
  EXPECT_NE(d.find("duration=1024 size=10 flags=0x02000000\n"), std::string::npos) << d;
}

TEST(CmafLayout, CreateErrors) {
  EXPECT_FALSE(CmafWriter::Create({}).ok());
  const std::vector<TrackInfo> five(5, AacTrack());
  EXPECT_FALSE(CmafWriter::Create(five).ok());
  const std::vector<TrackInfo> same_id = {AacTrack(), AacTrack()};
  EXPECT_NE(CmafWriter::Create(same_id).error().message().find("duplicate"), std::string::npos);

  TrackInfo no_avcc = H264Track();
  no_avcc.extradata.clear();
  auto r = CmafWriter::Create(std::vector<TrackInfo>{no_avcc});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("track 0 (h264): invalid avcC"), std::string::npos)
      << r.error().message();
  TrackInfo av1 = H264Track();
  av1.codec = CodecId::kAv1;
  r = CmafWriter::Create(std::vector<TrackInfo>{av1});
  EXPECT_NE(r.error().message().find("unsupported codec"), std::string::npos);
  TrackInfo bad_opus = OpusTrack();
  bad_opus.extradata.resize(12);
  EXPECT_FALSE(CmafWriter::Create(std::vector<TrackInfo>{bad_opus}).ok());
  TrackInfo no_asc = AacTrack();
  no_asc.extradata.clear();
  EXPECT_FALSE(CmafWriter::Create(std::vector<TrackInfo>{no_asc}).ok());
}

TEST(CmafLayout, AddErrorsLeaveTheWriterUsable) {
  auto w = MakeWriter({H264Track(), AacTrack()});
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Add(Video(90000, 90000, true, 10)).ok());
  Status s = w->Add(Packet(7, MediaKind::kAudio, CodecId::kAac, {1}, 0, 0, kMillis, true));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("unknown track id 7"), std::string::npos);
  s = w->Add(Video(89999, 89999, false, 10));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("not after"), std::string::npos) << s.error().message();
  EXPECT_FALSE(w->Add(Video(90000, 90000, false, 10)).ok());  // equal: a zero-length sample
  EXPECT_FALSE(w->Add(Video(kNoTimestamp, 0, false, 10)).ok());
  EXPECT_FALSE(w->Add(Video(93000, 93000, false, 0)).ok());
  EXPECT_FALSE(w->Add(Audio(-1024)).ok());
  ASSERT_TRUE(w->Add(Video(93000, 93000, false, 10)).ok());
  ASSERT_TRUE(w->Add(Audio(0)).ok());
  const Chunk c = w->Flush(std::nullopt, std::nullopt);
  EXPECT_EQ(c.samples, 3);
  EXPECT_EQ(c.start_dts_90k, 90000);
  // Backwards across a chunk boundary is caught too.
  EXPECT_FALSE(w->Add(Video(92000, 92000, true, 10)).ok());
  EXPECT_TRUE(w->empty());
}

}  // namespace
}  // namespace strait::mp4
