// Plain-pointer entry points of the CUDA blend kernels (blend_cuda.cu), callable from host C++
// without CUDA headers; blend_cuda.cc drives them. Device pointers in; errors are cudaError_t
// values returned as int (0 = success). Asynchronous on `stream` (a cudaStream_t; null = the
// default stream). Internal to overlays/.
#pragma once

#include <cstdint>

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

int Blend8(const Job8& job, void* stream);
int Blend10(const Job10& job, void* stream);

}  // namespace strait::overlays::cuda_kernels
