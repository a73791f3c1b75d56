#include "codecs/cuda/resize_kernels.h"

#include <cuda_runtime.h>

namespace strait::cuda::kernels {

namespace {

// One thread per output pixel: ResizePixel (resize_kernels.h).
template <int kChannels>
__global__ void ResizeBilinear(const uint8_t* __restrict__ src,
                               int sw,
                               int sh,
                               int spitch,
                               uint8_t* __restrict__ dst,
                               int dw,
                               int dh,
                               int dpitch) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= dw || y >= dh)
    return;
  ResizePixel<kChannels>(src, sw, sh, spitch, dst, dw, dh, dpitch, x, y);
}

// One thread per output pixel: FilterPixel (resize_kernels.h).
template <int kChannels>
__global__ void FilterKernel(Filter f,
                             const uint8_t* __restrict__ src,
                             int spitch,
                             uint8_t* __restrict__ dst,
                             int dpitch) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= f.dst_w || y >= f.dst_h)
    return;
  FilterPixel<kChannels>(f, src, spitch, dst, dpitch, x, y);
}

}  // namespace

int FilterPlane(const Filter& f,
                const uint8_t* src,
                int src_pitch,
                uint8_t* dst,
                int dst_pitch,
                int channels,
                void* stream) {
  const dim3 block(32, 8);
  const dim3 grid((f.dst_w + block.x - 1) / block.x, (f.dst_h + block.y - 1) / block.y);
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (channels == 2)
    FilterKernel<2><<<grid, block, 0, s>>>(f, src, src_pitch, dst, dst_pitch);
  else
    FilterKernel<1><<<grid, block, 0, s>>>(f, src, src_pitch, dst, dst_pitch);
  return static_cast<int>(cudaGetLastError());
}

int ResizePlane(const uint8_t* src,
                int src_width,
                int src_height,
                int src_pitch,
                uint8_t* dst,
                int dst_width,
                int dst_height,
                int dst_pitch,
                int channels,
                void* stream) {
  const dim3 block(32, 8);
  const dim3 grid((dst_width + block.x - 1) / block.x, (dst_height + block.y - 1) / block.y);
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (channels == 2) {
    ResizeBilinear<2><<<grid, block, 0, s>>>(src, src_width, src_height, src_pitch, dst, dst_width,
                                             dst_height, dst_pitch);
  } else {
    ResizeBilinear<1><<<grid, block, 0, s>>>(src, src_width, src_height, src_pitch, dst, dst_width,
                                             dst_height, dst_pitch);
  }
  return static_cast<int>(cudaGetLastError());
}

}  // namespace strait::cuda::kernels
