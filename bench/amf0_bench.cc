// AMF0 decode (and encode) of the commands every publish starts with: an OBS-like `connect` and an
// FFmpeg-like @setDataFrame/onMetaData.
#include <benchmark/benchmark.h>

#include <vector>

#include "transport/rtmp/amf0.h"

namespace strait::transport::rtmp::amf0 {
namespace {

std::vector<uint8_t> Connect() {
  return EncodeAll(std::vector<Value>{
      Value::String("connect"), Value::Number(1),
      Value::Object(
          {{"app", Value::String("live")},
           {"type", Value::String("nonprivate")},
           {"flashVer", Value::String("FMLE/3.0 (compatible; FMSc/1.0)")},
           {"swfUrl", Value::String("rtmp://ingest.example.com/live")},
           {"tcUrl", Value::String("rtmp://ingest.example.com/live")},
           {"fourCcList", Value::StrictArray({Value::String("av01"), Value::String("vp09"),
                                              Value::String("hvc1")})}})});
}

std::vector<uint8_t> MetaData() {
  std::vector<Property> props = {
      {"duration", Value::Number(0)},         {"width", Value::Number(1920)},
      {"height", Value::Number(1080)},        {"videodatarate", Value::Number(6000)},
      {"framerate", Value::Number(30)},       {"videocodecid", Value::Number(7)},
      {"audiodatarate", Value::Number(160)},  {"audiosamplerate", Value::Number(48000)},
      {"audiosamplesize", Value::Number(16)}, {"stereo", Value::Boolean(true)},
      {"audiocodecid", Value::Number(10)},    {"encoder", Value::String("Lavf60.16.100")},
      {"filesize", Value::Number(0)}};
  return EncodeAll(std::vector<Value>{Value::String("@setDataFrame"), Value::String("onMetaData"),
                                      Value::EcmaArray(std::move(props))});
}

void Decode(benchmark::State& state, const std::vector<uint8_t>& bytes) {
  for (auto _ : state) {
    auto values = DecodeAll(bytes);
    benchmark::DoNotOptimize(values);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes.size()));
}

void BM_DecodeConnect(benchmark::State& state) {
  Decode(state, Connect());
}
void BM_DecodeMetaData(benchmark::State& state) {
  Decode(state, MetaData());
}
void BM_EncodeMetaData(benchmark::State& state) {
  auto values = DecodeAll(MetaData());
  for (auto _ : state) {
    auto bytes = EncodeAll(*values);
    benchmark::DoNotOptimize(bytes.data());
  }
}
BENCHMARK(BM_DecodeConnect);
BENCHMARK(BM_DecodeMetaData);
BENCHMARK(BM_EncodeMetaData);

}  // namespace
}  // namespace strait::transport::rtmp::amf0

