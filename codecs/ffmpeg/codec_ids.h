// The one mapping between strait's CodecId and FFmpeg's AVCodecID, used by every wrapper that
// talks to libavcodec/libavformat (demuxers, muxers, decoders). Pure functions.
#pragma once

#include <optional>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/track.h"

namespace strait::ffmpeg {

// H.264, HEVC, AV1, AAC, MP3, Opus; nullopt for anything else.
std::optional<CodecId> FromAvCodecId(AVCodecID id);
// AV_CODEC_ID_NONE for kUnknown.
AVCodecID ToAvCodecId(CodecId codec);

}  // namespace strait::ffmpeg
