// MediaIngest: turns the audio/video messages of one RTMP publish into MediaSink calls. Parses
// FLV tag bodies (codecs/flv), builds TrackInfo from sequence headers (id 0 = video, id 1 = audio,
// timebase kMillis; MP3 from its first frame's header) with width/height/frame rate/bitrates from
// onMetaData, and emits OnTrack when a track's configuration first appears or changes. Frames
// become Packets (payload as received: length-prefixed NAL units / raw AAC / Opus packets / MP3
// frames; pts = dts + composition time).
//
// Enhanced RTMP multitrack: track 0 is the publish's video (audio); other tracks are counted in
// stats().skipped_tracks and logged once (debug). Audio strait cannot carry (Speex, PCM, FLAC,
// MPEG audio layer I/II, ...) is dropped, counted in stats().audio_unsupported and logged once
// (warning): the publish goes on with its video (the packagers start video-only after their
// audio wait).
//
// Timestamps: RTMP's 32-bit millisecond timestamps are unwrapped to 64 bits per track (signed
// 32-bit deltas, so both wraparound and small steps back work; and the 31-bit wrap of FFmpeg's
// and OBS's clocks after 24.8 days); a DTS below the track's previous
// DTS is clamped to it and counted in stats().dts_fixups. Frames before their track's sequence
// header are dropped and counted. Errors (malformed tags, unsupported video) mean: close the
// publish. Single-threaded (the connection's strand); borrows the sink and the logger (may be
// null), which must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "codecs/result.h"
#include "codecs/track.h"
#include "transport/ingest.h"
#include "transport/rtmp/amf0.h"

namespace spdlog {
class logger;
}

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
    uint64_t skipped_tracks = 0;     // Enhanced RTMP multitrack: tracks other than 0
    uint64_t audio_unsupported = 0;  // audio messages in a format strait cannot carry
  };

  // `log_name` starts this publish's log lines ("rtmp: 10.0.0.5:4000 stream shop-1").
  explicit MediaIngest(MediaSink& sink,
                       spdlog::logger* logger = nullptr,
                       std::string log_name = "rtmp");

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
  void Announce(Track& track, TrackInfo info);
  void ApplyHints(Track& track);
  void DropAudio(const std::string& format);
  void CountSkippedTracks(uint32_t n);

  bool audio_refused_ = false;  // an Opus stream strait cannot describe: its audio is dropped

  MediaSink& sink_;
  spdlog::logger* logger_;
  std::string log_name_;
  Track video_;
  Track audio_;
  // Hints from onMetaData (0 = unknown).
  int width_ = 0;
  int height_ = 0;
  double frame_rate_ = 0;
  int64_t video_bitrate_ = 0;
  int64_t audio_bitrate_ = 0;
  Stats stats_;
  bool audio_drop_logged_ = false;
};

}  // namespace strait::transport::rtmp
