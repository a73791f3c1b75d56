// Test helpers for the SRT server tests (included by *_test.cc only): a PublishHandler with a fixed
// key table, a MediaSink recording what it gets, a libsrt caller, shell helpers and a fixture
// that starts a Server on an ephemeral port.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <srt/srt.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "transport/srt/server.h"

namespace strait::transport::srt::testing {

using namespace std::chrono_literals;

struct Record {
  std::mutex mu;
  std::condition_variable cv;
  std::string key;
  std::vector<TrackInfo> tracks;
  int video = 0, audio = 0, ends = 0;
  Status end;
  size_t bytes = 0;

  bool WaitEnd(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return ends > 0; });
  }
  bool HasCodecLocked(CodecId c) const {  // the caller holds mu
    for (const auto& t : tracks)
      if (t.codec == c)
        return true;
    return false;
  }
};

class RecordingSink : public MediaSink {
 public:
  explicit RecordingSink(std::shared_ptr<Record> r) : r_(std::move(r)) {}
  void OnTrack(const TrackInfo& t) override {
    std::lock_guard lock(r_->mu);
    r_->tracks.push_back(t);
  }
  void OnPacket(const Packet& p) override {
    std::lock_guard lock(r_->mu);
    (p.kind() == MediaKind::kVideo ? r_->video : r_->audio)++;
  }
  void OnEnd(const Status& why) override {
    std::lock_guard lock(r_->mu);
    ++r_->ends;
    r_->end = why;
    r_->cv.notify_all();
  }
  void OnBytes(size_t n) override {
    std::lock_guard lock(r_->mu);
    r_->bytes += n;
  }

 private:
  std::shared_ptr<Record> r_;
};

// A live AAC-only stream for readers: `count` frames 1024 samples apart (48 kHz), then the end.
class FakeSource : public MediaSource {
 public:
  explicit FakeSource(int count) : count_(count) {}
  std::vector<TrackInfo> Tracks() const override {
    TrackInfo t;
    t.id = 1;
    t.kind = MediaKind::kAudio;
    t.codec = CodecId::kAac;
    t.sample_rate = 48000;
    t.channels = 2;
    t.extradata = {0x11, 0x90};  // AudioSpecificConfig: AAC-LC, 48 kHz, stereo
    return {t};
  }
  Result<std::optional<Packet>> Next(std::chrono::milliseconds) override {
    if (sent_ == count_)
      return Error("stream ended");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a live source paces its frames
    const int64_t pts = int64_t{sent_++} * 1024;
    return std::optional<Packet>(Packet(1, MediaKind::kAudio, CodecId::kAac,
                                        std::vector<uint8_t>(200, 0x21), pts, pts,
                                        Timebase{1, 48000}, true));
  }

 private:
  const int count_;
  int sent_ = 0;
};

// Keys "KEY", "KEY2", "KEY3" (no passphrase) and "SECRETKEY" (its own passphrase). Readers: the
// stream named "LIVE" plays (FakeSource, 100 frames); "LOCKED" needs read key "rk_secret"; "LONG"
// plays 2000 frames (10 s).
class FakeHandler : public PublishHandler {
 public:
  static constexpr const char* kStreamPassphrase = "stream-pass-123";

  PublishCheck Check(const PublishRequest& req) override {
    std::lock_guard lock(mu_);
    ++checks;
    PublishCheck c;
    if (!Known(req.key)) {
      c.refusal = PublishRefusal::kUnknownKey;
      c.message = "unknown stream key";
    } else if (live_.count(req.key)) {
      c.refusal = PublishRefusal::kAlreadyLive;
      c.message = "already live";
    }
    if (req.key == "SECRETKEY")
      c.passphrase = kStreamPassphrase;
    if (c.refusal == PublishRefusal::kNone)
      c.stream_name = "name-of-" + req.key.substr(0, 2);
    return c;
  }
  PublishDecision Publish(const PublishRequest& req) override {
    std::lock_guard lock(mu_);
    PublishDecision d;
    if (!Known(req.key)) {
      d.refusal = PublishRefusal::kUnknownKey;
      return d;
    }
    auto r = std::make_shared<Record>();
    r->key = req.key;
    records.push_back(r);
    live_[req.key] = true;
    d.sink = std::make_unique<RecordingSink>(r);
    d.stream_name = "name-of-" + req.key.substr(0, 2);
    return d;
  }
  PublishCheck CheckPlay(const PlayRequest& req) override {
    PublishCheck c;
    if (req.name == "LOCKED" && req.read_key != "rk_secret") {
      c.refusal = PublishRefusal::kForbidden;
      c.message = "needs its read key";
    } else if (req.name != "LIVE" && req.name != "LOCKED" && req.name != "LONG") {
      c.refusal = PublishRefusal::kUnknownKey;
      c.message = "no such live stream";
    }
    return c;
  }
  PlayDecision Play(const PlayRequest& req) override {
    PlayDecision d;
    const PublishCheck c = CheckPlay(req);
    d.refusal = c.refusal;
    d.message = c.message;
    if (c.refusal == PublishRefusal::kNone) {
      d.source = std::make_unique<FakeSource>(req.name == "LONG" ? 2000 : 100);
      d.stream_name = req.name;
    }
    return d;
  }
  std::shared_ptr<Record> WaitRecord(size_t i, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (records.size() > i)
          return records[i];
      }
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }
  size_t record_count() {
    std::lock_guard lock(mu_);
    return records.size();
  }

  int checks = 0;  // guarded by mu_
  std::vector<std::shared_ptr<Record>> records;

 private:
  static bool Known(const std::string& key) {
    return key == "KEY" || key == "KEY2" || key == "KEY3" || key == "SECRETKEY";
  }
  std::mutex mu_;
  std::map<std::string, bool> live_;  // never cleared: a test pushes each key once
};

// A libsrt caller. Connect returns 0 or the reject reason.
class Caller {
 public:
  Caller() { srt_startup(); }
  ~Caller() {
    Close();
    srt_cleanup();
  }
  int Connect(uint16_t port, const std::string& streamid, const std::string& passphrase = "") {
    sock_ = srt_create_socket();
    const int tt = SRTT_LIVE, timeo = 2000;
    srt_setsockflag(sock_, SRTO_TRANSTYPE, &tt, sizeof(tt));
    srt_setsockflag(sock_, SRTO_CONNTIMEO, &timeo, sizeof(timeo));
    srt_setsockflag(sock_, SRTO_STREAMID, streamid.data(), static_cast<int>(streamid.size()));
    if (!passphrase.empty())
      srt_setsockflag(sock_, SRTO_PASSPHRASE, passphrase.data(), (int)passphrase.size());
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (srt_connect(sock_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == SRT_ERROR) {
      const int reason = srt_getrejectreason(sock_);
      return reason == 0 ? -1 : reason;
    }
    return 0;
  }
  bool Send(const std::vector<uint8_t>& msg) {
    return srt_sendmsg2(sock_, reinterpret_cast<const char*>(msg.data()), (int)msg.size(),
                        nullptr) >= 0;
  }
  // Reads messages until the connection breaks or `timeout` passes; returns all bytes read.
  std::vector<uint8_t> ReceiveAll(std::chrono::milliseconds timeout) {
    std::vector<uint8_t> out;
    const int ms = 200;
    srt_setsockflag(sock_, SRTO_RCVTIMEO, &ms, sizeof(ms));
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[1500];
    while (std::chrono::steady_clock::now() < deadline) {
      const int n = srt_recvmsg(sock_, buf, sizeof(buf));
      if (n > 0)
        out.insert(out.end(), buf, buf + n);
      else if (srt_getlasterror(nullptr) != SRT_EASYNCRCV)
        break;  // closed by the server
    }
    return out;
  }
  // True once the server has closed the connection.
  bool Broken() const {
    const SRT_SOCKSTATUS s = srt_getsockstate(sock_);
    return s == SRTS_BROKEN || s == SRTS_CLOSED || s == SRTS_NONEXIST;
  }
  void Close() {
    if (sock_ != SRT_INVALID_SOCK)
      srt_close(sock_);
    sock_ = SRT_INVALID_SOCK;
  }

 private:
  SRTSOCKET sock_ = SRT_INVALID_SOCK;
};

inline bool HaveTool(const std::string& cmd) {
  return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

class SrtServerFixture : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.listen = "127.0.0.1:0";
    // STRAIT_TEST_LOG=1 shows the server's log lines.
    if (!opts.logger && !std::getenv("STRAIT_TEST_LOG"))
      opts.logger = std::make_shared<spdlog::logger>(
          "srt-test", std::make_shared<spdlog::sinks::null_sink_mt>());
    auto s = Server::Start(std::move(opts), handler_);
    ASSERT_TRUE(s.ok()) << s.error().message();
    server_ = std::move(*s);
    ASSERT_NE(server_->port(), 0);
  }
  std::string Url(const std::string& streamid) const {
    return "srt://127.0.0.1:" + std::to_string(server_->port()) + "?streamid=" + streamid;
  }

  FakeHandler handler_;
  std::unique_ptr<Server> server_;
};

}  // namespace strait::transport::srt::testing
