#include "pipeline/transcode_resources.h"

#include <algorithm>
#include <cstdint>
#include <thread>

#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"

namespace strait::pipeline {

int Cores() {
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int RungEncoderThreads(int cores, int encoded_rungs, bool largest) {
  const int even = std::max(1, cores / std::max(1, encoded_rungs));
  return largest && cores >= 2 ? std::max(2, even) : even;
}

int DefaultDecoderThreads(int cores, int encoded_rungs) {
  return std::clamp(cores - encoded_rungs + 1, 1, 4);
}

std::string DecodeSizeOverLimit(const TrackInfo& t) {
  int w = t.width, h = t.height;
  if (t.codec == CodecId::kH264) {
    if (auto c = h264::ParseAvcConfig(t.extradata); c.ok())
      w = c->first_sps.width, h = c->first_sps.height;
  } else if (t.codec == CodecId::kHevc) {
    if (auto c = hevc::ParseHevcConfig(t.extradata); c.ok() && c->width > 0)
      w = c->width, h = c->height;
  }
  const int64_t area = int64_t{w} * h;
  if (area <= int64_t{kMaxDecodeWidth} * kMaxDecodeHeight && std::max(w, h) <= kMaxDecodeWidth)
    return "";
  return std::to_string(w) + "x" + std::to_string(h);
}

}  // namespace strait::pipeline
