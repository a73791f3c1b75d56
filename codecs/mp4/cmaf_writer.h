// CmafWriter: sans-IO CMAF (fragmented ISO BMFF, ISO 23000-19) writing for LL-HLS. Create builds
// the header (ftyp + moov, codecs/mp4/init_segment.h) once; Add buffers samples (payloads shared,
// not copied); Flush turns everything buffered into one CMAF chunk — [prft] [emsg...] moof mdat —
// which the packager serves as an LL-HLS part and concatenates into segments. The caller decides
// where chunks are cut (every part, keyframes for independent parts); the writer never looks at a
// clock.
//
// Layout: track IDs 1..n in the order given; timescale 90 kHz for video, the sample rate for audio
// (48 kHz for Opus). tfdt is the absolute decode time in that timescale (no rebasing: the caller
// rebases when it wants a timeline from 0). Every trun is version 1 with a data offset and
// per-sample duration, size, flags, and (video) signed composition offsets. Video with B-pictures
// (the first sample's pts after its dts by D) is written CMAF-style: decode times moved later by
// D and composition offsets smaller by D (negative for reordered pictures), so that a fragment's
// baseMediaDecodeTime is its first picture's presentation time — players that place fragments
// by tfdt (hls.js after a discontinuity) leave no gap; presentation times are unchanged.
//
// Threads: none; one owner calls it from one thread at a time. Owns the buffered samples, which
// hold references to the packets' payloads until the next Flush.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codecs/media_time.h"
#include "codecs/mp4/init_segment.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::mp4 {

// An event message (ISO 23009-1 5.10.3.3, `emsg` version 1: absolute presentation time), written
// before a chunk's moof: timed metadata in band, e.g. an ID3 tag (codecs/id3) for HLS players.
struct EventMessage {
  std::string scheme_id_uri;  // e.g. id3::kEmsgScheme
  std::string value;
  uint32_t timescale = 90000;
  uint64_t presentation_time = 0;        // on the tracks' media timeline, in `timescale`
  uint32_t event_duration = 0xffffffff;  // unknown
  uint32_t id = 0;
  std::vector<uint8_t> message_data;
};

// One CMAF chunk as emitted by Flush.
struct Chunk {
  std::vector<uint8_t> bytes;  // [prft] moof mdat; empty when nothing was buffered
  bool independent = false;    // the first video sample is a keyframe (or no video in the chunk)
  int64_t start_dts_90k = 0;   // dts of the first sample of the first track that has one, 90 kHz
  int samples = 0;
};

class CmafWriter {
 public:
  // 1..4 tracks (video H.264 / HEVC, audio AAC / Opus) with distinct ids. Errors: unsupported
  // codec, missing or invalid extradata, no picture size / sample rate.
  static Result<std::unique_ptr<CmafWriter>> Create(std::span<const TrackInfo> tracks);
  ~CmafWriter();
  CmafWriter(const CmafWriter&) = delete;
  CmafWriter& operator=(const CmafWriter&) = delete;

  // ftyp + moov: mvhd, per track a trak (stsd with avc1+avcC / hvc1+hvcC / mp4a+esds /
  // Opus+dOps, empty sample tables), mvex with a trex per track.
  const std::shared_ptr<const std::vector<uint8_t>>& InitSegment() const { return init_; }

  // Buffers one sample (its payload shared, not copied), routed by packet.track_id(). Errors, after
  // which the sample is dropped and the writer stays usable: unknown track id, empty payload, no
  // dts, a negative dts (tfdt is unsigned), a dts not after the track's previous one (compared in
  // the track timescale).
  Status Add(const Packet& packet);
  bool empty() const { return buffered_ == 0; }

  // Emits everything buffered as one chunk (an empty Chunk when nothing is buffered; the sequence
  // number then does not advance):
  //  - prft, when `wall_clock` is given and track 1 has samples: the NTP time of track 1's first
  //    sample, media_time = its dts in track 1's timescale;
  //  - one emsg (version 1) per `events` entry, in order;
  //  - moof: mfhd (sequence number 1, 2, ... per chunk), one traf per track with samples (tfhd
  //    default-base-is-moof, tfdt v1, trun v1);
  //  - mdat: the samples, track by track.
  // A sample lasts until the next sample's dts on its track. The last one of a track lasts until
  // `next_video_dts` for video when that is later, else as long as the sample before it (in this
  // chunk or an earlier one), else one frame (video 1/frame_rate or 3000 ticks, AAC 1024 samples,
  // Opus 960).
  Chunk Flush(std::optional<MediaTime> next_video_dts,
              std::optional<std::chrono::system_clock::time_point> wall_clock,
              std::span<const EventMessage> events = {});

 private:
  struct Sample {
    std::shared_ptr<const Packet::Buffer> payload;
    int64_t dts = 0;  // track timescale
    int32_t composition_offset = 0;
    bool sync = false;
  };
  struct Track {
    TrackLayout layout;
    std::vector<Sample> samples;  // capacity kept across chunks
    int64_t last_dts = kNoTimestamp;
    int64_t last_duration = 0;  // of the last sample written, 0 before the first
    // Video: the first sample's pts − dts (a B-picture stream's reorder delay), added to every
    // written decode time and taken off every composition offset (see the header comment).
    int64_t decode_shift = kNoTimestamp;
  };

  explicit CmafWriter(InitSegmentData init);
  size_t ChunkSize(bool prft, std::span<const EventMessage> events) const;
  int64_t SampleDuration(const Track& track, size_t i, int64_t next_video_dts) const;
  static int64_t Shift(const Track& track);  // decode_shift, 0 before the first sample

  std::shared_ptr<const std::vector<uint8_t>> init_;
  std::vector<Track> tracks_;
  size_t buffered_ = 0;       // samples
  size_t payload_bytes_ = 0;  // their payload bytes
  uint32_t sequence_ = 0;
};

}  // namespace strait::mp4
