#include "overlays/card_renderer.h"

#include <cairo.h>

#include <cmath>

#include "overlays/card_templates.h"
#include "overlays/card_text.h"
#include "overlays/money_format.h"

namespace strait::overlays {

namespace {

constexpr size_t kMaxCachedSizes = 16;  // far more than a ladder's renditions

// The card's top-left corner on the frame for its anchor and margins.
std::pair<int, int> Place(const CardPosition& p, int fw, int fh, int w, int h) {
  const int mx = static_cast<int>(std::lround(p.margin_x * fw));
  const int my = static_cast<int>(std::lround(p.margin_y * fh));
  // Anchors are listed row by row: column and row (0 start, 1 center, 2 end) from the index.
  const int col = static_cast<int>(p.anchor) % 3, row = static_cast<int>(p.anchor) / 3;
  auto along = [](int where, int frame, int size, int margin) {
    return where == 0 ? margin : where == 2 ? frame - size - margin : (frame - size) / 2;
  };
  return {along(col, fw, w, mx), along(row, fh, h, my)};
}

// "mm:ss", or "h:mm:ss" from an hour up, in the locale's digits; `zero` gives the same shape
// in zeros (with tabular digits, the same width: the card keeps its size as the clock runs).
Result<std::string> Clock(int64_t seconds, const std::string& locale, bool zero) {
  const int64_t h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
  auto mm = FormatTwoDigits(zero ? 0 : m, locale), ss = FormatTwoDigits(zero ? 0 : s, locale);
  if (!mm || !ss)
    return mm ? ss.error() : mm.error();
  std::string out = *mm + ":" + *ss;
  if (h > 0) {
    auto hours = FormatCount(h, locale), none = FormatCount(0, locale);
    if (!hours || !none)
      return hours ? none.error() : hours.error();
    std::string zeros;
    for (size_t i = 0; i < std::to_string(h).size(); ++i)
      zeros += *none;
    out = (zero ? zeros : *hours) + ":" + out;
  }
  return out;
}

Result<CardStrings> FormatStrings(const Card& card, int64_t seconds_left) {
  CardStrings s;
  if (card.kind == CardTemplate::kProduct) {
    auto price = FormatMoney(card.price.amount, card.price.currency, card.locale);
    if (!price)
      return price.error().Context("price");
    s.price = std::move(*price);
    if (card.original_price) {
      const Money& o = *card.original_price;
      auto original = FormatMoney(o.amount, o.currency, card.locale);
      if (!original)
        return original.error().Context("original_price");
      s.original_price = std::move(*original);
    }
    if (card.stock_left) {
      // "×3": a neutral sign and the locale's digits; words ("3 left") need plural rules and
      // translations, which belong to the API's copy, not to the renderer.
      auto n = FormatCount(*card.stock_left, card.locale);
      if (!n)
        return n.error().Context("stock_left");
      s.stock = "\u00d7" + *n;
    }
  }
  if (card.kind == CardTemplate::kCountdown) {
    auto clock = Clock(seconds_left, card.locale, false);
    auto zero = Clock(seconds_left, card.locale, true);
    if (!clock || !zero)
      return (clock ? zero.error() : clock.error()).Context("countdown_to");
    s.clock = std::move(*clock);
    s.clock_zero = std::move(*zero);
  }
  return s;
}

}  // namespace

CardRenderer::CardRenderer(Card card)
    : card_(std::move(card)), text_(std::make_unique<TextContext>(card_.locale)) {}

CardRenderer::~CardRenderer() = default;

Result<std::unique_ptr<CardRenderer>> CardRenderer::Create(Card card) {
  if (Status ok = card.Validate(); !ok)
    return ok.error().Context("card " + card.id);
  return std::unique_ptr<CardRenderer>(new CardRenderer(std::move(card)));
}

Status CardRenderer::Update(Card card) {
  if (Status ok = card.Validate(); !ok)
    return ok.error().Context("card " + card.id);
  if (card.locale != card_.locale)
    text_ = std::make_unique<TextContext>(card.locale);
  card_ = std::move(card);
  cache_.clear();
  return OkStatus();
}

Result<CardRenderer::Bitmap> CardRenderer::Render(int frame_width, int frame_height) {
  if (card_.kind == CardTemplate::kCountdown)
    return Error("card " + card_.id + ": a countdown card renders with RenderAt(now)");
  return RenderAt(frame_width, frame_height, WallTime());
}

Result<CardRenderer::Bitmap> CardRenderer::RenderAt(int frame_width,
                                                    int frame_height,
                                                    WallTime now) {
  if (frame_width <= 0 || frame_height <= 0)
    return Error("card " + card_.id + ": bad frame size");
  int64_t second = 0;
  if (card_.kind == CardTemplate::kCountdown) {
    using std::chrono::seconds;
    const auto left = *card_.countdown_to - now;
    // Rounded up: "00:01" until the deadline, "00:00" from it on.
    second = left <= left.zero() ? 0 : std::chrono::ceil<seconds>(left).count();
  }
  const auto key = std::make_pair(frame_width, frame_height);
  auto it = cache_.find(key);
  if (it != cache_.end() && it->second.seconds_left == second)
    return it->second.bitmap;
  auto bitmap = Draw(frame_width, frame_height, second);
  if (!bitmap)
    return bitmap.error().Context("card " + card_.id);
  if (it == cache_.end() && cache_.size() >= kMaxCachedSizes)
    cache_.clear();
  cache_[key] = Entry{*bitmap, second};
  return bitmap;
}

Result<CardRenderer::Bitmap> CardRenderer::Draw(int fw, int fh, int64_t seconds_left) {
  auto strings = FormatStrings(card_, seconds_left);
  if (!strings)
    return strings.error();
  auto plan = PlanCard(card_, *strings, *text_, fw, fh);
  if (!plan)
    return plan.error();
  cairo_surface_t* surface =
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, plan->width, plan->height);
  cairo_t* cr = cairo_create(surface);
  PaintCard(card_, *plan, cr);
  const cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_flush(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(surface);
    return Error(std::string("cairo: ") + cairo_status_to_string(status));
  }

  auto out = std::make_shared<CardBitmap>();
  out->width = plan->width;
  out->height = plan->height;
  std::tie(out->x, out->y) = Place(card_.position, fw, fh, out->width, out->height);
  out->text = plan->text;
  out->image = plan->image;
  out->qr = plan->qr;
  out->title_ink = plan->title_ink;
  // Cairo's ARGB32 is premultiplied 0xAARRGGBB in native endianness; the frame wants R,G,B,A.
  out->rgba.resize(size_t(out->width) * out->height * 4);
  const uint8_t* src = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  uint8_t* dst = out->rgba.data();
  for (int y = 0; y < out->height; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(src + size_t(y) * stride);
    for (int x = 0; x < out->width; ++x, dst += 4) {
      const uint32_t v = row[x];
      dst[0] = v >> 16 & 0xff, dst[1] = v >> 8 & 0xff, dst[2] = v & 0xff, dst[3] = v >> 24;
    }
  }
  cairo_surface_destroy(surface);
  return Bitmap(std::move(out));
}

}  // namespace strait::overlays
