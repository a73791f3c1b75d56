// Playlist rendering cost: one media playlist (6-segment window, with program date times) and one
// master playlist per completed segment; they are rendered once per segment, never per request.
// Low-Latency HLS renders the media playlist once per part (about three times a second per
// rendition), full and as a delta update (_HLS_skip=YES), so those two are measured too.
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

// A CMAF window as a live LL-HLS rendition holds it: 10 segments of 2 s, the last 3 listed with
// their 6 parts, 3 parts of the segment in progress, 2 sibling renditions reported.
MediaPlaylist LowLatencyWindow() {
  constexpr uint64_t kFirst = 17959307751;
  constexpr int kSegments = 10;
  constexpr int64_t kStartMs = 1764288000000;
  MediaPlaylist p;
  p.format = SegmentFormat::kCmaf;
  p.target_duration_s = 2;
  for (int i = 0; i < kSegments; ++i) {
    SegmentEntry s;
    s.sequence = kFirst + i;
    s.duration_s = 2.0;
    s.program_date_time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMs + i * 2000));
    s.bytes = 513846;
    s.init_id = kFirst;
    if (i >= kSegments - 3) {
      for (int k = 0; k < 6; ++k)
        s.parts.push_back({k == 5 ? 0.330 : 0.334, k == 0, 83135});
    }
    p.segments.push_back(s);
  }
  LowLatency ll;
  ll.part_target_s = 0.334;
  ll.part_hold_back_s = 1.002;
  ll.can_skip_until_s = 12.0;
  ll.parts_window_s = 6.0;
  ll.open_sequence = kFirst + kSegments;
  ll.open_init_id = kFirst;
  ll.open_program_date_time =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(kStartMs + kSegments * 2000));
  for (int k = 0; k < 3; ++k)
    ll.open_parts.push_back({0.334, k == 0, 83135});
  ll.reports = {{"720p", ll.open_sequence, 2}, {"480p", ll.open_sequence, 2}};
  p.low_latency = ll;
  return p;
}

// state.range(0): 0 = the full playlist, 1 = the delta update (EXT-X-SKIP for what it may skip).
void BM_RenderLowLatencyPlaylist(benchmark::State& state) {
  MediaPlaylist p = LowLatencyWindow();
  if (state.range(0) == 1)
    p.skip_segments = SkippableSegments(p);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string s = RenderMediaPlaylist(p);
    bytes += s.size();
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(state.range(0) == 1 ? "delta" : "full");
  state.counters["skipped_segments"] = static_cast<double>(p.skip_segments);
  state.counters["playlist_bytes"] = static_cast<double>(RenderMediaPlaylist(p).size());
}
BENCHMARK(BM_RenderLowLatencyPlaylist)->Arg(0)->Arg(1);

// The delta's skip count is computed per render too (SkippableSegments walks the window).
void BM_SkippableSegments(benchmark::State& state) {
  const MediaPlaylist p = LowLatencyWindow();
  for (auto _ : state)
    benchmark::DoNotOptimize(SkippableSegments(p));
}
BENCHMARK(BM_SkippableSegments);

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
