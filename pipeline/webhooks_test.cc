// Webhooks (the hub) against two real receivers' endpoints on 127.0.0.1: each target gets the
// types it asked for, one event has one id and one body at every target, and /metrics shows the
// counters per target without the URL's query.
#include "pipeline/webhooks.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "pipeline/metrics.h"
#include "transport/http/test_client.h"

namespace strait::pipeline {
namespace {

namespace http = transport::http;

struct Hit {
  std::string path, event, delivery, body;
};

class WebhooksTest : public http::testing::ServerFixture {
 protected:
  void SetUp() override {
    http::ServerOptions o;
    o.max_requests_per_second = 0;
    StartServer(
        [this](const http::Request& req, http::Reply reply) {
          {
            std::lock_guard lock(mu_);
            hits_.push_back({req.path, std::string(req.Header("strait-event")),
                             std::string(req.Header("strait-delivery")), req.body});
          }
          reply(http::Response::Text(200, "ok\n"));
        },
        o);
  }
  std::vector<Hit> Hits(const std::string& path) {
    std::lock_guard lock(mu_);
    std::vector<Hit> out;
    for (const Hit& h : hits_)
      if (h.path == path)
        out.push_back(h);
    return out;
  }

  FakeClock clock_;
  std::shared_ptr<spdlog::logger> logger_ =
      std::make_shared<spdlog::logger>("t", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::mutex mu_;
  std::vector<Hit> hits_;  // guarded by mu_
};

TEST_F(WebhooksTest, EachTargetGetsTheTypesItAskedForWithOneIdPerEvent) {
  WebhookTarget all;
  all.url = Url("/all?token=abc");
  all.events = kWebhookEventTypes;
  WebhookTarget cards;
  cards.url = Url("/cards");
  cards.events = {"card_shown", "card_hidden"};
  cards.secret = "whsec_0123456789abcdef";
  auto hooks = Webhooks::Start({all, cards}, clock_, logger_);
  WebhookSink sink = hooks->Sink();
  ASSERT_TRUE(sink);
  sink({"publish_started", "shop1", R"({"protocol":"rtmp"})"});
  sink({"card_shown", "shop1", R"({"card_id":"sneakers"})"});
  sink({"card_hidden", "shop1", R"({"card_id":"sneakers"})"});
  sink({"publish_ended", "shop1", R"({"clean":true})"});
  ASSERT_TRUE(http::testing::Eventually(
      [&] { return Hits("/all").size() == 4 && Hits("/cards").size() == 2; }));

  const std::vector<Hit> a = Hits("/all"), c = Hits("/cards");
  EXPECT_EQ(a[0].event, "publish_started");
  EXPECT_EQ(a[1].event, "card_shown");
  EXPECT_EQ(a[2].event, "card_hidden");
  EXPECT_EQ(a[3].event, "publish_ended");
  EXPECT_EQ(c[0].event, "card_shown");
  EXPECT_EQ(c[1].event, "card_hidden");
  EXPECT_EQ(c[0].delivery, a[1].delivery) << "one event, one id at every target";
  EXPECT_EQ(c[0].body, a[1].body);
  std::set<std::string> ids;
  for (const Hit& h : a) {
    const nlohmann::json doc = nlohmann::json::parse(h.body);
    EXPECT_EQ(doc["id"], h.delivery);
    EXPECT_EQ(doc["type"], h.event);
    EXPECT_EQ(doc["stream"], "shop1");
    EXPECT_EQ(doc["time"], "2025-11-28T00:00:00.000Z");  // the FakeClock's wall time
    EXPECT_TRUE(doc["data"].is_object());
    ids.insert(h.delivery);
  }
  EXPECT_EQ(ids.size(), 4u);

  hooks->Shutdown(std::chrono::milliseconds(500));
  ServerView server;
  for (const auto& [target, s] : hooks->Stats())
    server.webhooks.push_back({target, s.delivered, s.failed, s.dropped, s.queued});
  const std::string text = RenderMetrics({}, server);
  EXPECT_NE(text.find("strait_webhook_delivered_total{target=\"" + Url("/all") + "\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("strait_webhook_delivered_total{target=\"" + Url("/cards") + "\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("strait_webhook_failed_total{target=\"" + Url("/all") + "\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("strait_webhook_dropped_total{target=\"" + Url("/all") + "\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("strait_webhook_queued{target=\"" + Url("/all") + "\"} 0\n"),
            std::string::npos);
  EXPECT_EQ(text.find("token=abc"), std::string::npos) << "the query stays out of labels";
  sink({"publish_started", "shop1", "{}"});
  EXPECT_EQ(hooks->Stats()[0].second.dropped, 1u) << "after shutdown: dropped, counted";
}

TEST_F(WebhooksTest, NoTargetsNoSink) {
  auto hooks = Webhooks::Start({}, clock_, logger_);
  EXPECT_FALSE(hooks->Sink());
  hooks->Emit({"publish_started", "shop1", "{}"});  // nothing to do, nothing breaks
  EXPECT_TRUE(hooks->Stats().empty());
  WebhookTarget bad;
  bad.url = "gopher://x.example/";
  bad.events = kWebhookEventTypes;
  EXPECT_TRUE(Webhooks::Start({bad}, clock_, logger_)->Stats().empty()) << "logged and skipped";
}

}  // namespace
}  // namespace strait::pipeline
