// The CUDA blend kernels: one thread a sample, the CPU kernels' integer formula (blend_kernels.h),
// so the result is bit-exact with BlendWith(). See blend_cuda_kernels.h.
#include "overlays/blend_cuda_kernels.h"

#include <cuda_runtime.h>

namespace strait::overlays::cuda_kernels {

namespace {

// blockIdx.z picks the plane (yuv420p's U and V share p's layout and ia).
__global__ void Blend8Kernel(Job8 j) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  const int r = blockIdx.y * blockDim.y + threadIdx.y;
  const int k = blockIdx.z;
  if (c >= j.cols || r >= j.rows)
    return;
  const size_t e = size_t(j.src_row0 + r) * j.stride + (j.src_col0 + c);
  uint8_t* d = j.dst[k] + size_t(j.row0 + r) * j.pitch[k] + (j.col0 + c);
  const uint32_t b = (uint32_t(j.ia[e]) * 257) >> 1;  // blend_kernels.h's Scale8
  *d = static_cast<uint8_t>(j.p[k][e] + ((uint32_t(*d) * b + (1u << 14)) >> 15));
}

__global__ void Blend10Kernel(Job10 j) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  const int r = blockIdx.y * blockDim.y + threadIdx.y;
  const int k = blockIdx.z;
  if (c >= j.cols || r >= j.rows)
    return;
  const size_t e = size_t(j.src_row0 + r) * j.stride + (j.src_col0 + c);
  const uint32_t p = j.p[k][e];
  if (p == kSkip10)
    return;
  uint16_t* d = reinterpret_cast<uint16_t*>(reinterpret_cast<uint8_t*>(j.dst[k]) +
                                            size_t(j.row0 + r) * j.pitch[k]) +
                (j.col0 + c);
  const uint32_t v = min(uint32_t(*d), 1023u);  // invalid samples read as 1023
  *d = static_cast<uint16_t>((p + v * j.ia[e]) / 2040u);
}

dim3 Grid(int cols, int rows, int planes, dim3 block) {
  return dim3((cols + block.x - 1) / block.x, (rows + block.y - 1) / block.y, planes);
}

}  // namespace

int Blend8(const Job8& job, void* stream) {
  const dim3 block(64, 4);
  Blend8Kernel<<<Grid(job.cols, job.rows, job.planes, block), block, 0,
                 static_cast<cudaStream_t>(stream)>>>(job);
  return static_cast<int>(cudaGetLastError());
}

int Blend10(const Job10& job, void* stream) {
  const dim3 block(64, 4);
  Blend10Kernel<<<Grid(job.cols, job.rows, job.planes, block), block, 0,
                  static_cast<cudaStream_t>(stream)>>>(job);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace strait::overlays::cuda_kernels
