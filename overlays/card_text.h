// TextBlock: one run of card text shaped and laid out by Pango (HarfBuzz shaping, fontconfig
// fallback across Noto's scripts), measured before it is drawn so the card templates can size
// and place it. A block wraps to a width and a number of lines, then ellipsizes; it aligns to its
// own start side (Pango's auto-dir: an Arabic paragraph sits at the right even in a left-to-right
// card). Internal to overlays/ (card_templates.cc, card_renderer.cc).
//
// Threads: a TextContext and its blocks belong to one thread at a time. The context owns its own
// font map (fontconfig is shared and thread-safe; Pango font maps are not), so renderers on
// different threads never share Pango state.
#pragma once

#include <pango/pangocairo.h>

#include <memory>
#include <string>
#include <string_view>

#include "overlays/card.h"

namespace strait::overlays {

struct GObjectUnref {
  void operator()(void* object) const;
};

struct TextStyle {
  double size_px = 16;  // em size in pixels
  bool bold = false;
  bool strikethrough = false;
  bool tabular_digits = false;  // fixed-width digits, for clocks that must not jitter
  int max_lines = 1;            // wrapped, then ellipsized at the end of the last line
  int width_px = -1;            // wrap/ellipsize width; -1: one unbounded line
  bool centered = false;        // otherwise aligned to the paragraph's start side
};

// Pango state for one locale: the language (which picks zh-CN/ja-JP/ko-KR glyph variants and
// fallback fonts) and the base direction (right to left for ar, he, ...). Font rendering is set
// for reproducible pixels: greyscale antialiasing, no hinting, unhinted metrics.
class TextContext {
 public:
  explicit TextContext(std::string_view locale);
  PangoContext* get() const { return context_.get(); }
  bool right_to_left() const { return rtl_; }

 private:
  std::unique_ptr<PangoFontMap, GObjectUnref> font_map_;
  std::unique_ptr<PangoContext, GObjectUnref> context_;
  bool rtl_ = false;
};

class TextBlock {
 public:
  TextBlock(const TextContext& context, std::string_view text, const TextStyle& style);
  bool empty() const { return empty_; }
  // The logical box (line heights, advance widths) and the ink box, in pixels, relative to the
  // point the block is drawn at.
  int width() const { return logical_.width; }
  int height() const { return logical_.height; }
  PangoRectangle ink() const { return ink_; }
  int baseline() const;
  // Draws with the top-left of the layout box at (x, y); the width passed in the style is the
  // box's width even when the text is narrower (alignment happens inside it).
  void Draw(cairo_t* cr, double x, double y, Rgba color) const;
  PangoLayout* layout() const { return layout_.get(); }

 private:
  std::unique_ptr<PangoLayout, GObjectUnref> layout_;
  PangoRectangle ink_{}, logical_{};
  bool empty_ = true;
};

void SetSource(cairo_t* cr, Rgba color);
void RoundedRect(cairo_t* cr, double x, double y, double w, double h, double radius);

}  // namespace strait::overlays
