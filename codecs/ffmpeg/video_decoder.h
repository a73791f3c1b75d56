// VideoDecoder: one compressed video track to decoded pictures: H.264 / HEVC with avcC / hvcC
// extradata and length-prefixed NAL units (as FLV, MP4 and strait's TsDemuxer deliver them), AV1
// with av1C (or a bare sequence header OBU) and low-overhead OBU packets (libdav1d). Frames come
// out in the decoder's native format (yuv420p, yuv420p10le, ...; nothing is converted here) at
// the size of the current sequence header, so a mid-stream resolution change shows up as frames
// of the new size. Frame pts are the packets' pts in the track's timebase (libavcodec's
// best-effort timestamp, so a packet without pts still gets one when it can).
//
// Threads: none of its own beyond libavcodec's frame/slice workers; one owner calls it from one
// thread at a time. Owns its codec context; the frames it hands out are independent refcounted
// Frames the sink may keep or pass on.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "codecs/frame.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

namespace strait::ffmpeg {

struct VideoDecoderOptions {
  // libavcodec worker threads, frame and slice threading: 0 = one per core. Frame threading delays
  // output by about one frame per thread; 1 decodes each packet before Decode returns.
  int threads = 0;
  // kCuda: NVDEC through FFmpeg's CUDA hwaccel; pictures are downloaded to system memory (NV12)
  // for the CPU scalers and overlays. Create fails (with the reason) where no CUDA device opens,
  // and the caller falls back to kNone.
  enum class Hardware { kNone, kCuda } hardware = Hardware::kNone;
  // kCuda only: hand the pictures out as they are, in GPU memory (Frame::on_device(), NV12 or
  // P010 surfaces of the decoder's frames context, in CUDA's primary context so that strait's own
  // kernels can use them), for a graph that scales and encodes on the GPU. Frame::Download()
  // brings one to system memory where the CPU needs it (overlays, the CPU scalers).
  bool keep_on_device = false;
};

class VideoDecoder {
 public:
  using FrameSink = std::function<void(Frame frame)>;

  static Result<std::unique_ptr<VideoDecoder>> Create(const TrackInfo& track,
                                                      const VideoDecoderOptions& options = {});
  ~VideoDecoder();
  VideoDecoder(const VideoDecoder&) = delete;
  VideoDecoder& operator=(const VideoDecoder&) = delete;

  // Decodes one access unit; `sink` gets the frames that became ready (zero, one or several).
  // Timestamps in another timebase than the track's are rescaled to it. A corrupt packet is an
  // error for that packet only: the decoder stays usable (the next keyframe resynchronises it).
  Status Decode(const Packet& packet, const FrameSink& sink);
  // End of stream or a discontinuity: hands out every delayed frame, then resets the decoder so
  // that it accepts packets again (starting from a keyframe).
  Status Flush(const FrameSink& sink);
  // A new sequence header (MediaSink::OnTrack): the new extradata goes to the decoder with the
  // next packet (H.264 / HEVC re-read it; frames of the new size follow). A different codec is an
  // error: create a new decoder for it. The timebase stays the one the decoder was created with.
  Status UpdateTrack(const TrackInfo& track);

  // Hardware::kCuda only: empty while NVDEC decodes this stream; once a picture came from
  // libavcodec's CPU decoder instead (NVDEC cannot take the codec, profile, bit depth or size, or
  // its set-up failed and FFmpeg fell back), why. The pictures are then in system memory.
  const std::string& fallback() const;

  const TrackInfo& track() const;

 private:
  struct Impl;
  explicit VideoDecoder(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ffmpeg
