#include "codecs/cuda/scaler.h"

#include "codecs/ffmpeg/deleters.h"

#ifdef STRAIT_HAVE_CUDA
#include <cuda_runtime.h>

#include "codecs/cuda/resize_kernels.h"
#endif

namespace strait::cuda {

#ifndef STRAIT_HAVE_CUDA

bool DeviceAvailable(std::string* why) {
  if (why)
    *why = "strait was built without CUDA (nvcc not found; -DSTRAIT_CUDA=ON needs the toolkit)";
  return false;
}

struct Scaler::Impl {};
Scaler::Scaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scaler::~Scaler() = default;
Result<std::unique_ptr<Scaler>> Scaler::Create(int, int) {
  std::string why;
  DeviceAvailable(&why);
  return Error("cuda scaler: " + why);
}
Result<Frame> Scaler::Scale(const Frame&) {
  return Error("cuda scaler: not built");
}

#else

namespace {

Error CudaError(cudaError_t e, const std::string& what) {
  return Error("cuda: " + what + ": " + cudaGetErrorString(e));
}

struct DeviceBuffer {
  uint8_t* ptr = nullptr;
  size_t bytes = 0;
  ~DeviceBuffer() {
    if (ptr)
      cudaFree(ptr);
  }
  cudaError_t Ensure(size_t n) {
    if (n <= bytes)
      return cudaSuccess;
    if (ptr)
      cudaFree(ptr);
    ptr = nullptr;
    bytes = 0;
    const cudaError_t e = cudaMalloc(&ptr, n);
    if (e == cudaSuccess)
      bytes = n;
    return e;
  }
};

}  // namespace

bool DeviceAvailable(std::string* why) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    if (why)
      *why = e != cudaSuccess ? std::string("no usable CUDA device: ") + cudaGetErrorString(e)
                              : "no CUDA device";
    return false;
  }
  return true;
}

struct Scaler::Impl {
  int width = 0, height = 0;
  cudaStream_t stream = nullptr;
  DeviceBuffer src[3], dst[3];
  ~Impl() {
    if (stream)
      cudaStreamDestroy(stream);
  }
};

Scaler::Scaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scaler::~Scaler() = default;

Result<std::unique_ptr<Scaler>> Scaler::Create(int width, int height) {
  std::string why;
  if (!DeviceAvailable(&why))
    return Error("cuda scaler: " + why);
  if (width <= 0 || height <= 0 || width % 2 || height % 2)
    return Error("cuda scaler: output size must be even and positive");
  auto impl = std::make_unique<Impl>();
  impl->width = width;
  impl->height = height;
  if (cudaError_t e = cudaStreamCreate(&impl->stream); e != cudaSuccess)
    return CudaError(e, "stream");
  return std::unique_ptr<Scaler>(new Scaler(std::move(impl)));
}

Result<Frame> Scaler::Scale(const Frame& input) {
  Impl& m = *impl_;
  const AVFrame* in = input.av();
  if (!in || in->format != AV_PIX_FMT_YUV420P)
    return Error("cuda scaler: input must be yuv420p");
  auto out = Frame::AllocateVideo(m.width, m.height, AV_PIX_FMT_YUV420P);
  if (!out.ok())
    return out.error();
  AVFrame* o = out->av();
  for (int p = 0; p < 3; ++p) {
    const int sw = p ? (in->width + 1) / 2 : in->width;
    const int sh = p ? (in->height + 1) / 2 : in->height;
    const int dw = p ? m.width / 2 : m.width;
    const int dh = p ? m.height / 2 : m.height;
    if (cudaError_t e = m.src[p].Ensure(size_t(sw) * sh); e != cudaSuccess)
      return CudaError(e, "alloc");
    if (cudaError_t e = m.dst[p].Ensure(size_t(dw) * dh); e != cudaSuccess)
      return CudaError(e, "alloc");
    if (cudaError_t e = cudaMemcpy2DAsync(m.src[p].ptr, sw, in->data[p], in->linesize[p], sw, sh,
                                          cudaMemcpyHostToDevice, m.stream);
        e != cudaSuccess)
      return CudaError(e, "upload");
    if (int e = kernels::ResizePlane(m.src[p].ptr, sw, sh, sw, m.dst[p].ptr, dw, dh, dw, m.stream);
        e != 0)
      return CudaError(static_cast<cudaError_t>(e), "resize");
    if (cudaError_t e = cudaMemcpy2DAsync(o->data[p], o->linesize[p], m.dst[p].ptr, dw, dw, dh,
                                          cudaMemcpyDeviceToHost, m.stream);
        e != cudaSuccess)
      return CudaError(e, "download");
  }
  if (cudaError_t e = cudaStreamSynchronize(m.stream); e != cudaSuccess)
    return CudaError(e, "sync");
  out->set_pts(input.pts());
  return out;
}

#endif

}  // namespace strait::cuda
