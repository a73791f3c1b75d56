#include "overlays/card.h"

#include <gtest/gtest.h>

#include <functional>

namespace strait::overlays {
namespace {

using std::chrono::milliseconds;

const WallTime kT0 = WallTime(std::chrono::seconds(1764288000));

Card Valid() {
  Card c;
  c.id = "sku-1";
  c.title = "Wireless earbuds";
  c.price = {"19.99", "USD"};
  c.original_price = Money{"39.99", "USD"};
  c.discount_label = "-50%";
  c.stock_left = 3;
  c.qr = "https://shop.example/p/1";
  return c;
}

TEST(CardTest, AValidCardPasses) {
  Status s = Valid().Validate();
  EXPECT_TRUE(s.ok()) << s.error().message();
  Card banner;
  banner.id = "b";
  banner.kind = CardTemplate::kBanner;
  banner.title = "Free shipping today";
  EXPECT_TRUE(banner.Validate().ok());
}

struct BadCase {
  const char* field;  // the error must start with it
  std::function<void(Card&)> spoil;
};

TEST(CardTest, ErrorsNameTheField) {
  const std::vector<BadCase> cases = {
      {"id: must not be empty", [](Card& c) { c.id.clear(); }},
      {"title: must not be empty", [](Card& c) { c.title.clear(); }},
      {"title: too long for the card (81 characters, at most 80)",
       [](Card& c) { c.title = std::string(81, 'x'); }},
      {"title: is not valid UTF-8", [](Card& c) { c.title = "caf\xc3"; }},
      // One "character": a letter under 2,000 combining accents (U+0301), which shaping takes
      // seconds over; refused by its bytes.
      {"title: too long for the card (4001 bytes, at most 1280)",
       [](Card& c) {
         c.title = "a";
         for (int i = 0; i < 2000; ++i)
           c.title += "\xcc\x81";
       }},
      {"subtitle: too long", [](Card& c) { c.subtitle = std::string(200, 'y'); }},
      {"discount_label: too long", [](Card& c) { c.discount_label = "save thirty percent"; }},
      {"price.currency: \"XYZ\" is not an ISO 4217 currency code",
       [](Card& c) { c.price.currency = "XYZ"; }},
      {"price.amount: \"19,99\" is not a decimal number",
       [](Card& c) { c.price.amount = "19,99"; }},
      {"price.amount: \"\" is not", [](Card& c) { c.price.amount.clear(); }},
      {"original_price.currency: must be the price's (USD)",
       [](Card& c) {
         c.original_price = Money{"30", "EUR"};
       }},
      {"original_price.amount:",
       [](Card& c) {
         c.original_price = Money{"abc", "USD"};
       }},
      {"image: must be a packed RGBA picture",
       [](Card& c) { c.image = *Frame::AllocateVideo(16, 16, Frame::Layout::kYuv420p); }},
      {"countdown_to: a countdown card needs", [](Card& c) { c.kind = CardTemplate::kCountdown; }},
      {"stock_left: must not be negative", [](Card& c) { c.stock_left = -1; }},
      {"qr: too long", [](Card& c) { c.qr = std::string(300, 'q'); }},
      {"locale: \"en_US!\" is not a BCP 47 language tag", [](Card& c) { c.locale = "en_US!"; }},
      {"position.margin_x: 0.600000 puts the card off the frame",
       [](Card& c) { c.position.margin_x = 0.6; }},
      {"position.margin_y: -0.100000 puts the card off the frame",
       [](Card& c) { c.position.margin_y = -0.1; }},
      {"theme.font_size:", [](Card& c) { c.theme.font_size = 0.5; }},
      {"theme.corner_radius:", [](Card& c) { c.theme.corner_radius = -1; }},
      {"animation.in_ms:", [](Card& c) { c.animation.in_ms = -5; }},
      {"hide_at: must be after show_at",
       [](Card& c) { c.show_at = kT0, c.hide_at = kT0 - milliseconds(1); }},
  };
  for (const BadCase& bad : cases) {
    Card c = Valid();
    bad.spoil(c);
    Status s = c.Validate();
    ASSERT_FALSE(s.ok()) << bad.field;
    EXPECT_EQ(s.error().message().rfind(bad.field, 0), 0u)
        << "want '" << bad.field << "...', got '" << s.error().message() << "'";
  }
}

TEST(CardTest, TextLimitsCountCharactersNotBytes) {
  Card c = Valid();
  // 80 Thai grapheme clusters with combining marks ("ก้" is two code points, one character).
  c.title.clear();
  for (int i = 0; i < 80; ++i)
    c.title += "ก้";
  EXPECT_TRUE(c.Validate().ok());
  c.title += "ก้";
  EXPECT_FALSE(c.Validate().ok());
}

TEST(CardTest, FadeInHoldFadeOut) {
  Card c = Valid();
  c.show_at = kT0;
  c.hide_at = kT0 + milliseconds(10000);
  c.animation = {AnimationKind::kFade, 400, 200};
  EXPECT_FALSE(VisibilityAt(c, kT0 - milliseconds(1)).visible);
  EXPECT_DOUBLE_EQ(VisibilityAt(c, kT0).opacity, 0);
  EXPECT_DOUBLE_EQ(VisibilityAt(c, kT0 + milliseconds(100)).opacity, 0.25);
  EXPECT_DOUBLE_EQ(VisibilityAt(c, kT0 + milliseconds(5000)).opacity, 1);
  EXPECT_DOUBLE_EQ(VisibilityAt(c, kT0 + milliseconds(9900)).opacity, 0.5);
  EXPECT_FALSE(VisibilityAt(c, kT0 + milliseconds(10000)).visible);
  // Without show_at the card is simply there; slide keeps full opacity and moves instead.
  c.show_at.reset();
  c.animation.kind = AnimationKind::kSlide;
  const CardVisibility v = VisibilityAt(c, kT0 + milliseconds(9900));
  EXPECT_TRUE(v.visible);
  EXPECT_DOUBLE_EQ(v.opacity, 1);
  EXPECT_DOUBLE_EQ(v.slide, 0.125);  // half-way out, eased: (1 - 0.5)^3
}

TEST(CardTest, EnumNamesFromTheApi) {
  EXPECT_EQ(*ParseCardTemplate("countdown"), CardTemplate::kCountdown);
  EXPECT_EQ(*ParseAnchor("bottom-right"), Anchor::kBottomRight);
  EXPECT_EQ(*ParseAnimationKind("slide"), AnimationKind::kSlide);
  auto bad = ParseAnchor("bottom");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("top-left, top-center"), std::string::npos);
}

}  // namespace
}  // namespace strait::overlays
