// Playlist rendering cost: one media playlist (6-segment window, with program date times) and one
// master playlist per completed segment; they are rendered once per segment, never per request.
#include <benchmark/benchmark.h>

#include "transport/hls/playlist.h"

namespace strait::transport::hls {
namespace {

MediaPlaylist Window(int segments) {
  MediaPlaylist p;
  p.target_duration_s = 2;
  p.discontinuity_sequence = 3;
  for (int i = 0; i < segments; ++i) {
    SegmentEntry s;
    s.sequence = 123456 + i;
    s.duration_s = 2.002;
    s.discontinuity = i == 2;
    s.program_date_time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(1764288000000 + i * 2002));
    p.segments.push_back(s);
  }
  return p;
}

void BM_RenderMediaPlaylist(benchmark::State& state) {
  const MediaPlaylist p = Window(static_cast<int>(state.range(0)));
  size_t bytes = 0;
  for (auto _ : state) {
    std::string s = RenderMediaPlaylist(p);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_RenderMediaPlaylist)->Arg(6)->Arg(30);

void BM_RenderMasterPlaylist(benchmark::State& state) {
  std::vector<VariantInfo> variants;
  for (int i = 0; i < state.range(0); ++i) {
    variants.push_back({std::to_string(i) + "/playlist.m3u8", 2500000 - i * 500000, 2200000, 1920,
                        1080, 29.97, "avc1.64002a,mp4a.40.2"});
  }
  for (auto _ : state) {
    std::string s = RenderMasterPlaylist(variants);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_RenderMasterPlaylist)->Arg(1)->Arg(4);

}  // namespace
}  // namespace strait::transport::hls

