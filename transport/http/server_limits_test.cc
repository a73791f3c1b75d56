// The HTTP server's self-protection: header/body/rate limits, timeouts, connection cap, Stop().
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "transport/http/server.h"
#include "transport/http/test_client.h"

namespace strait::transport::http {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::RawClient;

Handler Ok() {
  return [](const Request& req, Reply reply) { reply(Response::Text(200, "ok")); };
}

class HttpLimitsTest : public testing::ServerFixture {};

TEST_F(HttpLimitsTest, HugeHeadersGet431AndClose) {
  StartServer(Ok());
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n"));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 431")) << out.substr(0, 200);
  EXPECT_NE(out.find("Connection: close"), std::string::npos);
  EXPECT_EQ(server_->stats().Requests(431), 1u);
}

TEST_F(HttpLimitsTest, OversizedBodyGets413AndClose) {
  ServerOptions opts;
  opts.max_body_bytes = 1000;
  StartServer(Ok(), opts);
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                     std::string(5000, 'b')));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out;
  // Within the limit is fine.
  RawClient d(server_->port());
  ASSERT_TRUE(d.Send("POST /api HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" +
                     std::string(1000, 'b')));
  EXPECT_TRUE(d.ReadResponse().starts_with("HTTP/1.1 200"));
}

// The refusal hook shapes the body of the server's own refusals (the control API's JSON errors),
// knowing the target and what was over which limit; other paths keep the plain text.
TEST_F(HttpLimitsTest, RefusalsOfAPathCanBeAnsweredByTheApplication) {
  ServerOptions opts;
  opts.max_body_bytes = 1000;
  std::mutex mu;
  std::vector<std::string> seen;
  opts.refusal = [&](int status, std::string_view target,
                     const std::string& why) -> std::optional<Response> {
    std::lock_guard lock(mu);
    seen.push_back(std::to_string(status) + " " + std::string(target) + " " + why);
    if (!target.starts_with("/api/"))
      return std::nullopt;
    return Response::Text(status, "{\"error\": \"" + why + "\"}", "application/json");
  };
  StartServer(Ok(), opts);
  const std::string body(5000, 'b');
  RawClient c(server_->port());
  ASSERT_TRUE(
      c.Send("PUT /api/v1/x?y=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + body));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out;
  EXPECT_NE(out.find("Content-Type: application/json"), std::string::npos) << out;
  EXPECT_NE(out.find("{\"error\": \"request body over 1000 bytes\"}"), std::string::npos) << out;
  RawClient d(server_->port());
  ASSERT_TRUE(d.Send("PUT /other HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + body));
  out.clear();
  EXPECT_TRUE(d.ReadUntilClosed(out, 3s));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out;
  EXPECT_NE(out.find("request body too large"), std::string::npos) << out;
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"413 /api/v1/x?y=1 request body over 1000 bytes",
                                            "413 /other request body over 1000 bytes"}));
}

TEST_F(HttpLimitsTest, FloodingConnectionGets429ThenClose) {
  ServerOptions opts;
  opts.max_requests_per_second = 5;
  opts.request_burst = 10;
  StartServer(Ok(), opts);
  RawClient c(server_->port());
  std::string burst;
  for (int i = 0; i < 30; ++i)
    burst += "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_TRUE(c.Send(burst));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_EQ(testing::CountOf(out, "HTTP/1.1 200"), 10) << out;
  EXPECT_EQ(testing::CountOf(out, "HTTP/1.1 429"), 1) << out;
  EXPECT_NE(out.find("Retry-After: 1\r\n"), std::string::npos) << out;
  EXPECT_EQ(server_->stats().Requests(429), 1u);
  // Another connection has its own bucket.
  RawClient d(server_->port());
  ASSERT_TRUE(d.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(d.ReadResponse().starts_with("HTTP/1.1 200"));
}

TEST_F(HttpLimitsTest, RateLimitFollowsTheInjectedClock) {
  FakeClock clock;
  ServerOptions opts;
  opts.max_requests_per_second = 2;
  opts.request_burst = 2;
  opts.clock = &clock;
  StartServer(Ok(), opts);
  RawClient c(server_->port());
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
      EXPECT_TRUE(c.ReadResponse().starts_with("HTTP/1.1 200")) << round << " " << i;
    }
    clock.Advance(1s);  // refills two tokens
  }
  ASSERT_TRUE(
      c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\nGET /x HTTP/1.1\r\nHost: x\r\n\r\n"
             "GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_EQ(testing::CountOf(out, "HTTP/1.1 200"), 2) << out;
  EXPECT_EQ(testing::CountOf(out, "HTTP/1.1 429"), 1) << out;
}

TEST_F(HttpLimitsTest, IdleConnectionIsClosed) {
  ServerOptions opts;
  opts.idle_timeout = 200ms;
  StartServer(Ok(), opts);
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(c.ReadResponse().starts_with("HTTP/1.1 200"));
  const auto start = std::chrono::steady_clock::now();
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(out, "");
  EXPECT_TRUE(Eventually([&] { return server_->stats().connections_open.load() == 0; }));
}

TEST_F(HttpLimitsTest, SlowSteadyReaderIsNotCutOffByTheIdleTimeout) {
  ServerOptions opts;
  opts.idle_timeout = 500ms;
  const size_t size = 32 << 20;
  auto body = std::make_shared<const std::vector<uint8_t>>(size, uint8_t{'v'});
  StartServer([body](const Request&, Reply reply) { reply(Response::Bytes(200, body, "x/y")); },
              opts);
  RawClient c(server_->port(), /*receive_buffer=*/256 << 10);
  ASSERT_TRUE(c.Send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  // For a second, read 1 MiB every 100 ms: the write takes far longer than the 500 ms idle
  // timeout in total, but it progresses every few 100 ms (the kernel reports a blocked socket
  // writable again only once a third of its send buffer is free).
  std::string out;
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(100ms);
    for (size_t got = out.size(); out.size() - got < (1 << 20);) {
      ASSERT_TRUE(c.ReadSome(out, (1 << 20) - (out.size() - got), 300ms)) << i;
    }
  }
  ASSERT_LT(out.size(), size / 2);
  // Then read the rest at full speed: the connection was not cut off.
  std::string rest;
  c.ReadUntilClosed(rest, 1500ms);
  out += rest;
  EXPECT_GE(out.size(), size);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 200"));
}

TEST_F(HttpLimitsTest, SlowlorisIsClosedAfterTheRequestTimeout) {
  ServerOptions opts;
  opts.idle_timeout = 5s;
  opts.request_timeout = 300ms;
  StartServer(Ok(), opts);
  RawClient c(server_->port());
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\n"));
  bool closed = false;
  for (int i = 0; i < 30 && !closed; ++i) {  // one header byte every 100 ms
    std::string out;
    closed = !c.Send("X") || c.ReadUntilClosed(out, 100ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

// A cap of two connections, whole life: two served, a third closed unanswered and counted in
// `refused` (only there), a client from `other_source` (if any) still served, and once the first
// closes, a new one served again.
void ExpectCapOfTwo(Server& server,
                    const std::atomic<uint64_t>& refused,
                    const char* other_source = nullptr) {
  const std::string get = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  auto served = [&](RawClient& c) {
    return c.Send(get) && c.ReadResponse().starts_with("HTTP/1.1 200");
  };
  const Stats& stats = server.stats();
  RawClient a(server.port()), b(server.port());
  ASSERT_TRUE(served(a));
  ASSERT_TRUE(served(b));
  RawClient extra(server.port());
  std::string out;
  extra.Send(get);
  EXPECT_TRUE(extra.ReadUntilClosed(out, 3s));
  EXPECT_EQ(out, "");
  EXPECT_EQ(refused.load(), 1u);
  EXPECT_EQ(stats.connections_refused.load() + stats.connections_refused_per_ip.load(), 1u);
  uint64_t open = 2;
  std::optional<RawClient> other;
  if (other_source) {
    other.emplace(server.port(), 0, other_source);
    EXPECT_TRUE(served(*other));
    ++open;
  }
  a.Close();
  ASSERT_TRUE(Eventually([&] { return stats.connections_open.load() == open - 1; }));
  RawClient later(server.port());
  EXPECT_TRUE(served(later));
}

TEST_F(HttpLimitsTest, ConnectionsOverTheCapAreRefused) {
  ServerOptions opts;
  opts.max_connections = 2;
  StartServer(Ok(), opts);
  ExpectCapOfTwo(*server_, server_->stats().connections_refused);
}

// One address may hold at most max_connections_per_ip: the next is closed at once and counted
// (not as "server full"), while another address still gets in.
TEST_F(HttpLimitsTest, ConnectionsFromOneAddressAreCapped) {
  ServerOptions opts;
  opts.max_connections = 10;
  opts.max_connections_per_ip = 2;
  StartServer(Ok(), opts);
  ExpectCapOfTwo(*server_, server_->stats().connections_refused_per_ip, "127.0.0.2");
}

TEST_F(HttpLimitsTest, StopClosesOpenConnectionsAndDropsLateReplies) {
  std::mutex mu;
  std::vector<Reply> held;
  StartServer([&](const Request& req, Reply reply) {
    if (req.path == "/hold") {
      std::lock_guard lock(mu);
      held.push_back(std::move(reply));
      return;
    }
    reply(Response::Text(200, "ok"));
  });
  RawClient idle(server_->port()), kept(server_->port()), waiting(server_->port());
  ASSERT_TRUE(kept.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(kept.ReadResponse().starts_with("HTTP/1.1 200"));
  ASSERT_TRUE(waiting.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(mu);
    return held.size() == 1;
  }));
  server_->Stop();
  server_->Stop();  // idempotent
  for (RawClient* c : {&idle, &kept, &waiting}) {
    std::string out;
    EXPECT_TRUE(c->ReadUntilClosed(out, 3s));
    EXPECT_EQ(out, "");
  }
  RawClient after(server_->port());
  std::string out;
  EXPECT_FALSE(after.connected() && !after.ReadUntilClosed(out, 1s));
  held[0](Response::Text(200, "too late"));  // dropped: the connection is gone
  held.clear();
  EXPECT_TRUE(Eventually([&] { return server_->stats().connections_open.load() == 0; }));
  EXPECT_EQ(server_->stats().Requests(200), 1u);
  server_.reset();
}

}  // namespace
}  // namespace strait::transport::http
