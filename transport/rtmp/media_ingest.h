// MediaIngest: turns the audio/video messages of one RTMP publish into MediaSink calls. Parses
// FLV tag bodies (codecs/flv), builds TrackInfo from sequence headers (id 0 = video, id 1 = audio,
// timebase kMillis; MP3 from its first frame's header) with width/height/frame rate/bitrates from
// onMetaData, and emits OnTrack when a track's configuration first appears or changes. Frames
// become Packets (payload as received: length-prefixed NAL units / raw AAC / Opus packets / MP3
// frames; pts = dts + composition time).
//
// Enhanced RTMP multitrack: track 0 is the publish's video (audio); other tracks are counted in
// stats().skipped_tracks and logged once (debug). Audio strait cannot carry (Speex, PCM, FLAC,
// MPEG audio layer I/II, ...), or whose configuration is unreadable (a bad AudioSpecificConfig, an
// unusable OpusHead), is dropped, counted in stats().audio_unsupported and logged once
// (warning): the publish goes on with its video (the packagers start video-only after their
// audio wait).
//
// Timestamps: RTMP's 32-bit millisecond timestamps are unwrapped to 64 bits per track (signed
// 32-bit deltas, so both wraparound and small steps back work; and the 31-bit wrap of FFmpeg's
// and OBS's clocks after 24.8 days). One timeline for the publish: a DTS more than 5 s behind or
// 10 s ahead of the latest of either track is the publisher's clock jumping (an encoder restarted
// on the same connection, a clock set by hand), not interleaving, and the timeline goes on 1/30 s
// after that latest DTS (both tracks: one offset), counted in stats().clock_jumps and logged — as
// the TS ingest's timeline does (codecs/ts). A DTS not after the track's previous one becomes
// that one + 1 ms (counted in stats().dts_fixups), so decode times always go up. Frames before
// their track's sequence header are dropped and counted. Errors (malformed tags, unsupported video)
// mean: close the publish. Single-threaded (the connection's strand); borrows the sink and the
// logger (may be null), which must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>

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
    uint64_t clock_jumps = 0;  // the publisher's clock jumped: the timeline continued
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
  void DropAudio(const std::string& format);  // "{format} is not supported"
  void DropAudioBecause(const std::string& why);
  void CountSkippedTracks(uint32_t n);
  // The track's time on the publish's timeline from its unwrapped clock, and its DTS (that time,
  // or its previous DTS + 1 ms where that is not after it; see above).
  std::pair<int64_t, int64_t> MapDts(Track& track, int64_t raw);

  bool audio_refused_ = false;  // audio strait cannot describe (Opus, AAC): it is all dropped
  bool bad_config_logged_ = false;

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
  int64_t offset_ = 0;                 // added to every unwrapped clock (ms)
  int64_t latest_dts_ = kNoTimestamp;  // the latest DTS of either track, on the timeline
};

}  // namespace strait::transport::rtmp
