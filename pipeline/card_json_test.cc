// Card JSON helpers: RFC 3339 times both ways, RFC 7396 merge patches, strict field reading.
#include "pipeline/card_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace strait::pipeline {
namespace {

using json = nlohmann::json;
using namespace std::chrono;

TEST(CardJsonTest, Rfc3339TimesWithFractionsAndOffsets) {
  const auto utc = ParseRfc3339("2026-12-03T20:00:00Z");
  ASSERT_TRUE(utc);
  EXPECT_EQ(duration_cast<seconds>(utc->time_since_epoch()).count(), 1796328000);
  EXPECT_EQ(*ParseRfc3339("2026-12-04T05:00:00+09:00"), *utc);
  EXPECT_EQ(*ParseRfc3339("2026-12-03T15:30:00-04:30"), *utc);
  EXPECT_EQ(*ParseRfc3339("2026-12-03T20:00:00.25Z") - *utc, milliseconds(250));
  EXPECT_EQ(FormatRfc3339(*utc + milliseconds(7)), "2026-12-03T20:00:00.007Z");
  EXPECT_EQ(*ParseRfc3339("2026-12-03t20:00:00z"), *utc);  // RFC 3339 5.6: any case
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("1970-01-01T00:00:00Z")), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(*ParseRfc3339("2200-12-31T23:59:59Z")), "2200-12-31T23:59:59.000Z");
  for (const char* bad : {"tomorrow", "2026-12-03", "2026-13-03T20:00:00Z", "2026-02-30T20:00:00Z",
                          "2026-12-03T24:00:00Z", "2026-12-03T20:00:00", "2026-12-03T20:00:00.Z",
                          "2026-12-03T20:00:00Zjunk", "2026-12-03T20:00:00+9:00",
                          // signs and spaces where digits belong; years the clock cannot hold
                          // (card_api_fuzzer: year 1013 overflowed the nanosecond conversion)
                          "+202-12-03T20:00:00Z", "2026- 1-03T20:00:00Z", "2026-12-+3T20:00:00Z",
                          "1013-12-03T20:00:00.5+01:00", "1969-12-31T23:59:59Z",
                          "2201-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
                          // and in the offset (sscanf read "+-1:30" as 30 minutes ahead)
                          "2026-12-03T20:00:00+-1:30", "2026-12-03T20:00:00+ 1:00",
                          "2026-12-03T20:00:00-+9:00", "2026-12-03T20:00:00+01:-5"}) {
    EXPECT_FALSE(ParseRfc3339(bad)) << bad;
  }
}

TEST(CardJsonTest, MergePatchFollowsRfc7396) {
  json target = json::parse(R"({"a": "b", "c": {"d": "e", "f": "g"}, "k": [1, 2]})");
  MergePatch(target, json::parse(R"({"a": "z", "c": {"f": null}, "k": [3], "n": {"m": 1}})"));
  EXPECT_EQ(target, json::parse(R"({"a": "z", "c": {"d": "e"}, "k": [3], "n": {"m": 1}})"));
}

TEST(CardJsonTest, ReadsEveryFieldAndNamesTheBadOne) {
  const ImageLookup no_images = [](const std::string& id) -> Result<Frame> {
    return Error("no image " + id);
  };
  overlays::Card card;
  auto e = CardFromJson(json::parse(R"({"template": "banner", "title": "Hi", "stock_left": 3,
      "position": {"anchor": "top-right", "margin_x": 0.1}, "theme": {"accent": "#11223344"},
      "animation": {"kind": "slide", "in_ms": 150}, "show_at": "2026-12-03T20:00:00Z"})"),
                        no_images, card);
  ASSERT_FALSE(e) << e->field << ": " << e->message;
  EXPECT_EQ(card.kind, overlays::CardTemplate::kBanner);
  EXPECT_EQ(card.position.anchor, overlays::Anchor::kTopRight);
  EXPECT_DOUBLE_EQ(card.position.margin_x, 0.1);
  EXPECT_EQ(card.theme.accent.a, 0x44);
  EXPECT_EQ(card.animation.in_ms, 150);
  EXPECT_EQ(*card.stock_left, 3);
  EXPECT_TRUE(card.show_at);
  auto bad = CardFromJson(json::parse(R"({"theme": {"accent": "#12"}})"), no_images, card);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "theme.accent");
  bad = CardFromJson(json::parse(R"({"animation": {"in_ms": 1.5}})"), no_images, card);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "animation.in_ms");
  bad = CardFromJson(json::parse(R"({"image": "shoe"})"), no_images, card);
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->field, "image");
  EXPECT_EQ(bad->message, "no image shoe");
}

}  // namespace
}  // namespace strait::pipeline
