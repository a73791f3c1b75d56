// FLV tag body parsing: turns the body of an FLV audio or video tag (what an RTMP audio/video
// message carries) into a MediaTag: which codec, whether it is a codec configuration, a frame or an
// end of sequence, the composition time and the payload bytes. No sockets, no state, no copies:
// the returned payload is a view into the caller's buffer and lives as long as it does.
//
// Supported:
//   video, legacy:   AVC (CodecID 7) and the common HEVC extension (CodecID 12); AVCPacketType
//                    0 = avcC/hvcC, 1 = length-prefixed NAL units with SI24 composition time,
//                    2 = end of sequence.
//   video, Enhanced RTMP (IsExHeader bit 0x80): FourCC avc1 / hvc1 / av01 with PacketType
//                    SequenceStart, CodedFrames (SI24 composition time for avc1/hvc1),
//                    SequenceEnd, CodedFramesX, Metadata and MPEG2TSSequenceStart (both kInfo).
//   audio:           AAC (SoundFormat 10): AACPacketType 0 = AudioSpecificConfig, 1 = raw frame.
// Anything else yields an Error whose message starts with "unsupported". Truncated or malformed
// bodies yield an Error that says what was wrong. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <span>

#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::flv {

enum class TagKind : uint8_t {
  kConfig,  // sequence header: avcC / hvcC / av1C / AudioSpecificConfig
  kFrame,   // one access unit
  kEnd,     // end of sequence
  kInfo,    // carries nothing a packager needs (metadata, video command frame, TS descriptor)
};

struct MediaTag {
  CodecId codec = CodecId::kUnknown;
  TagKind kind = TagKind::kFrame;
  bool keyframe = false;             // video: FrameType 1; audio: always true
  int32_t composition_time_ms = 0;   // pts - dts, video only
  std::span<const uint8_t> payload;  // view into the parsed body
};

Result<MediaTag> ParseVideoTag(std::span<const uint8_t> body);
Result<MediaTag> ParseAudioTag(std::span<const uint8_t> body);

}  // namespace strait::flv
