// Session driven by a fake client (session_test_support.h): commands, publishing, timestamps,
// control messages. The media forms (Enhanced RTMP, audio formats) are in session_media_test.cc.
#include "transport/rtmp/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "transport/rtmp/session_test_support.h"
#include "transport/rtmp/stream_key.h"

namespace strait::transport::rtmp {
namespace {

using namespace session_testing;

TEST(SessionTest, PublishesLikeAnEncoder) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  EXPECT_TRUE(c.HasReply(kWindowAckSize));
  EXPECT_TRUE(c.HasReply(kSetPeerBandwidth));
  auto result = c.Reply("_result");
  ASSERT_EQ(result.size(), 4u);
  EXPECT_EQ(result[3].GetString("code"), "NetConnection.Connect.Success");
  EXPECT_EQ(result[2].GetString("fmsVer"), "FMS/3,0,1,123");
  ASSERT_TRUE(c.Command({Value::String("releaseStream"), Value::Number(2), Value::Null(),
                         Value::String("KEY")})
                  .ok());
  ASSERT_TRUE(
      c.Command({Value::String("FCPublish"), Value::Number(3), Value::Null(), Value::String("KEY")})
          .ok());
  EXPECT_FALSE(c.Reply("onFCPublish").empty());
  ASSERT_TRUE(c.Publish("KEY?token=x").ok());
  EXPECT_EQ(c.Reply("_result")[3].number(), 1.0);  // createStream's stream id
  EXPECT_TRUE(c.HasReply(kUserControl));
  EXPECT_EQ(c.Reply("onStatus")[3].GetString("code"), "NetStream.Publish.Start");
  ASSERT_EQ(handler.requests.size(), 1u);
  EXPECT_EQ(handler.requests[0].protocol, "rtmp");
  EXPECT_EQ(handler.requests[0].app, "live");
  EXPECT_EQ(handler.requests[0].key, "KEY");
  EXPECT_EQ(handler.requests[0].peer, "10.0.0.5:4000");
  EXPECT_EQ(c.session().stream_name(), "shop-1");

  Bytes meta;
  amf0::Encode(Value::String("@setDataFrame"), &meta);
  amf0::Encode(Value::String("onMetaData"), &meta);
  amf0::Encode(Value::EcmaArray({{"width", Value::Number(640)},
                                 {"height", Value::Number(360)},
                                 {"framerate", Value::Number(30)},
                                 {"videodatarate", Value::Number(2500)}}),
               &meta);
  ASSERT_TRUE(c.Media(kDataAmf0, 0, meta).ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  ASSERT_TRUE(c.Media(kAudio, 0, kAsc).ok());
  ASSERT_TRUE(c.Media(kVideo, 0, AvcFrame(true, 66)).ok());
  ASSERT_TRUE(c.Media(kAudio, 5, {0xaf, 0x01, 0x21}).ok());
  ASSERT_TRUE(c.Media(kVideo, 33, AvcFrame(false, 0)).ok());

  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 2u);
  EXPECT_EQ(r.tracks[0].codec, CodecId::kH264);
  EXPECT_EQ(r.tracks[0].id, 0u);
  EXPECT_EQ(r.tracks[0].width, 640);
  EXPECT_EQ(r.tracks[0].frame_rate, 30);
  EXPECT_EQ(r.tracks[0].bitrate, 2500000);
  EXPECT_EQ(r.tracks[0].extradata, Bytes(kAvcC.begin() + 5, kAvcC.end()));
  EXPECT_EQ(r.tracks[1].codec, CodecId::kAac);
  EXPECT_EQ(r.tracks[1].sample_rate, 44100);
  EXPECT_EQ(r.tracks[1].channels, 2);
  ASSERT_EQ(r.packets.size(), 3u);
  EXPECT_TRUE(r.packets[0].keyframe());
  EXPECT_EQ(r.packets[0].dts(), 0);
  EXPECT_EQ(r.packets[0].pts(), 66);
  EXPECT_EQ(r.packets[0].size(), 5u);
  EXPECT_EQ(r.packets[1].track_id(), 1u);
  EXPECT_EQ(r.packets[2].dts(), 33);
  EXPECT_GT(r.bytes, 0u);

  ASSERT_TRUE(c.Command({Value::String("FCUnpublish"), Value::Number(6), Value::Null()}).ok());
  ASSERT_TRUE(
      c.Command({Value::String("deleteStream"), Value::Number(7), Value::Null(), Value::Number(1)})
          .ok());
  EXPECT_EQ(r.ends, 1);
  EXPECT_TRUE(r.end.ok());
  c.session().Close(Error("socket closed"));
  EXPECT_EQ(r.ends, 1);
}

// onMetaData's numbers are hints: ones that are not finite, not positive or absurdly large are
// ignored as if absent (session_fuzzer found a width of 6e228, whose conversion to int was
// undefined behaviour), and the track is what the sequence header says.
TEST(SessionTest, AbsurdMetadataNumbersAreIgnored) {
  auto publish = [](const Value* meta_object) {
    FakeHandler handler;
    Client c(handler);
    EXPECT_TRUE(c.Connect("live").ok());
    EXPECT_TRUE(c.Publish("KEY").ok());
    if (meta_object) {
      Bytes meta;
      amf0::Encode(Value::String("@setDataFrame"), &meta);
      amf0::Encode(Value::String("onMetaData"), &meta);
      amf0::Encode(*meta_object, &meta);
      EXPECT_TRUE(c.Media(kDataAmf0, 0, meta).ok());
    }
    EXPECT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
    EXPECT_TRUE(c.Media(kAudio, 0, kAsc).ok());
    EXPECT_TRUE(c.Media(kVideo, 0, AvcFrame(true, 66)).ok());
    EXPECT_EQ(handler.records.size(), 1u);
    return handler.records.empty() ? std::vector<TrackInfo>{} : handler.records[0]->tracks;
  };
  const std::vector<TrackInfo> plain = publish(nullptr);
  ASSERT_EQ(plain.size(), 2u);
  const double inf = std::numeric_limits<double>::infinity();
  const Value too_large = Value::EcmaArray({{"width", Value::Number(1e6)},
                                            {"height", Value::Number(5e5)},
                                            {"framerate", Value::Number(1e9)},
                                            {"videodatarate", Value::Number(2e10)}});
  const Value not_numbers = Value::EcmaArray({{"width", Value::Number(6.2e228)},
                                              {"height", Value::Number(-360)},
                                              {"framerate", Value::Number(std::nan(""))},
                                              {"fps", Value::Number(-inf)},
                                              {"videodatarate", Value::Number(inf)},
                                              {"audiodatarate", Value::Number(-1e300)}});
  for (const Value* meta : {&too_large, &not_numbers}) {
    const std::vector<TrackInfo> hinted = publish(meta);
    ASSERT_EQ(hinted.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(hinted[i].width, plain[i].width);
      EXPECT_EQ(hinted[i].height, plain[i].height);
      EXPECT_EQ(hinted[i].frame_rate, plain[i].frame_rate);
      EXPECT_EQ(hinted[i].bitrate, plain[i].bitrate);
    }
  }
  // In range, the same numbers are taken (the boundary included).
  const Value sane = Value::EcmaArray({{"width", Value::Number(16384)},
                                       {"height", Value::Number(360)},
                                       {"fps", Value::Number(59.94)},
                                       {"audiodatarate", Value::Number(128)}});
  const std::vector<TrackInfo> taken = publish(&sane);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].width, 16384);
  EXPECT_EQ(taken[0].height, 360);
  EXPECT_DOUBLE_EQ(taken[0].frame_rate, 59.94);
  EXPECT_EQ(taken[1].bitrate, 128000);
}

// Denied, not BadName: GStreamer's rtmp2sink reads BadName as "stream already exists".
TEST(SessionTest, RefusedKeyGetsDeniedAndCloses) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  Status s = c.Publish("WRONG");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("unknown stream key"), std::string::npos);
  EXPECT_EQ(s.error().message().find("WRONG"), std::string::npos);
  auto status = c.Reply("onStatus");
  ASSERT_EQ(status.size(), 4u);
  EXPECT_EQ(status[3].GetString("level"), "error");
  EXPECT_EQ(status[3].GetString("code"), "NetStream.Publish.Denied");
  EXPECT_TRUE(handler.records.empty());
}

TEST(SessionTest, ASecondPublisherGetsBadName) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_FALSE(c.Publish("BUSY").ok());
  auto status = c.Reply("onStatus");
  ASSERT_EQ(status.size(), 4u);
  EXPECT_EQ(status[3].GetString("code"), "NetStream.Publish.BadName");
  EXPECT_NE(status[3].GetString("description")->find("already being published"), std::string::npos);
}

// The connect reply says AMF0 even to a client offering AMF3 (which this server does not decode).
TEST(SessionTest, ConnectAnswersAmf0Whatever) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live", {{"objectEncoding", Value::Number(3)}}).ok());
  auto result = c.Reply("_result");
  ASSERT_EQ(result.size(), 4u);
  EXPECT_EQ(result[3].GetNumber("objectEncoding"), 0.0);
}

TEST(SessionTest, KeyInTheUrl) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live/KEY").ok());
  ASSERT_TRUE(c.Publish("").ok());
  EXPECT_EQ(handler.requests[0].app, "live");
  EXPECT_EQ(handler.requests[0].key, "KEY");
}

TEST(SessionTest, DisconnectEndsWithErrorOnce) {
  FakeHandler handler;
  {
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
    c.session().Close(Error("peer reset"));
    EXPECT_EQ(handler.records[0]->ends, 1);
    EXPECT_FALSE(handler.records[0]->end.ok());
  }
  EXPECT_EQ(handler.records[0]->ends, 1);
  {
    Client c(handler);  // destroyed while publishing
    ASSERT_TRUE(c.Connect("live").ok());
    ASSERT_TRUE(c.Publish("KEY").ok());
  }
  EXPECT_EQ(handler.records[1]->ends, 1);
  EXPECT_FALSE(handler.records[1]->end.ok());
}

TEST(SessionTest, DisconnectAfterFcUnpublishIsClean) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  const size_t replies = c.replies.size();
  ASSERT_TRUE(c.Command({Value::String("FCUnpublish"), Value::Number(6), Value::Null(),
                         Value::String("KEY")})
                  .ok());
  EXPECT_EQ(c.replies.size(), replies);  // no reply to race the client's close
  c.session().Close(Error("read error: Connection reset by peer"));
  EXPECT_EQ(handler.records[0]->ends, 1);
  EXPECT_TRUE(handler.records[0]->end.ok());
}

TEST(SessionTest, BadInputCloses) {
  FakeHandler handler;
  Client media_first(handler);
  Status s = media_first.Media(kVideo, 0, kAvcC);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("before publish"), std::string::npos);

  Client bad_amf(handler);
  Bytes bytes;
  ChunkWriter w;
  w.Write(3, kCommandAmf0, 0, 0, Bytes{0x02, 0x00, 0x09, 'x'}, &bytes);
  EXPECT_FALSE(bad_amf.Send(bytes).ok());

  Client vp6(handler);
  ASSERT_TRUE(vp6.Connect("live").ok());
  ASSERT_TRUE(vp6.Publish("KEY").ok());
  s = vp6.Media(kVideo, 0, {0x14, 0x00});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("unsupported"), std::string::npos);

  Client unknown(handler);
  EXPECT_TRUE(unknown.Command({Value::String("someVendorThing"), Value::Number(9)}).ok());
}

TEST(SessionTest, TimestampsUnwrapAndStayMonotonic) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  for (uint32_t ts : {0xffffffe0u, 0xfffffff0u, 0x10u, 0x30u, 0x20u, 0x40u}) {
    ASSERT_TRUE(c.Media(kVideo, ts, AvcFrame(false, 0)).ok());
  }
  const Record& r = *handler.records[0];
  std::vector<int64_t> dts;
  for (const Packet& p : r.packets)
    dts.push_back(p.dts());
  const int64_t w = 0x100000000;
  // A step back within the track is raised to just after the previous one: decode times go up.
  EXPECT_EQ(dts, (std::vector<int64_t>{w - 32, w - 16, w + 16, w + 48, w + 49, w + 64}));
  EXPECT_EQ(c.session().publishing(), true);
  c.session().Close(Error("done"));
  EXPECT_EQ(c.session().media_stats().dts_fixups, 1u);
}

// The publisher's clock jumps (an encoder restarted on the same connection, a clock set by hand):
// an hour ahead, then 10 s back, both tracks. The timeline goes on 33 ms after the latest time of
// either track, with one offset for both (audio and video stay in step), instead of an hour-long
// segment (TARGETDURATION 3602) or 10 s of pictures pinned to one time and dropped.
TEST(SessionTest, AJumpingClockContinuesTheTimeline) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  ASSERT_TRUE(c.Media(kAudio, 0, kAsc).ok());
  const uint32_t hour = 3600000;
  // {video or audio, RTMP timestamp}: 0 .. 100, jump to 1 h + 200 .. 1 h + 300, back to 1 h - 9800.
  const std::vector<std::pair<uint8_t, uint32_t>> in = {
      {kVideo, 0},           {kAudio, 10},         {kVideo, 33},          {kAudio, 31},
      {kVideo, 67},          {kAudio, 53},         {kVideo, hour + 200},  {kAudio, hour + 190},
      {kVideo, hour + 233},  {kAudio, hour + 211}, {kVideo, hour - 9800}, {kAudio, hour - 9810},
      {kVideo, hour - 9767}, {kAudio, hour - 9789}};
  for (const auto& [type, ts] : in) {
    ASSERT_TRUE((type == kVideo ? c.Media(kVideo, ts, AvcFrame(false, 0))
                                : c.Media(kAudio, ts, {0xaf, 0x01, 0x21}))
                    .ok());
  }
  std::vector<int64_t> video, audio;
  for (const Packet& p : handler.records[0]->packets)
    (p.kind() == MediaKind::kVideo ? video : audio).push_back(p.dts());
  // Ahead: the video's 1 h + 200 lands 33 ms after the latest (67): 100; the audio follows with
  // the same offset (1 h + 190 → 90). Back: 1 h - 9800 lands 33 ms after the latest (133): 166.
  EXPECT_EQ(video, (std::vector<int64_t>{0, 33, 67, 100, 133, 166, 199}));
  EXPECT_EQ(audio, (std::vector<int64_t>{10, 31, 53, 90, 111, 156, 177}));
  EXPECT_EQ(c.session().media_stats().clock_jumps, 2u);
  EXPECT_EQ(c.session().media_stats().dts_fixups, 0u);
}

// A publisher whose every timestamp is 0: decode times still go up (1 ms apart), so the packets
// are muxed rather than dropped as "not after the last one".
TEST(SessionTest, AllZeroTimestampsStillGoUp) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(c.Media(kVideo, 0, AvcFrame(i == 0, 0)).ok());
  std::vector<int64_t> dts;
  for (const Packet& p : handler.records[0]->packets)
    dts.push_back(p.dts());
  EXPECT_EQ(dts, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(c.session().media_stats().dts_fixups, 3u);
}

// FFmpeg and OBS write 31-bit FLV timestamps: after 24.8 days live their clock goes from
// 0x7FFFFFFF to 0 (every later picture used to be pinned to the last one's time).
TEST(SessionTest, TheThirtyOneBitWrapOfFfmpegAndObs) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  for (uint32_t ts : {0x7fffffe0u, 0x7ffffff8u, 0x70u, 0x90u})
    ASSERT_TRUE(c.Media(kVideo, ts, AvcFrame(false, 0)).ok());
  std::vector<int64_t> dts;
  for (const Packet& p : handler.records[0]->packets)
    dts.push_back(p.dts());
  const int64_t w = 0x80000000;
  EXPECT_EQ(dts, (std::vector<int64_t>{w - 32, w - 8, w + 0x70, w + 0x90}));
  EXPECT_EQ(c.session().media_stats().dts_fixups, 0u);
}

// A 32-bit clock (GStreamer's) passes bit 31 and wraps at 2^32 as before.
TEST(SessionTest, AThirtyTwoBitClockCrossesBit31) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  for (uint32_t ts : {0x7ffffff0u, 0x80000010u, 0x80000030u})
    ASSERT_TRUE(c.Media(kVideo, ts, AvcFrame(false, 0)).ok());
  std::vector<int64_t> dts;
  for (const Packet& p : handler.records[0]->packets)
    dts.push_back(p.dts());
  EXPECT_EQ(dts, (std::vector<int64_t>{0x7ffffff0, 0x80000010, 0x80000030}));
}

TEST(SessionTest, PingAndAcknowledgement) {
  FakeHandler handler;
  Client c(handler);
  Bytes bytes;
  ChunkWriter w;
  const uint8_t window[4] = {0, 0, 0x03, 0xe8};  // 1000
  w.Write(2, kWindowAckSize, 0, 0, window, &bytes);
  const uint8_t ping[6] = {0, 6, 1, 2, 3, 4};
  w.Write(2, kUserControl, 0, 0, ping, &bytes);
  w.Write(3, 0x7f, 0, 0, Bytes(1200, 0), &bytes);  // an unknown message type, just bytes
  ASSERT_TRUE(c.Send(bytes).ok());
  ASSERT_TRUE(c.HasReply(kAcknowledgement));
  bool pong = false;
  for (const Message& m : c.replies) {
    if (m.type == kUserControl && m.payload == Bytes({0, 7, 1, 2, 3, 4}))
      pong = true;
  }
  EXPECT_TRUE(pong);
}

// Data messages with the rarer AMF0 markers decode; one that still cannot be decoded (AMF3
// values) is ignored, not the end of the publish.
TEST(SessionTest, DataMessagesNeverEndThePublish) {
  FakeHandler handler;
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  Bytes meta;
  amf0::Encode(Value::String("@setDataFrame"), &meta);
  amf0::Encode(Value::String("onMetaData"), &meta);
  amf0::Encode(Value::TypedObject("Meta", {{"width", Value::Number(1280)},
                                           {"height", Value::Number(720)},
                                           {"xml", Value::XmlDocument("<x/>")},
                                           {"ref", Value::Reference(0)},
                                           {"odd", Value::Unsupported()}}),
               &meta);
  ASSERT_TRUE(c.Media(kDataAmf0, 0, meta).ok());
  const Bytes amf3 = {0x02, 0x00, 0x0a, 'o', 'n',  'T',  'e',  'x', 't',
                      'D',  'a',  't',  'a', 0x11, 0x0a, 0x0b, 0x01};
  ASSERT_TRUE(c.Media(kDataAmf0, 0, amf3).ok());
  ASSERT_TRUE(c.Media(kDataAmf3, 0, amf3).ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  ASSERT_TRUE(c.session().publishing());
  const Record& r = *handler.records[0];
  ASSERT_EQ(r.tracks.size(), 1u);
  EXPECT_EQ(r.tracks[0].width, 1280);  // the typed object's hints were taken
  EXPECT_EQ(r.tracks[0].height, 720);
}

TEST(StreamKeyTest, Forms) {
  auto t = ParsePublishTarget("live", "", "KEY");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->key, "KEY");
  t = ParsePublishTarget("live/KEY", "", "KEY");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->key, "KEY");
  t = ParsePublishTarget("live/KEY?x=1", "", "");
  EXPECT_EQ(t->key, "KEY");
  t = ParsePublishTarget("", "rtmp://h:1935/live/KEY", "");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->key, "KEY");
  t = ParsePublishTarget("", "rtmp://h/", "live/KEY");
  EXPECT_EQ(t->app, "live");
  EXPECT_EQ(t->key, "KEY");
  EXPECT_FALSE(ParsePublishTarget("live", "", "?token=1").ok());
}

// Before a publish is accepted a client has given no stream key: it may not announce messages
// larger than SessionOptions::before_publish allows (64 KiB), so that keyless connections cannot
// make the server hold megabytes each. After the publish, media messages up to the configured
// limit (a 1 MB keyframe here) are taken.
TEST(SessionTest, LargeMessagesOnlyAfterThePublish) {
  FakeHandler handler;
  {
    Client c(handler);
    ASSERT_TRUE(c.Connect("live").ok());
    const Status s = c.Media(kVideo, 0, Bytes(100 << 10, 0x17));
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message().find("limit"), std::string::npos) << s.error().message();
  }
  Client c(handler);
  ASSERT_TRUE(c.Connect("live").ok());
  ASSERT_TRUE(c.Publish("KEY").ok());
  ASSERT_TRUE(c.Media(kVideo, 0, kAvcC).ok());
  Bytes keyframe = AvcFrame(true, 0);
  keyframe.resize(1 << 20, 0x42);
  EXPECT_TRUE(c.Media(kVideo, 40, keyframe).ok());
}

}  // namespace
}  // namespace strait::transport::rtmp
