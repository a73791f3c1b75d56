// FLV tag body parsing: turns the body of an FLV audio or video tag (what an RTMP audio/video
// message carries) into a MediaTag: which codec, whether it is a codec configuration, a frame or an
// end of sequence, the composition time and the payload bytes. No sockets, no state, no copies:
// the returned payload is a view into the caller's buffer and lives as long as it does.
//
// Supported:
//   video, legacy:   AVC (CodecID 7) and the common HEVC extension (CodecID 12); AVCPacketType
//                    0 = avcC/hvcC, 1 = length-prefixed NAL units with SI24 composition time,
//                    2 = end of sequence; command frames (FrameType 5) as kInfo.
//   video, Enhanced RTMP v2 (IsExHeader bit 0x80): FourCC avc1 / hvc1 / av01 with PacketType
//                    SequenceStart, CodedFrames (SI24 composition time for avc1/hvc1),
//                    SequenceEnd, CodedFramesX, Metadata and MPEG2TSSequenceStart (both kInfo);
//                    command frames (FrameType 5: a command byte, no FourCC) as kInfo.
//   audio, legacy:   AAC (SoundFormat 10): AACPacketType 0 = AudioSpecificConfig, 1 = raw frame;
//                    MP3 (SoundFormat 2, and 14 = MP3 8 kHz): MPEG audio frames, no configuration.
//   audio, Enhanced RTMP v2 (SoundFormat 9 = ExHeader): FourCC mp4a (SequenceStart =
//                    AudioSpecificConfig, CodedFrames = raw AAC), Opus (SequenceStart = the
//                    OpusHead identification header, CodedFrames = Opus packets), .mp3
//                    (CodedFrames); SequenceEnd; MultichannelConfig as kInfo.
//   Enhanced RTMP, audio and video: ModEx packet types (their modifiers, TimestampOffsetNano the
//                    only one defined, are skipped) and Multitrack (OneTrack, ManyTracks,
//                    ManyTracksManyCodecs): track 0 is the tag; other tracks are skipped (counted
//                    in skipped_tracks, their codecs not even looked at).
// Audio in any other format (legacy PCM, Nellymoser, G.711, Speex, ...; FourCC fLaC, ac-3, ec-3
// or unknown) is no error: TagKind::kUnsupported, with `format` naming it, so that a publish can
// go on without its audio. Other unsupported input (video codecs, reserved packet types) yields an
// Error whose message starts with "unsupported". Truncated or malformed bodies yield an Error that
// says what was wrong. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::flv {

enum class TagKind : uint8_t {
  kConfig,       // sequence header: avcC / hvcC / av1C / AudioSpecificConfig / OpusHead
  kFrame,        // one access unit
  kEnd,          // end of sequence
  kInfo,         // carries nothing a packager needs (metadata, video command frame, TS descriptor,
                 // audio channel layout, a multitrack message without track 0)
  kUnsupported,  // audio in a format strait cannot carry; `format` says which
};

struct MediaTag {
  CodecId codec = CodecId::kUnknown;
  TagKind kind = TagKind::kFrame;
  bool keyframe = false;             // video: FrameType 1; audio: always true
  int32_t composition_time_ms = 0;   // pts - dts, video only
  std::span<const uint8_t> payload;  // view into the parsed body
  uint32_t skipped_tracks = 0;       // Enhanced RTMP multitrack: tracks other than 0 in the body
  std::string format;                // kUnsupported: e.g. "Speex (SoundFormat 11)", "FourCC 'fLaC'"
};

Result<MediaTag> ParseVideoTag(std::span<const uint8_t> body);
Result<MediaTag> ParseAudioTag(std::span<const uint8_t> body);

}  // namespace strait::flv
