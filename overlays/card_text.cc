#include "overlays/card_text.h"

#include <algorithm>
#include <cmath>

#include "overlays/money_format.h"

namespace strait::overlays {

void GObjectUnref::operator()(void* object) const {
  if (object)
    g_object_unref(object);
}

TextContext::TextContext(std::string_view locale) : rtl_(IsRightToLeft(locale)) {
  font_map_.reset(pango_cairo_font_map_new());
  context_.reset(pango_font_map_create_context(font_map_.get()));
  cairo_font_options_t* options = cairo_font_options_create();
  cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY);
  cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
  cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options(context_.get(), options);
  cairo_font_options_destroy(options);
  const std::string tag(locale);
  pango_context_set_language(context_.get(), pango_language_from_string(tag.c_str()));
  // Weak: a paragraph with strong characters of its own (an English title on an Arabic card)
  // still takes their direction; neutral text (digits) follows the locale.
  pango_context_set_base_dir(context_.get(),
                             rtl_ ? PANGO_DIRECTION_WEAK_RTL : PANGO_DIRECTION_WEAK_LTR);
}

TextBlock::TextBlock(const TextContext& context, std::string_view text, const TextStyle& style)
    : layout_(pango_layout_new(context.get())), empty_(text.empty()) {
  PangoLayout* layout = layout_.get();
  PangoFontDescription* font = pango_font_description_from_string("Noto Sans");
  pango_font_description_set_absolute_size(font, style.size_px * PANGO_SCALE);
  pango_font_description_set_weight(font, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout, font);
  pango_font_description_free(font);

  PangoAttrList* attrs = pango_attr_list_new();
  if (style.strikethrough)
    pango_attr_list_insert(attrs, pango_attr_strikethrough_new(TRUE));
  if (style.tabular_digits)
    pango_attr_list_insert(attrs, pango_attr_font_features_new("tnum 1"));
  pango_layout_set_attributes(layout, attrs);
  pango_attr_list_unref(attrs);

  pango_layout_set_auto_dir(layout, TRUE);
  // Pango swaps left and right for a paragraph whose direction differs from the context's, so
  // "the base direction's start" becomes each paragraph's own start.
  pango_layout_set_alignment(layout, style.centered            ? PANGO_ALIGN_CENTER
                                     : context.right_to_left() ? PANGO_ALIGN_RIGHT
                                                               : PANGO_ALIGN_LEFT);
  if (style.width_px > 0) {
    pango_layout_set_width(layout, style.width_px * PANGO_SCALE);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
    pango_layout_set_height(layout, -std::max(1, style.max_lines));  // negative: lines
  }
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  pango_layout_get_pixel_extents(layout, &ink_, &logical_);
  if (style.width_px > 0)
    logical_.width = style.width_px;  // the box is the full width; alignment is inside it
}

int TextBlock::baseline() const {
  return static_cast<int>(
      std::lround(pango_layout_get_baseline(layout_.get()) / static_cast<double>(PANGO_SCALE)));
}

void TextBlock::Draw(cairo_t* cr, double x, double y, Rgba color) const {
  if (empty_)
    return;
  SetSource(cr, color);
  cairo_move_to(cr, x, y);
  pango_cairo_show_layout(cr, layout_.get());
}

void SetSource(cairo_t* cr, Rgba c) {
  cairo_set_source_rgba(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0, c.a / 255.0);
}

void RoundedRect(cairo_t* cr, double x, double y, double w, double h, double radius) {
  const double r = std::clamp(radius, 0.0, std::min(w, h) / 2);
  cairo_new_sub_path(cr);
  cairo_arc(cr, x + w - r, y + r, r, -M_PI / 2, 0);
  cairo_arc(cr, x + w - r, y + h - r, r, 0, M_PI / 2);
  cairo_arc(cr, x + r, y + h - r, r, M_PI / 2, M_PI);
  cairo_arc(cr, x + r, y + r, r, M_PI, 3 * M_PI / 2);
  cairo_close_path(cr);
}

}  // namespace strait::overlays
