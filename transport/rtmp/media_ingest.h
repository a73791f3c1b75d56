// MediaIngest: turns the audio/video messages of one RTMP publish into MediaSink calls. Parses
// FLV tag bodies (codecs/flv), builds TrackInfo from sequence headers (id 0 = video, id 1 = audio,
// timebase kMillis) with width/height/frame rate/bitrates from onMetaData, and emits OnTrack when
// a track's configuration first appears or changes. Frames become Packets (payload as received:
// length-prefixed NAL units / raw AAC; pts = dts + composition time).
//
// Timestamps: RTMP's 32-bit millisecond timestamps are unwrapped to 64 bits per track (signed
// 32-bit deltas, so both wraparound and small steps back work; and the 31-bit wrap of FFmpeg's
// and OBS's clocks after 24.8 days); a DTS below the track's previous
// DTS is clamped to it and counted in stats().dts_fixups. Frames before their track's sequence
// header are dropped and counted. Errors (malformed or unsupported tags) mean: close the publish.
// Single-threaded (the connection's strand); borrows the sink, which must outlive it.
#pragma once

#include <cstdint>
#include <span>

#include "codecs/result.h"
#include "codecs/track.h"
#include "transport/ingest.h"
#include "transport/rtmp/amf0.h"

namespace strait::transport::rtmp {

// Unwraps a 32-bit (or 31-bit) wrapping millisecond clock into a 64-bit one.
class TimestampUnwrapper {
 public:
  int64_t Unwrap(uint32_t ts);

 private:
  bool started_ = false;
  bool bit31_seen_ = false;  // a 32-bit clock, not FFmpeg's or OBS's 31-bit one
  uint32_t last_ = 0;
  int64_t value_ = 0;
};

class MediaIngest {
 public:
  struct Stats {
    uint64_t video_packets = 0;
    uint64_t audio_packets = 0;
    uint64_t dts_fixups = 0;
    uint64_t dropped_before_config = 0;
  };

  explicit MediaIngest(MediaSink& sink);

  // onMetaData object or ECMA array: hints for the track infos.
  void OnMetaData(const amf0::Value& meta);
  Status OnVideo(uint32_t timestamp, std::span<const uint8_t> body);
  Status OnAudio(uint32_t timestamp, std::span<const uint8_t> body);

  const Stats& stats() const { return stats_; }

 private:
  struct Track {
    TrackInfo info;
    bool configured = false;
    TimestampUnwrapper clock;
    int64_t last_dts = kNoTimestamp;
  };
  Status Configure(Track& track, CodecId codec, std::span<const uint8_t> config);
  void ApplyHints(Track& track);

  MediaSink& sink_;
  Track video_;
  Track audio_;
  // Hints from onMetaData (0 = unknown).
  int width_ = 0;
  int height_ = 0;
  double frame_rate_ = 0;
  int64_t video_bitrate_ = 0;
  int64_t audio_bitrate_ = 0;
  Stats stats_;
};

}  // namespace strait::transport::rtmp
