// Ladder scaling on the CPU (swscale bilinear, yuv420p): a 1080p picture to 720p + 480p + 360p,
// each rung from the source ("direct", what the transcode graph does: the rungs scale in parallel
// on their own threads) or each from the next larger rung ("cascade": less work in total, but the
// rungs then wait on each other). Compare the two to choose; time per ladder picture.
#include <benchmark/benchmark.h>

#include "codecs/ffmpeg/scaler.h"
#include "codecs/frame.h"

namespace strait {
namespace {

constexpr int kYuv420p = 0;  // AV_PIX_FMT_YUV420P (bench/ does not include FFmpeg headers)

struct Ladder {
  std::unique_ptr<ffmpeg::Scaler> s720, s480, s360;
};

std::unique_ptr<ffmpeg::Scaler> MakeScaler(int width, int height) {
  auto s = ffmpeg::Scaler::Create({width, height, ffmpeg::ScaleFilter::kBilinear});
  return s.ok() ? std::move(s.value()) : nullptr;
}

Ladder MakeLadder() {
  return {MakeScaler(1280, 720), MakeScaler(854, 480), MakeScaler(640, 360)};
}

void BM_LadderScaleDirect(benchmark::State& state) {
  auto allocated = Frame::AllocateVideo(1920, 1080, kYuv420p);
  Frame source = allocated.ok() ? std::move(allocated.value()) : Frame();
  Ladder l = MakeLadder();
  for (auto _ : state) {
    auto a = l.s720->Scale(source);
    auto b = l.s480->Scale(source);
    auto c = l.s360->Scale(source);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LadderScaleDirect)->Unit(benchmark::kMillisecond);

void BM_LadderScaleCascade(benchmark::State& state) {
  auto allocated = Frame::AllocateVideo(1920, 1080, kYuv420p);
  Frame source = allocated.ok() ? std::move(allocated.value()) : Frame();
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
