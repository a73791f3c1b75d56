#include "pipeline/stream_registry.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "pipeline/metrics.h"

namespace strait::pipeline {
namespace {

using transport::PublishRefusal;
using transport::PublishRequest;

class StreamRegistryTest : public ::testing::Test {
 protected:
  StreamRegistryTest()
      : logger_(std::make_shared<spdlog::logger>("t",
                                                 std::make_shared<spdlog::sinks::null_sink_mt>())) {
    config_.streams = {{"shop1", "sk_111111", "", "", "", ""},
                       {"shop2", "sk_222222", "shop2-passphrase", "rk_222222", "", ""}};
    config_.transcode.enabled = false;
    registry_ = std::make_unique<StreamRegistry>(config_, clock_, catalog_, logger_);
  }
  PublishRequest Req(const std::string& key, const std::string& app = "live") {
    return PublishRequest{"rtmp", app, key, "127.0.0.1:5000"};
  }

  Config config_;
  FakeClock clock_;
  transport::hls::Catalog catalog_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<StreamRegistry> registry_;
};

TEST_F(StreamRegistryTest, ConfiguredStreamsAreInTheCatalogByPublicName) {
  EXPECT_NE(catalog_.Find("shop1"), nullptr);
  EXPECT_NE(catalog_.Find("shop2"), nullptr);
  EXPECT_EQ(catalog_.Find("sk_111111"), nullptr);
}

TEST_F(StreamRegistryTest, UnknownKeyAndWrongAppAreRefused) {
  auto d = registry_->Publish(Req("sk_nope"));
  EXPECT_EQ(d.sink, nullptr);
  EXPECT_EQ(d.refusal, PublishRefusal::kUnknownKey);
  EXPECT_EQ(d.message, "unknown stream key");
  auto e = registry_->Publish(Req("sk_111111", "other"));
  EXPECT_EQ(e.sink, nullptr);
  EXPECT_EQ(e.refusal, PublishRefusal::kUnknownKey);
  EXPECT_EQ(registry_->refused(PublishRefusal::kUnknownKey), 2u);
}

TEST_F(StreamRegistryTest, SecondPublisherIsRefusedUntilTheFirstEnds) {
  auto first = registry_->Publish(Req("sk_111111"));
  ASSERT_NE(first.sink, nullptr);
  EXPECT_EQ(first.stream_name, "shop1");
  auto second = registry_->Publish(Req("sk_111111"));
  EXPECT_EQ(second.sink, nullptr);
  EXPECT_EQ(second.refusal, PublishRefusal::kAlreadyLive);
  EXPECT_EQ(second.message.find("sk_111111"), std::string::npos)
      << "key leaked: " << second.message;
  // Another stream is unaffected.
  EXPECT_NE(registry_->Publish(Req("sk_222222")).sink, nullptr);
  EXPECT_EQ(registry_->live_count(), 1u);  // the shop2 sink above was destroyed → ended
  first.sink->OnEnd(OkStatus());
  EXPECT_EQ(registry_->live_count(), 0u);
  EXPECT_NE(registry_->Publish(Req("sk_111111")).sink, nullptr);
}

TEST_F(StreamRegistryTest, CheckDecidesWithoutTakingTheStream) {
  auto unknown = registry_->Check(Req("sk_nope"));
  EXPECT_EQ(unknown.refusal, PublishRefusal::kUnknownKey);
  auto ok = registry_->Check(Req("sk_222222"));
  EXPECT_EQ(ok.refusal, PublishRefusal::kNone);
  EXPECT_EQ(ok.passphrase, "shop2-passphrase");
  EXPECT_EQ(registry_->live_count(), 0u);
  EXPECT_EQ(registry_->refused(PublishRefusal::kUnknownKey), 1u);  // a refused check is final
  auto held = registry_->Publish(Req("sk_222222"));
  ASSERT_NE(held.sink, nullptr);
  EXPECT_EQ(registry_->Check(Req("sk_222222")).refusal, PublishRefusal::kAlreadyLive);
}

TEST_F(StreamRegistryTest, SessionCountsIngestAndMetricsNameNoKeys) {
  auto d = registry_->Publish(Req("sk_111111"));
  ASSERT_NE(d.sink, nullptr);
  d.sink->OnBytes(1000);
  clock_.Advance(std::chrono::seconds(1));
  d.sink->OnBytes(250000);  // 251000 bytes over 1 s
  d.sink->OnPacket(Packet(1, MediaKind::kAudio, CodecId::kAac, {1, 2, 3}, 0, 0, kMillis, true));
  auto views = registry_->Streams();
  ASSERT_EQ(views.size(), 2u);
  EXPECT_TRUE(views[0].live);
  EXPECT_EQ(views[0].bytes, 251000u);
  EXPECT_EQ(views[0].audio_packets, 1u);
  EXPECT_EQ(views[0].bitrate_bps, 2008000);
  ServerView server;
  server.http_requests_by_status = {{200, 5}};
  server.http_refused_per_ip = 7;
  const std::string text = RenderMetrics(views, server);
  EXPECT_NE(text.find("strait_stream_publishing{stream=\"shop1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("strait_stream_publishing{stream=\"shop2\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("strait_stream_ingest_bytes_total{stream=\"shop1\"} 251000\n"),
            std::string::npos);
  EXPECT_NE(text.find("strait_stream_ingest_packets_total{stream=\"shop1\",kind=\"audio\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("strait_http_requests_total{code=\"200\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("strait_http_connections_refused_total{reason=\"per_address\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE strait_stream_ingest_bitrate_bps gauge"), std::string::npos);
  EXPECT_EQ(text.find("sk_"), std::string::npos);
  d.sink->OnEnd(Error("connection reset"));
  EXPECT_FALSE(registry_->Streams()[0].live);
  EXPECT_EQ(registry_->Streams()[0].bitrate_bps, 0);
}

TEST_F(StreamRegistryTest, APublishEmitsStartedAtItsFirstPacketAndEndedAtItsEnd) {
  std::vector<WebhookEvent> events;
  registry_->SetWebhookSink([&](const WebhookEvent& e) { events.push_back(e); });
  auto d = registry_->Publish(Req("sk_111111"));
  ASSERT_NE(d.sink, nullptr);
  TrackInfo video;
  video.kind = MediaKind::kVideo;
  video.codec = CodecId::kH264;
  video.width = 1280;
  video.height = 720;
  TrackInfo audio;
  audio.id = 1;
  audio.kind = MediaKind::kAudio;
  audio.codec = CodecId::kAac;
  audio.sample_rate = 48000;
  audio.channels = 2;
  d.sink->OnTrack(video);
  d.sink->OnTrack(audio);
  d.sink->OnBytes(4000);
  EXPECT_TRUE(events.empty()) << "started waits for the first packet (the codecs known)";
  d.sink->OnPacket(Packet(0, MediaKind::kVideo, CodecId::kH264, {1, 2}, 0, 0, kMillis, true));
  d.sink->OnPacket(Packet(1, MediaKind::kAudio, CodecId::kAac, {1, 2}, 0, 0, kMillis, true));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "publish_started");
  EXPECT_EQ(events[0].stream, "shop1");
  EXPECT_EQ(events[0].data, R"({"protocol":"rtmp","remote_addr":"127.0.0.1:5000","resumed":false,)"
                            R"("video":{"codec":"h264","width":1280,"height":720},)"
                            R"("audio":{"codec":"aac","sample_rate":48000,"channels":2}})");
  clock_.Advance(std::chrono::milliseconds(2500));
  d.sink->OnBytes(6000);
  d.sink->OnEnd(Error("connection dropped"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, "publish_ended");
  EXPECT_EQ(events[1].data, R"({"protocol":"rtmp","remote_addr":"127.0.0.1:5000","clean":false,)"
                            R"("reason":"connection dropped","duration_ms":2500,"bytes":10000})");
  for (const WebhookEvent& e : events)
    EXPECT_EQ(e.data.find("sk_"), std::string::npos) << "no key in a payload: " << e.data;

  // A publish that sends no media still gets both, in order; a clean end says so.
  auto quiet = registry_->Publish(PublishRequest{"srt", "live", "sk_222222", "10.0.0.9:4000"});
  ASSERT_NE(quiet.sink, nullptr);
  quiet.sink->OnEnd(OkStatus());
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[2].type, "publish_started");
  EXPECT_EQ(events[2].stream, "shop2");
  EXPECT_EQ(events[2].data, R"({"protocol":"srt","remote_addr":"10.0.0.9:4000","resumed":false})");
  EXPECT_EQ(events[3].type, "publish_ended");
  EXPECT_NE(events[3].data.find(R"("clean":true,"reason":"unpublished","duration_ms":0)"),
            std::string::npos)
      << events[3].data;
  EXPECT_EQ(registry_->ProgramDateTime("shop1", 0), std::nullopt) << "no transcode graph";
}

TEST_F(StreamRegistryTest, PlayByPublicNameOnlyWhileLive) {
  const transport::PlayRequest req{"srt", "live", "shop1", "127.0.0.1:6000", ""};
  EXPECT_EQ(registry_->CheckPlay(req).refusal, PublishRefusal::kUnknownKey);  // not live
  EXPECT_EQ(registry_->Play(req).source, nullptr);
  auto unknown = registry_->Play({"srt", "live", "nope", "127.0.0.1:6000", ""});
  EXPECT_EQ(unknown.refusal, PublishRefusal::kUnknownKey);
  // The key is not a name: playing by key is refused, saying why (a publisher's access control
  // streamid without m=publish), without the key.
  const transport::PublishCheck by_key =
      registry_->CheckPlay({"srt", "live", "sk_111111", "p", ""});
  EXPECT_EQ(by_key.refusal, PublishRefusal::kUnknownKey);
  EXPECT_NE(by_key.message.find("m=publish"), std::string::npos) << by_key.message;
  EXPECT_EQ(by_key.message.find("sk_"), std::string::npos) << by_key.message;

  // shop2 has a read key: without it, or with a wrong one, readers are forbidden (even not live).
  EXPECT_EQ(registry_->CheckPlay({"srt", "live", "shop2", "p", ""}).refusal,
            PublishRefusal::kForbidden);
  EXPECT_EQ(registry_->CheckPlay({"srt", "live", "shop2", "p", "rk_wrong"}).refusal,
            PublishRefusal::kForbidden);
  EXPECT_EQ(registry_->CheckPlay({"srt", "live", "shop2", "p", "rk_222222"}).refusal,
            PublishRefusal::kUnknownKey);  // right key, but not live

  auto d = registry_->Publish(Req("sk_111111"));
  ASSERT_NE(d.sink, nullptr);
  TrackInfo video;
  video.kind = MediaKind::kVideo;
  video.codec = CodecId::kH264;
  d.sink->OnTrack(video);
  EXPECT_EQ(registry_->CheckPlay(req).refusal, PublishRefusal::kNone);
  auto play = registry_->Play(req);
  ASSERT_NE(play.source, nullptr);
  EXPECT_EQ(play.stream_name, "shop1");
  EXPECT_EQ(play.source->Tracks().size(), 1u);
  d.sink->OnPacket(Packet(0, MediaKind::kVideo, CodecId::kH264, {1, 2}, 0, 0, kMillis, true));
  auto p = play.source->Next(std::chrono::milliseconds(0));
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_TRUE((*p)->keyframe());
  d.sink->OnEnd(OkStatus());
  EXPECT_FALSE(play.source->Next(std::chrono::milliseconds(0)).ok());
}

}  // namespace
}  // namespace strait::pipeline
