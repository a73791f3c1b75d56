// Card rendering cost per change, per locale: what the decode thread pays once when a producer
// pins or edits a card (CardRenderer::Update + Render at 1920x1080: Pango/HarfBuzz shaping with
// fontconfig fallback, ICU money, the QR code, Cairo into premultiplied RGBA), and the conversion
// the compositor then makes once per bitmap (PreparedCard, first blend). A countdown re-renders
// once a second: `countdown_tick`. Cached renders (no change) cost a map lookup and are not shown.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "overlays/blend.h"
#include "overlays/card_renderer.h"

namespace strait {
namespace {

using overlays::Card;

struct Sample {
  const char* locale;
  const char* title;
  const char* currency;
  const char* amount;
};

const std::vector<Sample> kSamples = {
    {"zh-CN", "红色跑步鞋 直播间专享", "CNY", "199"},
    {"ja-JP", "赤いランニングシューズ 本日限定", "JPY", "2980"},
    {"ko-KR", "빨간 러닝화 라이브 특가", "KRW", "39000"},
    {"th-TH", "รองเท้าวิ่งสีแดง ราคาพิเศษ", "THB", "990"},
    {"ar-SA", "حذاء جري أحمر عرض البث", "SAR", "149"},
    {"hi-IN", "लाल रनिंग जूते आज का ऑफ़र", "INR", "1499"},
    {"en-US", "Red running sneakers, live deal", "USD", "19.99"},
    {"es-MX", "Tenis rojos para correr", "MXN", "599"},
    {"id-ID", "Sepatu lari merah", "IDR", "299000"},
};

Card MakeCard(const Sample& s, int variant) {
  Card c;
  c.id = "bench";
  c.title = s.title;
  c.subtitle = variant % 2 ? "stock is going fast" : "limited edition";
  c.price = {s.amount, s.currency};
  c.discount_label = "-30%";
  c.stock_left = 50 - variant % 50;  // a change every iteration: nothing cached
  c.qr = "https://shop.example/p/red-sneakers";
  c.locale = s.locale;
  return c;
}

void RenderPerChange(benchmark::State& state, const Sample& sample) {
  auto renderer = overlays::CardRenderer::Create(MakeCard(sample, 0));
  if (!renderer.ok()) {
    state.SkipWithError(renderer.error().message().c_str());
    return;
  }
  int variant = 0;
  for (auto _ : state) {
    (void)(*renderer)->Update(MakeCard(sample, ++variant));
    auto bitmap = (*renderer)->Render(1920, 1080);
    if (!bitmap.ok()) {
      state.SkipWithError(bitmap.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(bitmap);
  }
}

// Render + the compositor's one-off conversion of the new bitmap (first blend on a 1080p frame).
void RenderAndPrepare(benchmark::State& state) {
  auto renderer = overlays::CardRenderer::Create(MakeCard(kSamples[6], 0));
  auto frame = Frame::AllocateVideo(1920, 1080, Frame::Layout::kYuv420p);
  auto target = overlays::TargetForFrame(*frame);
  int variant = 0;
  for (auto _ : state) {
    (void)(*renderer)->Update(MakeCard(kSamples[6], ++variant));
    auto bitmap = (*renderer)->Render(1920, 1080);
    const overlays::CardBitmap& b = **bitmap;
    auto card = overlays::PreparedCard::Create({b.rgba.data(), b.width, b.height, b.width * 4});
    (void)overlays::Blend(*card, b.x, b.y, *target);
  }
}

void CountdownTick(benchmark::State& state) {
  Card c;
  c.id = "countdown";
  c.kind = overlays::CardTemplate::kCountdown;
  c.title = "Flash sale ends in";
  const auto start = std::chrono::system_clock::now();
  c.countdown_to = start + std::chrono::hours(1);
  auto renderer = overlays::CardRenderer::Create(c);
  int64_t second = 0;
  for (auto _ : state) {
    auto bitmap = (*renderer)->RenderAt(1920, 1080, start + std::chrono::seconds(++second));
    benchmark::DoNotOptimize(bitmap);
  }
}

int Register() {
  for (const Sample& s : kSamples) {
    benchmark::RegisterBenchmark((std::string("render_change/product/") + s.locale).c_str(),
                                 RenderPerChange, s)
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("render_change_and_prepare/product/en-US", RenderAndPrepare)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("countdown_tick", CountdownTick)->Unit(benchmark::kMillisecond);
  return 0;
}
const int registered = Register();

}  // namespace
}  // namespace strait
