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

// Keys "KEY", "KEY2", "KEY3" (no passphrase) and "SECRETKEY" (its own passphrase).
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
