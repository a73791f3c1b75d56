// cuda::Scaler: the GPU counterpart of ffmpeg::Scaler for 8-bit yuv420p pictures: each plane is
// copied to the device, resized by strait's bilinear kernel (resize_kernels.cu) and copied back
// into a new yuv420p Frame with the input's pts. ffmpeg::Scaler is the reference its output is
// checked against (cuda_scaler_test.cc). Device buffers are allocated once per input/output size.
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

namespace strait::cuda {

// True when a CUDA device can be used here; otherwise `why` says what is missing.
bool DeviceAvailable(std::string* why);

class Scaler {
 public:
  static Result<std::unique_ptr<Scaler>> Create(int width, int height);
  ~Scaler();
  Scaler(const Scaler&) = delete;
  Scaler& operator=(const Scaler&) = delete;

  // `input` must be 8-bit yuv420p (other formats: use ffmpeg::Scaler).
  Result<Frame> Scale(const Frame& input);

 private:
  struct Impl;
  explicit Scaler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::cuda
