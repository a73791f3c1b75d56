// Ladder scaling on the CPU (bilinear, yuv420p): a 1080p picture to 720p + 480p + 360p, each rung
// from the source ("direct", what the transcode graph does: the rungs scale in parallel on their
// own threads) or each from the next larger rung ("cascade": less work in total, but the rungs
// then wait on each other); time per ladder picture. ffmpeg::Scaler runs strait's
// scale::PlaneScaler where the CPU has AVX2 ("Direct", "Cascade") — the peer, libswscale's
// SWS_BILINEAR through the same Scaler, runs in the same binary ("DirectSwscale"; the ratio of
// the two is strait's gain), and per rung ("Rung/<height>", both).
#include <benchmark/benchmark.h>

#include "codecs/ffmpeg/scaler.h"
#include "codecs/frame.h"

namespace strait {
namespace {

constexpr int kYuv420p = 0;  // AV_PIX_FMT_YUV420P (bench/ does not include FFmpeg headers)

struct Ladder {
  std::unique_ptr<ffmpeg::Scaler> s720, s480, s360;
};

std::unique_ptr<ffmpeg::Scaler> MakeScaler(int width, int height, bool swscale = false) {
  auto s = ffmpeg::Scaler::Create({.width = width,
                                   .height = height,
                                   .filter = ffmpeg::ScaleFilter::kBilinear,
                                   .swscale_only = swscale});
  return s.ok() ? std::move(s.value()) : nullptr;
}

Ladder MakeLadder(bool swscale = false) {
  return {MakeScaler(1280, 720, swscale), MakeScaler(854, 480, swscale),
          MakeScaler(640, 360, swscale)};
}

// A 1080p picture with detail (the scalers' speed does not depend on it; their output does).
Frame Source() {
  auto allocated = Frame::AllocateVideo(1920, 1080, kYuv420p);
  Frame source = allocated.ok() ? std::move(allocated.value()) : Frame();
  for (int p = 0; p < 3 && allocated.ok(); ++p) {
    const int w = p ? 960 : 1920, h = p ? 540 : 1080;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        source.data(p)[y * source.linesize(p) + x] = uint8_t((x * 7 + y * 3) ^ (x / 5 + y));
    }
  }
  return source;
}

void LadderDirect(benchmark::State& state, bool swscale) {
  Frame source = Source();
  Ladder l = MakeLadder(swscale);
  for (auto _ : state) {
    auto a = l.s720->Scale(source);
    auto b = l.s480->Scale(source);
    auto c = l.s360->Scale(source);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_LadderScaleDirect(benchmark::State& state) {
  LadderDirect(state, false);
}
BENCHMARK(BM_LadderScaleDirect)->Unit(benchmark::kMillisecond);
void BM_LadderScaleDirectSwscale(benchmark::State& state) {
  LadderDirect(state, true);
}
BENCHMARK(BM_LadderScaleDirectSwscale)->Unit(benchmark::kMillisecond);

// One rung (arg: its height) from the source; arg 2: 1 = swscale.
void BM_Rung(benchmark::State& state) {
  const int height = int(state.range(0));
  Frame source = Source();
  auto scaler = MakeScaler(height == 720   ? 1280
                           : height == 480 ? 854
                                           : 640,
                           height, state.range(1) != 0);
  for (auto _ : state)
    benchmark::DoNotOptimize(scaler->Scale(source));
  state.SetLabel(state.range(1) ? "swscale" : "strait");
}
BENCHMARK(BM_Rung)
    ->ArgsProduct({{720, 480, 360}, {0, 1}})
    ->ArgNames({"height", "swscale"})
    ->Unit(benchmark::kMicrosecond);

void BM_LadderScaleCascade(benchmark::State& state) {
  Frame source = Source();
  Ladder l = MakeLadder();
  for (auto _ : state) {
    auto a = l.s720->Scale(source);
    auto b = l.s480->Scale(*a);
    auto c = l.s360->Scale(*b);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LadderScaleCascade)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strait
