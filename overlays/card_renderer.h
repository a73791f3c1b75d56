// CardRenderer: draws one Card (card.h) into a premultiplied RGBA bitmap sized for an output
// frame: Pango/HarfBuzz text in the card's locale (right-to-left for Arabic and Hebrew, CJK glyph
// variants by language), money and digits through ICU (money_format.h), the product image scaled
// to fit, the QR code from libqrencode. Templates: product (image | title, price, original price,
// discount badge, stock | QR), countdown (title over big mm:ss), banner (one line).
//
// Rendering costs milliseconds (see card_renderer_test's timings), so each bitmap is made once
// per card and output size and kept: Render/RenderAt return the cached bitmap until Update()
// changes the card, and a countdown re-renders only when the second it shows changes. Bitmaps
// are shared immutable payloads: a compositor may keep one while the renderer makes the next.
//
// Threads: not synchronised; one thread at a time (the compositor's). Each renderer has its own
// Pango font map, so renderers on different threads share nothing but fontconfig (thread-safe).
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "overlays/card.h"

namespace strait::overlays {

class TextContext;

struct CardBox {
  int x = 0, y = 0, width = 0, height = 0;
  bool empty() const { return width <= 0 || height <= 0; }
};

struct CardBitmap {
  int width = 0, height = 0;
  int x = 0, y = 0;           // top-left corner on the output frame (anchor and margins)
  std::vector<uint8_t> rgba;  // premultiplied R,G,B,A bytes, rows of 4 * width, no padding
  // Where the parts landed, in card pixels: the text column, the product image, the QR code's
  // modules (quiet zone excluded) and the ink of the title. Empty when absent.
  CardBox text, image, qr, title_ink;
};

class CardRenderer {
 public:
  using Bitmap = std::shared_ptr<const CardBitmap>;

  // Validates the card (Card::Validate); the error names the field.
  static Result<std::unique_ptr<CardRenderer>> Create(Card card);
  ~CardRenderer();

  // Replaces the card (a price change, a new title) and drops every cached bitmap.
  Status Update(Card card);
  const Card& card() const { return card_; }

  // The card for a frame_width x frame_height output. Errors when the card cannot fit that
  // frame ("position: ...") or text cannot be formatted. Countdown cards need RenderAt.
  Result<Bitmap> Render(int frame_width, int frame_height);
  // The same at wall time `now` (from Clock::WallNow): for a countdown, the time left rounded up
  // to whole seconds (mm:ss, h:mm:ss past an hour, 00:00 once reached); the cached bitmap (the
  // same pointer) while that second is shown. Other templates ignore `now`.
  Result<Bitmap> RenderAt(int frame_width, int frame_height, WallTime now);

 private:
  struct Entry {
    Bitmap bitmap;
    int64_t seconds_left = 0;  // countdown: what it shows
  };
  explicit CardRenderer(Card card);
  Result<Bitmap> Draw(int frame_width, int frame_height, int64_t seconds_left);

  Card card_;
  std::unique_ptr<TextContext> text_;
  std::map<std::pair<int, int>, Entry> cache_;  // by output size: a ladder has a handful
};

}  // namespace strait::overlays
