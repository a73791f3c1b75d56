// The CMAF header (ISO 23000-19 7.3.1): ftyp + moov for a set of tracks, as CmafWriter emits it.
// Validates each track's codec configuration (avcC / hvcC / AudioSpecificConfig / OpusHead) and
// derives what the fragment writer needs per track (timescale, fallback sample duration).
// Pure functions, no threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "codecs/media_time.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::mp4 {

inline constexpr size_t kMaxTracks = 4;

// One track as laid out in the file.
struct TrackLayout {
  uint32_t source_id = 0;  // TrackInfo::id, as packets carry it
  uint32_t file_id = 0;    // track_ID in the file: 1..n in the given order
  bool video = false;
  Timebase timescale{1, 90000};  // video 90 kHz; audio its sample rate (Opus 48 kHz)
  int64_t default_duration = 0;  // in timescale ticks: one frame (1/frame_rate, AAC 1024, Opus 960)
};

struct InitSegmentData {
  std::vector<uint8_t> bytes;  // ftyp + moov
  std::vector<TrackLayout> tracks;
};

// 1..4 tracks with distinct ids: H.264 (avcC), HEVC (hvcC), AAC (AudioSpecificConfig), Opus
// (OpusHead). Errors name the track: "track 0 (h264): invalid avcC: ...".
Result<InitSegmentData> BuildInitSegment(std::span<const TrackInfo> tracks);

}  // namespace strait::mp4
