#include "overlays/card.h"

#include <unicode/brkiter.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>

#include "overlays/money_format.h"

namespace strait::overlays {

namespace {

Error FieldError(std::string_view field, const std::string& what) {
  return Error(std::string(field) + ": " + what);
}

// Grapheme clusters in valid UTF-8 `text`, or -1 when it is not valid UTF-8.
int CountChars(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  u_strFromUTF8(nullptr, 0, nullptr, text.data(), static_cast<int32_t>(text.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status))
    return -1;
  status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  UText* utext = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status)) {
    utext_close(utext);
    return -1;
  }
  it->setText(utext, status);
  int n = 0;
  for (it->first(); it->next() != icu::BreakIterator::DONE;)
    ++n;
  utext_close(utext);
  return n;
}

// Bytes a character may take: a Devanagari or Thai cluster with its marks is 3-5 code points of
// 3 bytes; beyond this, a "character" is a pile of combining marks or joiners whose shaping
// costs grow with the square of its length (32,000 accents on one letter took 5 s to render,
// holding up the API and the stream's pictures).
constexpr size_t kMaxBytesPerChar = 16;

Status CheckText(std::string_view field, std::string_view text, int max_chars, bool required) {
  if (required && text.empty())
    return FieldError(field, "must not be empty");
  if (text.size() > kMaxBytesPerChar * static_cast<size_t>(max_chars)) {
    return FieldError(field, "too long for the card (" + std::to_string(text.size()) +
                                 " bytes, at most " + std::to_string(kMaxBytesPerChar * max_chars) +
                                 ")");
  }
  const int n = CountChars(text);
  if (n < 0)
    return FieldError(field, "is not valid UTF-8");
  if (n > max_chars) {
    return FieldError(field, "too long for the card (" + std::to_string(n) +
                                 " characters, at most " + std::to_string(max_chars) + ")");
  }
  return OkStatus();
}

Status CheckMoney(const std::string& field, const Money& money) {
  if (!IsIsoCurrency(money.currency))
    return FieldError(field + ".currency",
                      "\"" + money.currency + "\" is not an ISO 4217 currency code");
  if (Status ok = CheckAmount(money.amount, money.currency); !ok)
    return ok.error().Context(field + ".amount");
  return OkStatus();
}

Status CheckRange(std::string_view field, double v, double lo, double hi, const char* why) {
  if (!(v >= lo && v <= hi)) {  // also refuses NaN
    return FieldError(field, std::to_string(v) + " " + why + " (allowed " + std::to_string(lo) +
                                 " to " + std::to_string(hi) + ")");
  }
  return OkStatus();
}

Status ValidateContent(const Card& c) {
  const bool product = c.kind == CardTemplate::kProduct;
  if (Status s = CheckText("title", c.title, kMaxTitleChars, c.kind != CardTemplate::kCountdown);
      !s)
    return s;
  if (Status s = CheckText("subtitle", c.subtitle, kMaxSubtitleChars, false); !s)
    return s;
  if (Status s = CheckText("discount_label", c.discount_label, kMaxBadgeChars, false); !s)
    return s;
  if (product) {
    if (c.price.amount.empty() && c.price.currency.empty())
      return FieldError("price", "a product card needs a price");
    if (Status s = CheckMoney("price", c.price); !s)
      return s;
  }
  if (c.original_price) {
    if (Status s = CheckMoney("original_price", *c.original_price); !s)
      return s;
    if (c.original_price->currency != c.price.currency)
      return FieldError("original_price.currency",
                        "must be the price's (" + c.price.currency + ")");
  }
  if (!c.image.empty() &&
      (c.image.layout() != Frame::Layout::kRgba || c.image.width() <= 0 || c.image.height() <= 0)) {
    return FieldError("image", "must be a packed RGBA picture (ffmpeg::ReadImageRgba)");
  }
  if (c.kind == CardTemplate::kCountdown && !c.countdown_to)
    return FieldError("countdown_to", "a countdown card needs the time it counts down to");
  if (c.stock_left && *c.stock_left < 0)
    return FieldError("stock_left", "must not be negative");
  if (c.qr.size() > size_t(kMaxQrBytes)) {
    return FieldError("qr", "too long for a scannable code (" + std::to_string(c.qr.size()) +
                                " bytes, at most " + std::to_string(kMaxQrBytes) + ")");
  }
  // The URL is drawn as a code and published as X-URL for players to open: web links only (a
  // javascript: or custom-scheme link would reach every viewer's player).
  if (!c.qr.empty() && !c.qr.starts_with("https://") && !c.qr.starts_with("http://"))
    return FieldError("qr", "must be an http:// or https:// URL");
  return OkStatus();
}

}  // namespace

Status Card::Validate() const {
  if (id.empty())
    return FieldError("id", "must not be empty");
  if (Status s = CheckLocale(locale); !s)
    return s.error().Context("locale");
  if (Status s = ValidateContent(*this); !s)
    return s;
  const char* off = "puts the card off the frame";
  if (Status s = CheckRange("position.margin_x", position.margin_x, 0, 0.45, off); !s)
    return s;
  if (Status s = CheckRange("position.margin_y", position.margin_y, 0, 0.45, off); !s)
    return s;
  if (Status s = CheckRange("theme.corner_radius", theme.corner_radius, 0, 0.5, "is out of range");
      !s) {
    return s;
  }
  if (Status s = CheckRange("theme.font_size", theme.font_size, 0.01, 0.15, "is out of range"); !s)
    return s;
  if (Status s = CheckRange("animation.in_ms", animation.in_ms, 0, 10000, "is out of range"); !s)
    return s;
  if (Status s = CheckRange("animation.out_ms", animation.out_ms, 0, 10000, "is out of range"); !s)
    return s;
  if (show_at && hide_at && *hide_at <= *show_at)
    return FieldError("hide_at", "must be after show_at");
  return OkStatus();
}

CardVisibility VisibilityAt(const Card& card, WallTime now) {
  if ((card.show_at && now < *card.show_at) || (card.hide_at && now >= *card.hide_at))
    return {};
  using Ms = std::chrono::duration<double, std::milli>;
  // Progress of the way in (0..1) and of the time left before the way out (1..0).
  auto progress = [](std::optional<WallTime> from, WallTime to, int ms) {
    if (!from || ms <= 0)
      return 1.0;
    return std::clamp(Ms(to - *from).count() / ms, 0.0, 1.0);
  };
  double p = progress(card.show_at, now, card.animation.in_ms);
  if (card.hide_at && card.animation.out_ms > 0)
    p = std::min(p, std::clamp(Ms(*card.hide_at - now).count() / card.animation.out_ms, 0.0, 1.0));
  switch (card.animation.kind) {
    case AnimationKind::kNone:
      return {true, 1, 0};
    case AnimationKind::kFade:
      return {true, p, 0};
    case AnimationKind::kSlide:
      return {true, 1, std::pow(1 - p, 3)};  // ease-out: fast at first, settling into place
  }
  return {true, 1, 0};
}

namespace {

template <typename E, size_t N>
Result<E> ParseName(std::string_view what,
                    std::string_view name,
                    const std::array<std::pair<const char*, E>, N>& names) {
  std::string valid;
  for (const auto& [n, e] : names) {
    if (name == n)
      return e;
    if (!valid.empty())
      valid += ", ";
    valid += n;
  }
  std::string message = "\"";  // built by appending: GCC 12 warns falsely on "\"" + string
  message.append(name).append("\" is not a ").append(what).append(" (" + valid + ")");
  return Error(message);
}

}  // namespace

Result<CardTemplate> ParseCardTemplate(std::string_view name) {
  static constexpr std::array<std::pair<const char*, CardTemplate>, 3> kNames{{
      {"product", CardTemplate::kProduct},
      {"countdown", CardTemplate::kCountdown},
      {"banner", CardTemplate::kBanner},
  }};
  return ParseName("card template", name, kNames);
}

Result<Anchor> ParseAnchor(std::string_view name) {
  static constexpr std::array<std::pair<const char*, Anchor>, 9> kNames{{
      {"top-left", Anchor::kTopLeft},
      {"top-center", Anchor::kTopCenter},
      {"top-right", Anchor::kTopRight},
      {"center-left", Anchor::kCenterLeft},
      {"center", Anchor::kCenter},
      {"center-right", Anchor::kCenterRight},
      {"bottom-left", Anchor::kBottomLeft},
      {"bottom-center", Anchor::kBottomCenter},
      {"bottom-right", Anchor::kBottomRight},
  }};
  return ParseName("position anchor", name, kNames);
}

Result<AnimationKind> ParseAnimationKind(std::string_view name) {
  static constexpr std::array<std::pair<const char*, AnimationKind>, 3> kNames{{
      {"none", AnimationKind::kNone},
      {"fade", AnimationKind::kFade},
      {"slide", AnimationKind::kSlide},
  }};
  return ParseName("card animation", name, kNames);
}

}  // namespace strait::overlays
