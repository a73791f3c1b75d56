// MPEG-TS demux throughput (TS bytes in per second) of TsDemuxer, the SRT ingest's hot path:
// 10 s of 720p H.264 (~4 Mbit/s) + AAC made once with the ffmpeg CLI, then demuxed from memory in
// 1316-byte reads (one SRT payload each), Annex B -> length-prefixed conversion included.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "codecs/ts/ts_demuxer.h"

namespace strait {
namespace {

const std::vector<uint8_t>& Input() {
  static const std::vector<uint8_t> bytes = [] {
    const std::string path = (std::filesystem::temp_directory_path() /
                              ("strait_ts_demux_bench_" + std::to_string(::getpid()) + ".ts"))
                                 .string();
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine -t 10 "
        "-c:v libx264 -preset ultrafast -b:v 4M -g 60 -c:a aac -f mpegts " +
        path;
    if (std::system(cmd.c_str()) != 0)
      return std::vector<uint8_t>();
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> data(std::istreambuf_iterator<char>(in), {});
    std::filesystem::remove(path);
    return data;
  }();
  return bytes;
}

void BM_TsDemux(benchmark::State& state) {
  const std::vector<uint8_t>& input = Input();
  if (input.empty()) {
    state.SkipWithError("ffmpeg could not make the input");
    return;
  }
  int64_t packets = 0;
  for (auto _ : state) {
    size_t pos = 0;
    auto read = [&](uint8_t* buf, int size) {
      const size_t n = std::min({input.size() - pos, static_cast<size_t>(size), size_t{1316}});
      std::copy_n(input.data() + pos, n, buf);
      pos += n;
      return static_cast<int>(n);
    };
    auto demuxer = ts::TsDemuxer::Open(read);
    if (!demuxer.ok()) {
      state.SkipWithError(demuxer.error().message().c_str());
      return;
    }
    while (true) {
      auto event = (*demuxer)->Next();
      if (!event.ok() || std::holds_alternative<ts::TsDemuxer::EndOfStream>(*event))
        break;
      packets += std::holds_alternative<Packet>(*event);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["packets/s"] =
      benchmark::Counter(static_cast<double>(packets), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TsDemux)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strait
