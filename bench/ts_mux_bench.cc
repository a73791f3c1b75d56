// MPEG-TS mux throughput (bytes of payload in per second) for synthetic 720p-sized H.264 + AAC
// packets, cutting a segment every 2 s as the HLS packager does.
#include <benchmark/benchmark.h>

#include "codecs/ts/ts_muxer.h"
#include "transport/hls/test_media.h"

namespace strait {
namespace {

namespace t = transport::hls::testing;

void BM_TsMux(benchmark::State& state) {
  const size_t frame = static_cast<size_t>(state.range(0));
  std::vector<Packet> packets;
  for (int i = 0; i < 60; ++i) {
    packets.push_back(t::VideoPacket(i * 33, i == 0, frame));
    packets.push_back(t::AudioPacket(i * 33 + 5));
  }
  auto muxer = ts::TsMuxer::Create({t::VideoTrack(), t::AudioTrack()});
  if (!muxer.ok()) {
    state.SkipWithError(muxer.error().message().c_str());
    return;
  }
  int64_t in_bytes = 0, base = 0;
  for (auto _ : state) {
    for (const Packet& p : packets) {
      (void)(*muxer)->Write(p.WithTimestamps(p.pts() + base, p.dts() + base));
      in_bytes += static_cast<int64_t>(p.size());
    }
    std::vector<uint8_t> segment = (*muxer)->TakeBytes();
    benchmark::DoNotOptimize(segment);
    base += 2000;
  }
  state.SetBytesProcessed(in_bytes);
}
BENCHMARK(BM_TsMux)->Arg(2000)->Arg(20000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace strait

