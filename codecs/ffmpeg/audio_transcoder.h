// AudioTranscoder: one audio track (AAC, MP3, Opus packets, or already-decoded PCM Frames) to
// AAC-LC (FFmpeg's native encoder) or Opus (libopus) at a fixed rate and channel count:
// decode → swresample → sample FIFO (so the encoder always gets whole frames of its frame_size)
// → encode.
//
// Timing: output pts count samples at the output rate (timebase 1/sample_rate), anchored to the
// first input pts rescaled, so audio stays in sync with video cut from the same input clock. The
// encoder's priming (AAC 1024, Opus 312 samples, encoder_delay()) comes first: the first packet's
// pts is the first input pts minus that delay, and the first input sample plays exactly at the
// first input pts. Input jitter up to 20 ms is absorbed; a gap up to 1 s is filled with silence
// (the output stays continuous); a larger jump or a step back restarts the timeline at the new
// input pts (the samples pending are padded out and encoded first).
//
// Output: raw frames (no ADTS) as Packets, all keyframes, dts == pts, and a TrackInfo with the
// AudioSpecificConfig (AAC) or OpusHead (Opus) as extradata.
//
// Threads: none; one owner calls it from one thread at a time. Owns its codec, resampler and FIFO.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "codecs/frame.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::ffmpeg {

struct AudioTranscoderOptions {
  CodecId codec = CodecId::kAac;  // kAac (AAC-LC) or kOpus
  int sample_rate = 48000;        // Opus: 48000 only
  int channels = 2;
  int64_t bitrate = 128'000;  // bits/s
  uint32_t track_id = 1;      // of the output packets and track()
};

class AudioTranscoder {
 public:
  using PacketSink = std::function<void(Packet packet)>;

  // Decodes `input` (AAC with its AudioSpecificConfig, MP3, Opus with OpusHead); its packets'
  // timestamps are in input.timebase (others are rescaled to it).
  static Result<std::unique_ptr<AudioTranscoder>> Create(const TrackInfo& input,
                                                         const AudioTranscoderOptions& options);
  // Takes decoded audio Frames (any sample format, rate and layout) with pts in `input_timebase`.
  static Result<std::unique_ptr<AudioTranscoder>> CreateForPcm(
      Timebase input_timebase,
      const AudioTranscoderOptions& options);
  ~AudioTranscoder();
  AudioTranscoder(const AudioTranscoder&) = delete;
  AudioTranscoder& operator=(const AudioTranscoder&) = delete;

  // One compressed input frame (Create only). A corrupt packet is an error for that packet only.
  Status Transcode(const Packet& packet, const PacketSink& sink);
  // Decoded samples (CreateForPcm only); the frame is only read.
  Status Encode(const Frame& pcm, const PacketSink& sink);
  // End of stream: pads the last frame with silence and hands out every remaining packet. No
  // input is accepted afterwards.
  Status Flush(const PacketSink& sink);

  // The output track: codec, timebase 1/sample_rate, sample rate, channels, bitrate, extradata.
  const TrackInfo& track() const;
  // Samples of encoder priming before the first input sample (at the output rate).
  int encoder_delay() const;

 private:
  struct Impl;
  explicit AudioTranscoder(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ffmpeg
