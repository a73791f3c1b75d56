// Webhooks end to end: a real ffmpeg RTMP push into a live strait (the ladder on, one small rung)
// and a card PUT and DELETE through the API (curl) make strait POST publish_started, card_shown,
// card_hidden and publish_ended, in that order, to a receiver on 127.0.0.1 — each signed so that
// `openssl dgst -sha256 -hmac` over "<t>.<body>" gives the header's v1, each with the headers the
// README documents, none with the stream key; the card events name the EXT-X-DATERANGE the
// playlist carries and the picture's program date time.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "pipeline/card_json.h"
#include "tests/support/live_fixture.h"
#include "transport/http/server.h"

namespace strait {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace http = transport::http;
using test::HttpFetch;

constexpr char kToken[] = "webhooks-live-test-token";
constexpr char kSecret[] = "whsec_live_test_5e1f09a2";
constexpr char kCard[] = R"({"template": "banner", "title": "Flash sale",
  "animation": {"kind": "none"}})";

struct Hook {
  std::string content_type, event, delivery, signature, body;
};

// An HTTP endpoint on 127.0.0.1 that records every POST and answers 204.
class HookReceiver {
 public:
  HookReceiver() {
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.max_requests_per_second = 0;
    auto server = http::Server::Start(io_, o, [this](const http::Request& req, http::Reply reply) {
      {
        std::lock_guard lock(mu_);
        hooks_.push_back({std::string(req.Header("content-type")),
                          std::string(req.Header("strait-event")),
                          std::string(req.Header("strait-delivery")),
                          std::string(req.Header("strait-signature")), req.body});
      }
      reply(http::Response::Text(204, ""));
    });
    EXPECT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HookReceiver() {
    server_.reset();
    guard_.reset();
    thread_.join();
  }
  std::string Url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
  }
  std::vector<Hook> Hooks() {
    std::lock_guard lock(mu_);
    return hooks_;
  }
  // Waits until a hook of `type` arrived; its index.
  std::optional<size_t> WaitFor(const std::string& type, std::chrono::seconds timeout) {
    for (auto until = std::chrono::steady_clock::now() + timeout;;) {
      const std::vector<Hook> hooks = Hooks();
      for (size_t i = 0; i < hooks.size(); ++i)
        if (hooks[i].event == type)
          return i;
      if (std::chrono::steady_clock::now() > until)
        return std::nullopt;
      std::this_thread::sleep_for(50ms);
    }
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Hook> hooks_;  // guarded by mu_
};

class WebhooksLiveTest : public test::LiveServerTest {
 protected:
  void Configure(pipeline::Config& config) override {
    config.transcode.enabled = true;  // cards are drawn by the transcode graph
    config.transcode.encoder = "x264";
    pipeline::RungConfig small;
    small.name = "240p";
    small.height = 240;
    small.bitrate_kbps = 300;
    small.preset = "ultrafast";
    config.transcode.ladders["default"] = {small};
    config.hls.segment_duration_s = 1;
    config.api.token = kToken;
    pipeline::WebhookTarget hook;
    hook.url = receiver_.Url();
    hook.events = pipeline::kWebhookEventTypes;
    hook.secret = kSecret;
    config.webhooks = {hook};
  }
  void TearDown() override { app_.reset(); }  // before the receiver goes

  int Curl(const std::string& method, const std::string& path, const std::string& body = "") {
    const std::string file = dir_.File("card.json");
    std::ofstream(file) << body;
    auto r = test::RunCommand(
        "curl -s -o /dev/null -w '%{http_code}' -X " + method + " -H 'Authorization: Bearer " +
        kToken + "' -H 'Content-Type: application/json'" +
        (body.empty() ? "" : " --data-binary @" + file) + " " + HttpUrl(path));
    return std::atoi(r.output.c_str());
  }

  // The v1 of "<t>.<body>" as the openssl CLI computes it.
  std::string OpensslHmac(const std::string& t, const std::string& body) {
    const std::string file = dir_.File("signed.txt");
    std::ofstream(file, std::ios::binary) << t << "." << body;
    auto r = test::RunCommand("openssl dgst -sha256 -hmac '" + std::string(kSecret) + "' " + file);
    const size_t eq = r.output.rfind("= ");
    return eq == std::string::npos ? r.output : r.output.substr(eq + 2, 64);
  }

  HookReceiver receiver_;
};

TEST_F(WebhooksLiveTest, APushAndACardMakeSignedEventsInOrder) {
  const auto push_began = std::chrono::system_clock::now();
  test::BackgroundProcess push(
      "ffmpeg -v error -re -f lavfi -i testsrc2=s=640x360:r=25 -f lavfi -i "
      "sine=frequency=440:sample_rate=48000 -t 6 -c:v libx264 -preset veryfast -g 25 "
      "-pix_fmt yuv420p -c:a aac -f flv " +
          RtmpUrl(test::kKey),
      dir_.File("push.log"));
  ASSERT_TRUE(receiver_.WaitFor("publish_started", 10s)) << push.Log();
  ASSERT_EQ(WaitFor("/live/shop1/240p/playlist.m3u8", "#EXTINF", 15s).status, 200);
  ASSERT_EQ(Curl("PUT", "/api/v1/streams/shop1/cards/flash", kCard), 201);
  ASSERT_TRUE(receiver_.WaitFor("card_shown", 10s));
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(Curl("DELETE", "/api/v1/streams/shop1/cards/flash"), 204);
  ASSERT_TRUE(receiver_.WaitFor("card_hidden", 10s));
  const std::string playlist = HttpFetch(HttpUrl("/live/shop1/240p/playlist.m3u8")).body;
  ASSERT_EQ(push.Wait(30s), 0) << push.Log();
  ASSERT_TRUE(receiver_.WaitFor("publish_ended", 15s));

  const std::vector<Hook> hooks = receiver_.Hooks();
  std::vector<std::string> types;
  std::map<std::string, json> by_type;
  for (const Hook& h : hooks) {
    types.push_back(h.event);
    EXPECT_EQ(h.content_type, "application/json");
    EXPECT_EQ(h.body.find(test::kKey), std::string::npos) << "the stream key leaked: " << h.body;
    const json doc = json::parse(h.body);
    EXPECT_EQ(doc["type"], h.event);
    EXPECT_EQ(doc["id"], h.delivery);
    EXPECT_EQ(doc["stream"], "shop1");
    const auto time = pipeline::ParseRfc3339(doc["time"].get<std::string>());
    ASSERT_TRUE(time) << doc["time"];
    EXPECT_GE(*time, push_began - 1s);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(h.signature, m, std::regex("t=(\\d+),v1=([0-9a-f]{64})")))
        << h.signature;
    EXPECT_EQ(m[2].str(), OpensslHmac(m[1].str(), h.body)) << "signature of " << h.body;
    const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(std::stoll(m[1])));
    EXPECT_LT(std::chrono::abs(std::chrono::system_clock::now() - t), 120s);
    by_type.emplace(h.event, doc);
  }
  EXPECT_EQ(types, (std::vector<std::string>{"publish_started", "card_shown", "card_hidden",
                                             "publish_ended"}));

  const json& started = by_type["publish_started"]["data"];
  EXPECT_EQ(started["protocol"], "rtmp");
  EXPECT_TRUE(started["remote_addr"].get<std::string>().starts_with("127.0.0.1:")) << started;
  EXPECT_EQ(started["video"]["codec"], "h264") << started;
  EXPECT_EQ(started["video"]["width"], 640);
  EXPECT_EQ(started["video"]["height"], 360);
  EXPECT_EQ(started["audio"]["codec"], "aac") << started;

  const json& shown = by_type["card_shown"]["data"];
  const json& hidden = by_type["card_hidden"]["data"];
  EXPECT_EQ(shown["card_id"], "flash");
  EXPECT_EQ(shown["template"], "banner");
  EXPECT_EQ(hidden["card_id"], "flash");
  EXPECT_EQ(shown["revision"], hidden["revision"]);
  EXPECT_GT(hidden["media_time_90k"].get<int64_t>(), shown["media_time_90k"].get<int64_t>());
  const std::string range = shown["date_range_id"].get<std::string>();
  EXPECT_EQ(hidden["date_range_id"], range);
  EXPECT_NE(playlist.find("#EXT-X-DATERANGE:ID=\"" + range + "\""), std::string::npos)
      << range << " in\n"
      << playlist;
  ASSERT_TRUE(shown.contains("program_date_time")) << shown;
  const auto pdt = pipeline::ParseRfc3339(shown["program_date_time"].get<std::string>());
  ASSERT_TRUE(pdt);
  EXPECT_GT(*pdt, push_began);
  EXPECT_LT(*pdt, std::chrono::system_clock::now());

  const json& ended = by_type["publish_ended"]["data"];
  EXPECT_EQ(ended["protocol"], "rtmp");
  EXPECT_GT(ended["bytes"].get<int64_t>(), 10000) << ended;
  EXPECT_GT(ended["duration_ms"].get<int64_t>(), 4000) << ended;
  EXPECT_LT(ended["duration_ms"].get<int64_t>(), 30000) << ended;
  EXPECT_FALSE(ended["reason"].get<std::string>().empty());

  // The sender counts a delivery once it has read the answer: a moment after the receiver saw it.
  const std::string label = "{target=\"" + receiver_.Url() + "\"}";
  std::string metrics;
  for (int i = 0; i < 40; ++i, std::this_thread::sleep_for(50ms)) {
    metrics = HttpFetch(HttpUrl("/metrics")).body;
    if (metrics.find("strait_webhook_delivered_total" + label + " 4\n") != std::string::npos)
      break;
  }
  EXPECT_NE(metrics.find("strait_webhook_delivered_total" + label + " 4\n"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("strait_webhook_failed_total" + label + " 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("strait_webhook_dropped_total" + label + " 0\n"), std::string::npos);
}

}  // namespace
}  // namespace strait
