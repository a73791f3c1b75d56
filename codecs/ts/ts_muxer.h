// TsMuxer: MPEG-TS muxing into memory with libavformat's `mpegts` muxer (custom AVIOContext whose
// write callback appends to a byte vector; no temp files).
//
// Input packets are strait Packets: video length-prefixed NAL units with avcC/hvcC extradata (the
// muxer's automatic h264/hevc_mp4toannexb bitstream filter turns them into Annex B), audio raw
// AAC frames with an AudioSpecificConfig (the muxer writes ADTS headers). Payloads are handed to
// FFmpeg without copying: the AVPacket's buffer holds a reference to the Packet's payload.
//
// Segmenting: TakeBytes() flushes buffered PES data and returns everything produced so far; the
// next bytes start with PAT/PMT again, so every taken chunk is an independently probe-able
// segment when the caller cuts before a keyframe.
//
// Threads: none; one owner calls it from one thread at a time. Owns all its FFmpeg objects.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::ts {

class TsMuxer {
 public:
  // Tracks: H.264, HEVC (video), AAC, MP3, Opus (audio) and timed ID3 (data: a metadata stream,
  // stream type 0x15 with the 'ID3 ' metadata descriptors, as HLS players read it). Packets are
  // routed by track id.
  static Result<std::unique_ptr<TsMuxer>> Create(const std::vector<TrackInfo>& tracks);
  ~TsMuxer();
  TsMuxer(const TsMuxer&) = delete;
  TsMuxer& operator=(const TsMuxer&) = delete;

  // Muxes one packet; its timestamps are rescaled from packet.timebase() to 90 kHz. Packets of
  // unknown track ids are an error; packets without a dts are an error.
  Status Write(const Packet& packet);
  // Flushes pending PES data and returns the bytes produced since the last call. With
  // `restart_tables` the next bytes begin with PAT/PMT (a segment cut); without, the stream just
  // continues (a live TS sent in pieces, where the muxer repeats PAT/PMT on its own).
  std::vector<uint8_t> TakeBytes(bool restart_tables = true);
  // Writes the trailer; the remaining bytes are then available from TakeBytes(). Idempotent.
  Status Finish();

  // Total bytes produced so far (taken or not).
  uint64_t bytes_out() const;

 private:
  struct Impl;
  explicit TsMuxer(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ts
