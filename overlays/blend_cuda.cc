#include "overlays/blend_cuda.h"

#include "codecs/cuda/scaler.h"  // cuda::DeviceAvailable

#ifdef STRAIT_HAVE_CUDA
#include <cuda_runtime.h>

#include <vector>

#include "overlays/blend_cuda_kernels.h"
#include "overlays/blend_planes.h"
#endif

namespace strait::overlays {

bool CudaBlendAvailable(std::string* why) {
  return cuda::DeviceAvailable(why);
}

#ifndef STRAIT_HAVE_CUDA

struct CudaCard::Impl {};
CudaCard::CudaCard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaCard::~CudaCard() = default;
Result<std::unique_ptr<CudaCard>> CudaCard::Create(PreparedCard) {
  std::string why;
  CudaBlendAvailable(&why);
  return Error("cuda blend: " + why);
}
Status CudaCard::Blend(int, int, const BlendTarget&, void*) {
  return Error("cuda blend: not built");
}

#else

namespace {

Error CudaError(cudaError_t e, const std::string& what) {
  return Error("cuda blend: " + what + ": " + cudaGetErrorString(e));
}

// One configuration's planes in device memory: p with the elements no run covers marked
// kSkip (the CPU kernels leave those samples alone), ia as is.
struct DevicePlanes {
  PreparedCard::PlanesKey key;
  int stride = 0, planes = 1;  // elements from one row to the next
  void* p[2] = {};
  void* ia = nullptr;
  ~DevicePlanes() {
    for (void* ptr : {p[0], p[1], ia}) {
      if (ptr)
        cudaFree(ptr);
    }
  }
};

template <typename Vector>
cudaError_t Upload(const Vector& host, void** device) {
  using T = typename Vector::value_type;
  if (cudaError_t e = cudaMalloc(device, host.size() * sizeof(T)); e != cudaSuccess)
    return e;
  return cudaMemcpy(*device, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice);
}

// 10-bit p with kSkip10 wherever no run covers the element.
std::vector<uint32_t> Masked(const PreparedCard::Planes& pl, const LineVector<uint32_t>& p) {
  std::vector<uint32_t> out(p.size(), cuda_kernels::kSkip10);
  for (int y = 0; y < pl.height; ++y) {
    const size_t row = size_t(y) * pl.stride;
    for (int i = pl.row_runs[y]; i < pl.row_runs[y + 1]; ++i) {
      for (int e = pl.runs[i].begin; e < pl.runs[i].end; ++e)
        out[row + e] = p[row + e];
    }
  }
  return out;
}

Result<std::unique_ptr<DevicePlanes>> MakeDevicePlanes(const PreparedCard::Planes& pl) {
  auto d = std::make_unique<DevicePlanes>();
  d->key = pl.key;
  d->stride = pl.stride;
  d->planes = pl.planes();
  for (int i = 0; i < d->planes; ++i) {
    const cudaError_t e =
        pl.ten() ? Upload(Masked(pl, pl.p10[i]), &d->p[i]) : Upload(pl.p8[i], &d->p[i]);
    if (e != cudaSuccess)
      return CudaError(e, "upload");
  }
  const cudaError_t e = pl.ten() ? Upload(pl.ia10, &d->ia) : Upload(pl.ia8, &d->ia);
  if (e != cudaSuccess)
    return CudaError(e, "upload");
  return d;
}

}  // namespace

struct CudaCard::Impl {
  PreparedCard card;
  std::vector<std::unique_ptr<DevicePlanes>> cache;

  Result<const DevicePlanes*> Get(const PreparedCard::PlanesKey& key) {
    for (const auto& d : cache) {
      if (d->key == key)
        return d.get();
    }
    auto d = MakeDevicePlanes(card.GetPlanes(key));
    if (!d.ok())
      return d.error();
    cache.push_back(std::move(*d));
    return cache.back().get();
  }
};

CudaCard::CudaCard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaCard::~CudaCard() = default;

Result<std::unique_ptr<CudaCard>> CudaCard::Create(PreparedCard card) {
  std::string why;
  if (!CudaBlendAvailable(&why))
    return Error("cuda blend: " + why);
  return std::unique_ptr<CudaCard>(new CudaCard(std::make_unique<Impl>(Impl{std::move(card), {}})));
}

namespace {

int Launch(const DevicePlanes& d,
           uint8_t* const planes[2],
           const int pitches[2],
           const PlaneSpan& s,
           void* stream) {
  if (d.key.bit_depth == 10) {
    cuda_kernels::Job10 j{};
    for (int i = 0; i < d.planes; ++i) {
      j.dst[i] = reinterpret_cast<uint16_t*>(planes[i]);
      j.pitch[i] = pitches[i];
      j.p[i] = static_cast<const uint32_t*>(d.p[i]);
    }
    j.ia = static_cast<const uint16_t*>(d.ia);
    j.planes = d.planes, j.stride = d.stride;
    j.row0 = s.row0, j.rows = s.rows, j.src_row0 = s.src_row0;
    j.col0 = s.col0, j.cols = s.cols, j.src_col0 = s.src_col0;
    return cuda_kernels::Blend10(j, stream);
  }
  cuda_kernels::Job8 j{};
  for (int i = 0; i < d.planes; ++i) {
    j.dst[i] = planes[i];
    j.pitch[i] = pitches[i];
    j.p[i] = static_cast<const uint8_t*>(d.p[i]);
  }
  j.ia = static_cast<const uint8_t*>(d.ia);
  j.planes = d.planes, j.stride = d.stride;
  j.row0 = s.row0, j.rows = s.rows, j.src_row0 = s.src_row0;
  j.col0 = s.col0, j.cols = s.cols, j.src_col0 = s.src_col0;
  return cuda_kernels::Blend8(j, stream);
}

}  // namespace

Status CudaCard::Blend(int x, int y, const BlendTarget& t, void* stream) {
  if (Status s = ValidateTarget(t); !s.ok())
    return s.error().Context("cuda");
  BlendLayout l;
  if (!LayoutBlend(impl_->card.width(), impl_->card.height(), x, y, t, &l))
    return OkStatus();
  auto luma = impl_->Get(l.luma);
  if (!luma.ok())
    return luma.error();
  auto chroma = impl_->Get(l.chroma);
  if (!chroma.ok())
    return chroma.error();
  if (int e = Launch(**luma, t.planes, t.strides, l.luma_span, stream); e != 0)
    return CudaError(static_cast<cudaError_t>(e), "luma");
  if (int e = Launch(**chroma, t.planes + 1, t.strides + 1, l.chroma_span, stream); e != 0)
    return CudaError(static_cast<cudaError_t>(e), "chroma");
  return OkStatus();
}

#endif

}  // namespace strait::overlays
