#include "codecs/mpeg_audio/frame_header.h"

namespace strait::mpeg_audio {

std::optional<FrameHeader> ParseFrameHeader(std::span<const uint8_t> d) {
  if (d.size() < 4 || d[0] != 0xff || (d[1] & 0xe0) != 0xe0)
    return std::nullopt;
  const int version = (d[1] >> 3) & 3;  // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
  const int layer = (d[1] >> 1) & 3;    // 3 = I, 2 = II, 1 = III
  const int index = (d[2] >> 2) & 3;
  const int bitrate = d[2] >> 4;  // 15 is forbidden (a damaged header)
  if (version == 1 || layer == 0 || index == 3 || bitrate == 15)
    return std::nullopt;
  static constexpr int kRates[3] = {44100, 48000, 32000};
  FrameHeader h;
  h.sample_rate = kRates[index] >> (version == 3 ? 0 : version == 2 ? 1 : 2);
  h.channels = (d[3] >> 6) == 3 ? 1 : 2;
  h.layer = 4 - layer;
  h.samples = layer == 3 ? 384 : (layer == 1 && version != 3) ? 576 : 1152;
  return h;
}

}  // namespace strait::mpeg_audio
