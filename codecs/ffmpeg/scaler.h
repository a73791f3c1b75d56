// Scaler: pictures of any size and pixel format (yuv420p, yuv420p10le, nv12, ...) to one fixed
// output size in 8-bit yuv420p (or NV12, for pictures bound for a GPU encoder), the input of the
// H.264 encoders, with libswscale — except the ladder's common case, a limited-range yuv420p
// picture scaled down bilinearly to yuv420p on a CPU with AVX2, which strait's own
// scale::PlaneScaler does (swscale's filter and accurate rounding, ~2.5x faster). The scaler
// is built for the first input and rebuilt whenever the input size or format changes
// (a resolution change mid-stream). Output frames keep the input pts, have square pixels and are
// limited range (full-range input, yuvj420p included, is converted).
// An input already at the output size, format and range is passed through without a copy (the
// output then shares the input's buffers).
//
// Threads: none; one owner calls it from one thread at a time (one Scaler per rendition, so the
// fan-out from one decoder runs several Scalers in parallel on shared, read-only input Frames).
// Owns its swscale context; scaled output Frames are new, uniquely held pictures, in buffers of
// the scaler's FramePool (they may outlive the scaler).
#pragma once

#include <memory>

#include "codecs/frame.h"
#include "codecs/result.h"

namespace strait::ffmpeg {

enum class ScaleFilter { kFastBilinear, kBilinear, kBicubic };

struct ScalerOptions {
  int width = 0;  // output size, > 0
  int height = 0;
  ScaleFilter filter = ScaleFilter::kBilinear;
  bool nv12 = false;  // output NV12 (interleaved chroma) instead of yuv420p
  bool swscale_only = false;  // never scale::PlaneScaler (benchmarks compare the two)
};

class Scaler {
 public:
  static Result<std::unique_ptr<Scaler>> Create(const ScalerOptions& options);
  ~Scaler();
  Scaler(const Scaler&) = delete;
  Scaler& operator=(const Scaler&) = delete;

  // The scaled picture, with the input's pts (and colour description).
  Result<Frame> Scale(const Frame& input);

  int width() const;
  int height() const;
  // How many times a swscale context or PlaneScaler set was (re)built; for tests and metrics.
  int reinits() const;
  // Whether the last picture went through scale::PlaneScaler (tests).
  bool own_kernels() const;

 private:
  struct Impl;
  explicit Scaler(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

// The even width of a rung `target_height` pixels high with the source's display aspect ratio
// (a 1920x1080 source gives 1280 for 720, 640 for 360, 426 for 240; FFmpeg's "-2" rounding).
// The sample aspect ratio is taken into account when given (num and den > 0) and not 1:1;
// anything else means square pixels. Never less than 2; 0 for invalid input or a width over 32768.
int EvenWidthFor(int src_width,
                 int src_height,
                 int target_height,
                 int sar_num = 1,
                 int sar_den = 1);

}  // namespace strait::ffmpeg
