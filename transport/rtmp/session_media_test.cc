// Session driven by a fake client (session_test_support.h): the media forms a publish may carry —
// Enhanced RTMP v2 (FourCCs, ModEx, multitrack, command frames, the connect reply's capabilities)
// and the audio formats (AAC, Opus, MP3; the ones strait drops).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "transport/rtmp/session.h"
#include "transport/rtmp/session_test_support.h"

namespace strait::transport::rtmp {
namespace {

using namespace session_testing;

TEST(SessionTest, EnhancedRtmpHevc) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(
      c.Connect("live", {{"fourCcList", Value::StrictArray({Value::String("hvc1")})}}).ok());
  EXPECT_NE(c.Reply("_result")[2].Find("fourCcList"), nullptr);
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, {0x90, 'h', 'v', 'c', '1', 0x01, 0x02, 0x03}).ok());
  ASSERT_TRUE(c.Media(kVideo, 0, {0x91, 'h', 'v', 'c', '1', 0, 0, 40, 0, 0, 0, 1, 0x26}).ok());
  ASSERT_TRUE(c.Media(kVideo, 40, {0xa3, 'h', 'v', 'c', '1', 0, 0, 0, 1, 0x02}).ok());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].codec, CodecId::kHevc);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[0].pts(), 40);
  EXPECT_TRUE(r.packets[0].keyframe());
  EXPECT_EQ(r.packets[1].codec(), CodecId::kHevc);
}

// E-RTMP v2 clients announce videoFourCcInfoMap / audioFourCcInfoMap / capsEx (v1 clients
// fourCcList); the server answers with what it takes, in both forms.
TEST(SessionTest, EnhancedRtmpConnectReply) {
  const std::vector<std::vector<amf0::Property>> announcements = {
      {{"fourCcList", Value::StrictArray({Value::String("hvc1")})}},
      {{"videoFourCcInfoMap", Value::Object({{"hvc1", Value::Number(4)}})}},
      {{"audioFourCcInfoMap", Value::Object({{"*", Value::Number(4)}})}},
      {{"capsEx", Value::Number(15)}},
  };
  for (const auto& extra : announcements) {
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live", extra).ok());
    const std::vector<Value> result = c.Reply("_result");
    ASSERT_EQ(result.size(), 4u);
    const Value& props = result[2];
    const Value* list = props.Find("fourCcList");
    ASSERT_NE(list, nullptr) << extra[0].key;
    std::vector<std::string> fourccs;
    for (const Value& v : list->elements())
      fourccs.push_back(v.string());
    EXPECT_EQ(fourccs, (std::vector<std::string>{"avc1", "hvc1", "av01", "mp4a", "Opus", ".mp3"}));
    const Value* video = props.Find("videoFourCcInfoMap");
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->GetNumber("avc1"), 7.0);  // CanDecode | CanEncode | CanForward
    EXPECT_EQ(video->GetNumber("hvc1"), 5.0);  // CanDecode | CanForward
    EXPECT_EQ(video->GetNumber("av01"), 1.0);  // CanDecode: no muxer of strait's carries AV1
    EXPECT_EQ(video->GetNumber("vp09"), std::nullopt);
    const Value* audio = props.Find("audioFourCcInfoMap");
    ASSERT_NE(audio, nullptr);
    EXPECT_EQ(audio->GetNumber("mp4a"), 7.0);
    EXPECT_EQ(audio->GetNumber("Opus"), 7.0);
    EXPECT_EQ(audio->GetNumber(".mp3"), 1.0);  // CMAF cannot carry it
    EXPECT_EQ(audio->GetNumber("fLaC"), std::nullopt);
    // Multitrack | ModEx | TimestampNanoOffset; not Reconnect (strait never asks for one).
    EXPECT_EQ(props.GetNumber("capsEx"), 14.0);
  }
  FakeHandler handler;
  Client legacy(handler);
  ASSERT_TRUE(legacy.Connect("live").ok());
  const std::vector<Value> result = legacy.Reply("_result");
  ASSERT_EQ(result.size(), 4u);
  const Value& props = result[2];
  EXPECT_EQ(props.Find("fourCcList"), nullptr);
  EXPECT_EQ(props.Find("videoFourCcInfoMap"), nullptr);
  EXPECT_EQ(props.Find("capsEx"), nullptr);
}

// What OBS 30+ and other E-RTMP v2 encoders send beside plain frames: ModEx (nanosecond offsets),
// Multitrack (track 0 in OneTrack form; extra tracks in other messages or beside track 0) and
// command frames. Track 0 is the stream; nothing closes the publish.
TEST(SessionTest, EnhancedRtmpModExMultitrackAndCommands) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live", {{"capsEx", Value::Number(2)}}).ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  // Sequence start of track 0 as Multitrack OneTrack; of track 1 as its own message.
  ASSERT_TRUE(c.Media(kVideo, 0, {0x96, 0x00, 'h', 'v', 'c', '1', 0x00, 0x01, 0x02, 0x03}).ok());
  ASSERT_TRUE(c.Media(kVideo, 0, {0x96, 0x00, 'a', 'v', '0', '1', 0x01, 0x81, 0x00}).ok());
  // A keyframe of track 0 with a TimestampOffsetNano modifier, as plain ExHeader.
  ASSERT_TRUE(
      c.Media(kVideo, 0,
              {0x97, 0x02, 0x07, 0xa1, 0x20, 0x01, 'h', 'v', 'c', '1', 0, 0, 40, 0, 0, 0, 1, 0x26})
          .ok());
  // ManyTracksManyCodecs: track 1 (av01) and track 0 (hvc1) in one message.
  ASSERT_TRUE(
      c.Media(kVideo, 40, {0xa6, 0x23, 'a', 'v',  '0',  '1',  0x01, 0x00, 0x00, 0x01, 0x12, 'h',
                           'v',  'c',  '1', 0x00, 0x00, 0x00, 0x05, 0,    0,    0,    1,    0x02})
          .ok());
  // Track 1 alone, and a seek-start command frame (a command byte, no FourCC).
  ASSERT_TRUE(c.Media(kVideo, 80, {0xa6, 0x03, 'a', 'v', '0', '1', 0x01, 0x12, 0x00}).ok());
  ASSERT_TRUE(c.Media(kVideo, 80, {0xd1, 0x00}).ok());
  ASSERT_TRUE(c.Media(kVideo, 80, {0xa1, 'h', 'v', 'c', '1', 0, 0, 0, 0, 0, 0, 1, 0x02}).ok());
  ASSERT_TRUE(c.session().publishing());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].codec, CodecId::kHevc);
  EXPECT_EQ(r.tracks[0].extradata, Bytes({0x01, 0x02, 0x03}));
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_TRUE(r.packets[0].keyframe());
  EXPECT_EQ(r.packets[0].pts(), 40);
  EXPECT_EQ(r.packets[1].dts(), 40);
  EXPECT_EQ(r.packets[1].size(), 5u);
  EXPECT_EQ(r.packets[2].dts(), 80);
  EXPECT_EQ(c.session().media_stats().skipped_tracks, 3u);
  EXPECT_EQ(c.session().media_stats().video_packets, 3u);
}

// Enhanced audio (SoundFormat 9): mp4a is AAC as ever; Opus configures from its OpusHead.
TEST(SessionTest, EnhancedRtmpAudioAacAndOpus) {
  {
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(c.Media(kAudio, 0, {0x90, 'm', 'p', '4', 'a', 0x12, 0x10}).ok());
    ASSERT_TRUE(c.Media(kAudio, 23, {0x91, 'm', 'p', '4', 'a', 0x21, 0x00}).ok());
    const Record& r = *handler.records[0];
    ASSERT_EQ(r.tracks.size(), 1u);
    EXPECT_EQ(r.tracks[0].codec, CodecId::kAac);
    EXPECT_EQ(r.tracks[0].id, 1u);
    EXPECT_EQ(r.tracks[0].sample_rate, 44100);
    EXPECT_EQ(r.tracks[0].extradata, Bytes({0x12, 0x10}));
    ASSERT_EQ(r.packets.size(), 1u);
    EXPECT_EQ(r.packets[0].codec(), CodecId::kAac);
    EXPECT_EQ(r.packets[0].dts(), 23);
  }
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live", {{"audioFourCcInfoMap", Value::Object({})}}).ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  // OpusHead: version 1, 2 channels, pre-skip 312, 48000 Hz input, gain 0, mapping family 0.
  const Bytes head = {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd', 1, 2,
                      0x38, 0x01, 0x80, 0xbb, 0,   0,   0,   0,   0};
  Bytes start = {0x90, 'O', 'p', 'u', 's'};
  start.insert(start.end(), head.begin(), head.end());
  ASSERT_TRUE(c.Media(kAudio, 0, start).ok());
  ASSERT_TRUE(c.Media(kAudio, 0, start).ok());  // repeated: no news
  ASSERT_TRUE(c.Media(kAudio, 0, {0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe}).ok());
  ASSERT_TRUE(c.Media(kAudio, 20, {0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe}).ok());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].codec, CodecId::kOpus);
  EXPECT_EQ(r.tracks[0].kind, MediaKind::kAudio);
  EXPECT_EQ(r.tracks[0].sample_rate, 48000);
  EXPECT_EQ(r.tracks[0].channels, 2);
  EXPECT_EQ(r.tracks[0].extradata, head);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(r.packets[1].codec(), CodecId::kOpus);
  EXPECT_EQ(r.packets[1].dts(), 20);
  EXPECT_EQ(r.packets[1].size(), 3u);
  // A broken OpusHead: the audio goes (counted, one warning), the publish does not.
  ASSERT_TRUE(c.Media(kAudio, 40, {0x90, 'O', 'p', 'u', 's', 'O', 'p', 'u', 's'}).ok());
  ASSERT_TRUE(c.Media(kAudio, 60, {0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe}).ok());
  EXPECT_TRUE(c.session().publishing());
  EXPECT_EQ(r.packets.size(), 2u);
  EXPECT_EQ(c.session().media_stats().audio_unsupported, 2u);
}

// OpusHeads an Opus decoder refuses (RFC 7845 5.1.1), and a multichannel stream announced only by
// MultichannelConfig, are dropped, not described as something else; an OpusTags sequence start (a
// 2024 draft of E-RTMP v2) is no configuration; reserved audio packet types are ignored.
TEST(SessionTest, EnhancedRtmpOpusStrictness) {
  auto head = [](uint8_t version, uint8_t channels, uint8_t family) {
    Bytes b = {0x90, 'O',     'p',      'u',  's',  'O',  'p',  'u', 's', 'H', 'e', 'a',
               'd',  version, channels, 0x38, 0x01, 0x80, 0xbb, 0,   0,   0,   0,   family};
    if (family == 1) {
      b.insert(b.end(), {1, 0});  // one stream, none coupled
      for (int c = 0; c < channels; ++c)
        b.push_back(c == 0 ? 0 : 255);
    }
    return b;
  };
  const std::vector<Bytes> refused = {head(0x10, 2, 0), head(1, 6, 0), head(1, 9, 1)};
  for (const Bytes& start : refused) {
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(c.Media(kAudio, 0, start).ok());
    ASSERT_TRUE(c.Media(kAudio, 20, {0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe}).ok());
    EXPECT_TRUE(handler.records[0]->tracks.empty());
    EXPECT_TRUE(handler.records[0]->packets.empty());
    EXPECT_EQ(c.session().media_stats().audio_unsupported, 2u);
  }
  {  // family 1 with a valid table: taken
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(c.Media(kAudio, 0, head(1, 2, 1)).ok());
    ASSERT_EQ(handler.records[0]->tracks.size(), 1u);
    EXPECT_EQ(handler.records[0]->tracks[0].channels, 2);
  }
  {  // OpusTags, then 6 channels by MultichannelConfig (order 0, count 6) with no OpusHead
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(
        c.Media(kAudio, 0,
                {0x90, 'O', 'p', 'u', 's', 'O', 'p', 'u', 's', 'T', 'a', 'g', 's', 0, 0, 0, 0})
            .ok());
    ASSERT_EQ(handler.records[0]->tracks.size(), 1u) << "the stereo default";
    ASSERT_TRUE(c.Media(kAudio, 0, {0x93, 'O', 'p', 'u', 's', 0xfc}).ok()) << "reserved type 3";
    ASSERT_TRUE(c.Media(kAudio, 0, {0x94, 'O', 'p', 'u', 's', 0, 6}).ok());
    ASSERT_TRUE(c.Media(kAudio, 20, {0x91, 'O', 'p', 'u', 's', 0xfc, 0xff, 0xfe}).ok());
    EXPECT_TRUE(handler.records[0]->packets.empty());
    EXPECT_EQ(c.session().media_stats().audio_unsupported, 2u);
    EXPECT_TRUE(c.session().publishing());
  }
}

// An empty Opus sequence start (E-RTMP v2: mono/stereo, no identification header).
TEST(SessionTest, EnhancedRtmpOpusWithoutHeader) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kAudio, 0, {0x90, 'O', 'p', 'u', 's'}).ok());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].channels, 2);
  ASSERT_EQ(r.tracks[0].extradata.size(), 19u);
  EXPECT_EQ(std::string(r.tracks[0].extradata.begin(), r.tracks[0].extradata.begin() + 8),
            "OpusHead");
}

// Legacy MP3 (SoundFormat 2) and E-RTMP '.mp3': the track comes from the first frame's header.
TEST(SessionTest, Mp3AudioConfiguresFromItsFrames) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kAudio, 0, {0x2f, 0x00, 0x01}).ok());  // no frame header: dropped
  ASSERT_TRUE(c.Media(kAudio, 10, {0x2f, 0xff, 0xfb, 0x90, 0x64, 0x00}).ok());
  ASSERT_TRUE(c.Media(kAudio, 36, {0x2f, 0xff, 0xfb, 0x90, 0x64, 0x00}).ok());
  ASSERT_TRUE(c.Media(kAudio, 62, {0x91, '.', 'm', 'p', '3', 0xff, 0xfb, 0x90, 0x64}).ok());
  // Another header (MPEG-2, 24 kHz mono; or a damaged one) does not reconfigure the track, as in
  // the TS ingest: the decoder reads each frame's header anyway.
  ASSERT_TRUE(c.Media(kAudio, 88, {0x2f, 0xff, 0xf3, 0x44, 0xc4}).ok());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].codec, CodecId::kMp3);
  EXPECT_EQ(r.tracks[0].sample_rate, 44100);
  EXPECT_EQ(r.tracks[0].channels, 2);
  EXPECT_TRUE(r.tracks[0].extradata.empty());
  ASSERT_EQ(r.packets.size(), 4u);
  EXPECT_EQ(r.packets[0].codec(), CodecId::kMp3);
  EXPECT_EQ(r.packets[0].dts(), 10);
  EXPECT_EQ(r.packets[0].size(), 5u);
  EXPECT_EQ(c.session().media_stats().dropped_before_config, 1u);
}

// Audio strait cannot carry (Speex, FLAC, AC-3, MPEG audio layer II, ...) is dropped and counted;
// the publish goes on with its video.
TEST(SessionTest, UnsupportedAudioIsDroppedNotFatal) {
  const std::vector<Bytes> audio = {
      {0xb6, 0x00, 0x01},                                  // Speex
      {0x90, 'f', 'L', 'a', 'C', 'f', 'L', 'a', 'C'},      // FLAC sequence start
      {0x91, 'a', 'c', '-', '3', 0x0b, 0x77},              // AC-3 frame
      {0x95, 0x01, 'e', 'c', '-', '3', 0x00, 0x0b, 0x77},  // E-AC-3, multitrack
      {0x2f, 0xff, 0xfd, 0x94, 0x00},                      // MPEG-1 layer II as "MP3"
  };
  for (const Bytes& body : audio) {
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
    ASSERT_TRUE(c.Media(kAudio, 0, body).ok());
    ASSERT_TRUE(c.Media(kVideo, 0, AvcFrame(true, 0)).ok());
    ASSERT_TRUE(c.Media(kAudio, 23, body).ok());
    ASSERT_TRUE(c.Media(kVideo, 33, AvcFrame(false, 0)).ok());
    ASSERT_TRUE(c.session().publishing());
    const Record& r = *handler.records[0];
    ASSERT_EQ(r.tracks.size(), 1u);
    EXPECT_EQ(r.tracks[0].kind, MediaKind::kVideo);
    EXPECT_EQ(r.packets.size(), 2u);
    EXPECT_EQ(c.session().media_stats().audio_unsupported, 2u);
    EXPECT_EQ(c.session().media_stats().audio_packets, 0u);
  }
}

// An unreadable AAC configuration (a truncated AudioSpecificConfig, an empty one) drops the audio,
// not the publish: its video goes on. Once configured, a damaged repeat of the header is ignored.
TEST(SessionTest, AnUnreadableAacConfigDropsTheAudioNotThePublish) {
  for (const Bytes& start : {Bytes{0xaf, 0x00, 0x12}, Bytes{0xaf, 0x00}}) {
    FakeHandler handler;
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    ASSERT_TRUE(c.Media(kAudio, 0, start).ok());
    ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
    ASSERT_TRUE(c.Media(kAudio, 20, {0xaf, 0x01, 0x21}).ok());
    ASSERT_TRUE(c.Media(kVideo, 33, AvcFrame(true, 0)).ok());
    ASSERT_TRUE(c.Media(kAudio, 0, kAsc).ok()) << "a good one later: the audio stays dropped";
    ASSERT_TRUE(c.Media(kAudio, 40, {0xaf, 0x01, 0x21}).ok());
    EXPECT_TRUE(c.session().publishing());
    const Record& r = *handler.records[0];
    ASSERT_EQ(r.tracks.size(), 1u);
    EXPECT_EQ(r.tracks[0].kind, MediaKind::kVideo);
    ASSERT_EQ(r.packets.size(), 1u);
    EXPECT_EQ(r.packets[0].kind(), MediaKind::kVideo);
    EXPECT_GE(c.session().media_stats().audio_unsupported, 2u);
  }
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kAudio, 0, kAsc).ok());
  ASSERT_TRUE(c.Media(kAudio, 0, {0xaf, 0x00, 0x12}).ok()) << "a damaged repeat";
  ASSERT_TRUE(c.Media(kAudio, 20, {0xaf, 0x01, 0x21}).ok());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].sample_rate, 44100);
  EXPECT_EQ(r.packets.size(), 1u);
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

// One warning names the audio format dropped (not one a message); skipped multitrack tracks get
// one debug line; the end of the publish counts both.
TEST(SessionTest, DroppedAudioAndSkippedTracksAreLoggedOnce) {
  std::ostringstream text;
  spdlog::logger logger("rtmp", std::make_shared<spdlog::sinks::ostream_sink_st>(text));
  logger.set_pattern("%l %v");
  logger.set_level(spdlog::level::debug);
  FakeHandler handler;
  {
    Client c(handler, &logger);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    for (uint32_t ts : {0u, 20u, 40u}) {
      ASSERT_TRUE(c.Media(kAudio, ts, {0xb6, 0x00, 0x01}).ok());
      ASSERT_TRUE(c.Media(kVideo, ts, {0xa6, 0x03, 'a', 'v', '0', '1', 0x01, 0x12}).ok());
    }
  }
  const std::string log = text.str();
  EXPECT_EQ(Count(log,
                  "warning rtmp: 10.0.0.5:4000 stream shop-1: audio dropped: Speex "
                  "(SoundFormat 11) is not supported"),
            1u)
      << log;
  EXPECT_EQ(Count(log, "debug rtmp: 10.0.0.5:4000 stream shop-1: Enhanced RTMP multitrack"), 1u)
      << log;
  EXPECT_EQ(Count(log,
                  "3 audio messages in an unsupported format dropped, 3 multitrack tracks "
                  "skipped"),
            1u)
      << log;
}

}  // namespace
}  // namespace strait::transport::rtmp
