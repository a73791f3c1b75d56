// cuda::Scaler: the GPU counterpart of ffmpeg::Scaler, with strait's kernels (resize_kernels.h):
// downscales through scale::PlaneScaler's filter (swscale's SWS_BILINEAR) with its arithmetic, so
// the bytes are the CPU scaler's; upscales through a 2 x 2-tap bilinear kernel. In two forms:
//   - Scale(): 8-bit yuv420p pictures in system memory: each plane is copied to the device,
//     resized and copied back into a new yuv420p Frame (device buffers allocated once per size);
//   - ScaleOnDevice(): the zero-copy path. NV12 pictures already on the GPU (NVDEC's, kept there
//     by VideoDecoderOptions::keep_on_device) are resized into GPU frames of the output size from
//     the scaler's own frames context, which an NVENC encoder reads directly
//     (VideoEncoderOptions::device_frames): decode, scale and encode without a copy through
//     system memory. Upload() puts a picture the CPU made (a card drawn, the slate) into the same
//     frames context, so the encoder sees one kind of frame.
// ffmpeg::Scaler is the reference both are checked against (scaler_test.cc).
//
// Device frames live in CUDA's primary context (the one the CUDA runtime uses; the decoder opens
// FFmpeg's CUDA device on it too).
//
// Available only in builds with STRAIT_CUDA (nvcc found) and on machines with an NVIDIA GPU:
// Create() says which is missing, so callers fall back to the CPU scaler with a log line.
//
// Threads: one owner thread; owns its CUDA stream and device buffers.
#pragma once

#include <memory>
#include <string>

#include "codecs/frame.h"
#include "codecs/result.h"

struct AVBufferRef;

namespace strait::cuda {

// True when a CUDA device can be used here; otherwise `why` says what is missing. The first call
// (before any other CUDA call of the process) also opens FFmpeg's CUDA device on CUDA's primary
// context, once: FFmpeg 5.1 wants that context with blocking synchronisation and refuses one the
// CUDA runtime has already started with its default flags ("Primary context already active with
// incompatible flags"), which strait's first cudaMalloc or cudaStreamCreate would do. Opened by
// FFmpeg first, the context has FFmpeg's flags, and the runtime and every FFmpeg device on it
// (NVDEC's, the GPU frames contexts) share it. Held for the life of the process.
bool DeviceAvailable(std::string* why);

// A new reference to that device (an AVHWDeviceContext of type CUDA), for NVDEC and GPU frames
// contexts; an error where DeviceAvailable() is false. (In builds without CUDA, where strait makes
// no CUDA runtime calls, a new device on the primary context: NVDEC still works there.)
Result<AVBufferRef*> NewDeviceRef();

class Scaler {
 public:
  static Result<std::unique_ptr<Scaler>> Create(int width, int height);
  ~Scaler();
  Scaler(const Scaler&) = delete;
  Scaler& operator=(const Scaler&) = delete;

  // `input` must be 8-bit yuv420p (other formats: use ffmpeg::Scaler).
  Result<Frame> Scale(const Frame& input);

  // ---- Zero copy ----
  // `input` on the GPU (Frame::on_device(), NV12) → a GPU frame of the output size (NV12), with
  // the input's pts and colour description, finished when this returns (an encoder on another
  // CUDA stream may read it). P010 and other formats are an error: download and scale on the CPU.
  Result<Frame> ScaleOnDevice(const Frame& input);
  // A system-memory NV12 picture of the output size → a GPU frame of the same frames context.
  Result<Frame> Upload(const Frame& nv12);
  // Makes the output frames context (on `device_input`'s CUDA device, or a new one on the primary
  // context when null) and returns it: an AVHWFramesContext (CUDA, NV12, the output size) owned by
  // the scaler, for VideoEncoderOptions::device_frames.
  Result<AVBufferRef*> DeviceFrames(const Frame* device_input);

 private:
  struct Impl;
  explicit Scaler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::cuda
