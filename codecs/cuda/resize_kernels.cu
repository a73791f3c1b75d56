#include "codecs/cuda/resize_kernels.h"

#include <cuda_runtime.h>

namespace strait::cuda::kernels {

namespace {

// One thread per output pixel: FilterPixel (resize_kernels.h).
template <int kChannels>
__global__ void FilterKernel(FilterView f, PlaneIo io) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= io.dst_w || y >= io.dst_h)
    return;
  FilterPixel<kChannels>(f, io, x, y);
}

// One thread per output pixel: ResizePixel (resize_kernels.h).
template <int kChannels>
__global__ void ResizeKernel(PlaneIo io) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= io.dst_w || y >= io.dst_h)
    return;
  ResizePixel<kChannels>(io, x, y);
}

const dim3 kBlock(32, 8);

dim3 Grid(const PlaneIo& io) {
  return dim3((io.dst_w + kBlock.x - 1) / kBlock.x, (io.dst_h + kBlock.y - 1) / kBlock.y);
}

}  // namespace

int FilterPlane(const FilterView& f, const PlaneIo& io, void* stream) {
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (io.channels == 2)
    FilterKernel<2><<<Grid(io), kBlock, 0, s>>>(f, io);
  else
    FilterKernel<1><<<Grid(io), kBlock, 0, s>>>(f, io);
  return static_cast<int>(cudaGetLastError());
}

int ResizePlane(const PlaneIo& io, void* stream) {
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  if (io.channels == 2)
    ResizeKernel<2><<<Grid(io), kBlock, 0, s>>>(io);
  else
    ResizeKernel<1><<<Grid(io), kBlock, 0, s>>>(io);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace strait::cuda::kernels
