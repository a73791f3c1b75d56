// CudaCard: blend.h's compositor for pictures that live on the GPU (yuv420p, nv12, yuv420p10le
// planes in device memory). The card's converted planes are PreparedCard's own (MakePlanes), each
// configuration uploaded once on first use; a blend is then one kernel launch per plane group, one
// thread a sample, computing the CPU kernels' integers: bit-exact with Blend()/BlendWith().
//
// Available only in builds with STRAIT_CUDA (nvcc found) and on machines with an NVIDIA GPU:
// Create() says which is missing, so callers keep the CPU blend.
//
// Threads: one thread at a time (like PreparedCard). Owns the PreparedCard and the device copies
// of its planes; borrows the target's planes. Blend() is asynchronous on the caller's stream,
// except that a configuration's first use uploads its planes synchronously.
#pragma once

#include <memory>
#include <string>

#include "codecs/result.h"
#include "overlays/blend.h"

namespace strait::overlays {

// True when the CUDA blend can run here; otherwise `why` says what is missing.
bool CudaBlendAvailable(std::string* why);

class CudaCard {
 public:
  static Result<std::unique_ptr<CudaCard>> Create(PreparedCard card);
  ~CudaCard();
  CudaCard(const CudaCard&) = delete;
  CudaCard& operator=(const CudaCard&) = delete;

  // Blend()'s semantics and errors, with `target.planes` device pointers (strides: pitches, in
  // bytes) and `stream` a cudaStream_t (nullptr: the default stream). The blend is queued, not
  // finished, when this returns.
  Status Blend(int x, int y, const BlendTarget& target, void* stream);

 private:
  struct Impl;
  explicit CudaCard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Waits until the blends queued on `stream` (nullptr: the default stream) are done; their error,
// if a kernel failed.
Status WaitForCudaBlends(void* stream);

// CudaCard::Blend's work run on the CPU, one loop iteration a GPU thread, on a picture in system
// memory: the planes as CudaCard uploads them (10-bit values masked where no run covers them), the
// jobs it launches and the kernels' per-thread code (blend_cuda_kernels.h). For tests, so that the
// GPU path's indexing and arithmetic are checked against Blend() on machines without a GPU; slow
// (no SIMD). Blend()'s errors.
Status EmulateCudaBlend(PreparedCard& card, int x, int y, const BlendTarget& target);

}  // namespace strait::overlays
