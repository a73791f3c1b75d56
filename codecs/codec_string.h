// RFC 6381 codec strings for HLS master playlists (CODECS="..."), derived from the actual codec
// configuration rather than announced metadata: "avc1.64001f" (profile, constraint flags, level
// from the SPS), "hvc1.1.6.L93.B0" (ISO 14496-15 Annex E), "mp4a.40.2" ("mp4a.40.5" / ".29" when
// HE-AAC / HE-AACv2 is explicitly signalled), "mp4a.40.34" for MP3, "Opus".
// Pure functions, no threads.
#pragma once

#include <string>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/h264/avc_config.h"
#include "codecs/hevc/hevc_config.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait {

std::string AvcCodecString(const h264::AvcConfig& config);
std::string HevcCodecString(const hevc::HevcConfig& config);
std::string AacCodecString(const aac::AudioSpecificConfig& config);

// Parses track.extradata for the codec; an error if it is missing or malformed.
Result<std::string> CodecString(const TrackInfo& track);

}  // namespace strait
