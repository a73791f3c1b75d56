// RTMP ingest hot path: chunk-stream demux (ChunkReader) and the whole Session (chunks + FLV
// parsing + Packet building) over a recorded push. The recording is generated here with
// ChunkWriter: 10 s of 30 fps video at ~4 Mbit/s (100 KB keyframe every 2 s, ~14 KB inter frames)
// interleaved with 128 kbit/s AAC (~370-byte frames at 43/s), chunked at 4096 (what OBS and
// FFmpeg negotiate) and 128 (the RTMP default, worst case for header overhead).
#include <benchmark/benchmark.h>

#include <vector>

#include "transport/rtmp/amf0.h"
#include "transport/rtmp/chunk_reader.h"
#include "transport/rtmp/chunk_writer.h"
#include "transport/rtmp/session.h"

namespace strait::transport::rtmp {
namespace {

using Bytes = std::vector<uint8_t>;

// Appends the media messages of the recording (csid 6 audio, 7 video, message stream 1).
void WriteMedia(ChunkWriter& w, Bytes* out) {
  const Bytes avcc = {0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 0};
  w.Write(7, kVideo, 1, 0, avcc, out);
  w.Write(6, kAudio, 1, 0, Bytes{0xaf, 0x00, 0x12, 0x10}, out);
  uint32_t audio_ts = 0;
  for (int frame = 0; frame < 300; ++frame) {
    const uint32_t ts = frame * 1000 / 30;
    while (audio_ts <= ts) {
      Bytes aac(2 + 370, 0x21);
      aac[0] = 0xaf;
      aac[1] = 0x01;
      w.Write(6, kAudio, 1, audio_ts, aac, out);
      audio_ts += 23;
    }
    const bool key = frame % 60 == 0;
    Bytes video(5 + (key ? 100000 : 14000), static_cast<uint8_t>(frame));
    video[0] = key ? 0x17 : 0x27;
    video[1] = 0x01;
    video[2] = video[3] = 0;
    video[4] = 66;
    w.Write(7, kVideo, 1, ts, video, out);
  }
}

Bytes Recording(uint32_t chunk_size) {
  ChunkWriter w;
  Bytes out;
  const uint8_t size[4] = {uint8_t(chunk_size >> 24), uint8_t(chunk_size >> 16),
                           uint8_t(chunk_size >> 8), uint8_t(chunk_size)};
  w.Write(2, kSetChunkSize, 0, 0, size, &out);
  w.set_chunk_size(chunk_size);
  WriteMedia(w, &out);
  return out;
}

void BM_ChunkDemux(benchmark::State& state) {
  const Bytes rec = Recording(static_cast<uint32_t>(state.range(0)));
  size_t messages = 0;
  for (auto _ : state) {
    ChunkReader reader;
    for (size_t pos = 0; pos < rec.size(); pos += 65536) {
      const size_t n = std::min<size_t>(65536, rec.size() - pos);
      Status s = reader.Feed({rec.data() + pos, n}, [&](Message&& m) {
        ++messages;
        benchmark::DoNotOptimize(m.payload.data());
        return OkStatus();
      });
      if (!s.ok())
        state.SkipWithError(s.error().message().c_str());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * rec.size()));
  state.counters["messages"] =
      benchmark::Counter(static_cast<double>(messages), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChunkDemux)->Arg(4096)->Arg(128)->Unit(benchmark::kMillisecond);

class NullSink : public MediaSink {
 public:
  void OnTrack(const TrackInfo&) override {}
  void OnPacket(const Packet& p) override { benchmark::DoNotOptimize(p.data().data()); }
  void OnEnd(const Status&) override {}
};
class NullHandler : public PublishHandler {
 public:
  PublishDecision Publish(const PublishRequest&) override {
    PublishDecision d;
    d.sink = std::make_unique<NullSink>();
    d.stream_name = "bench";
    return d;
  }
};

// Handshake, connect, createStream, publish, then the recording: what a server connection sees.
Bytes SessionInput(uint32_t chunk_size) {
  using amf0::Value;
  Bytes out(1 + 2 * kHandshakeSize, 0);
  out[0] = 3;
  ChunkWriter w;
  auto command = [&](std::vector<Value> v, uint32_t sid) {
    w.Write(3, kCommandAmf0, sid, 0, amf0::EncodeAll(v), &out);
  };
  command(
      {Value::String("connect"), Value::Number(1), Value::Object({{"app", Value::String("live")}})},
      0);
  command({Value::String("createStream"), Value::Number(2), Value::Null()}, 0);
  command({Value::String("publish"), Value::Number(3), Value::Null(), Value::String("k"),
           Value::String("live")},
          1);
  const uint8_t size[4] = {uint8_t(chunk_size >> 24), uint8_t(chunk_size >> 16),
                           uint8_t(chunk_size >> 8), uint8_t(chunk_size)};
  w.Write(2, kSetChunkSize, 0, 0, size, &out);
  w.set_chunk_size(chunk_size);
  WriteMedia(w, &out);
  return out;
}

void BM_SessionIngest(benchmark::State& state) {
  const Bytes input = SessionInput(static_cast<uint32_t>(state.range(0)));
  NullHandler handler;
  for (auto _ : state) {
    Session session(handler, SessionOptions(), nullptr);
    Bytes out;
    for (size_t pos = 0; pos < input.size(); pos += 65536) {
      const size_t n = std::min<size_t>(65536, input.size() - pos);
      Status s = session.OnBytes({input.data() + pos, n}, &out);
      if (!s.ok())
        state.SkipWithError(s.error().message().c_str());
      out.clear();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}
BENCHMARK(BM_SessionIngest)->Arg(4096)->Arg(128)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strait::transport::rtmp

