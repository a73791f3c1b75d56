// Card rendering: golden PNGs per locale (tests/golden/cards/), right-to-left layout, countdown
// caching and the QR code's modules. Goldens are compared with a tolerance (antialiasing may move
// with library patch versions); to regenerate after an intended change:
//   STRAIT_UPDATE_GOLDEN=1 ./strait_overlays_test --gtest_filter='CardRenderer*'
#include "overlays/card_renderer.h"

#include <cairo.h>
#include <gtest/gtest.h>
#include <qrencode.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "overlays/card_text.h"
#include "overlays/qr_code.h"

namespace strait::overlays {
namespace {

using std::chrono::milliseconds;
const WallTime kT0 = WallTime(std::chrono::seconds(1764288000));

// A product shot: a warm gradient with a white disc, transparent corners (straight alpha).
Frame ProductImage(int w, int h) {
  Frame f = *Frame::AllocateVideo(w, h, Frame::Layout::kRgba);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = f.data(0) + size_t(y) * f.linesize(0) + 4 * x;
      const double dx = x - w / 2.0, dy = y - h / 2.0, r = std::hypot(dx, dy);
      const double disc = std::clamp(h * 0.3 - r + 0.5, 0.0, 1.0);  // antialiased edge
      const bool corner = std::abs(dx) > w / 2.0 - 6 && std::abs(dy) > h / 2.0 - 6;
      auto mix = [disc](double under) {
        return uint8_t(std::lround(under + (250 - under) * disc));
      };
      p[0] = mix(240 - 100.0 * y / h);
      p[1] = mix(120 + 60.0 * x / w);
      p[2] = mix(40 + 150.0 * y / h);
      p[3] = corner ? 0 : 255;
    }
  }
  return f;
}

struct LocaleCase {
  const char* locale;
  const char* title;
  const char* currency;
  const char* price;
  const char* original;
  const char* discount;
};

const LocaleCase kLocales[] = {
    {"zh-CN", "无线降噪耳机 Pro 限时特惠", "CNY", "199", "299", "-33%"},
    {"ja-JP", "ワイヤレスイヤホン 高音質ノイズキャンセリング", "JPY", "2980", "3980", "25%OFF"},
    {"ko-KR", "무선 노이즈 캔슬링 이어폰 한정 특가", "KRW", "39900", "59000", "-32%"},
    {"th-TH", "หูฟังไร้สายตัดเสียงรบกวน รุ่นใหม่ล่าสุด", "THB", "590", "990", "-40%"},
    {"ar-SA", "سماعات لاسلكية بخاصية إلغاء الضوضاء", "SAR", "149.50", "199", "-25%"},
    {"hi-IN", "वायरलेस नॉइज़ कैंसलिंग ईयरबड्स", "INR", "1499", "2999", "50% छूट"},
    {"en-US", "Wireless Noise-Cancelling Earbuds Pro with Charging Case", "USD", "19.99", "39.99",
     "-50%"},
    {"es-MX", "Audífonos inalámbricos con cancelación de ruido", "MXN", "349", "599", "-42%"},
    {"id-ID", "Earphone Nirkabel Peredam Bising", "IDR", "299000", "450000", "-34%"},
};

Card ProductCard(const LocaleCase& l) {
  Card c;
  c.id = std::string("earbuds-") + l.locale;
  c.locale = l.locale;
  c.title = l.title;
  c.price = {l.price, l.currency};
  c.original_price = Money{l.original, l.currency};
  c.discount_label = l.discount;
  c.stock_left = 3;
  c.image = ProductImage(160, 120);
  c.qr = "https://shop.example/p/earbuds?lang=" + std::string(l.locale);
  return c;
}

CardRenderer::Bitmap MustRender(CardRenderer& r, int w, int h, WallTime now = WallTime()) {
  auto b = r.RenderAt(w, h, now);
  EXPECT_TRUE(b.ok()) << b.error().message();
  return b.ok() ? *b : std::make_shared<CardBitmap>();
}

// Premultiplied RGBA bytes <-> cairo's premultiplied native-endian ARGB32 (what PNG I/O takes).
cairo_surface_t* ToSurface(const CardBitmap& b) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, b.width, b.height);
  cairo_surface_flush(s);
  for (int y = 0; y < b.height; ++y) {
    auto* row = reinterpret_cast<uint32_t*>(cairo_image_surface_get_data(s) +
                                            size_t(y) * cairo_image_surface_get_stride(s));
    for (int x = 0; x < b.width; ++x) {
      const uint8_t* p = &b.rgba[(size_t(y) * b.width + x) * 4];
      row[x] = uint32_t(p[3]) << 24 | p[0] << 16 | p[1] << 8 | p[2];
    }
  }
  cairo_surface_mark_dirty(s);
  return s;
}

// Mean absolute difference per byte, and the share of pixels with a channel off by more than
// 32, between `actual` and a golden decoded by cairo (both premultiplied).
std::pair<double, double> Difference(const CardBitmap& actual, cairo_surface_t* golden) {
  const uint8_t* g = cairo_image_surface_get_data(golden);
  const int stride = cairo_image_surface_get_stride(golden), w = actual.width, h = actual.height;
  double sum = 0;
  int64_t far = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint32_t v = reinterpret_cast<const uint32_t*>(g + size_t(y) * stride)[x];
      const int want[4] = {int(v >> 16 & 255), int(v >> 8 & 255), int(v & 255), int(v >> 24)};
      const uint8_t* p = &actual.rgba[(size_t(y) * w + x) * 4];
      int worst = 0;
      for (int c = 0; c < 4; ++c) {
        sum += std::abs(p[c] - want[c]);
        worst = std::max(worst, std::abs(p[c] - want[c]));
      }
      far += worst > 32;
    }
  }
  return {sum / (4.0 * w * h), double(far) / (double(w) * h)};
}

void ExpectGolden(const std::string& name, const CardBitmap& actual) {
  const std::string path = std::string(STRAIT_SOURCE_DIR) + "/tests/golden/cards/" + name;
  cairo_surface_t* mine = ToSurface(actual);
  const char* update = std::getenv("STRAIT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    EXPECT_EQ(cairo_surface_write_to_png(mine, path.c_str()), CAIRO_STATUS_SUCCESS) << path;
    cairo_surface_destroy(mine);
    return;
  }
  cairo_surface_t* golden = cairo_image_surface_create_from_png(path.c_str());
  const std::string kept = testing::TempDir() + "actual_" + name;  // to look at on a mismatch
  bool same = false;
  if (cairo_surface_status(golden) != CAIRO_STATUS_SUCCESS) {
    ADD_FAILURE() << "missing golden file " << path << " (run with STRAIT_UPDATE_GOLDEN=1)";
  } else if (actual.width != cairo_image_surface_get_width(golden) ||
             actual.height != cairo_image_surface_get_height(golden)) {
    ADD_FAILURE() << name << ": " << actual.width << "x" << actual.height << ", golden "
                  << cairo_image_surface_get_width(golden) << "x"
                  << cairo_image_surface_get_height(golden) << "; actual kept as " << kept;
  } else {
    const auto [mean, far] = Difference(actual, golden);
    EXPECT_LT(mean, 2.0) << name << ": mean difference; actual kept as " << kept;
    EXPECT_LT(far, 0.01) << name << ": share of pixels far off; actual kept as " << kept;
    same = mean < 2.0 && far < 0.01;
  }
  if (!same)
    cairo_surface_write_to_png(mine, kept.c_str());
  cairo_surface_destroy(mine);
  cairo_surface_destroy(golden);
}

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

TEST(CardRendererTest, ProductCardGoldenPerLocale) {
  std::printf("%-6s %10s %10s  %s\n", "locale", "cold ms", "warm ms", "card (1280x720)");
  for (const LocaleCase& l : kLocales) {
    SCOPED_TRACE(l.locale);
    // Cold: a new renderer (its own font map: font files opened, coverage read) and first
    // render. Warm: re-rendering after Update(), as on a price change.
    const auto t0 = std::chrono::steady_clock::now();
    auto r = CardRenderer::Create(ProductCard(l));
    ASSERT_TRUE(r.ok()) << r.error().message();
    CardRenderer::Bitmap b = MustRender(**r, 1280, 720);
    const auto t1 = std::chrono::steady_clock::now();
    constexpr int kWarm = 10;
    for (int i = 0; i < kWarm; ++i) {
      ASSERT_TRUE((*r)->Update(ProductCard(l)).ok());
      MustRender(**r, 1280, 720);
    }
    const auto t2 = std::chrono::steady_clock::now();
    std::printf("%-6s %10.2f %10.2f  %dx%d at (%d,%d)\n", l.locale, Ms(t1 - t0),
                Ms(t2 - t1) / kWarm, b->width, b->height, b->x, b->y);
    ExpectGolden(std::string("product_") + l.locale + ".png", *b);
    // The default anchor is bottom-left with 3%/5% margins.
    EXPECT_EQ(b->x, 38);
    EXPECT_EQ(b->y + b->height, 720 - 36);
  }
}

TEST(CardRendererTest, CountdownAndBannerGoldens) {
  Card countdown;
  countdown.id = "flash-sale";
  countdown.kind = CardTemplate::kCountdown;
  countdown.title = "Flash sale ends in";
  countdown.countdown_to = kT0 + std::chrono::seconds(4 * 60 + 59);
  countdown.position.anchor = Anchor::kTopRight;
  auto c = CardRenderer::Create(countdown);
  ASSERT_TRUE(c.ok()) << c.error().message();
  ExpectGolden("countdown_en-US.png", *MustRender(**c, 1280, 720, kT0));

  Card banner;
  banner.id = "shipping";
  banner.kind = CardTemplate::kBanner;
  banner.locale = "ar-SA";
  banner.title = "شحن مجاني لجميع الطلبات اليوم فقط";
  banner.position.anchor = Anchor::kTopCenter;
  banner.theme.background = {226, 35, 60, 230};
  banner.theme.text = {255, 255, 255, 255};
  auto b = CardRenderer::Create(banner);
  ASSERT_TRUE(b.ok()) << b.error().message();
  const CardRenderer::Bitmap bitmap = MustRender(**b, 1280, 720);
  ExpectGolden("banner_ar-SA.png", *bitmap);
  EXPECT_EQ(bitmap->x, (1280 - bitmap->width) / 2);
}

// The columns holding title ink (dark pixels) in the title's rows, within the text column.
std::pair<int, int> InkColumns(const CardBitmap& b) {
  int lo = b.width, hi = -1;
  for (int y = b.title_ink.y; y < b.title_ink.y + b.title_ink.height; ++y) {
    for (int x = b.text.x; x < b.text.x + b.text.width; ++x) {
      const uint8_t* p = &b.rgba[(size_t(y) * b.width + x) * 4];
      if (p[3] > 200 && p[0] < 100 && p[1] < 100 && p[2] < 100)
        lo = std::min(lo, x), hi = std::max(hi, x);
    }
  }
  return {lo, hi};
}

TEST(CardRendererTest, ArabicLaysOutRightToLeft) {
  LocaleCase ar = kLocales[4], en = kLocales[6];
  ar.title = "سماعات لاسلكية", en.title = "Earbuds";  // short: one line, far from both edges
  auto rtl = CardRenderer::Create(ProductCard(ar)), ltr = CardRenderer::Create(ProductCard(en));
  ASSERT_TRUE(rtl.ok() && ltr.ok());
  const CardRenderer::Bitmap a = MustRender(**rtl, 1280, 720), e = MustRender(**ltr, 1280, 720);
  const int slack = 6;  // side bearings

  auto [a_lo, a_hi] = InkColumns(*a);
  EXPECT_NEAR(a_hi, a->text.x + a->text.width - 1, slack) << "Arabic ink ends at the right";
  EXPECT_GT(a_lo - a->text.x, a->text.width / 4) << "and leaves the left of the column empty";
  auto [e_lo, e_hi] = InkColumns(*e);
  EXPECT_NEAR(e_lo, e->text.x, slack);
  EXPECT_GT(e->text.x + e->text.width - e_hi, e->text.width / 4);
  // The whole card mirrors: image on the right and QR code on the left in Arabic.
  EXPECT_GT(a->image.x, a->text.x);
  EXPECT_LT(a->qr.x, a->text.x);
  EXPECT_LT(e->image.x, e->text.x);
  EXPECT_GT(e->qr.x, e->text.x);
}

TEST(CardRendererTest, EveryScriptShapesWithARealFont) {
  const std::pair<const char*, const char*> texts[] = {
      {"zh-CN", "无线降噪耳机"},   {"ja-JP", "ワイヤレスイヤホン"},
      {"ko-KR", "무선 이어폰"},    {"th-TH", "หูฟังไร้สาย"},
      {"ar-SA", "سماعات لاسلكية"}, {"he-IL", "אוזניות אלחוטיות"},
      {"hi-IN", "वायरलेस ईयरबड्स"},  {"vi-VN", "Tai nghe không dây chống ồn"},
  };
  for (const auto& [locale, text] : texts) {
    TextContext context(locale);
    TextBlock block(context, text, {.size_px = 32});
    EXPECT_EQ(pango_layout_get_unknown_glyphs_count(block.layout()), 0) << locale << " tofu";
    EXPECT_GT(block.ink().width, 32) << locale;
    const bool rtl = std::string(locale) == "ar-SA" || std::string(locale) == "he-IL";
    PangoLayoutLine* line = pango_layout_get_line_readonly(block.layout(), 0);
    EXPECT_EQ(line->resolved_dir, rtl ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR) << locale;
  }
}

TEST(CardRendererTest, CountdownRerendersOnlyWhenTheSecondChanges) {
  Card card;
  card.id = "deal";
  card.kind = CardTemplate::kCountdown;
  card.countdown_to = kT0 + std::chrono::seconds(90);
  auto r = CardRenderer::Create(card);
  ASSERT_TRUE(r.ok());
  CardRenderer& renderer = **r;
  const CardBitmap* first = MustRender(renderer, 1280, 720, kT0).get();              // 01:30
  EXPECT_EQ(MustRender(renderer, 1280, 720, kT0 + milliseconds(999)).get(), first);  // 01:30
  const CardRenderer::Bitmap next = MustRender(renderer, 1280, 720, kT0 + milliseconds(1000));
  EXPECT_NE(next.get(), first);                                              // 01:29
  EXPECT_NE(next->rgba, MustRender(renderer, 1920, 1080, kT0).get()->rgba);  // other size
  EXPECT_EQ(next->width, MustRender(renderer, 1280, 720, kT0 + milliseconds(1500))->width);
  EXPECT_EQ(MustRender(renderer, 1280, 720, kT0 + milliseconds(1500)).get(), next.get());
  // From the deadline on: 00:00, rendered once.
  const CardBitmap* done = MustRender(renderer, 1280, 720, kT0 + std::chrono::seconds(90)).get();
  EXPECT_EQ(MustRender(renderer, 1280, 720, kT0 + std::chrono::hours(5)).get(), done);
  EXPECT_FALSE(renderer.Render(1280, 720).ok());  // a countdown needs the time
}

TEST(CardRendererTest, StaticCardsRenderOncePerSizeUntilUpdated) {
  auto r = CardRenderer::Create(ProductCard(kLocales[6]));
  ASSERT_TRUE(r.ok());
  const CardRenderer::Bitmap first = MustRender(**r, 1280, 720);  // held: no address reuse
  EXPECT_EQ(MustRender(**r, 1280, 720, kT0), first);
  const CardRenderer::Bitmap big = MustRender(**r, 1920, 1080);
  EXPECT_NEAR(big->height, first->height * 1.5, 3);  // sized by the frame's height
  Card cheaper = (*r)->card();
  cheaper.price.amount = "17.99";
  ASSERT_TRUE((*r)->Update(cheaper).ok());
  EXPECT_NE(MustRender(**r, 1280, 720), first);
  cheaper.price.currency = "usd";
  Status bad = (*r)->Update(cheaper);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message().rfind("card earbuds-en-US: price.currency:", 0), 0u);
}

TEST(CardRendererTest, QrModulesAreDrawnAsLibqrencodeEncodesThem) {
  Card card = ProductCard(kLocales[6]);
  auto r = CardRenderer::Create(card);
  ASSERT_TRUE(r.ok());
  const CardRenderer::Bitmap b = MustRender(**r, 1920, 1080);
  QRcode* code = QRcode_encodeString(card.qr.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  ASSERT_NE(code, nullptr);
  const int n = code->width;
  ASSERT_EQ(b->qr.width, b->qr.height);
  ASSERT_EQ(b->qr.width % n, 0);
  const int module = b->qr.width / n;
  ASSERT_GE(module, 2);
  auto luma = [&](int x, int y) {
    const uint8_t* p = &b->rgba[(size_t(y) * b->width + x) * 4];
    return (p[0] + p[1] + p[2]) / 3;
  };
  int dark = 0;
  for (int my = -2; my < n + 2; ++my) {  // the 2-module quiet zone is light too
    for (int mx = -2; mx < n + 2; ++mx) {
      const bool inside = mx >= 0 && my >= 0 && mx < n && my < n;
      const bool want_dark = inside && (code->data[my * n + mx] & 1);
      const int l = luma(b->qr.x + mx * module + module / 2, b->qr.y + my * module + module / 2);
      if (want_dark) {
        ++dark;
        EXPECT_LT(l, 40) << "module " << mx << "," << my;
      } else {
        EXPECT_GT(l, 215) << "module " << mx << "," << my;
      }
    }
  }
  EXPECT_GT(dark, n * n / 4);
  auto ours = EncodeQr(card.qr);
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(ours->size, n);
  QRcode_free(code);
}

TEST(CardRendererTest, CardsThatCannotFitTheFrameAreRefused) {
  Card card = ProductCard(kLocales[6]);
  card.theme.font_size = 0.08;  // on a 1080x1920 portrait frame: 154 px text, no room
  auto r = CardRenderer::Create(card);
  ASSERT_TRUE(r.ok());
  auto b = (*r)->Render(1080, 1920);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message().rfind("card earbuds-en-US: position: the card needs", 0), 0u)
      << b.error().message();
  EXPECT_FALSE((*r)->Render(0, 720).ok());
  card.theme.font_size = 0.022;  // the same card fits a portrait frame at a smaller size...
  ASSERT_TRUE((*r)->Update(card).ok());
  auto portrait = (*r)->Render(1080, 1920);
  ASSERT_TRUE(portrait.ok()) << portrait.error().message();
  EXPECT_LE((*portrait)->x + (*portrait)->width, 1080 - 32);   // inside the 3% margin
  EXPECT_LT((*portrait)->text.width, 12 * 0.022 * 1920 - 20);  // ...in a narrower column
}

}  // namespace
}  // namespace strait::overlays
