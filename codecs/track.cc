#include "codecs/track.h"

namespace strait {

std::string_view CodecName(CodecId codec) {
  switch (codec) {
    case CodecId::kH264: return "h264";
    case CodecId::kHevc: return "hevc";
    case CodecId::kAv1: return "av1";
    case CodecId::kAac: return "aac";
    case CodecId::kOpus: return "opus";
    case CodecId::kMp3: return "mp3";
    case CodecId::kTimedId3: return "timed_id3";
    case CodecId::kUnknown: break;
  }
  return "unknown";
}

MediaKind KindOf(CodecId codec) {
  switch (codec) {
    case CodecId::kH264:
    case CodecId::kHevc:
    case CodecId::kAv1: return MediaKind::kVideo;
    case CodecId::kAac:
    case CodecId::kOpus:
    case CodecId::kMp3: return MediaKind::kAudio;
    case CodecId::kTimedId3:
    case CodecId::kUnknown: break;
  }
  return MediaKind::kData;
}

}  // namespace strait
