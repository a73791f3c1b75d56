// LL-HLS part packaging: the cost of one CMAF chunk (prft + moof + mdat) for a ~0.333 s part —
// 10 video frames (the argument: bytes per frame, ~10 KB ≈ 2.4 Mbit/s at 30 fps) and 16 AAC
// frames of 340 bytes — from Add to Flush. Payloads are random bytes; the writer never parses
// them. Time per iteration = time per part.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "codecs/h264/test_vectors.h"
#include "codecs/mp4/cmaf_writer.h"

namespace strait {
namespace {

std::vector<uint8_t> RandomBytes(std::mt19937& rng, size_t n) {
  std::vector<uint8_t> v(n);
  for (uint8_t& b : v)
    b = static_cast<uint8_t>(rng());
  return v;
}

void BM_CmafPart(benchmark::State& state) {
  const size_t frame_bytes = static_cast<size_t>(state.range(0));
  TrackInfo video;
  video.id = 0;
  video.codec = CodecId::kH264;
  video.timebase = kMpegTs;
  video.extradata = testdata::kAvcC720pHigh;
  video.frame_rate = 30;
  TrackInfo audio;
  audio.id = 1;
  audio.kind = MediaKind::kAudio;
  audio.codec = CodecId::kAac;
  audio.timebase = {1, 48000};
  audio.extradata = {0x11, 0x90};
  audio.sample_rate = 48000;
  audio.channels = 2;
  auto writer = mp4::CmafWriter::Create(std::vector<TrackInfo>{video, audio});
  if (!writer.ok()) {
    state.SkipWithError(writer.error().message().c_str());
    return;
  }
  mp4::CmafWriter& w = **writer;

  // One part's packets with timestamps from 0 (the first frame a keyframe three times the size);
  // each iteration adds them interleaved, shifted by one part on each track's own clock.
  std::mt19937 rng(1);
  std::vector<Packet> video_packets, audio_packets;
  for (int i = 0; i < 10; ++i) {
    video_packets.emplace_back(0, MediaKind::kVideo, CodecId::kH264,
                               RandomBytes(rng, i == 0 ? frame_bytes * 3 : frame_bytes),
                               i * 3000 + 6000, i * 3000, kMpegTs, i == 0);
  }
  for (int i = 0; i < 16; ++i) {
    audio_packets.emplace_back(1, MediaKind::kAudio, CodecId::kAac, RandomBytes(rng, 340), i * 1024,
                               i * 1024, Timebase{1, 48000}, true);
  }
  const auto wall = std::chrono::system_clock::now();
  int64_t part = 0, bytes = 0;
  for (auto _ : state) {
    const int64_t v0 = part * 30000, a0 = part * 16 * 1024;
    size_t a = 0;
    for (size_t i = 0; i < video_packets.size(); ++i) {
      const Packet& p = video_packets[i];
      (void)w.Add(p.WithTimestamps(p.pts() + v0, p.dts() + v0));
      for (; a < audio_packets.size() && a * video_packets.size() < (i + 1) * audio_packets.size();
           ++a) {
        const Packet& q = audio_packets[a];
        (void)w.Add(q.WithTimestamps(q.pts() + a0, q.dts() + a0));
      }
    }
    mp4::Chunk chunk = w.Flush(MediaTime{v0 + 30000, kMpegTs}, wall);
    if (chunk.samples != 26) {
      state.SkipWithError("samples rejected");
      break;
    }
    bytes += static_cast<int64_t>(chunk.bytes.size());
    benchmark::DoNotOptimize(chunk.bytes.data());
    ++part;
  }
  state.SetBytesProcessed(bytes);
  state.counters["parts/s"] =
      benchmark::Counter(static_cast<double>(part), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CmafPart)->Arg(2000)->Arg(10000)->Arg(40000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace strait
