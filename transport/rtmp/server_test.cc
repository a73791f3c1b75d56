// Socket-level tests of the RTMP server on an ephemeral port: real pushes by ffmpeg and GStreamer,
// raw sockets for misbehaving clients.
#include "transport/rtmp/server.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "transport/rtmp/handshake.h"

namespace strait::transport::rtmp {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Record {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<TrackInfo> tracks;
  std::vector<Packet> packets;
  int ends = 0;
  Status end;
  size_t bytes = 0;
  std::atomic<int> in_call{0};
  bool overlapped = false;

  bool WaitEnd(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return ends > 0; });
  }
};

class RecordingSink : public MediaSink {
 public:
  explicit RecordingSink(std::shared_ptr<Record> r) : r_(std::move(r)) {}
  void OnTrack(const TrackInfo& t) override {
    Guard g(*r_);
    r_->tracks.push_back(t);
  }
  void OnPacket(const Packet& p) override {
    Guard g(*r_);
    r_->packets.push_back(p);
  }
  void OnEnd(const Status& why) override {
    Guard g(*r_);
    ++r_->ends;
    r_->end = why;
    r_->cv.notify_all();
  }
  void OnBytes(size_t n) override {
    Guard g(*r_);
    r_->bytes += n;
  }

 private:
  // Records the calls and checks that no two overlap (one thread at a time per sink).
  struct Guard {
    explicit Guard(Record& r) : r(r), lock(r.mu) {
      if (r.in_call.fetch_add(1) != 0)
        r.overlapped = true;
    }
    ~Guard() { r.in_call.fetch_sub(1); }
    Record& r;
    std::lock_guard<std::mutex> lock;
  };
  std::shared_ptr<Record> r_;
};

class Handler : public PublishHandler {
 public:
  PublishDecision Publish(const PublishRequest& req) override {
    std::lock_guard lock(mu);
    requests.push_back(req);
    PublishDecision d;
    if (req.key != "KEY") {
      d.refusal = PublishRefusal::kUnknownKey;
      d.message = "unknown stream key";
      return d;
    }
    records.push_back(std::make_shared<Record>());
    d.sink = std::make_unique<RecordingSink>(records.back());
    d.stream_name = "shop";
    return d;
  }
  std::shared_ptr<Record> WaitRecord(std::chrono::milliseconds timeout) {
    for (auto waited = 0ms; waited < timeout; waited += 10ms) {
      {
        std::lock_guard lock(mu);
        if (!records.empty())
          return records.front();
      }
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }
  std::mutex mu;
  std::vector<PublishRequest> requests;
  std::vector<std::shared_ptr<Record>> records;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions opts = {}) {
    opts.listen = "127.0.0.1:0";
    if (!opts.logger)
      opts.logger = spdlog::default_logger();
    auto server = Server::Start(io_, std::move(opts), handler_);
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
    for (int i = 0; i < 2; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  void TearDown() override {
    server_.reset();
    work_.reset();
    for (auto& t : threads_)
      t.join();
  }
  std::string Url(const std::string& key) {
    return "rtmp://127.0.0.1:" + std::to_string(server_->port()) + "/live/" + key;
  }
  static int Run(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{
      asio::make_work_guard(io_)};
  std::vector<std::thread> threads_;
  Handler handler_;
  std::unique_ptr<Server> server_;
};

const char* kFfmpegPush =
    "timeout 20 ffmpeg -hide_banner -loglevel error -re -f lavfi -i testsrc2=size=640x360:rate=30 "
    "-f lavfi -i sine -t 3 -c:v libx264 -preset ultrafast -g 30 -c:a aac -f flv ";

TEST_F(ServerTest, FfmpegPushesH264AndAac) {
  StartServer();
  ASSERT_EQ(Run(std::string(kFfmpegPush) + Url("KEY")), 0);
  auto r = handler_.WaitRecord(1s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->WaitEnd(5s));
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  EXPECT_TRUE(r->end.ok()) << r->end.error().message();
  EXPECT_FALSE(r->overlapped);
  EXPECT_GT(r->bytes, 10000u);
  const TrackInfo* video = nullptr;
  const TrackInfo* audio = nullptr;
  for (const TrackInfo& t : r->tracks)
    (t.id == 0 ? video : audio) = &t;
  ASSERT_TRUE(video && audio);
  EXPECT_EQ(video->codec, CodecId::kH264);
  ASSERT_GT(video->extradata.size(), 7u);
  EXPECT_EQ(video->extradata[0], 1);  // avcC configurationVersion
  EXPECT_EQ(video->width, 640);
  EXPECT_EQ(video->height, 360);
  EXPECT_EQ(video->frame_rate, 30);
  EXPECT_EQ(audio->codec, CodecId::kAac);
  ASSERT_GE(audio->extradata.size(), 2u);
  EXPECT_EQ(audio->extradata[0] >> 3, 2);  // AAC LC
  EXPECT_EQ(audio->sample_rate, 44100);
  int video_packets = 0, keyframes = 0, audio_packets = 0;
  int64_t last_dts = -1;
  for (const Packet& p : r->packets) {
    if (p.track_id() == 1) {
      ++audio_packets;
      continue;
    }
    ++video_packets;
    keyframes += p.keyframe();
    EXPECT_GE(p.dts(), last_dts);
    EXPECT_GE(p.pts(), p.dts());
    last_dts = p.dts();
  }
  EXPECT_NEAR(video_packets, 90, 3);
  EXPECT_GE(keyframes, 3);
  EXPECT_TRUE(r->packets.front().keyframe() || r->packets.front().track_id() == 1);
  EXPECT_GT(audio_packets, 100);
}

TEST_F(ServerTest, WrongKeyIsRefused) {
  StartServer();
  EXPECT_NE(Run(std::string(kFfmpegPush) + Url("WRONG") + " 2>/dev/null"), 0);
  std::lock_guard lock(handler_.mu);
  EXPECT_EQ(handler_.requests.size(), 1u);
  EXPECT_TRUE(handler_.records.empty());
}

TEST_F(ServerTest, GstreamerPushes) {
  if (Run("gst-inspect-1.0 rtmp2sink >/dev/null 2>&1 && gst-inspect-1.0 openh264enc >/dev/null "
          "2>&1") != 0) {
    GTEST_SKIP() << "GStreamer rtmp2sink/openh264enc not installed";
  }
  StartServer();
  const std::string cmd =
      "timeout 20 gst-launch-1.0 -q videotestsrc num-buffers=90 ! video/x-raw,framerate=30/1 ! "
      "openh264enc ! h264parse ! flvmux name=m streamable=true ! rtmp2sink location=" +
      Url("KEY") + " audiotestsrc num-buffers=100 ! voaacenc ! aacparse ! m. >/dev/null";
  EXPECT_EQ(Run(cmd), 0);
  auto r = handler_.WaitRecord(1s);
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->WaitEnd(5s));
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  int video = 0;
  for (const Packet& p : r->packets)
    video += p.track_id() == 0;
  EXPECT_NEAR(video, 90, 3);
  ASSERT_GE(r->tracks.size(), 2u);
}

// Sends C0+C1, returns whether S0+S1+S2 came back.
bool Handshake(tcp::socket& s) {
  std::vector<uint8_t> c0c1(1 + kHandshakeSize, 0);
  c0c1[0] = 3;
  asio::write(s, asio::buffer(c0c1));
  std::vector<uint8_t> reply(1 + 2 * kHandshakeSize);
  boost::system::error_code ec;
  asio::read(s, asio::buffer(reply), ec);
  return !ec && reply[0] == 3;
}

// True when the server closes `s` within `timeout`.
bool ClosedWithin(tcp::socket& s, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  s.non_blocking(true);
  uint8_t byte;
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    s.read_some(asio::buffer(&byte, 1), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset)
      return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST_F(ServerTest, GarbageHandshakeClosesOnlyThatConnection) {
  StartServer();
  asio::io_context client_io;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket good(client_io), bad(client_io);
  good.connect(ep);
  bad.connect(ep);
  asio::write(bad, asio::buffer(std::string("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
  EXPECT_TRUE(ClosedWithin(bad, 2s));
  ASSERT_TRUE(Handshake(good));
  EXPECT_FALSE(ClosedWithin(good, 100ms));
  EXPECT_EQ(server_->connection_count(), 1u);
}

TEST_F(ServerTest, StalledClientsTimeOut) {
  ServerOptions opts;
  opts.handshake_timeout = 200ms;
  opts.idle_timeout = 300ms;
  StartServer(opts);
  asio::io_context client_io;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket mid_handshake(client_io), idle(client_io);
  mid_handshake.connect(ep);
  idle.connect(ep);
  asio::write(mid_handshake, asio::buffer(std::string("\x03\x00\x00", 3)));
  ASSERT_TRUE(Handshake(idle));
  std::vector<uint8_t> c2(kHandshakeSize + 5, 0);
  c2[kHandshakeSize] = 0x03;  // then a partial chunk header, and nothing more
  asio::write(idle, asio::buffer(c2));
  EXPECT_TRUE(ClosedWithin(mid_handshake, 2s));
  EXPECT_TRUE(ClosedWithin(idle, 2s));
}

// The idle deadline holds from the handshake on, not only from the handshake's own deadline
// (the timer armed at accept used to wait for that first).
TEST_F(ServerTest, TheIdleTimeoutStartsWithTheHandshake) {
  ServerOptions opts;
  opts.handshake_timeout = 5s;
  opts.publish_timeout = 5s;
  opts.idle_timeout = 300ms;
  StartServer(opts);
  asio::io_context client_io;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket idle(client_io);
  idle.connect(ep);
  ASSERT_TRUE(Handshake(idle));
  std::vector<uint8_t> c2(kHandshakeSize, 0);
  asio::write(idle, asio::buffer(c2));
  EXPECT_TRUE(ClosedWithin(idle, 2s)) << "closed at the 300 ms idle timeout, not at 5 s";
}

// A client that completes the handshake but never publishes (no stream key) is closed at the
// publish deadline, long before the idle timeout: keyless clients cannot hold the slots.
TEST_F(ServerTest, ClientsThatNeverPublishAreClosed) {
  ServerOptions opts;
  opts.publish_timeout = 300ms;  // idle_timeout stays 10 s
  StartServer(opts);
  asio::io_context client_io;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket lingering(client_io);
  lingering.connect(ep);
  ASSERT_TRUE(Handshake(lingering));
  std::vector<uint8_t> c2(kHandshakeSize, 0);
  asio::write(lingering, asio::buffer(c2));
  EXPECT_TRUE(ClosedWithin(lingering, 3s));
  EXPECT_EQ(server_->connection_count(), 0u);
}

// At most max_connections_per_ip connections from one address; the next is closed at once, the
// others are not disturbed, and a slot that frees up can be taken again.
TEST_F(ServerTest, ConnectionsFromOneAddressAreCapped) {
  ServerOptions opts;
  opts.max_connections_per_ip = 2;
  StartServer(opts);
  asio::io_context client_io;
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), server_->port());
  tcp::socket a(client_io), b(client_io), c(client_io), d(client_io);
  a.connect(ep);
  ASSERT_TRUE(Handshake(a));
  b.connect(ep);
  ASSERT_TRUE(Handshake(b));
  c.connect(ep);
  EXPECT_TRUE(ClosedWithin(c, 2s));
  EXPECT_FALSE(ClosedWithin(a, 100ms));
  EXPECT_EQ(server_->connection_count(), 2u);
  a.close();
  for (int i = 0; i < 200 && server_->connection_count() != 1u; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_->connection_count(), 1u);
  d.connect(ep);
  ASSERT_TRUE(Handshake(d));
  EXPECT_FALSE(ClosedWithin(d, 100ms));
  EXPECT_EQ(server_->connection_count(), 2u);
}

TEST_F(ServerTest, StopWithPublishInFlight) {
  StartServer();
  const std::string cmd = std::string(kFfmpegPush) + Url("KEY") + " 2>/dev/null";
  FILE* ffmpeg = popen(cmd.c_str(), "r");
  ASSERT_NE(ffmpeg, nullptr);
  auto r = handler_.WaitRecord(5s);
  ASSERT_TRUE(r);
  server_->Stop();
  EXPECT_TRUE(r->WaitEnd(2s));
  pclose(ffmpeg);
  server_.reset();
  std::lock_guard lock(r->mu);
  EXPECT_EQ(r->ends, 1);
  EXPECT_FALSE(r->end.ok());
}

TEST(ServerStartTest, BadListenAddress) {
  asio::io_context io;
  Handler handler;
  ServerOptions opts;
  opts.listen = "nonsense";
  EXPECT_FALSE(Server::Start(io, opts, handler).ok());
  opts.listen = "256.1.1.1:1935";
  EXPECT_FALSE(Server::Start(io, opts, handler).ok());
}

}  // namespace
}  // namespace strait::transport::rtmp
