// Test support for the Session tests (session_test.cc, session_media_test.cc): a fake publish
// handler and sink that record what the session hands on, and a fake client (ChunkWriter /
// ChunkReader on the other side of a Session): no sockets.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "transport/rtmp/session.h"

namespace strait::transport::rtmp::session_testing {

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

inline SessionOptions Options() {
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

inline const Bytes kAvcC = {0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x00};
inline const Bytes kAsc = {0xaf, 0x00, 0x12, 0x10};

inline Bytes AvcFrame(bool key, int cts) {
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

}  // namespace strait::transport::rtmp::session_testing
