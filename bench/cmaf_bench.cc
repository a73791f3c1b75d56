// LL-HLS part packaging: the cost of one CMAF chunk (prft + moof + mdat) for a ~0.333 s part —
// 10 video frames (the argument: bytes per frame, ~10 KB ≈ 2.4 Mbit/s at 30 fps) and 16 AAC
// frames of 340 bytes — from Add to Flush. Payloads are random bytes; the writer never parses
// them. Time per iteration = time per part. BM_LibavformatCmafPart does the same parts through
// FFmpeg's mp4 muxer (movflags frag_custom+cmaf+empty_moov+default_base_moof, one fragment
// flushed per part, into memory): the peer the issue names, in the same run.
#include <benchmark/benchmark.h>

#include <chrono>
#include <random>

#include "codecs/h264/test_vectors.h"
#include "codecs/mp4/cmaf_writer.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
#include <libavutil/opt.h>
}

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

// The same parts through libavformat's fragmented-MP4 muxer.
int CollectBytes(void* opaque, uint8_t* buf, int size) {
  auto* out = static_cast<std::vector<uint8_t>*>(opaque);
  out->insert(out->end(), buf, buf + size);
  return size;
}

void BM_LibavformatCmafPart(benchmark::State& state) {
  const size_t frame_bytes = static_cast<size_t>(state.range(0));
  std::vector<uint8_t> sink;
  AVFormatContext* ctx = nullptr;
  avformat_alloc_output_context2(&ctx, nullptr, "mp4", nullptr);
  const int io_size = 1 << 16;
  auto* io_buf = static_cast<uint8_t*>(av_malloc(io_size));
  ctx->pb = avio_alloc_context(io_buf, io_size, 1, &sink, nullptr, CollectBytes, nullptr);
  ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  AVStream* vs = avformat_new_stream(ctx, nullptr);
  vs->time_base = {1, 90000};
  vs->codecpar->codec_type = AVMEDIA_TYPE_VIDEO;
  vs->codecpar->codec_id = AV_CODEC_ID_H264;
  vs->codecpar->width = 1280;
  vs->codecpar->height = 720;
  const std::vector<uint8_t>& avcc = testdata::kAvcC720pHigh;
  vs->codecpar->extradata =
      static_cast<uint8_t*>(av_mallocz(avcc.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  std::copy(avcc.begin(), avcc.end(), vs->codecpar->extradata);
  vs->codecpar->extradata_size = static_cast<int>(avcc.size());
  AVStream* as = avformat_new_stream(ctx, nullptr);
  as->time_base = {1, 48000};
  as->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
  as->codecpar->codec_id = AV_CODEC_ID_AAC;
  as->codecpar->sample_rate = 48000;
  av_channel_layout_default(&as->codecpar->ch_layout, 2);
  as->codecpar->extradata = static_cast<uint8_t*>(av_mallocz(2 + AV_INPUT_BUFFER_PADDING_SIZE));
  as->codecpar->extradata[0] = 0x11;
  as->codecpar->extradata[1] = 0x90;
  as->codecpar->extradata_size = 2;
  AVDictionary* opts = nullptr;
  av_dict_set(&opts, "movflags", "frag_custom+cmaf+empty_moov+default_base_moof", 0);
  if (avformat_write_header(ctx, &opts) < 0) {
    state.SkipWithError("avformat_write_header failed");
    return;
  }
  av_dict_free(&opts);
  std::mt19937 rng(1);
  std::vector<std::vector<uint8_t>> video, audio;
  for (int i = 0; i < 10; ++i)
    video.push_back(RandomBytes(rng, i == 0 ? frame_bytes * 3 : frame_bytes));
  for (int i = 0; i < 16; ++i) {
    audio.push_back(RandomBytes(rng, 340));
    audio.back()[0] = 0x21;  // not an ADTS sync word
  }
  AVPacket* pkt = av_packet_alloc();
  int64_t part = 0, bytes = 0;
  for (auto _ : state) {
    sink.clear();
    const int64_t v0 = part * 30000, a0 = part * 16 * 1024;
    size_t a = 0;
    for (size_t i = 0; i < video.size(); ++i) {
      av_new_packet(pkt, static_cast<int>(video[i].size()));  // a copy, as a muxer user does
      std::copy(video[i].begin(), video[i].end(), pkt->data);
      pkt->stream_index = 0;
      pkt->dts = v0 + static_cast<int64_t>(i) * 3000;
      pkt->pts = pkt->dts + 6000;
      pkt->duration = 3000;
      pkt->flags = i == 0 ? AV_PKT_FLAG_KEY : 0;
      av_write_frame(ctx, pkt);
      for (; a < audio.size() && a * video.size() < (i + 1) * audio.size(); ++a) {
        av_new_packet(pkt, static_cast<int>(audio[a].size()));
        std::copy(audio[a].begin(), audio[a].end(), pkt->data);
        pkt->stream_index = 1;
        pkt->pts = pkt->dts = a0 + static_cast<int64_t>(a) * 1024;
        pkt->duration = 1024;
        pkt->flags = AV_PKT_FLAG_KEY;
        av_write_frame(ctx, pkt);
      }
    }
    av_write_frame(ctx, nullptr);  // frag_custom: flush one fragment
    avio_flush(ctx->pb);
    bytes += static_cast<int64_t>(sink.size());
    benchmark::DoNotOptimize(sink.data());
    ++part;
  }
  av_packet_free(&pkt);
  av_write_trailer(ctx);
  avio_context_free(&ctx->pb);
  avformat_free_context(ctx);
  state.SetBytesProcessed(bytes);
  state.counters["parts/s"] =
      benchmark::Counter(static_cast<double>(part), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_LibavformatCmafPart)->Arg(2000)->Arg(10000)->Arg(40000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace strait
