#include "overlays/card_templates.h"

#include <algorithm>
#include <cmath>

namespace strait::overlays {

namespace {

int Px(double v) {
  return static_cast<int>(std::lround(v));
}

Rgba Faded(Rgba c, double alpha) {
  c.a = static_cast<uint8_t>(std::lround(c.a * alpha));
  return c;
}

// The space a card may take: the frame minus its margins on both sides.
struct Room {
  int width, height;
};

Room RoomFor(const Card& card, int frame_width, int frame_height) {
  return {Px(frame_width * (1 - 2 * card.position.margin_x)),
          Px(frame_height * (1 - 2 * card.position.margin_y))};
}

Error DoesNotFit(const char* what, int need, int have, int fw, int fh) {
  return Error("position: the card needs " + std::to_string(need) + " px of " + what + ", the " +
               std::to_string(fw) + "x" + std::to_string(fh) + " frame leaves " +
               std::to_string(have) + " inside the margins (use a smaller theme.font_size)");
}

// The product card's text column: title, subtitle, price row, stock line; laid out left to
// right at x = 0 and mirrored by the caller for right-to-left locales.
struct Column {
  std::vector<PlacedText> texts;
  std::optional<CardBox> badge;
  int height = 0;
};

Column PlanColumn(const Card& card,
                  const CardStrings& s,
                  const TextContext& tc,
                  double em,
                  int width) {
  Column col;
  const Rgba ink = card.theme.text;
  double y = 0;
  auto add = [&](std::string_view text, TextStyle style, double x, double top, Rgba color) {
    col.texts.push_back({TextBlock(tc, text, style), x, top, color});
    return &col.texts.back();
  };
  y += add(card.title, {.size_px = em, .bold = true, .max_lines = 2, .width_px = width}, 0, y, ink)
           ->block.height();
  if (!card.subtitle.empty()) {
    y += add(card.subtitle, {.size_px = 0.75 * em, .width_px = width}, 0, y, Faded(ink, 0.7))
             ->block.height();
  }
  y += 0.15 * em;

  // Price row, baselines aligned: price, original price, discount badge. What does not fit on
  // the price's line wraps to the next one.
  TextBlock price(tc, s.price, {.size_px = 1.6 * em, .bold = true});
  TextBlock original(tc, s.original_price, {.size_px = 0.85 * em, .strikethrough = true});
  TextBlock badge(tc, card.discount_label, {.size_px = 0.7 * em, .bold = true});
  const double gap = 0.3 * em, pill = 0.25 * em;
  const double row_w = price.width() + (original.empty() ? 0 : gap + original.width()) +
                       (badge.empty() ? 0 : gap + badge.width() + 2 * pill);
  const bool one_row = row_w <= width;
  const int base = price.baseline();
  const double row_y = y;
  double x = price.width() + gap;
  col.texts.push_back({std::move(price), 0, row_y, card.theme.accent});
  double bottom = row_y + col.texts.back().block.height();
  double line_y = one_row ? row_y : bottom;  // top of the line the extras go on
  const int line_base = one_row ? base : std::max(original.baseline(), badge.baseline());
  if (!one_row)
    x = 0;
  if (!original.empty()) {
    const double top = line_y + line_base - original.baseline();
    const double w = original.width();
    bottom = std::max(bottom, top + original.height());
    col.texts.push_back({std::move(original), x, top, Faded(ink, 0.6)});
    x += w + gap;
  }
  if (!badge.empty()) {
    const double top = line_y + line_base - badge.baseline();
    col.badge = CardBox{Px(x), Px(top), Px(badge.width() + 2 * pill), badge.height()};
    bottom = std::max(bottom, top + badge.height());
    col.texts.push_back({std::move(badge), x + pill, top, Rgba{255, 255, 255, 255}});
  }
  y = bottom;
  if (!s.stock.empty())
    y += add(s.stock, {.size_px = 0.75 * em, .width_px = width}, 0, y, ink)->block.height();
  col.height = Px(y);
  return col;
}

Result<CardPlan> PlanProduct(const Card& card,
                             const CardStrings& s,
                             const TextContext& tc,
                             int fw,
                             int fh) {
  const double em = card.theme.font_size * fh;
  const int pad = Px(0.5 * em), gap = Px(0.5 * em);
  const Room room = RoomFor(card, fw, fh);
  CardPlan plan;
  if (!card.qr.empty()) {
    auto qr = EncodeQr(card.qr);
    if (!qr)
      return qr.error();
    plan.qr_matrix = std::move(*qr);
  }
  const int sides = (card.image.empty() ? 0 : 1) + (card.qr.empty() ? 0 : 1);
  // The image and QR boxes are squares as tall as the text column, so the column's width and
  // its height (which wrapping changes) settle together: narrow the column until the card fits.
  int width = Px(12 * em);
  Column col;
  int side = 0;
  for (int pass = 0;; ++pass) {
    col = PlanColumn(card, s, tc, em, width);
    side = std::max(col.height, Px(4 * em));
    const int need = 2 * pad + width + sides * (side + gap);
    if (need <= room.width)
      break;
    const int others = need - width;                    // padding, gaps and the square boxes
    if (room.width - others < Px(5 * em) || pass == 3)  // too narrow to read, or no settling
      return DoesNotFit("width", others + Px(5 * em), room.width, fw, fh);
    width = room.width - others;
  }
  plan.width = 2 * pad + width + sides * (side + gap);
  plan.height = 2 * pad + side;
  if (plan.height > room.height)
    return DoesNotFit("height", plan.height, room.height, fw, fh);
  plan.radius = card.theme.corner_radius * plan.height;

  // Left to right: [image] column [QR]; mirrored below for right-to-left locales.
  int x = pad;
  if (!card.image.empty()) {
    const double scale =
        std::min(double(side) / card.image.width(), double(side) / card.image.height());
    const int w = Px(card.image.width() * scale), h = Px(card.image.height() * scale);
    plan.image = {x + (side - w) / 2, pad + (side - h) / 2, w, h};
    x += side + gap;
  }
  plan.text = {x, pad, width, side};
  const int col_y = pad + (side - col.height) / 2;
  x += width + gap;
  if (!card.qr.empty()) {
    const int n = plan.qr_matrix.size, module = side / (n + 4);  // 2-module quiet zone
    if (module < 1)
      return Error("qr: too long to draw in a " + std::to_string(side) + " px box");
    plan.qr_panel = {x, pad, side, side};
    plan.qr = {x + (side - n * module) / 2, pad + (side - n * module) / 2, n * module, n * module};
  }
  const bool rtl = tc.right_to_left();
  auto mirror = [&](CardBox& b) {
    if (rtl && !b.empty())
      b.x = plan.width - b.x - b.width;
  };
  mirror(plan.image), mirror(plan.text), mirror(plan.qr_panel), mirror(plan.qr);
  for (PlacedText& t : col.texts) {
    const double w = t.block.width();
    t.x = plan.text.x + (rtl ? width - t.x - w : t.x);
    t.y += col_y;
    plan.texts.push_back(std::move(t));
  }
  if (col.badge) {
    plan.badge = col.badge;
    plan.badge->x = plan.text.x + (rtl ? width - col.badge->x - col.badge->width : col.badge->x);
    plan.badge->y += col_y;
  }
  return plan;
}

Result<CardPlan> PlanCountdown(const Card& card,
                               const CardStrings& s,
                               const TextContext& tc,
                               int fw,
                               int fh) {
  const double em = card.theme.font_size * fh;
  const int pad = Px(0.5 * em);
  const Room room = RoomFor(card, fw, fh);
  const TextStyle clock{.size_px = 2.4 * em, .bold = true, .tabular_digits = true};
  const int clock_w = TextBlock(tc, s.clock_zero, clock).width();
  TextBlock title_natural(tc, card.title, {.size_px = 0.9 * em, .bold = true});
  const int inner =
      std::min(std::max({clock_w, std::min(title_natural.width(), Px(14 * em)), Px(5 * em)}),
               room.width - 2 * pad);
  if (inner < clock_w)
    return DoesNotFit("width", clock_w + 2 * pad, room.width, fw, fh);
  CardPlan plan;
  plan.width = inner + 2 * pad;
  plan.text = {pad, pad, inner, 0};
  double y = pad;
  if (!card.title.empty()) {
    TextBlock title(tc, card.title,
                    {.size_px = 0.9 * em, .bold = true, .width_px = inner, .centered = true});
    const int h = title.height();
    plan.texts.push_back({std::move(title), double(pad), y, card.theme.text});
    y += h;
  }
  TextBlock digits(tc, s.clock, clock);
  const int h = digits.height();
  const double x = (plan.width - digits.width()) / 2.0;
  plan.texts.push_back({std::move(digits), x, y, card.theme.accent});
  plan.height = Px(y + h) + pad;
  plan.text.height = plan.height - 2 * pad;
  if (plan.height > room.height)
    return DoesNotFit("height", plan.height, room.height, fw, fh);
  plan.radius = card.theme.corner_radius * plan.height;
  return plan;
}

Result<CardPlan> PlanBanner(const Card& card, const TextContext& tc, int fw, int fh) {
  const double em = card.theme.font_size * fh;
  const int pad_x = Px(0.8 * em), pad_y = Px(0.4 * em);
  const Room room = RoomFor(card, fw, fh);
  const TextStyle style{.size_px = 1.1 * em, .bold = true};
  TextBlock line(tc, card.title, style);
  if (line.width() + 2 * pad_x > room.width) {  // ellipsize to the room
    if (room.width - 2 * pad_x < Px(3 * em))
      return DoesNotFit("width", Px(3 * em) + 2 * pad_x, room.width, fw, fh);
    TextStyle narrow = style;
    narrow.width_px = room.width - 2 * pad_x;
    line = TextBlock(tc, card.title, narrow);
  }
  CardPlan plan;
  plan.width = line.width() + 2 * pad_x;
  plan.height = line.height() + 2 * pad_y;
  if (plan.height > room.height)
    return DoesNotFit("height", plan.height, room.height, fw, fh);
  plan.radius = card.theme.corner_radius * plan.height;
  plan.text = {pad_x, pad_y, line.width(), line.height()};
  plan.texts.push_back({std::move(line), double(pad_x), double(pad_y), card.theme.text});
  return plan;
}

// The product image (straight-alpha RGBA) as a premultiplied cairo surface.
cairo_surface_t* ImageSurface(const Frame& image) {
  const int w = image.width(), h = image.height();
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
  cairo_surface_flush(surface);
  uint8_t* dst = cairo_image_surface_get_data(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  for (int y = 0; y < h; ++y) {
    const uint8_t* p = image.data(0) + size_t(y) * image.linesize(0);
    auto* row = reinterpret_cast<uint32_t*>(dst + size_t(y) * stride);
    for (int x = 0; x < w; ++x, p += 4) {
      const uint32_t a = p[3];
      auto pm = [a](uint32_t c) { return (c * a + 127) / 255; };
      row[x] = a << 24 | pm(p[0]) << 16 | pm(p[1]) << 8 | pm(p[2]);
    }
  }
  cairo_surface_mark_dirty(surface);
  return surface;
}

}  // namespace

Result<CardPlan> PlanCard(const Card& card,
                          const CardStrings& strings,
                          const TextContext& text,
                          int frame_width,
                          int frame_height) {
  Result<CardPlan> plan = Error("unknown card template");
  switch (card.kind) {
    case CardTemplate::kProduct:
      plan = PlanProduct(card, strings, text, frame_width, frame_height);
      break;
    case CardTemplate::kCountdown:
      plan = PlanCountdown(card, strings, text, frame_width, frame_height);
      break;
    case CardTemplate::kBanner:
      plan = PlanBanner(card, text, frame_width, frame_height);
      break;
  }
  if (plan && !plan->texts.empty() && !card.title.empty()) {
    const PlacedText& title = plan->texts.front();  // every template places the title first
    const PangoRectangle ink = title.block.ink();
    plan->title_ink = {Px(title.x) + ink.x, Px(title.y) + ink.y, ink.width, ink.height};
  }
  return plan;
}

void PaintCard(const Card& card, const CardPlan& plan, cairo_t* cr) {
  RoundedRect(cr, 0, 0, plan.width, plan.height, plan.radius);
  SetSource(cr, card.theme.background);
  cairo_fill(cr);
  if (!plan.image.empty()) {
    cairo_surface_t* image = ImageSurface(card.image);
    cairo_save(cr);
    RoundedRect(cr, plan.image.x, plan.image.y, plan.image.width, plan.image.height,
                std::min(plan.image.width, plan.image.height) * 0.08);
    cairo_clip(cr);
    cairo_translate(cr, plan.image.x, plan.image.y);
    cairo_scale(cr, double(plan.image.width) / card.image.width(),
                double(plan.image.height) / card.image.height());
    cairo_set_source_surface(cr, image, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    cairo_surface_destroy(image);
  }
  if (!plan.qr.empty()) {
    const CardBox& p = plan.qr_panel;
    RoundedRect(cr, p.x, p.y, p.width, p.height, p.width * 0.06);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_fill(cr);
    const QrMatrix& m = plan.qr_matrix;
    const int module = plan.qr.width / m.size;
    for (int y = 0; y < m.size; ++y) {
      for (int x = 0; x < m.size; ++x) {
        if (m.Dark(x, y))
          cairo_rectangle(cr, plan.qr.x + x * module, plan.qr.y + y * module, module, module);
      }
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_fill(cr);
  }
  if (plan.badge) {
    const CardBox& b = *plan.badge;
    RoundedRect(cr, b.x, b.y, b.width, b.height, b.height / 2.0);
    SetSource(cr, card.theme.accent);
    cairo_fill(cr);
  }
  for (const PlacedText& t : plan.texts)
    t.block.Draw(cr, t.x, t.y, t.color);
}

}  // namespace strait::overlays
