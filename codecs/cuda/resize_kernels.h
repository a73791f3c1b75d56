// strait's CUDA resize kernels (resize_kernels.cu): plain-pointer entry points callable from host
// C++ without CUDA headers (device pointers in and out; errors are cudaError_t values returned as
// int, 0 = success), and each kernel's per-thread work as a STRAIT_HOST_DEVICE function, which
// the GPU runs and host code may run too (scaler_test.cc runs them on the CPU, one loop iteration
// a GPU thread, on every machine). Internal to codecs/cuda.
#pragma once

#include <cstdint>

#include "codecs/cuda/host_device.h"
#include "codecs/scale/plane_kernels.h"

namespace strait::cuda::kernels {

// One 8-bit plane in and out: luma, one chroma plane, or with `channels` 2 NV12's interleaved UV
// plane. Widths count pixels (of `channels` samples), pitches bytes.
struct PlaneIo {
  const uint8_t* src;
  int src_w, src_h, src_pitch;
  uint8_t* dst;
  int dst_w, dst_h, dst_pitch;
  int channels;
};

// A downscale's filter is scale::PlaneScaler's (scale::kernels::FilterView: libswscale's
// SWS_BILINEAR, coefficient for coefficient), its h_pos, h_coef, v_pos and v_coef in device memory
// for FilterPlane (the AVX2 tables are not read here): output x takes h_taps source samples from
// h_pos[x] on, output row y v_taps rows from v_pos[y] on.
using scale::kernels::FilterView;

// Source row r's horizontal sum for output x (PlaneScaler's HRowScalar: 15 bits), channel c of
// kChannels interleaved; 0 below the last row (PlaneScaler's zero row).
template <int kChannels>
STRAIT_HOST_DEVICE inline int FilterRowSample(const FilterView& f,
                                              const uint8_t* __restrict__ src,
                                              int pitch,
                                              int r,
                                              int x,
                                              int c) {
  if (r >= f.src_h)
    return 0;
  const int p = f.h_pos[x];
  const int n = f.h_taps < f.src_w - p ? f.h_taps : f.src_w - p;
  const int16_t* k = f.h_coef + x * f.h_taps;
  const uint8_t* row = src + r * pitch + p * kChannels + c;
  int v = 0;
  for (int j = 0; j < n; ++j)
    v += row[j * kChannels] * k[j];
  v >>= 7;
  return static_cast<int16_t>(v < (1 << 15) - 1 ? v : (1 << 15) - 1);
}

// Output pixel (x, y) of FilterPlane's kernel (io.channels == kChannels): PlaneScaler's
// horizontal then vertical pass (HRowScalar, VRowScalar: swscale's hScale8To15 and yuv2planeX_8
// with its rounding), so the result equals PlaneScaler's byte for byte.
template <int kChannels>
STRAIT_HOST_DEVICE inline void FilterPixel(const FilterView& f, const PlaneIo& io, int x, int y) {
  for (int c = 0; c < kChannels; ++c) {
    int v;
    if (f.v_single) {
      v = (FilterRowSample<kChannels>(f, io.src, io.src_pitch, f.v_pos[y], x, c) + 64) >> 7;
    } else {
      v = 64 << 12;
      const int16_t* k = f.v_coef + y * f.v_taps;
      for (int j = 0; j < f.v_taps; ++j)
        v += FilterRowSample<kChannels>(f, io.src, io.src_pitch, f.v_pos[y] + j, x, c) * k[j];
      v >>= 19;
    }
    io.dst[y * io.dst_pitch + x * kChannels + c] =
        static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

// Output pixel (x, y) of ResizePlane's kernel (io.channels == kChannels), the upscales' filter:
// the source position of its centre (aligned like swscale's SWS_BILINEAR), then the weighted mean
// of the four nearest source pixels (edges clamped). Fixed-point weights (8 bits), rounded.
template <int kChannels>
STRAIT_HOST_DEVICE inline void ResizePixel(const PlaneIo& io, int x, int y) {
  const int sw = io.src_w, sh = io.src_h;
  float fx = (x + 0.5f) * sw / io.dst_w - 0.5f;
  float fy = (y + 0.5f) * sh / io.dst_h - 0.5f;
  fx = fx > 0.f ? fx : 0.f;
  fy = fy > 0.f ? fy : 0.f;
  const int x0 = static_cast<int>(fx) < sw - 1 ? static_cast<int>(fx) : sw - 1;
  const int y0 = static_cast<int>(fy) < sh - 1 ? static_cast<int>(fy) : sh - 1;
  const int x1 = x0 + 1 < sw - 1 ? x0 + 1 : sw - 1;
  const int y1 = y0 + 1 < sh - 1 ? y0 + 1 : sh - 1;
  const int wx = static_cast<int>((fx - x0) * 256.f + 0.5f);
  const int wy = static_cast<int>((fy - y0) * 256.f + 0.5f);
  const uint8_t* __restrict__ r0 = io.src + y0 * io.src_pitch;
  const uint8_t* __restrict__ r1 = io.src + y1 * io.src_pitch;
  for (int c = 0; c < kChannels; ++c) {
    const int a = x0 * kChannels + c, b = x1 * kChannels + c;
    const int top = r0[a] * (256 - wx) + r0[b] * wx;
    const int bottom = r1[a] * (256 - wx) + r1[b] * wx;
    io.dst[y * io.dst_pitch + x * kChannels + c] =
        static_cast<uint8_t>((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16);
  }
}

// A downscale of one plane with `f` (its tables in device memory; f's sizes are io's).
// Asynchronous on `stream` (a cudaStream_t; null = the default stream).
int FilterPlane(const FilterView& f, const PlaneIo& io, void* stream);

// An upscale of one plane (2 x 2 taps). Asynchronous on `stream`.
int ResizePlane(const PlaneIo& io, void* stream);

}  // namespace strait::cuda::kernels
