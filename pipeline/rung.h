// Rung: one encoded rendition of a transcode graph, on a thread of its own: frames from the
// stream's decode thread (shared by reference with the other rungs) → frame-rate cap → scale →
// encode (x264 or NVENC) → hls::Packager of a video-only rendition (the stream's audio is a
// rendition of its own, shared by every rung as the master playlist's audio group).
//
// Keyframes: the decode thread marks the frames at segment boundaries (`force_idr`) identically for
// every rung, so segment N of every rung starts at the same source PTS; the frame-rate cap never
// drops a marked frame. Output timestamps are the source PTS (no drift between rungs).
//
// Realtime governor (live): at each segment boundary a rung whose queue is half full halves its
// frame rate (down to 1/4), and gets it back after a few calm boundaries. Backpressure, the last
// resort: the queue holds at most `queue_frames` pictures. Push in live mode never waits: when the
// queue is full, this rung drops frames until the next marked frame (the rest of a GOP, never a
// lone reference frame) and counts them; a marked frame that finds the queue full takes the place
// of the newest waiting unmarked one, so every segment keeps its keyframe and the rung's segments
// (and media sequence numbers) stay those of the other rungs. In file mode Push waits for room, so
// nothing is lost and memory stays bounded either way.
//
// Passthrough (`copies_source`): the rendition is the source as published — PushTrack/PushPacket
// copy its packets — except while the decode thread hands it pictures instead (a card is on, or
// the publisher is away and the filler runs): the first picture pushed switches it to encoding
// pictures at their own size, in the source's codec (a new IDR and segment on the same timeline,
// no discontinuity: Rendition::ChangeVariant); packets pushed while
// it encodes wait, and ResumeCopy() flushes the encoder and copies again from the first of them
// (a source keyframe). The decode thread chooses both cuts so that every source picture is in
// the rendition exactly once (Transcoder: SourceMode).
//
// Threads: Push*, End and stats() from the decode thread (stats() from any thread); everything
// else on the rung's thread. Owns its scaler, encoder and packager; borrows the Rendition and
// Clock (which outlive it). The destructor ends and joins the thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "codecs/clock.h"
#include "codecs/frame.h"
#include "codecs/packet.h"
#include "codecs/track.h"
#include "overlays/frame_stage.h"
#include "pipeline/transcode_config.h"

namespace spdlog {
class logger;
}
namespace strait::transport::hls {
class Rendition;
class WallAnchor;
}  // namespace strait::transport::hls

namespace strait::pipeline {

struct RungOptions {
  RungPlan plan;
  std::string encoder = "auto";  // auto | x264 | nvenc
  std::string scaler = "cpu";    // cpu | cuda (falls back to cpu, logged)
  // GPU pictures (decoder: cuda + scaler: cuda): the decoder's pictures stay on the GPU, and each
  // is scaled there into NV12 frames of the rung's CUDA scaler, drawn on there (per_rendition
  // cards: the CUDA blend), then either read in place by NVENC (zero copy) or downloaded for
  // libx264 (opened on NV12 input). Pictures in system memory (the slate) are scaled to NV12 on
  // the CPU (and uploaded for NVENC). Without the CUDA scaler the rung downloads each picture and
  // runs the system-memory path, logged.
  bool gpu_pictures = false;
  int encoder_threads = 1;
  double segment_duration_s = 2.0;
  double source_fps = 30;   // nominal, for rate control when the rung does not cap it
  bool live = true;         // drop GOPs when behind (live) or wait (file)
  size_t queue_frames = 8;  // pictures waiting for this rung
  // Draws on this rung's scaled pictures (cards rendered per rendition); null: nothing.
  std::shared_ptr<overlays::FrameStage> overlay;
  // Test hook: runs on the rung's thread before each encode (e.g. to slow an encoder down).
  std::function<void()> before_encode;
  std::shared_ptr<spdlog::logger> logger;
  // The ladder's passthrough rung: copies the source (see above). Encoding, it keeps the source's
  // size and frame rate, at `bitrate_kbps` when configured, else at the bitrate measured over the
  // last 10 s of the copied source.
  bool copies_source = false;
  // The publish's media-time → wall-time mapping, shared by all its renditions' packagers (one
  // program date time for one media time in every playlist); null: the packager's own.
  std::shared_ptr<transport::hls::WallAnchor> wall_anchor;
};

struct RungStats {
  uint64_t frames_in = 0;  // offered by the decode thread
  uint64_t frames_encoded = 0;
  uint64_t frames_capped = 0;    // dropped by the frame-rate cap
  uint64_t frames_governed = 0;  // dropped by the governor's lowered frame rate
  uint64_t frames_dropped = 0;   // dropped because the rung fell behind (whole GOPs)
  uint64_t gops_dropped = 0;
  uint64_t bytes_out = 0;
  size_t queue_high_water = 0;
  int slow_level = 0;            // the governor's step now: fps divided by 2^slow_level
  uint64_t governor_steps = 0;   // changes of slow_level
  std::string encoder;           // the encoder that opened ("libx264", "h264_nvenc")
  bool zero_copy = false;        // NVENC reads GPU frames scaled on the GPU
  uint64_t source_switches = 0;  // passthrough: switches between copying and encoding
  std::string error;             // set when the rung stopped on an error
};

// Whether h264_nvenc opens on this machine (probed once per process; quiet without a driver).
bool NvencUsable();
// Whether a passthrough rung can encode pictures in a source's codec (H.264; HEVC through
// hevc_nvenc or libx265). For other codecs (AV1) it copies the source only: no card on it.
bool PassthroughCanEncode(CodecId codec);

class Rung {
 public:
  Rung(std::string stream_name,
       RungOptions options,
       std::vector<transport::hls::Rendition*> outs,
       const Clock& clock,
       Timebase video_timebase);
  ~Rung();
  Rung(const Rung&) = delete;
  Rung& operator=(const Rung&) = delete;

  const std::string& name() const { return options_.plan.config.name; }

  // One decoded (and overlaid) picture; `force_idr` at segment boundaries.
  void PushFrame(const Frame& frame, bool force_idr);
  // Passthrough only: the source's video track and packets, and the end of an encoded stretch.
  void PushTrack(const TrackInfo& track);
  void PushPacket(const Packet& packet);
  void ResumeCopy();
  // The source's pts - dts at a keyframe not copied (its B-picture delay, in the video timebase):
  // encoded stretches carry it, so that decode timestamps continue when copying resumes. Taken
  // only between encoded stretches (one in progress keeps its delay).
  void SetSourceDelay(int64_t delay);
  // End of input: the rung drains its queue, flushes the encoder and finishes the playlist.
  // `end_now`: the publisher's reconnect grace has already run out (the graph filled it), so
  // the playlist ends at once rather than after a grace of its own (Packager::Finish).
  void End(bool end_now = false);
  // Waits until the rung has finished after End().
  void Join();

  RungStats stats() const;

 private:
  struct FrameItem {
    Frame frame;
    bool force_idr = false;
  };
  struct EndItem {
    bool end_now = false;
  };
  struct ResumeCopyItem {};
  struct SourceDelayItem {
    int64_t delay = 0;
  };
  using Item = std::variant<FrameItem, EndItem, TrackInfo, Packet, ResumeCopyItem, SourceDelayItem>;

  struct Worker;  // the thread's state (scaler, encoder, packager)
  void Run();
  void Govern(Worker& w);
  // The picture for the encoder: scaled in system memory (ToHost), or from a GPU picture scaled
  // on the GPU, for NVENC in place or downloaded as NV12 (ViaDevice).
  Result<Frame> ToHost(Worker& w, const Frame& frame);
  Result<Frame> ViaDevice(Worker& w, const Frame& frame);
  void Draw(Frame& scaled);  // the per-rendition overlay, errors logged
  void PushItem(Item item);  // a passthrough's track, packet or switch (not counted as a frame)

  const std::string stream_name_;
  const RungOptions options_;
  const std::vector<transport::hls::Rendition*> outs_;  // CMAF and/or TS, owned by the stream
  const Clock& clock_;
  const Timebase timebase_;
  uint64_t overlay_errors_ = 0;  // rung thread only
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;    // guarded by mu_
  size_t queued_frames_ = 0;  // guarded by mu_
  bool dropping_ = false;     // guarded by mu_: skipping to the next marked frame
  bool ended_ = false;        // guarded by mu_: End() called
  RungStats stats_;           // guarded by mu_
  std::thread thread_;
};

}  // namespace strait::pipeline
