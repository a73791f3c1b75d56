// Plain-pointer entry points of strait's CUDA kernels (resize_kernels.cu), callable from host C++
// without CUDA headers. Device pointers in, device pointers out; errors are cudaError_t values
// returned as int (0 = success). Internal to codecs/cuda.
#pragma once

#include <cstdint>

namespace strait::cuda::kernels {

// Bilinear resize of one 8-bit plane (luma, one chroma plane, or with `channels` 2 NV12's
// interleaved UV plane: widths count pixels, pitches bytes), pixel centres aligned like swscale's
// SWS_BILINEAR. Asynchronous on `stream` (a cudaStream_t; null = the default stream).
int ResizePlane(const uint8_t* src,
                int src_width,
                int src_height,
                int src_pitch,
                uint8_t* dst,
                int dst_width,
                int dst_height,
                int dst_pitch,
                int channels,
                void* stream);

}  // namespace strait::cuda::kernels
