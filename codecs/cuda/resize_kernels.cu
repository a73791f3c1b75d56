#include "codecs/cuda/resize_kernels.h"

#include <cuda_runtime.h>

namespace strait::cuda::kernels {

namespace {

// One thread per output pixel: the source position of its centre, then the weighted mean of the
// four nearest source pixels (edges clamped). Fixed-point weights (8 bits), rounded. kChannels
// samples a pixel, interleaved (2: NV12's UV plane), each resized alike.
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
  const float fx = fmaxf((x + 0.5f) * sw / dw - 0.5f, 0.f);
  const float fy = fmaxf((y + 0.5f) * sh / dh - 0.5f, 0.f);
  const int x0 = min(static_cast<int>(fx), sw - 1);
  const int y0 = min(static_cast<int>(fy), sh - 1);
  const int x1 = min(x0 + 1, sw - 1);
  const int y1 = min(y0 + 1, sh - 1);
  const int wx = static_cast<int>((fx - x0) * 256.f + 0.5f);
  const int wy = static_cast<int>((fy - y0) * 256.f + 0.5f);
  const uint8_t* r0 = src + y0 * spitch;
  const uint8_t* r1 = src + y1 * spitch;
#pragma unroll
  for (int c = 0; c < kChannels; ++c) {
    const int a = x0 * kChannels + c, b = x1 * kChannels + c;
    const int top = r0[a] * (256 - wx) + r0[b] * wx;
    const int bottom = r1[a] * (256 - wx) + r1[b] * wx;
    dst[y * dpitch + x * kChannels + c] =
        static_cast<uint8_t>((top * (256 - wy) + bottom * wy + (1 << 15)) >> 16);
  }
}

}  // namespace

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
