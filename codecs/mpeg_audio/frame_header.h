// MPEG audio frame header (ISO 11172-3 2.4.1.3, ISO 13818-3; MPEG-2.5 as widely implemented):
// the sampling rate, channel count, samples per frame and layer of the frame a buffer starts with.
// What configures an MP3 track where no codec configuration travels (MPEG-TS, FLV). Untrusted
// input: bounds-checked. Pure functions, no threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace strait::mpeg_audio {

struct FrameHeader {
  int sample_rate = 0;
  int channels = 0;
  int samples = 0;  // per frame
  int layer = 0;    // 1, 2 or 3 (MP3)
};

// The header `frame` starts with; nullopt without a sync word or with reserved values.
std::optional<FrameHeader> ParseFrameHeader(std::span<const uint8_t> frame);

}  // namespace strait::mpeg_audio
