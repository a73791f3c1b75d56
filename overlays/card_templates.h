// Card templates: where each part of a product, countdown or banner card goes for a given output
// frame (PlanCard: measures text, wraps, ellipsizes, mirrors for right-to-left locales) and the
// drawing of that plan with cairo (PaintCard). Internal to CardRenderer (card_renderer.h); split
// out so the renderer keeps to caching and pixel formats.
//
// Sizes derive from the em: theme.font_size x the frame's height. Threads: as CardRenderer.
#pragma once

#include <cairo.h>

#include <optional>
#include <string>
#include <vector>

#include "overlays/card.h"
#include "overlays/card_renderer.h"
#include "overlays/card_text.h"
#include "overlays/qr_code.h"

namespace strait::overlays {

// Text the renderer formats (ICU) before planning.
struct CardStrings {
  std::string price, original_price, stock;
  std::string clock, clock_zero;  // "04:59" and the same shape in zeros, to size the card
};

struct PlacedText {
  TextBlock block;
  double x = 0, y = 0;
  Rgba color;
};

struct CardPlan {
  int width = 0, height = 0;
  double radius = 0;
  std::vector<PlacedText> texts;  // in paint order
  std::optional<CardBox> badge;   // the accent pill behind the discount label
  CardBox text, image, qr, qr_panel, title_ink;
  QrMatrix qr_matrix;
};

// Errors when the card cannot fit the frame inside its margins, naming what to change.
Result<CardPlan> PlanCard(const Card& card,
                          const CardStrings& strings,
                          const TextContext& text,
                          int frame_width,
                          int frame_height);

// Paints `plan` onto `cr`, a cleared plan.width x plan.height ARGB32 surface.
void PaintCard(const Card& card, const CardPlan& plan, cairo_t* cr);

}  // namespace strait::overlays
