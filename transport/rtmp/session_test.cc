// Session driven by a fake client (ChunkWriter/ChunkReader on the other side): no sockets.
#include "transport/rtmp/session.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "transport/rtmp/stream_key.h"

namespace strait::transport::rtmp {
namespace {

using amf0::Value;
using Bytes = std::vector<uint8_t>;

struct Record {
  std::vector<TrackInfo> tracks;
  std::vector<Packet> packets;
  int ends = 0;
  Status end;
  size_t bytes = 0;
};

class FakeSink : public MediaSink {
 public:
  explicit FakeSink(std::shared_ptr<Record> r) : r_(std::move(r)) {}
  void OnTrack(const TrackInfo& t) override { r_->tracks.push_back(t); }
  void OnPacket(const Packet& p) override { r_->packets.push_back(p); }
  void OnEnd(const Status& why) override {
    ++r_->ends;
    r_->end = why;
  }
  void OnBytes(size_t n) override { r_->bytes += n; }

 private:
  std::shared_ptr<Record> r_;
};

class FakeHandler : public PublishHandler {
 public:
  PublishDecision Publish(const PublishRequest& req) override {
    requests.push_back(req);
    PublishDecision d;
    if (req.key == "BUSY") {
      d.refusal = PublishRefusal::kAlreadyLive;
      d.message = "stream 'shop-1' is already being published";
      return d;
    }
    if (req.key != "KEY") {
      d.refusal = PublishRefusal::kUnknownKey;
      d.message = "unknown stream key";
      return d;
    }
    records.push_back(std::make_shared<Record>());
    d.sink = std::make_unique<FakeSink>(records.back());
    d.stream_name = "shop-1";
    return d;
  }
  std::vector<PublishRequest> requests;
  std::vector<std::shared_ptr<Record>> records;
};

SessionOptions Options() {
  SessionOptions options;
  options.peer = "10.0.0.5:4000";
  return options;
}

class Client {
 public:
  explicit Client(PublishHandler& handler, spdlog::logger* logger = nullptr)
      : session_(handler, Options(), logger) {
    Bytes hello(1 + 2 * kHandshakeSize, 0);
    hello[0] = 3;
    EXPECT_TRUE(Send(hello).ok());
    EXPECT_TRUE(session_.handshake_done());
  }
  Session& session() { return session_; }

  Status Send(const Bytes& bytes) {
    Bytes out;
    Status s = session_.OnBytes(bytes, &out);
    size_t skip = std::min(out.size(), handshake_left_);
    handshake_left_ -= skip;
    Status r = reader_.Feed(std::span<const uint8_t>(out).subspan(skip), [&](Message&& m) {
      replies.push_back(std::move(m));
      return OkStatus();
    });
    EXPECT_TRUE(r.ok());
    return s;
  }
  Status Command(std::vector<Value> values, uint32_t sid = 0) {
    Bytes bytes;
    writer_.Write(3, kCommandAmf0, sid, 0, amf0::EncodeAll(values), &bytes);
    return Send(bytes);
  }
  Status Media(uint8_t type, uint32_t ts, const Bytes& body, uint32_t sid = 1) {
    Bytes bytes;
    writer_.Write(type == kAudio ? 6 : 7, type, sid, ts, body, &bytes);
    return Send(bytes);
  }
  Status Connect(const std::string& app, std::vector<amf0::Property> extra = {}) {
    std::vector<amf0::Property> props = {{"app", Value::String(app)},
                                         {"tcUrl", Value::String("rtmp://h/" + app)}};
    props.insert(props.end(), extra.begin(), extra.end());
    return Command({Value::String("connect"), Value::Number(1), Value::Object(props)});
  }
  Status Publish(const std::string& name) {
    EXPECT_TRUE(Command({Value::String("createStream"), Value::Number(4), Value::Null()}).ok());
    return Command({Value::String("publish"), Value::Number(5), Value::Null(), Value::String(name),
                    Value::String("live")},
                   1);
  }
  // The AMF values of the last command reply named `name`.
  std::vector<Value> Reply(const std::string& name) {
    for (auto it = replies.rbegin(); it != replies.rend(); ++it) {
      if (it->type != kCommandAmf0)
        continue;
      auto v = amf0::DecodeAll(it->payload);
      if (v.ok() && !v->empty() && (*v)[0].string() == name)
        return *v;
    }
    return {};
  }
  bool HasReply(uint8_t type) {
    for (const Message& m : replies) {
      if (m.type == type)
        return true;
    }
    return false;
  }

  std::vector<Message> replies;

 private:
  Session session_;
  ChunkWriter writer_;
  ChunkReader reader_;
  size_t handshake_left_ = 1 + 2 * kHandshakeSize;
};

const Bytes kAvcC = {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x00};
const Bytes kAsc = {0xaf, 0x00, 0x12, 0x10};

Bytes AvcFrame(bool key, int cts) {
  return {static_cast<uint8_t>(key ? 0x17 : 0x27),
          0x01,
          0x00,
          0x00,
          static_cast<uint8_t>(cts),
          0,
          0,
          0,
          1,
          static_cast<uint8_t>(key ? 0x65 : 0x41)};
}

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
  EXPECT_EQ(dts, (std::vector<int64_t>{w - 32, w - 16, w + 16, w + 48, w + 48, w + 64}));
  EXPECT_EQ(c.session().publishing(), true);
  c.session().Close(Error("done"));
  EXPECT_EQ(c.session().media_stats().dts_fixups, 1u);
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
