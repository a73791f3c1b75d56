// Transcoder: the transcode graph of one stream, fed like any MediaSink (a live publish, or a file
// in `strait transcode`):
//
//   packets ─> [input queue] ─> decode thread: VideoDecoder (once) → FrameStage (overlays)
//                                 → segment-boundary marks → Rung × N (own threads: cap fps,
//                                 scale, encode, package video-only; frames shared by reference)
//                               audio: AAC passes through, anything else → AudioTranscoder (once)
//                                 → the "audio" rendition, the audio group of every rung
//                               passthrough rung (own thread): the source video packets copied,
//                                 or the decoded pictures encoded while a card is on or the
//                                 publisher is away (cut so every picture is in it once)
//
// The ladder is resolved (rungs taller than the source skipped) when the first picture is
// decoded, and each rung gets a Rendition of the hls::Stream. Segment boundaries are every
// `segment_duration_s` of source PTS from the first picture, identical on every rung.
//
// Live mode never blocks the caller: the input queue is bounded (packets beyond it are dropped up
// to the next video keyframe, counted) and slow rungs drop GOP-aligned chunks (rung.h). File mode
// (live = false) applies backpressure instead and loses nothing.
//
// Threads: OnTrack/OnPacket/OnEnd from one producer thread at a time (MediaSink contract); the
// decode thread and one thread per rung are owned here. Stats() from any thread. OnEnd drains the
// graph and flushes every encoder before it returns; the destructor does the same if needed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codecs/clock.h"
#include "overlays/frame_stage.h"
#include "pipeline/filler.h"
#include "pipeline/rung.h"
#include "pipeline/transcode_config.h"
#include "pipeline/transcode_resources.h"
#include "transport/ingest.h"

namespace spdlog {
class logger;
}
namespace strait::transport::hls {
class Stream;
class WallAnchor;
}

namespace strait::pipeline {

struct TranscoderOptions {
  std::vector<RungConfig> ladder = DefaultLadder();
  std::string encoder = "auto";
  std::string scaler = "cpu";
  std::string decoder = "cpu";  // cpu | cuda (NVDEC; falls back to the CPU, logged)
  bool opus = false;            // also an "audio-opus" rendition (CMAF variants only), encoded once
  double segment_duration_s = 2.0;
  bool live = true;
  size_t input_queue_packets = 600;  // about 10 s of 30 fps video + audio
  size_t rung_queue_frames = 8;
  int decoder_threads = 0;  // 0 = DefaultDecoderThreads(cores, encoded rungs of the ladder)
  int encoder_threads = 0;  // per rung; 0 = RungEncoderThreads
  std::shared_ptr<overlays::FrameStage> overlay;  // null = pass-through
  FillerOptions filler;  // what Suspend shows: the last picture, then the slate
  // Live: no packet from a publisher still connected for this long (at least 3 of its picture
  // intervals) starts the filler until media comes back; the media after the gap continues where
  // the filler stopped (one offset for every track). 0 = off.
  std::chrono::milliseconds input_loss{0};
  std::function<void(const std::string& rung)> before_encode;  // test hook
  // Test hook for the switch from a failing NVDEC to the CPU decoder: when set, the decoder the
  // stream opens first counts as NVDEC, and a packet for which this returns true fails in it as
  // on a broken GPU (the CPU decoder that replaces it does not ask).
  std::function<bool(const Packet& packet)> nvdec_fails;
  std::shared_ptr<spdlog::logger> logger;
};

// Packets NVDEC may fail in a row before the stream's decoder is replaced by the CPU's, from the
// next keyframe on: half a second at 30 fps. A CUDA error that poisons the context (an illegal
// address in any kernel of the process, a lost device) fails every later decode; one corrupt
// packet fails one.
inline constexpr int kNvdecFailuresBeforeCpu = 15;

struct TranscoderStats {
  uint64_t packets_in = 0;
  uint64_t input_dropped = 0;  // live: input queue overflow (to the next keyframe)
  uint64_t frames_decoded = 0;
  uint64_t decode_errors = 0;
  // Decoded with concealed errors (a damaged slice, a missing reference: artefacts likely).
  uint64_t pictures_damaged = 0;
  uint64_t input_losses = 0;  // the publisher sent nothing for TranscoderOptions::input_loss
  bool nvdec = false;  // NVDEC decodes the video now (FFmpeg kept it, no switch to the CPU)
  // NVDEC failed kNvdecFailuresBeforeCpu packets in a row and the CPU decoder took over.
  uint64_t nvdec_to_cpu = 0;
  std::vector<std::pair<std::string, RungStats>> rungs;
};

class Transcoder final : public transport::MediaSink {
 public:
  Transcoder(std::string stream_name,
             transport::hls::Stream& out,
             const Clock& clock,
             TranscoderOptions options);
  ~Transcoder() override;
  Transcoder(const Transcoder&) = delete;
  Transcoder& operator=(const Transcoder&) = delete;

  void OnTrack(const TrackInfo& track) override;
  void OnPacket(const Packet& packet) override;
  void OnEnd(const Status& why) override;
  // The publisher went away (live, within the reconnect grace window): the graph keeps its
  // decoder, encoders and packagers and feeds them the filler (the last picture, then the slate;
  // silence) in real time for `grace`, then ends as OnEnd does (EXT-X-ENDLIST at once). False
  // when the graph has already ended.
  bool Suspend(std::chrono::milliseconds grace);
  // A publisher is back: the filler stops. Returns the media time (90 kHz) at which the new
  // publish's timestamps must continue, or nullopt when the grace window is over (a new graph is
  // needed). Blocks until the graph's thread answers.
  std::optional<int64_t> Resume();

  TranscoderStats Stats() const;
  // What dates media time in all the stream's renditions (EXT-X-PROGRAM-DATE-TIME); shared, so
  // that a caller may keep it without keeping the graph. Any thread.
  std::shared_ptr<const transport::hls::WallAnchor> wall_anchor() const;

 private:
  struct Graph;
  std::unique_ptr<Graph> graph_;
};

}  // namespace strait::pipeline
