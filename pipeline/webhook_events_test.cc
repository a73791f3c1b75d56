#include "pipeline/webhook_events.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "overlays/card.h"

namespace strait::pipeline {
namespace {

using std::chrono::system_clock;

// 2026-03-01T18:00:00.123Z
const system_clock::time_point kTime =
    system_clock::time_point(std::chrono::milliseconds(1772388000123));

TEST(WebhookEventsTest, TheEnvelopeWrapsTheData) {
  const WebhookEvent e{"publish_started", "shop1", R"({"protocol":"rtmp"})"};
  EXPECT_EQ(WebhookBody(e, "0190a3f2-6b1c-7d2e-8f00-123456789abc", kTime),
            R"({"id":"0190a3f2-6b1c-7d2e-8f00-123456789abc","type":"publish_started",)"
            R"("time":"2026-03-01T18:00:00.123Z","stream":"shop1","data":{"protocol":"rtmp"}})");
  const nlohmann::json parsed =
      nlohmann::json::parse(WebhookBody({"card_shown", "s", ""}, "x", kTime));
  EXPECT_TRUE(parsed["data"].is_object()) << "no data: an empty object";
}

TEST(WebhookEventsTest, PublishStartedSaysWhatIsKnown) {
  PublishFacts p;
  p.stream = "shop1";
  p.protocol = "srt";
  p.remote = "203.0.113.7:40022";
  p.resumed = true;
  TrackInfo video;
  video.kind = MediaKind::kVideo;
  video.codec = CodecId::kHevc;
  video.width = 1920;
  video.height = 1080;
  video.frame_rate = 29.97;
  p.tracks = {video};
  const WebhookEvent e = PublishStartedEvent(p);
  EXPECT_EQ(e.type, "publish_started");
  EXPECT_EQ(e.stream, "shop1");
  EXPECT_EQ(e.data, R"({"protocol":"srt","remote_addr":"203.0.113.7:40022","resumed":true,)"
                    R"("video":{"codec":"hevc","width":1920,"height":1080,"frame_rate":29.97}})");
}

TEST(WebhookEventsTest, PublishEndedSaysWhyHowLongAndHowMuch) {
  PublishFacts p;
  p.stream = "shop2";
  p.protocol = "rtmp";
  p.remote = "127.0.0.1:5000";
  p.duration = std::chrono::milliseconds(61234);
  p.bytes = 9876543210;
  EXPECT_EQ(PublishEndedEvent(p).data,
            R"({"protocol":"rtmp","remote_addr":"127.0.0.1:5000","clean":true,)"
            R"("reason":"unpublished","duration_ms":61234,"bytes":9876543210})");
  p.error = "read error: \"Connection reset by peer\"";
  const nlohmann::json d = nlohmann::json::parse(PublishEndedEvent(p).data);
  EXPECT_EQ(d["clean"], false);
  EXPECT_EQ(d["reason"], "read error: \"Connection reset by peer\"");
}

TEST(WebhookEventsTest, CardChangesCarryTheMediaTimeDateAndRange) {
  auto card = std::make_shared<overlays::Card>();
  card->id = "sneakers";
  card->title = "Red \"sneakers\" \xff";  // quotes escaped, the invalid byte replaced
  CardChange c{"shop1", true, card, 7, 1234567, "card-sneakers-1772388000000-3"};
  const WebhookEvent shown = CardChangeEvent(c, kTime);
  EXPECT_EQ(shown.type, "card_shown");
  EXPECT_EQ(shown.stream, "shop1");
  EXPECT_EQ(shown.data,
            "{\"card_id\":\"sneakers\",\"revision\":7,\"template\":\"product\",\"title\":\"Red "
            "\\\"sneakers\\\" \xef\xbf\xbd\",\"media_time_90k\":1234567,\"program_date_time\":"
            "\"2026-03-01T18:00:00.123Z\",\"date_range_id\":\"card-sneakers-1772388000000-3\"}");
  card->title.clear();
  card->kind = overlays::CardTemplate::kBanner;
  c.shown = false;
  c.date_range_id.clear();
  const WebhookEvent hidden = CardChangeEvent(c, std::nullopt);
  EXPECT_EQ(hidden.type, "card_hidden");
  EXPECT_EQ(hidden.data,
            R"({"card_id":"sneakers","revision":7,"template":"banner","media_time_90k":1234567})");
}

TEST(WebhookEventsTest, EventIdsAreVersion7UuidsSortedByTime) {
  const std::array<uint8_t, 10> r = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const std::string id = EventId(kTime, r);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  EXPECT_EQ(id, "019caa8e-a17b-7fff-bfff-ffffffffffff");  // 1772388000123 = 0x019caa8ea17b
  const std::string later = EventId(kTime + std::chrono::milliseconds(1), {});
  EXPECT_LT(id, later);
  std::set<std::string> ids;
  for (uint8_t i = 0; i < 100; ++i)
    ids.insert(EventId(kTime, {0, i}));  // (the first byte gives 4 bits: the version takes 4)
  EXPECT_EQ(ids.size(), 100u);
}

}  // namespace
}  // namespace strait::pipeline
