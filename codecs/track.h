// Track and codec vocabulary shared by every layer: which codec a track carries, its codec
// configuration (extradata, in the container-neutral "ISO" form: avcC / hvcC / av1C /
// AudioSpecificConfig), and the few parameters packagers and players need. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codecs/media_time.h"

namespace strait {

enum class MediaKind : uint8_t { kVideo, kAudio, kData };

enum class CodecId : uint8_t {
  kUnknown,
  kH264,
  kHevc,
  kAv1,
  kAac,
  kOpus,
  kMp3,
  kTimedId3,  // ID3 tags as timed metadata (MPEG-TS stream type 0x15)
};

std::string_view CodecName(CodecId codec);
MediaKind KindOf(CodecId codec);

struct TrackInfo {
  uint32_t id = 0;  // stable within one session: RTMP uses 0 = video, 1 = audio
  MediaKind kind = MediaKind::kVideo;
  CodecId codec = CodecId::kUnknown;
  Timebase timebase = kMillis;
  std::vector<uint8_t> extradata;  // avcC / hvcC / av1C / AudioSpecificConfig / OpusHead

  // Video
  int width = 0;
  int height = 0;
  double frame_rate = 0;  // as announced (onMetaData), 0 if unknown

  // Audio
  int sample_rate = 0;
  int channels = 0;

  int64_t bitrate = 0;  // bits per second as announced, 0 if unknown
};

}  // namespace strait
