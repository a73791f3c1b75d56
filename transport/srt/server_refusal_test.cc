// The SRT server against libsrt callers that misbehave or are refused: reject codes, per-stream
// passphrases, limits, idle callers, garbage instead of MPEG-TS.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include <thread>

#include "transport/srt/reject.h"
#include "transport/srt/server.h"
#include "transport/srt/server_test_support.h"

namespace strait::transport::srt::testing {
namespace {

TEST_F(SrtServerFixture, RefusedCallersGetRejectCodesAndNoSink) {
  StartServer();
  struct Case {
    const char* streamid;
    int code;
  } cases[] = {
      {"#!::r=live/WRONG,m=publish", kRejectForbidden},
      {"publish:live/NOPE", kRejectForbidden},
      {"#!::m=publish", kRejectNotFound},
      {"", kRejectNotFound},
      {"live/K%ZZ", kRejectBadRequest},
      {"live/bad key!", kRejectBadRequest},
      {"#!::r=live/KEY,m=bidirectional", kRejectBadMode},
      {"#!::r=live/KEY,m=request", kRejectNotFound},  // readers name a live stream, not a key
      {"read:live/NOPE", kRejectNotFound},
      {"#!::r=live/LOCKED,m=request", kRejectForbidden},  // no read key
      {"#!::r=live/LOCKED,m=request,s=rk_wrong", kRejectForbidden},
      {"read:live/LOCKED:u:rk_wrong", kRejectForbidden},
  };
  for (const auto& c : cases) {
    Caller caller;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(caller.Connect(server_->port(), c.streamid), c.code) << c.streamid;
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << c.streamid;
  }
  EXPECT_EQ(handler_.record_count(), 0u);
  EXPECT_EQ(server_->connection_count(), 0u);
}

TEST_F(SrtServerFixture, StreamIdLongerThanTheLimitIsBadRequest) {
  ServerOptions opts;
  opts.max_streamid = 16;
  StartServer(opts);
  Caller caller;
  EXPECT_EQ(caller.Connect(server_->port(), "live/KEY" + std::string(20, 'x')), kRejectBadRequest);
}

// libsrt refuses a wrong passphrase itself, after the listen callback: strait still logs a line
// naming the caller and the stream, and counts it.
TEST_F(SrtServerFixture, PerStreamPassphrase) {
  auto text = std::make_shared<std::ostringstream>();
  ServerOptions opts;
  opts.logger = std::make_shared<spdlog::logger>(
      "srt-test", std::make_shared<spdlog::sinks::ostream_sink_mt>(*text));
  StartServer(opts);
  {
    Caller wrong;
    EXPECT_EQ(wrong.Connect(server_->port(), "live/SECRETKEY", "wrong-passphrase"),
              SRT_REJ_BADSECRET);
    Caller none;
    EXPECT_EQ(none.Connect(server_->port(), "live/SECRETKEY"), SRT_REJ_UNSECURE);
  }
  EXPECT_EQ(handler_.record_count(), 0u);
  EXPECT_EQ(server_->passphrase_refusals(), 2u);
  Caller right;
  EXPECT_EQ(right.Connect(server_->port(), "live/SECRETKEY", FakeHandler::kStreamPassphrase), 0);
  EXPECT_TRUE(handler_.WaitRecord(0, 2s));
  EXPECT_EQ(server_->passphrase_refusals(), 2u);
  server_.reset();  // the logger writes into `text`: gone with the server
  const std::string log = text->str();
  EXPECT_NE(log.find("wrong passphrase for stream name-of-SE"), std::string::npos) << log;
  EXPECT_NE(log.find("passphrase missing or unexpected"), std::string::npos) << log;
  EXPECT_EQ(log.find("SECRETKEY"), std::string::npos) << "a stream key was logged:\n" << log;
}

TEST_F(SrtServerFixture, ServerWidePassphrase) {
  ServerOptions opts;
  opts.passphrase = "server-wide-pass";
  StartServer(opts);
  Caller wrong;
  EXPECT_EQ(wrong.Connect(server_->port(), "KEY", "not-the-pass"), SRT_REJ_BADSECRET);
  Caller right;
  EXPECT_EQ(right.Connect(server_->port(), "KEY", "server-wide-pass"), 0);
  EXPECT_TRUE(handler_.WaitRecord(0, 2s));
}

TEST_F(SrtServerFixture, CallersPerIpLimit) {
  ServerOptions opts;
  opts.max_callers_per_ip = 1;
  StartServer(opts);
  Caller first;
  ASSERT_EQ(first.Connect(server_->port(), "KEY"), 0);
  ASSERT_TRUE(handler_.WaitRecord(0, 2s));
  Caller second;
  EXPECT_EQ(second.Connect(server_->port(), "KEY2"), kRejectOverload);
  EXPECT_EQ(server_->connection_count(), 1u);
}

// Readers take at most max_readers of the callers: keyless readers cannot lock publishers out.
TEST_F(SrtServerFixture, ReadersCannotTakeThePublishersSlots) {
  ServerOptions opts;
  opts.max_readers = 1;
  StartServer(opts);
  Caller reader;
  ASSERT_EQ(reader.Connect(server_->port(), "#!::r=live/LONG,m=request"), 0);
  for (int i = 0; i < 100 && server_->player_count() < 1; ++i)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(server_->player_count(), 1u);
  Caller second_reader;
  EXPECT_EQ(second_reader.Connect(server_->port(), "#!::r=live/LONG,m=request"), kRejectOverload);
  Caller publisher;
  ASSERT_EQ(publisher.Connect(server_->port(), "KEY"), 0);
  EXPECT_TRUE(handler_.WaitRecord(0, 2s));
  EXPECT_EQ(server_->player_count(), 1u);
}

TEST_F(SrtServerFixture, IdleCallerIsClosedAfterTheIdleTimeout) {
  ServerOptions opts;
  opts.idle_timeout = 400ms;
  StartServer(opts);
  Caller idle;
  ASSERT_EQ(idle.Connect(server_->port(), "KEY"), 0);
  auto r = handler_.WaitRecord(0, 2s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->WaitEnd(3s));
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  ASSERT_FALSE(r->end.ok());
  EXPECT_NE(r->end.error().message().find("idle timeout"), std::string::npos)
      << r->end.error().message();
}

TEST_F(SrtServerFixture, GarbageClosesOnlyItsOwnConnection) {
  StartServer();
  Caller garbage;
  ASSERT_EQ(garbage.Connect(server_->port(), "live/KEY2"), 0);
  auto bad = handler_.WaitRecord(0, 2s);
  ASSERT_TRUE(bad);
  const std::string cmd =
      "timeout 15 ffmpeg -nostdin -v error -re -f lavfi -i "
      "testsrc2=size=320x240:rate=30 -t 3 -c:v libx264 -preset ultrafast "
      "-f mpegts 'srt://127.0.0.1:" +
      std::to_string(server_->port()) + "?streamid=live/KEY3'";
  std::thread good([&] { EXPECT_EQ(std::system(cmd.c_str()), 0); });
  // The demuxer gives up after TsDemuxer::Options::max_bytes_without_streams (4 MiB) of junk.
  std::vector<uint8_t> junk(1316);
  const auto deadline = std::chrono::steady_clock::now() + 6s;
  for (int i = 0; !bad->WaitEnd(1ms) && std::chrono::steady_clock::now() < deadline; ++i) {
    for (int burst = 0; burst < 64; ++burst) {
      for (size_t j = 0; j < junk.size(); ++j)
        junk[j] = static_cast<uint8_t>((i * 64 + burst) * 31 + j * 7);
      junk[0] = 0x47;  // sync bytes where TS would have them do not make it TS
      if (!garbage.Send(junk))
        break;
    }
  }
  const bool ended = bad->WaitEnd(2s);
  good.join();
  ASSERT_TRUE(ended);
  {
    std::lock_guard lock(bad->mu);
    EXPECT_FALSE(bad->end.ok());
    EXPECT_EQ(bad->video, 0);
  }
  auto ok = handler_.WaitRecord(1, 1s);
  ASSERT_TRUE(ok);
  ASSERT_TRUE(ok->WaitEnd(5s));
  std::lock_guard lock(ok->mu);
  EXPECT_TRUE(ok->end.ok()) << ok->end.error().message();
  EXPECT_GE(ok->video, 80);
}

TEST_F(SrtServerFixture, StopClosesConnectedCallers) {
  StartServer();
  Caller a, b;
  ASSERT_EQ(a.Connect(server_->port(), "KEY"), 0);
  ASSERT_EQ(b.Connect(server_->port(), "KEY2"), 0);
  auto ra = handler_.WaitRecord(0, 2s);
  auto rb = handler_.WaitRecord(1, 2s);
  ASSERT_TRUE(ra && rb);
  server_->Stop();
  server_->Stop();  // idempotent
  for (auto& r : {ra, rb}) {
    std::lock_guard lock(r->mu);
    EXPECT_EQ(r->ends, 1);
    EXPECT_FALSE(r->end.ok());
  }
}

}  // namespace
}  // namespace strait::transport::srt::testing
