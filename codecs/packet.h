// Packet: one compressed access unit (a video frame or an audio frame) with its timing.
//
// Immutable and cheap to copy: the payload is a refcounted, read-only buffer, so fanning a packet
// out to N readers copies a pointer, never the bytes. Safe to share across threads once built.
// Video payloads are in the ISO "length-prefixed" form (as FLV/MP4 carry them, 4-byte lengths),
// matching TrackInfo::extradata; audio payloads are raw frames (no ADTS).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "codecs/media_time.h"
#include "codecs/track.h"

namespace strait {

class Packet {
 public:
  using Buffer = std::vector<uint8_t>;

  Packet() = default;
  Packet(uint32_t track_id, MediaKind kind, CodecId codec, std::vector<uint8_t> payload,
         int64_t pts, int64_t dts, Timebase timebase, bool keyframe)
      : payload_(std::make_shared<const Buffer>(std::move(payload))),
        pts_(pts),
        dts_(dts),
        timebase_(timebase),
        track_id_(track_id),
        kind_(kind),
        codec_(codec),
        keyframe_(keyframe) {}

  std::span<const uint8_t> data() const {
    return payload_ ? std::span<const uint8_t>(*payload_) : std::span<const uint8_t>();
  }
  size_t size() const { return payload_ ? payload_->size() : 0; }
  // The shared payload, for zero-copy hand-off (e.g. wrapping into an AVPacket's buffer).
  const std::shared_ptr<const Buffer>& shared_payload() const { return payload_; }

  int64_t pts() const { return pts_; }
  int64_t dts() const { return dts_; }
  Timebase timebase() const { return timebase_; }
  MediaTime pts_time() const { return {pts_, timebase_}; }
  MediaTime dts_time() const { return {dts_, timebase_}; }
  uint32_t track_id() const { return track_id_; }
  MediaKind kind() const { return kind_; }
  CodecId codec() const { return codec_; }
  bool keyframe() const { return keyframe_; }

  // Same payload (shared), timestamps in `timebase` (rounded to the nearest tick).
  Packet InTimebase(Timebase timebase) const {
    Packet p = *this;
    p.timebase_ = timebase;
    p.pts_ = pts_ == kNoTimestamp ? pts_ : Rescale(pts_, timebase_, timebase);
    p.dts_ = dts_ == kNoTimestamp ? dts_ : Rescale(dts_, timebase_, timebase);
    return p;
  }

  // Same payload (shared), new timestamps: used when fixing up timelines.
  Packet WithTimestamps(int64_t pts, int64_t dts) const {
    Packet p = *this;
    p.pts_ = pts;
    p.dts_ = dts;
    return p;
  }

 private:
  std::shared_ptr<const Buffer> payload_;
  int64_t pts_ = kNoTimestamp;
  int64_t dts_ = kNoTimestamp;
  Timebase timebase_ = kMillis;
  uint32_t track_id_ = 0;
  MediaKind kind_ = MediaKind::kVideo;
  CodecId codec_ = CodecId::kUnknown;
  bool keyframe_ = false;
};

}  // namespace strait
