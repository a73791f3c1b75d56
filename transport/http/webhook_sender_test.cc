// WebhookSender against a real HTTP receiver on 127.0.0.1 (strait's own server, answering what
// each test scripts) through libcurl: headers and signature on the wire, order, retries on 5xx and
// 429 but not on 400, a dead target that blocks no one, the bounded queue, the bounded shutdown.
#include "transport/http/webhook_sender.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "transport/http/test_client.h"

namespace strait::transport::http {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
using testing::Eventually;

constexpr char kSecret[] = "whsec_5f3a9c0e7b1d4a2f";

TEST(WebhookSignatureTest, MatchesAnIndependentHmac) {
  // printf '%s' '1764288000.{"id":...}' | openssl dgst -sha256 -hmac 'whsec_5f3a9c0e7b1d4a2f'
  // (Python's hmac module gives the same).
  EXPECT_EQ(WebhookSignature(kSecret, 1764288000,
                             R"({"id":"0190a3f2","type":"publish_started","stream":"shop1"})"),
            "t=1764288000,v1=017235d7839bc27c48692268f34bd5e37c74ef5ea345524d0ef47472b3798749");
  // printf '%s' '1700000000.' | openssl dgst -sha256 -hmac 'k'
  EXPECT_EQ(WebhookSignature("k", 1700000000, ""),
            "t=1700000000,v1=5c2999a43333a6877f49c8003f235c4f6de40f85b1b7414b70bd470a8db53d97");
}

TEST(WebhookSenderTest, RetriesOnlyServerErrorsAndTooManyRequests) {
  EXPECT_TRUE(WebhookRetryable(500));
  EXPECT_TRUE(WebhookRetryable(503));
  EXPECT_TRUE(WebhookRetryable(429));
  EXPECT_FALSE(WebhookRetryable(400));
  EXPECT_FALSE(WebhookRetryable(404));
  EXPECT_FALSE(WebhookRetryable(410));
  EXPECT_FALSE(WebhookRetryable(301));
}

TEST(WebhookSenderTest, RedactsCredentialsQueryAndFragment) {
  EXPECT_EQ(RedactUrl("https://hooks.example.com/strait"), "https://hooks.example.com/strait");
  EXPECT_EQ(RedactUrl("https://user:pw@hooks.example.com:8443/x?token=abc#f"),
            "https://hooks.example.com:8443/x");
  EXPECT_EQ(RedactUrl("http://h.example/a@b"), "http://h.example/a@b");  // '@' in the path
}

TEST(WebhookSenderTest, RefusesAUrlThatIsNotHttpOrHasNoHost) {
  WebhookOptions o;
  o.url = "ftp://hooks.example.com/";
  EXPECT_FALSE(WebhookSender::Start(o).ok());
  o.url = "https:///path";
  EXPECT_FALSE(WebhookSender::Start(o).ok());
  o.url = "http://user:secret@:80/";
  auto refused = WebhookSender::Start(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message().find("secret"), std::string::npos)
      << refused.error().message();
}

struct Received {
  std::string event, delivery, signature, content_type, body;
};

// A receiver on 127.0.0.1: records every request and answers with `answer(request number, id)`.
class WebhookSenderServerTest : public testing::ServerFixture {
 protected:
  void StartReceiver(std::function<int(size_t, const std::string&)> answer) {
    answer_ = std::move(answer);
    ServerOptions o;
    o.max_requests_per_second = 0;  // a sender's burst on one keep-alive connection
    StartServer(
        [this](const Request& req, Reply reply) {
          Received r{std::string(req.Header("strait-event")),
                     std::string(req.Header("strait-delivery")),
                     std::string(req.Header("strait-signature")),
                     std::string(req.Header("content-type")), req.body};
          size_t n;
          {
            std::lock_guard lock(mu_);
            n = received_.size();
            received_.push_back(r);
          }
          reply(Response::Text(answer_(n, r.delivery), "ok\n"));
        },
        o);
  }
  WebhookOptions Options() {
    WebhookOptions o;
    o.url = Url("/hooks/strait?token=t0k3n");
    o.secret = kSecret;
    o.first_backoff = 10ms;
    o.max_backoff = 40ms;
    o.clock = &clock_;
    return o;
  }
  std::vector<Received> ReceivedNow() {
    std::lock_guard lock(mu_);
    return received_;
  }
  static WebhookDelivery Event(int i) {
    const std::string id = "evt-" + std::to_string(i);
    return {id, "card_shown", R"({"id":")" + id + R"(","type":"card_shown"})"};
  }
  // Polls until every event sent so far is accounted for.
  static bool Settled(const WebhookSender& s, uint64_t sent) {
    return Eventually([&] {
      const WebhookStats st = s.Stats();
      return st.queued == 0 && st.delivered + st.failed + st.dropped == sent;
    });
  }

  FakeClock clock_;
  std::mutex mu_;
  std::vector<Received> received_;  // guarded by mu_
  std::function<int(size_t, const std::string&)> answer_;
};

TEST_F(WebhookSenderServerTest, DeliversInOrderWithSignedHeadersOnOneConnection) {
  StartReceiver([](size_t, const std::string&) { return 204; });
  auto sender = WebhookSender::Start(Options());
  ASSERT_TRUE(sender.ok()) << sender.error().message();
  for (int i = 0; i < 50; ++i)
    (*sender)->Send(Event(i));
  ASSERT_TRUE(Settled(**sender, 50));
  EXPECT_EQ((*sender)->Stats().delivered, 50u);
  const std::vector<Received> got = ReceivedNow();
  ASSERT_EQ(got.size(), 50u);
  const int64_t t =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.WallNow().time_since_epoch()).count();
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(got[i].delivery, "evt-" + std::to_string(i)) << "in the order sent";
    EXPECT_EQ(got[i].event, "card_shown");
    EXPECT_EQ(got[i].content_type, "application/json");
    EXPECT_EQ(got[i].body, Event(i).body);
    EXPECT_EQ(got[i].signature, WebhookSignature(kSecret, t, got[i].body));
  }
  EXPECT_EQ(server_->stats().connections_total.load(), 1u) << "keep-alive";
  EXPECT_EQ((*sender)->target(), Url("/hooks/strait")) << "no query in the label";
}

TEST_F(WebhookSenderServerTest, NoSecretNoSignature) {
  StartReceiver([](size_t, const std::string&) { return 200; });
  WebhookOptions o = Options();
  o.secret.clear();
  auto sender = WebhookSender::Start(o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(1));
  ASSERT_TRUE(Settled(**sender, 1));
  ASSERT_EQ(ReceivedNow().size(), 1u);
  EXPECT_EQ(ReceivedNow()[0].signature, "");
}

TEST_F(WebhookSenderServerTest, RetriesA500And429ThenKeepsTheOrder) {
  // evt-0 answered 500, 429, then 200; evt-1 at once.
  StartReceiver([](size_t n, const std::string&) { return n == 0 ? 500 : n == 1 ? 429 : 200; });
  auto sender = WebhookSender::Start(Options());
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(0));
  (*sender)->Send(Event(1));
  ASSERT_TRUE(Settled(**sender, 2));
  const std::vector<Received> got = ReceivedNow();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].delivery, "evt-0");
  EXPECT_EQ(got[1].delivery, "evt-0");
  EXPECT_EQ(got[2].delivery, "evt-0") << "the same id on every retry";
  EXPECT_EQ(got[3].delivery, "evt-1") << "the next event waits for the retried one";
  const WebhookStats st = (*sender)->Stats();
  EXPECT_EQ(st.delivered, 2u);
  EXPECT_EQ(st.failed, 0u);
}

TEST_F(WebhookSenderServerTest, A400IsNotRetried) {
  StartReceiver([](size_t n, const std::string&) { return n == 0 ? 400 : 200; });
  auto sender = WebhookSender::Start(Options());
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(0));
  (*sender)->Send(Event(1));
  ASSERT_TRUE(Settled(**sender, 2));
  const std::vector<Received> got = ReceivedNow();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].delivery, "evt-0");
  EXPECT_EQ(got[1].delivery, "evt-1");
  const WebhookStats st = (*sender)->Stats();
  EXPECT_EQ(st.failed, 1u);
  EXPECT_EQ(st.delivered, 1u);
}

TEST_F(WebhookSenderServerTest, GivesUpAfterTheRetries) {
  StartReceiver([](size_t, const std::string&) { return 503; });
  WebhookOptions o = Options();
  o.retries = 2;
  auto sender = WebhookSender::Start(o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(0));
  ASSERT_TRUE(Settled(**sender, 1));
  EXPECT_EQ(ReceivedNow().size(), 3u) << "one try and two retries";
  EXPECT_EQ((*sender)->Stats().failed, 1u);
}

TEST_F(WebhookSenderServerTest, AFullQueueDropsTheOldestAndCountsThem) {
  // The receiver holds its first answer until released: evt-0 stays in flight meanwhile.
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  StartReceiver([&](size_t n, const std::string&) {
    if (n == 0) {
      std::unique_lock lock(gate_mu);
      gate_cv.wait_for(lock, 5s, [&] { return open; });
    }
    return 200;
  });
  WebhookOptions o = Options();
  o.max_queue = 3;
  auto sender = WebhookSender::Start(o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(0));
  ASSERT_TRUE(Eventually([&] { return ReceivedNow().size() == 1; }));
  for (int i = 1; i < 10; ++i)
    (*sender)->Send(Event(i));
  EXPECT_EQ((*sender)->Stats().queued, 4u) << "3 waiting + 1 in flight";
  EXPECT_EQ((*sender)->Stats().dropped, 6u);
  {
    std::lock_guard lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(Settled(**sender, 10));
  std::vector<std::string> ids;
  for (const Received& r : ReceivedNow())
    ids.push_back(r.delivery);
  EXPECT_EQ(ids, (std::vector<std::string>{"evt-0", "evt-7", "evt-8", "evt-9"}));
  EXPECT_EQ((*sender)->Stats().delivered, 4u);
}

// A port with nothing listening: connections are refused at once.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));  // bound, never listening
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_;
  uint16_t port_ = 0;
};

TEST(WebhookSenderDeadTest, ARefusingTargetBlocksNoSenderAndStopsAtItsDeadline) {
  ClosedPort closed;
  WebhookOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(closed.port()) + "/hook";
  o.retries = 1000;  // would retry for minutes
  o.first_backoff = 20ms;
  o.max_backoff = 20ms;
  o.max_queue = 16;
  auto sender = WebhookSender::Start(o);
  ASSERT_TRUE(sender.ok());
  const auto begin = SteadyClock::now();
  for (int i = 0; i < 1000; ++i)
    (*sender)->Send({"evt-" + std::to_string(i), "publish_started", "{}"});
  EXPECT_LT(SteadyClock::now() - begin, 200ms) << "Send never waits for the network";
  WebhookStats st = (*sender)->Stats();
  EXPECT_LE(st.queued, 17u);
  EXPECT_GE(st.dropped, 1000u - 17u);
  EXPECT_EQ(st.delivered, 0u);

  const auto stop = SteadyClock::now();
  (*sender)->Stop(stop + 100ms);
  EXPECT_LT(SteadyClock::now() - stop, 1s) << "the shutdown grace bounds the retries";
  st = (*sender)->Stats();
  EXPECT_EQ(st.queued, 0u);
  EXPECT_EQ(st.delivered + st.failed + st.dropped, 1000u) << "every event accounted for";
  (*sender)->Send({"late", "publish_ended", "{}"});
  EXPECT_EQ((*sender)->Stats().dropped, st.dropped + 1) << "after Stop: dropped, counted";
}

TEST_F(WebhookSenderServerTest, ShutdownLetsPendingEventsGoUntilTheDeadline) {
  StartReceiver([](size_t, const std::string&) {
    std::this_thread::sleep_for(100ms);  // a slow endpoint
    return 200;
  });
  auto sender = WebhookSender::Start(Options());
  ASSERT_TRUE(sender.ok());
  for (int i = 0; i < 30; ++i)
    (*sender)->Send(Event(i));
  const auto stop = SteadyClock::now();
  (*sender)->Stop(stop + 550ms);
  const auto took = SteadyClock::now() - stop;
  EXPECT_GE(took, 400ms) << "pending events got their chance";
  EXPECT_LT(took, 1500ms) << "and no more";
  const WebhookStats st = (*sender)->Stats();
  EXPECT_GE(st.delivered, 3u);
  EXPECT_LT(st.delivered, 30u);
  EXPECT_EQ(st.delivered + st.dropped, 30u);
  EXPECT_EQ(st.queued, 0u);
}

TEST_F(WebhookSenderServerTest, AHangingRequestIsAbortedAtTheDeadline) {
  StartReceiver([](size_t, const std::string&) {
    std::this_thread::sleep_for(2s);  // much longer than the grace
    return 200;
  });
  WebhookOptions o = Options();
  o.timeout = 10s;
  auto sender = WebhookSender::Start(o);
  ASSERT_TRUE(sender.ok());
  (*sender)->Send(Event(0));
  ASSERT_TRUE(Eventually([&] { return ReceivedNow().size() == 1; }));
  const auto stop = SteadyClock::now();
  (*sender)->Stop(stop + 200ms);
  EXPECT_LT(SteadyClock::now() - stop, 1500ms);
  EXPECT_EQ((*sender)->Stats().dropped, 1u);
}

}  // namespace
}  // namespace strait::transport::http
