// HTTP origin hot path: NormalizeTarget runs once per request before any handler, so it must stay
// around a hundred nanoseconds for typical HLS targets; plus Request::QueryParam (LL-HLS _HLS_msn).
#include <benchmark/benchmark.h>

#include <string>

#include "transport/http/message.h"
#include "transport/http/path.h"

namespace strait::transport::http {
namespace {

void BM_NormalizeTarget(benchmark::State& state, const std::string& target) {
  for (auto _ : state) {
    auto t = NormalizeTarget(target);
    benchmark::DoNotOptimize(t);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * target.size()));
}
BENCHMARK_CAPTURE(BM_NormalizeTarget, segment, std::string("/live/shop1/src/seg123456.ts"));
BENCHMARK_CAPTURE(BM_NormalizeTarget,
                  ll_hls_playlist,
                  std::string("/live/shop1/720p/index.m3u8?_HLS_msn=123456&_HLS_part=3"));
BENCHMARK_CAPTURE(BM_NormalizeTarget,
                  messy,
                  std::string("//live/./shop%201//src/./seg%31%32%33.ts?x=1"));
BENCHMARK_CAPTURE(BM_NormalizeTarget, traversal, std::string("/live/%2e%2e/%2e%2e/etc/passwd"));
BENCHMARK_CAPTURE(BM_NormalizeTarget, long_path, "/" + std::string(2000, 'a'));

void BM_QueryParam(benchmark::State& state) {
  Request r;
  r.query = "_HLS_msn=123456&_HLS_part=3&_HLS_skip=YES";
  for (auto _ : state) {
    std::string v = r.QueryParam("_HLS_part");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_QueryParam);

}  // namespace
}  // namespace strait::transport::http
