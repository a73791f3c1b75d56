// VideoEncoder: decoded pictures to H.264 (libx264, h264_nvenc) or HEVC (libx265, hevc_nvenc) for
// one rendition of a live transcode. Tuned for live segmenting: no B-frames (dts == pts), no
// lookahead, no scene-cut or periodic keyframes — keyframes come only where the caller forces
// them (Encode's force_idr), and every forced keyframe is an IDR.
//
// Output is strait's usual form: Packets of length-prefixed NAL units (4-byte big-endian
// lengths, no start codes) with timestamps in the input frames' timebase, and a TrackInfo whose
// extradata is an avcC / hvcC record built from the encoder's global header. Keyframe packets
// also carry the parameter sets in-band (unless turned off), so any segment cut at a keyframe
// decodes on its own.
//
// Threads: the encoder's own worker threads only (`threads`, default 1 so that several renditions
// encode in parallel on the scheduler's threads); one owner calls it from one thread at a time.
// libx264 given more than one thread encodes whole frames in parallel (frame threads: a picture
// of latency each, the bits and quality of one thread), not slices of one frame as its zerolatency
// tune would (slices cost bits and CPU); `threads` 0 keeps x264's own choice (sliced).
// Owns its codec context; the input Frame is only read (it may be shared with other encoders).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "codecs/frame.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"

struct AVBufferRef;

namespace strait::ffmpeg {

struct VideoEncoderOptions {
  std::string codec = "libx264";  // libx264 | h264_nvenc | hevc_nvenc | libx265
  int width = 0;
  int height = 0;
  int pixel_format = -1;        // AVPixelFormat of the input frames; -1 = yuv420p
  bool nv12 = false;  // the input frames are NV12 (a GPU picture downloaded): pixel_format unused
  Timebase timebase = kMillis;  // of the input frames' pts; the output packets keep it
  double fps = 30;              // nominal frame rate, for rate control and the VUI
  int64_t bitrate = 0;          // bits/s; 0 = the encoder's default quality mode (x264: CRF 23)
  int64_t maxrate = 0;          // bits/s, 0 = unset; with bufsize: VBV / HRD limits
  int64_t bufsize = 0;          // bits, 0 = unset
  std::string profile;          // "high", "main", "baseline", "main10"; empty = encoder's choice
  std::string preset;           // empty = "veryfast" (x264, x265) or the encoder's default
  int threads = 1;              // encoder threads; 0 = the encoder's automatic choice
  uint32_t track_id = 0;        // of the output packets and track()
  bool parameter_sets_in_keyframes = true;
  // NVENC only: the frames context (AVHWFramesContext, CUDA) of the GPU pictures it will get, as
  // cuda::Scaler::DeviceFrames() makes it; the encoder reads them in place (pixel_format is then
  // ignored: every frame must come from this context). Null: pictures in system memory.
  AVBufferRef* device_frames = nullptr;
};

class VideoEncoder {
 public:
  using PacketSink = std::function<void(Packet packet)>;

  // Opens the encoder; an encoder that cannot open (h264_nvenc without an NVIDIA GPU) is an
  // Error naming the encoder and FFmpeg's reason.
  static Result<std::unique_ptr<VideoEncoder>> Create(const VideoEncoderOptions& options);
  ~VideoEncoder();
  VideoEncoder(const VideoEncoder&) = delete;
  VideoEncoder& operator=(const VideoEncoder&) = delete;

  // Encodes one picture of the configured size and format with its pts; `force_idr` makes it an
  // IDR keyframe. `sink` gets the packets that became ready (with x264's zero-latency settings,
  // the packet of this very frame).
  Status Encode(const Frame& frame, bool force_idr, const PacketSink& sink);
  // End of stream: hands out the remaining packets. The encoder accepts no frames afterwards.
  Status Flush(const PacketSink& sink);

  // The output track: codec, size, timebase, frame rate, bitrate, avcC / hvcC extradata.
  const TrackInfo& track() const;

 private:
  struct Impl;
  explicit VideoEncoder(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::ffmpeg
