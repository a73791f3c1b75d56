// TsDemuxer: pull-model MPEG-TS demuxing (SRT ingest) over libavformat's `mpegts` demuxer, reading
// through a custom AVIOContext whose read callback calls the caller's ReadFn (no temp files).
//
// Output follows the RTMP ingest's contract (codecs/packet.h): track 0 = the first supported video
// stream (H.264 / HEVC), track 1 = the first supported audio stream (AAC / MP3 / Opus); other
// streams are skipped. Timestamps stay in 90 kHz (kMpegTs), unwrapped across the 33-bit wrap, and
// every packet has a dts and a pts. Video payloads are length-prefixed (4-byte) NAL units with
// avcC / hvcC extradata built from the in-band parameter sets (Annex B in the TS is converted,
// AUDs, filler and the parameter sets themselves dropped from the payload; video before the first
// complete set of parameter sets is dropped). Keyframe = IDR (H.264) / IRAP (HEVC). AAC comes out
// as raw frames (one per packet) with an AudioSpecificConfig built from the ADTS header; Opus with
// the OpusHead libavformat builds from the PMT descriptor; MP3 as is. Audio frames a PES carries
// without their own timestamp are timed by sample count; dts is strictly increasing per track.
// AAC LATM, MPEG-2 video, AC-3, data streams etc. are skipped, and an error only when nothing
// usable is left ("unsupported codec aac_latm").
//
// Threads: one thread drives it (Open, then Next until EndOfStream or an error); the ReadFn is
// called only from inside Open and Next, on that thread, and may block. Owns all FFmpeg objects;
// the ReadFn is owned by the demuxer and destroyed with it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <variant>

#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::ts {

// Outside the class so that `Options options = {}` works as a default argument (GCC).
struct TsDemuxerOptions {
  // libavformat's probesize: Open reads at most this much (less once the PMT is parsed); small, so
  // that the first packets come out within ~1 s. avformat_find_stream_info is never called
  // (everything it would find is read in-band), so analyze_duration only bounds header parsing.
  int64_t probe_bytes = 188 * 400;
  std::chrono::milliseconds analyze_duration{500};
  size_t max_packet_bytes = 8 << 20;  // larger access units are an error
  // Open / Next fail once this many bytes went by without a PMT naming a usable stream.
  int64_t max_bytes_without_streams = 4 << 20;
};

class TsDemuxer {
 public:
  // Fills buf with up to size bytes; returns bytes read (>0), 0 at end of stream, <0 on error
  // (the demuxer then ends with an error). May block (the SRT thread blocks in srt_recv).
  using ReadFn = std::function<int(uint8_t* buf, int size)>;

  using Options = TsDemuxerOptions;

  struct EndOfStream {};
  using Event = std::variant<TrackInfo, Packet, EndOfStream>;

  // Reads the start of the stream (up to probe_bytes, stopping at the PMT). Errors: ReadFn errors,
  // a PMT with only unsupported streams ("unsupported codec X"). Garbage or a missing PAT/PMT
  // surfaces from Next once max_bytes_without_streams went by (or the input ended).
  static Result<std::unique_ptr<TsDemuxer>> Open(ReadFn read, Options options = {});
  ~TsDemuxer();
  TsDemuxer(const TsDemuxer&) = delete;
  TsDemuxer& operator=(const TsDemuxer&) = delete;

  // Next event: a TrackInfo before the first packet of each track (and again when its codec
  // configuration changes, e.g. a new SPS), then Packets; EndOfStream once at the end of input.
  // Errors (ReadFn error, oversized packet, unparseable parameter sets) end the stream; calling
  // Next after EndOfStream or an error returns the same outcome again.
  Result<Event> Next();

  // Bytes the ReadFn has delivered so far.
  uint64_t bytes_read() const;

 private:
  struct Impl;
  explicit TsDemuxer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ts
