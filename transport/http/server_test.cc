// The HTTP server on an ephemeral port, exercised by curl and by a raw socket client.
#include "transport/http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "transport/http/test_client.h"

namespace strait::transport::http {
namespace {

using namespace std::chrono_literals;
using testing::Curl;
using testing::Eventually;
using testing::RawClient;

Handler EchoPath(std::atomic<int>* calls = nullptr) {
  return [calls](const Request& req, Reply reply) {
    if (calls)
      ++*calls;
    if (req.path == "/missing")
      return reply(Response::Text(404, "not found\n"));
    Response r = Response::Text(200, req.method + " " + req.path);
    r.cache_control = "no-cache";
    r.headers.emplace_back("X-Query", req.QueryParam("q"));
    reply(std::move(r));
  };
}

class HttpServerTest : public testing::ServerFixture {};

TEST_F(HttpServerTest, GetReturnsBodyAndStandardHeaders) {
  StartServer(EchoPath());
  const std::string out = Curl("-i '" + Url("/live//a/./b.m3u8?q=x%20y") + "'");
  EXPECT_NE(out.find("HTTP/1.1 200 OK\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Server: strait\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Date: "), std::string::npos) << out;
  EXPECT_NE(out.find("Access-Control-Allow-Origin: *\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Length: 18\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Cache-Control: no-cache\r\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Query: x y\r\n"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\r\n\r\nGET /live/a/b.m3u8")) << out;
}

TEST_F(HttpServerTest, HeadHasContentLengthButNoBody) {
  StartServer(EchoPath());
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("HEAD /abc HTTP/1.1\r\nHost: x\r\n\r\nGET /abc HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string head = c.ReadResponse(/*head=*/true);
  EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Length: 9\r\n"), std::string::npos) << head;  // "HEAD /abc"
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  // The next bytes on the connection are the GET response: HEAD sent no body.
  const std::string get = c.ReadResponse();
  EXPECT_TRUE(get.starts_with("HTTP/1.1 200 OK")) << get;
  EXPECT_TRUE(get.ends_with("\r\n\r\nGET /abc")) << get;
  EXPECT_EQ(testing::CountOf(Curl("-I " + Url("/abc")), "Content-Length: 9"), 1);
}

TEST_F(HttpServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  StartServer(EchoPath());
  const std::string out =
      Curl("-o /dev/null -o /dev/null -w '%{num_connects}\\n' " + Url("/a") + " " + Url("/b"));
  EXPECT_EQ(out, "1\n0\n");
  EXPECT_EQ(server_->stats().connections_total.load(), 1u);
  EXPECT_EQ(server_->stats().Requests(200), 2u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  // The first request is answered late from another thread; the second must still come second.
  StartServer([this](const Request& req, Reply reply) {
    if (req.path == "/slow") {
      Later([reply] {
        std::this_thread::sleep_for(100ms);
        reply(Response::Text(200, "slow"));
      });
      return;
    }
    reply(Response::Text(200, "fast"));
  });
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(c.ReadResponse().ends_with("slow"));
  EXPECT_TRUE(c.ReadResponse().ends_with("fast"));
}

TEST_F(HttpServerTest, Http10AndConnectionCloseCloseAfterResponse) {
  StartServer(EchoPath());
  for (const char* request :
       {"GET /x HTTP/1.0\r\n\r\n", "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"}) {
    RawClient c(server_->port());
    ASSERT_TRUE(c.Send(request));
    std::string out;
    EXPECT_TRUE(c.ReadUntilClosed(out, 2s)) << request;
    EXPECT_TRUE(out.ends_with("GET /x")) << out;
    EXPECT_EQ(testing::CountOf(out, "HTTP/1."), 1);
  }
  // HTTP/1.0 with keep-alive stays open for a second request.
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const std::string first = c.ReadResponse();
  EXPECT_TRUE(first.starts_with("HTTP/1.0 200 OK")) << first;
  ASSERT_TRUE(c.Send("GET /b HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(c.ReadResponse().ends_with("GET /b"));
}

TEST_F(HttpServerTest, BadTargetsGet400WithoutCallingTheHandler) {
  std::atomic<int> calls{0};
  StartServer(EchoPath(&calls));
  EXPECT_EQ(Curl("--path-as-is -o /dev/null -w '%{http_code}' " + Url("/live/%2e%2e/x")), "400");
  RawClient c(server_->port());
  for (const char* target : {"/live/../x", "/a%00b", "/a%5cb", "/a%zz", "http://h/x"}) {
    ASSERT_TRUE(c.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string out = c.ReadResponse();
    EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << target << ": " << out;
    EXPECT_NE(out.find("Access-Control-Allow-Origin: *"), std::string::npos);
  }
  // The connection survives a bad target.
  ASSERT_TRUE(c.Send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(c.ReadResponse().starts_with("HTTP/1.1 200"));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpServerTest, MalformedRequestGets400AndClose) {
  StartServer(EchoPath());
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /x HTTP/9.9\r\n\r\n"));
  std::string out;
  EXPECT_TRUE(c.ReadUntilClosed(out, 2s));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
}

TEST_F(HttpServerTest, OptionsPreflightIsAnsweredByTheServer) {
  std::atomic<int> calls{0};
  StartServer(EchoPath(&calls));
  const std::string out = Curl(
      "-i -X OPTIONS -H 'Origin: https://shop.example' "
      "-H 'Access-Control-Request-Method: GET' " +
      Url("/live/shop1/master.m3u8"));
  EXPECT_TRUE(out.starts_with("HTTP/1.1 204")) << out;
  EXPECT_NE(out.find("Access-Control-Allow-Origin: *\r\n"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Allow-Methods: GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Access-Control-Allow-Headers: *, Authorization\r\n"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Max-Age: 86400\r\n"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server_->stats().Requests(204), 1u);
}

TEST_F(HttpServerTest, EveryResponseCarriesCors) {
  StartServer(EchoPath());
  for (const std::string& args :
       {Url("/ok"), Url("/missing"), "--path-as-is " + Url("/a/../b"), "-X DELETE " + Url("/x")}) {
    const std::string out = Curl("-i " + args);
    EXPECT_EQ(testing::CountOf(out, "Access-Control-Allow-Origin: *\r\n"), 1) << out;
  }
}

TEST_F(HttpServerTest, HandlerSeesMethodHeadersAndBody) {
  std::promise<Request> seen;
  StartServer([&seen](const Request& req, Reply reply) {
    seen.set_value(req);
    reply(Response::Text(201, "created"));
  });
  // 2 KiB makes curl send Expect: 100-continue.
  const std::string out =
      Curl("-o /dev/null -w '%{http_code}' -X PUT -H 'X-Key: v' --data-binary " +
           std::string(2048, 'b') + " " + Url("/api/streams/s1?x=1"));
  EXPECT_EQ(out, "201");
  const Request req = seen.get_future().get();
  EXPECT_EQ(req.method, "PUT");
  EXPECT_EQ(req.path, "/api/streams/s1");
  EXPECT_EQ(req.query, "x=1");
  EXPECT_EQ(req.target, "/api/streams/s1?x=1");
  EXPECT_EQ(req.Header("x-key"), "v");
  EXPECT_EQ(req.body, std::string(2048, 'b'));
  EXPECT_TRUE(req.peer.starts_with("127.0.0.1:")) << req.peer;
}

TEST_F(HttpServerTest, AsyncReplyFromAnotherThread) {
  StartServer([this](const Request& req, Reply reply) {
    Later([reply] {
      std::this_thread::sleep_for(200ms);
      reply(Response::Text(200, "late"));
      reply(Response::Text(500, "twice"));  // ignored
    });
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Curl(Url("/x")), "late");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(server_->stats().Requests(500), 0u);
}

TEST_F(HttpServerTest, SharedBodyIsSentAndReleasedAfterTheWrite) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(4 << 20);
  for (size_t i = 0; i < bytes->size(); ++i)
    (*bytes)[i] = static_cast<uint8_t>(i * 7);
  std::weak_ptr<const std::vector<uint8_t>> weak = bytes;
  std::shared_ptr<const std::vector<uint8_t>> body = std::move(bytes);
  StartServer([&body](const Request&, Reply reply) {
    reply(Response::Bytes(200, std::move(body), "video/mp2t"));
  });
  RawClient c(server_->port());
  ASSERT_TRUE(c.Send("GET /seg.ts HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string out = c.ReadResponse();
  ASSERT_GT(out.size(), size_t{4 << 20});
  const std::string payload = out.substr(out.size() - (4 << 20));
  bool same = true;
  for (size_t i = 0; i < payload.size() && same; ++i)
    same = static_cast<uint8_t>(payload[i]) == static_cast<uint8_t>(i * 7);
  EXPECT_TRUE(same);
  EXPECT_TRUE(Eventually([&] { return weak.expired(); }));  // not held past the write
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  StartServer([](const Request&, Reply) { throw std::runtime_error("boom"); });
  EXPECT_EQ(Curl("-o /dev/null -w '%{http_code}' " + Url("/x")), "500");
}

TEST_F(HttpServerTest, StatsCountResponsesByStatus) {
  StartServer(EchoPath());
  Curl(Url("/a") + " " + Url("/b") + " " + Url("/missing"));
  Curl("--path-as-is " + Url("/../x"));
  const Stats& s = server_->stats();
  EXPECT_EQ(s.Requests(200), 2u);
  EXPECT_EQ(s.Requests(404), 1u);
  EXPECT_EQ(s.Requests(400), 1u);
  EXPECT_EQ(s.TotalRequests(), 4u);
  EXPECT_EQ(s.RequestsByStatus(), (std::map<int, uint64_t>{{200, 2}, {400, 1}, {404, 1}}));
  EXPECT_EQ(s.connections_total.load(), 2u);
  EXPECT_GT(s.bytes_sent.load(), 4u * 100);
  EXPECT_TRUE(Eventually([&] { return s.connections_open.load() == 0; }));
}

TEST(HttpServerStartTest, RejectsBadListenAddresses) {
  boost::asio::io_context io;
  for (const char* listen : {"nonsense", "127.0.0.1:99999", "300.1.1.1:80", "127.0.0.1:x"}) {
    ServerOptions opts;
    opts.listen = listen;
    EXPECT_FALSE(Server::Start(io, opts, [](const Request&, Reply) {}).ok()) << listen;
  }
  ServerOptions opts;
  opts.listen = "127.0.0.1:0";
  EXPECT_FALSE(Server::Start(io, opts, nullptr).ok());
}

}  // namespace
}  // namespace strait::transport::http
