#include "codecs/ffmpeg/codec_ids.h"

namespace strait::ffmpeg {

namespace {

struct Pair {
  CodecId codec;
  AVCodecID av;
};
constexpr Pair kPairs[] = {
    {CodecId::kH264, AV_CODEC_ID_H264}, {CodecId::kHevc, AV_CODEC_ID_HEVC},
    {CodecId::kAv1, AV_CODEC_ID_AV1},   {CodecId::kAac, AV_CODEC_ID_AAC},
    {CodecId::kMp3, AV_CODEC_ID_MP3},   {CodecId::kOpus, AV_CODEC_ID_OPUS},
    {CodecId::kTimedId3, AV_CODEC_ID_TIMED_ID3},
};

}  // namespace

std::optional<CodecId> FromAvCodecId(AVCodecID id) {
  for (const Pair& p : kPairs)
    if (p.av == id)
      return p.codec;
  return std::nullopt;
}

AVCodecID ToAvCodecId(CodecId codec) {
  for (const Pair& p : kPairs)
    if (p.codec == codec)
      return p.av;
  return AV_CODEC_ID_NONE;
}

}  // namespace strait::ffmpeg
