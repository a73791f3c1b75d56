// PlaneScaler: strait's own downscaler for one 8-bit picture plane — a luma plane, or a yuv420p
// chroma plane — the ladder's scaling step (ffmpeg::Scaler uses it for yuv420p → yuv420p
// downscales on CPUs with AVX2, and libswscale for everything else).
//
// The filter is libswscale's SWS_BILINEAR, coefficient for coefficient: a tent as wide as the
// scale ratio (an area-like antialiasing filter when downscaling), its negligible taps trimmed,
// normalised in 14 bits across and 12 bits down, the edges folded onto the border samples, and
// chroma sited as swscale sites yuv420p's (for its defaults, exactly like luma). The arithmetic is
// that of swscale's C reference (hScale8To15, then yuv2planeX_8 with its rounding constant), so the
// output equals sws_scale(SWS_BILINEAR | SWS_ACCURATE_RND) byte for byte (plane_scaler_test) and is
// within 1 of plain SWS_BILINEAR (whose x86 vertical kernel truncates after each tap). The filter
// construction follows FFmpeg 5.1's libswscale/utils.c initFilter (LGPL-2.1-or-later), whose
// library strait links; the kernels are strait's.
//
// Speed: the horizontal pass runs once per source row into a ring of 15-bit rows (each source
// row feeds 2-4 output rows), in AVX2 without gathers (pshufb picks the taps out of one 16-byte
// window, pmaddwd sums them); the vertical pass sums 16-bit rows with pmaddwd. A 1080p picture to
// the 720p/480p/360p ladder: ~1 ms for the three planes of the three rungs against swscale's ~2.5
// (bench/scale_bench).
//
// Threads: Scale() keeps its row cache in the object: one thread at a time per PlaneScaler (one
// per rung). Ownership: owns its tables and cache; borrows the planes it is given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "codecs/result.h"

namespace strait::scale {

namespace kernels {
struct FilterView;  // plane_kernels.h
}

class PlaneScaler {
 public:
  // src and dst sizes of the plane (for a yuv420p chroma plane its own sizes, (w + 1) / 2 x
  // (h + 1) / 2: with swscale's default siting its chroma filter is built exactly as luma's).
  // Errors for sizes under 1 or over 16384, or an upscale on either axis (dst larger than src:
  // swscale's upscaling filter is not this one).
  static Result<std::unique_ptr<PlaneScaler>> Create(int src_w, int src_h, int dst_w, int dst_h);
  ~PlaneScaler();
  PlaneScaler(const PlaneScaler&) = delete;
  PlaneScaler& operator=(const PlaneScaler&) = delete;

  // Whether Scale() runs the AVX2 kernels on this CPU (otherwise the scalar reference: correct
  // but several times slower than swscale, so callers use swscale instead).
  static bool Accelerated();

  // Scales `src` (src_h rows of src_w bytes, rows src_stride apart) into `dst` (dst_h rows of
  // dst_w bytes). Reads and writes nothing outside those rows' [0, width).
  void Scale(const uint8_t* src, ptrdiff_t src_stride, uint8_t* dst, ptrdiff_t dst_stride);
  // The scalar reference, whatever the CPU (tests).
  void ScaleScalar(const uint8_t* src, ptrdiff_t src_stride, uint8_t* dst, ptrdiff_t dst_stride);

  // The filter's tables, for another implementation of the same arithmetic (the CUDA scaler,
  // codecs/cuda): they live as long as this object.
  kernels::FilterView filter() const;

  struct Impl;

 private:
  explicit PlaneScaler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::scale
