#include "overlays/blend_cuda.h"

#include <type_traits>
#include <vector>

#include "codecs/cuda/scaler.h"  // cuda::DeviceAvailable
#include "overlays/blend_cuda_kernels.h"
#include "overlays/blend_planes.h"

#ifdef STRAIT_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace strait::overlays {

bool CudaBlendAvailable(std::string* why) {
  return cuda::DeviceAvailable(why);
}

namespace {

// A configuration's planes as the kernels read them: p (10-bit: with kSkip10 where no run covers
// the element) and ia, in device memory for CudaCard, in system memory for EmulateCudaBlend.
struct KernelPlanes {
  int bit_depth = 8;
  int stride = 0, planes = 1;  // elements from one row to the next
  const void* p[2] = {};
  const void* ia = nullptr;
};

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

// The kernels' job for one group of picture planes (luma, or chroma): Job8 or Job10, whose p and
// ia point to `Sample` and `Alpha`.
template <typename Job, typename Sample, typename Alpha>
Job MakeJob(const KernelPlanes& d, uint8_t* const planes[2], const int pitches[2], const PlaneSpan& s) {
  using Dst = std::remove_reference_t<decltype(Job{}.dst[0])>;
  Job j{};
  for (int i = 0; i < d.planes; ++i) {
    j.dst[i] = reinterpret_cast<Dst>(planes[i]);
    j.pitch[i] = pitches[i];
    j.p[i] = static_cast<const Sample*>(d.p[i]);
  }
  j.ia = static_cast<const Alpha*>(d.ia);
  j.planes = d.planes, j.stride = d.stride;
  j.row0 = s.row0, j.rows = s.rows, j.src_row0 = s.src_row0;
  j.col0 = s.col0, j.cols = s.cols, j.src_col0 = s.src_col0;
  return j;
}

// The job for one group of picture planes, then `run8` or `run10` with it.
template <typename Run8, typename Run10>
int Launch(const KernelPlanes& d,
           uint8_t* const planes[2],
           const int pitches[2],
           const PlaneSpan& s,
           Run8 run8,
           Run10 run10) {
  if (d.bit_depth == 10)
    return run10(MakeJob<cuda_kernels::Job10, uint32_t, uint16_t>(d, planes, pitches, s));
  return run8(MakeJob<cuda_kernels::Job8, uint8_t, uint8_t>(d, planes, pitches, s));
}

// The kernels' grid on the CPU: every (sample, row, plane) of the job, one GPU thread each.
template <typename Job, typename At>
int RunOnHost(const Job& j, At at) {
  for (int k = 0; k < j.planes; ++k) {
    for (int r = 0; r < j.rows; ++r) {
      for (int c = 0; c < j.cols; ++c)
        at(j, c, r, k);
    }
  }
  return 0;
}

}  // namespace

Status EmulateCudaBlend(PreparedCard& card, int x, int y, const BlendTarget& t) {
  if (Status s = ValidateTarget(t); !s.ok())
    return s.error().Context("cuda emulation");
  BlendLayout l;
  if (!LayoutBlend(card.width(), card.height(), x, y, t, &l))
    return OkStatus();
  struct Group {
    const PreparedCard::PlanesKey& key;
    const PlaneSpan& span;
    uint8_t* const* planes;
    const int* pitches;
  };
  for (const Group& g : {Group{l.luma, l.luma_span, t.planes, t.strides},
                         Group{l.chroma, l.chroma_span, t.planes + 1, t.strides + 1}}) {
    const PreparedCard::Planes& pl = card.GetPlanes(g.key);
    KernelPlanes kp;
    kp.bit_depth = pl.key.bit_depth, kp.stride = pl.stride, kp.planes = pl.planes();
    std::vector<uint32_t> masked[2];
    for (int i = 0; i < kp.planes; ++i) {
      if (pl.ten())
        masked[i] = Masked(pl, pl.p10[i]);
      kp.p[i] = pl.ten() ? static_cast<const void*>(masked[i].data()) : pl.p8[i].data();
    }
    kp.ia = pl.ten() ? static_cast<const void*>(pl.ia10.data()) : pl.ia8.data();
    Launch(
        kp, g.planes, g.pitches, g.span,
        [](const cuda_kernels::Job8& j) { return RunOnHost(j, cuda_kernels::Blend8At); },
        [](const cuda_kernels::Job10& j) { return RunOnHost(j, cuda_kernels::Blend10At); });
  }
  return OkStatus();
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

Status WaitForCudaBlends(void*) {
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
  KernelPlanes View() const { return {key.bit_depth, stride, planes, {p[0], p[1]}, ia}; }
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
  const auto run8 = [stream](const cuda_kernels::Job8& j) {
    return cuda_kernels::Blend8(j, stream);
  };
  const auto run10 = [stream](const cuda_kernels::Job10& j) {
    return cuda_kernels::Blend10(j, stream);
  };
  if (int e = Launch((*luma)->View(), t.planes, t.strides, l.luma_span, run8, run10); e != 0)
    return CudaError(static_cast<cudaError_t>(e), "luma");
  if (int e = Launch((*chroma)->View(), t.planes + 1, t.strides + 1, l.chroma_span, run8, run10);
      e != 0)
    return CudaError(static_cast<cudaError_t>(e), "chroma");
  return OkStatus();
}

Status WaitForCudaBlends(void* stream) {
  if (cudaError_t e = cudaStreamSynchronize(static_cast<cudaStream_t>(stream)); e != cudaSuccess)
    return CudaError(e, "sync");
  return OkStatus();
}

#endif

}  // namespace strait::overlays
