// Card: one live product card (issue 6) as plain structs — what to show, where, in which
// language and for how long. The API layer (pipeline/) fills one from JSON; CardRenderer
// (card_renderer.h) draws it; the compositor blends the result over the video.
//
// Sizes are fractions of the output frame, so one card fits every rendition of the ladder: the
// font size is a fraction of the frame's height, margins of its width/height, the corner radius a
// fraction of the card's height. Text is UTF-8. Money amounts are decimal strings ("19.99"),
// never doubles. Validate() checks everything that does not depend on the frame size and names
// the bad field in its error ("price.currency: \"XYZ\" is not an ISO 4217 currency code").
//
// Plain value types: copy freely (the image Frame is refcounted, not copied); no threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "codecs/frame.h"
#include "codecs/result.h"

namespace strait::overlays {

using WallTime = std::chrono::system_clock::time_point;  // UTC

enum class CardTemplate {
  kProduct,    // image, title, price, original price, discount badge, stock, QR code
  kCountdown,  // title over big mm:ss digits counting down to countdown_to
  kBanner,     // one line of text (the title)
};

enum class Anchor {  // row by row (CardRenderer derives row and column from the order)
  kTopLeft,
  kTopCenter,
  kTopRight,
  kCenterLeft,
  kCenter,
  kCenterRight,
  kBottomLeft,
  kBottomCenter,
  kBottomRight,
};

enum class AnimationKind { kNone, kFade, kSlide };

struct Rgba {
  uint8_t r = 0, g = 0, b = 0, a = 255;  // straight (not premultiplied) alpha
};

struct Money {
  std::string amount;    // decimal string: "19.99", "299000"
  std::string currency;  // ISO 4217: "USD", "IDR"
};

struct CardPosition {
  Anchor anchor = Anchor::kBottomLeft;
  double margin_x = 0.03;  // from the anchored side, fraction of the frame's width
  double margin_y = 0.05;  // ... and of its height
};

struct CardTheme {
  Rgba background{255, 255, 255, 235};
  Rgba text{24, 24, 24, 255};
  Rgba accent{226, 35, 60, 255};  // price, discount badge, countdown digits
  double corner_radius = 0.08;    // fraction of the card's height
  double font_size = 0.035;       // body text height, fraction of the frame's height
};

struct CardAnimation {
  AnimationKind kind = AnimationKind::kFade;
  int in_ms = 300;
  int out_ms = 300;
};

// Limits Validate() enforces; longer text is "too long for the card". Counted in user-perceived
// characters (grapheme clusters), so "ก้" or a Devanagari conjunct counts once.
inline constexpr int kMaxTitleChars = 80;     // wrapped to 2 lines (banner: 1), then ellipsized
inline constexpr int kMaxSubtitleChars = 80;  // 1 line, ellipsized
inline constexpr int kMaxBadgeChars = 12;     // discount_label: a short badge, "-30%"
inline constexpr int kMaxQrBytes = 256;       // stays scannable at video resolutions

struct Card {
  std::string id;
  CardTemplate kind = CardTemplate::kProduct;  // "template" in the API
  std::string title;
  std::string subtitle;
  Money price;                           // required for kProduct
  std::optional<Money> original_price;   // drawn struck through
  std::string discount_label;            // badge text, "-30%"
  Frame image;                           // packed RGBA (ffmpeg::ReadImageRgba); may be empty
  std::optional<WallTime> countdown_to;  // required for kCountdown
  std::optional<int> stock_left;
  std::string qr;                // URL drawn as a QR code; empty: none
  std::string locale = "en-US";  // BCP 47: number formats, fonts (CJK variants), text direction
  CardPosition position;
  CardTheme theme;
  CardAnimation animation;
  std::optional<WallTime> show_at;  // none: shown as soon as added
  std::optional<WallTime> hide_at;  // none: until removed

  // OkStatus, or an error that starts with the field's name.
  Status Validate() const;
};

// How the card appears at `now` given show_at/hide_at and the animation: whether it is drawn,
// its opacity (fade) and how far it is still off its place (slide: 0 in place, 1 fully outside
// the frame on the anchored side; the compositor turns that into pixels).
struct CardVisibility {
  bool visible = false;
  double opacity = 0;
  double slide = 0;
};
CardVisibility VisibilityAt(const Card& card, WallTime now);

// The API's names for the enums ("product", "bottom-right", "fade"); errors list the valid ones.
Result<CardTemplate> ParseCardTemplate(std::string_view name);
Result<Anchor> ParseAnchor(std::string_view name);
Result<AnimationKind> ParseAnimationKind(std::string_view name);

}  // namespace strait::overlays
