// The CUDA blend kernels: one thread a sample, running blend_cuda_kernels.h's Blend8At/Blend10At
// (the CPU kernels' integer formula, so the result is bit-exact with BlendWith()).
#include "overlays/blend_cuda_kernels.h"

#include <cuda_runtime.h>

namespace strait::overlays::cuda_kernels {

namespace {

// One thread a sample (Blend8At, Blend10At); blockIdx.z picks the plane (yuv420p's U and V share
// p's layout and ia).
__global__ void Blend8Kernel(Job8 j) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  const int r = blockIdx.y * blockDim.y + threadIdx.y;
  if (c >= j.cols || r >= j.rows)
    return;
  Blend8At(j, c, r, blockIdx.z);
}

__global__ void Blend10Kernel(Job10 j) {
  const int c = blockIdx.x * blockDim.x + threadIdx.x;
  const int r = blockIdx.y * blockDim.y + threadIdx.y;
  if (c >= j.cols || r >= j.rows)
    return;
  Blend10At(j, c, r, blockIdx.z);
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
