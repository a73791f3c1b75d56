// Fuzz target: MPEG-TS from an untrusted SRT publisher through TsDemuxer (libavformat's mpegts
// demuxer plus strait's Annex B / ADTS / parameter-set handling), fed in small odd chunks; and the
// Annex B splitter and avcC / hvcC builders on the raw bytes. Inputs and Next() calls are capped
// so each run stays fast.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codecs/ts/annexb.h"
#include "codecs/ts/ts_demuxer.h"

extern "C" {
#include <libavutil/log.h>
}

namespace {

void FuzzAnnexB(std::span<const uint8_t> in) {
  std::vector<strait::ts::Nal> vps, sps, pps;
  std::vector<uint8_t> out;
  for (std::span<const uint8_t> nal : strait::ts::SplitAnnexB(in)) {
    strait::ts::AppendLengthPrefixed(nal, out);
    const int h264 = strait::ts::H264NalType(nal), hevc = strait::ts::HevcNalType(nal);
    if (h264 == 7 || hevc == 33)
      sps.emplace_back(nal.begin(), nal.end());
    if (h264 == 8 || hevc == 34)
      pps.emplace_back(nal.begin(), nal.end());
    if (hevc == 32)
      vps.emplace_back(nal.begin(), nal.end());
  }
  (void)strait::ts::BuildAvcC(sps, pps, nullptr);
  (void)strait::ts::BuildHvcC(vps, sps, pps, nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384)
    return 0;
  static const bool quiet = (av_log_set_level(AV_LOG_QUIET), true);  // this process only
  (void)quiet;
  FuzzAnnexB({data, size});
  size_t pos = 0, calls = 0;
  auto read = [&](uint8_t* buf, int want) -> int {
    const size_t n = std::min({size - pos, static_cast<size_t>(want), 1 + (calls++ * 97) % 1500});
    std::copy_n(data + pos, n, buf);
    pos += n;
    return static_cast<int>(n);
  };
  strait::ts::TsDemuxer::Options options;
  options.probe_bytes = 188 * 20;
  options.max_packet_bytes = 1 << 20;
  options.max_bytes_without_streams = 1 << 16;
  auto demuxer = strait::ts::TsDemuxer::Open(read, options);
  if (!demuxer.ok())
    return 0;
  for (int i = 0; i < 2000; ++i) {
    auto event = (*demuxer)->Next();
    if (!event.ok() || std::holds_alternative<strait::ts::TsDemuxer::EndOfStream>(*event))
      break;
    if (auto* p = std::get_if<strait::Packet>(&*event)) {
      uint8_t acc = 0;
      for (uint8_t b : p->data())
        acc ^= b;
      volatile uint8_t sink = acc;
      (void)sink;
    }
  }
  return 0;
}
