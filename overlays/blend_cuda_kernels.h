// Plain-pointer entry points of the CUDA blend kernels (blend_cuda.cu), callable from host C++
// without CUDA headers; blend_cuda.cc drives them. Device pointers in; errors are cudaError_t
// values returned as int (0 = success). Asynchronous on `stream` (a cudaStream_t; null = the
// default stream). Internal to overlays/.
#pragma once

#include <cstddef>
#include <cstdint>

#include "codecs/cuda/host_device.h"

namespace strait::overlays::cuda_kernels {

// Prepared elements a picture plane takes (blend_planes.h's PlaneSpan) and the planes they come
// from. p is the kernels' value (blend_kernels.h); ia is shared by the planes. At 10 bits p is
// all ones where no run covers the element (left untouched, as the CPU kernels leave it: a
// transparent blend would read an invalid sample above 1023 as 1023); at 8 bits a transparent
// element (p 0, ia 255) blends to itself, so every element is blended.
struct Job8 {
  uint8_t* dst[2];  // picture planes (yuv420p's U and V: two; otherwise one)
  int pitch[2];     // bytes
  const uint8_t* p[2];
  const uint8_t* ia;
  int planes, stride;  // elements from one prepared row to the next
  int row0, rows, src_row0, col0, cols, src_col0;
};
struct Job10 {
  uint16_t* dst[2];
  int pitch[2];  // bytes
  const uint32_t* p[2];
  const uint16_t* ia;
  int planes, stride;
  int row0, rows, src_row0, col0, cols, src_col0;
};

inline constexpr uint32_t kSkip10 = 0xffffffff;

// The thread for sample c of row r of plane k: the CPU kernels' integer formula (blend_kernels.h),
// so the result is bit-exact with BlendWith(). The GPU runs exactly this; EmulateCudaBlend
// (blend_cuda.h) runs it on the CPU.
STRAIT_HOST_DEVICE inline void Blend8At(const Job8& j, int c, int r, int k) {
  const size_t e = size_t(j.src_row0 + r) * j.stride + (j.src_col0 + c);
  uint8_t* d = j.dst[k] + size_t(j.row0 + r) * j.pitch[k] + (j.col0 + c);
  const uint32_t b = (uint32_t(j.ia[e]) * 257) >> 1;  // blend_kernels.h's Scale8
  *d = static_cast<uint8_t>(j.p[k][e] + ((uint32_t(*d) * b + (1u << 14)) >> 15));
}

STRAIT_HOST_DEVICE inline void Blend10At(const Job10& j, int c, int r, int k) {
  const size_t e = size_t(j.src_row0 + r) * j.stride + (j.src_col0 + c);
  const uint32_t p = j.p[k][e];
  if (p == kSkip10)
    return;
  uint16_t* d = reinterpret_cast<uint16_t*>(reinterpret_cast<uint8_t*>(j.dst[k]) +
                                            size_t(j.row0 + r) * j.pitch[k]) +
                (j.col0 + c);
  const uint32_t v = *d < 1023u ? uint32_t(*d) : 1023u;  // invalid samples read as 1023
  *d = static_cast<uint16_t>((p + v * j.ia[e]) / 2040u);
}

int Blend8(const Job8& job, void* stream);
int Blend10(const Job10& job, void* stream);

}  // namespace strait::overlays::cuda_kernels
