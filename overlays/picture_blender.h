// PictureBlender: one card blended onto pictures wherever they live. A picture in system memory
// goes through Blend() (SIMD, runtime dispatch); a picture on the GPU (NVDEC's, kept there for
// the CUDA scaler) through CudaCard, in device memory, finished before BlendInto returns — so the
// picture never crosses the bus for its card. Where the CUDA blend cannot run (a build without
// CUDA, no device, a P010 picture, a CUDA error) a GPU picture is downloaded and blended on the
// CPU instead, from then on; `fallback` says why, once. A P010 picture (NVDEC's 10-bit output)
// is blended as yuv420p10le: it is replaced by that repacked copy (Yuv420p10FromP010).
//
// The CPU blend is the reference: CudaCard computes the same integers (blend_cuda.h), so a card
// looks the same on either path.
//
// Threads: one thread at a time (like PreparedCard). Owns the PreparedCard and, after the first
// GPU picture, its CudaCard.
#pragma once

#include <memory>
#include <string>

#include "codecs/frame.h"
#include "codecs/frame_pool.h"
#include "codecs/result.h"
#include "overlays/blend.h"

namespace strait::overlays {

class CudaCard;

class PictureBlender {
 public:
  explicit PictureBlender(PreparedCard card);
  ~PictureBlender();
  PictureBlender(const PictureBlender&) = delete;
  PictureBlender& operator=(const PictureBlender&) = delete;

  // Blends the card with its top-left corner at (x, y) (Blend()'s clipping) into `frame`, which
  // is first made writable: a system-memory picture the decoder still holds is copied into a
  // buffer of `pool` (may be null), a GPU picture into its own frames context. A GPU picture that
  // came down for the CPU blend is replaced by its system-memory copy. `fallback` (may be null)
  // is set to the reason on the first GPU picture the CUDA blend could not take.
  Status BlendInto(Frame& frame, int x, int y, FramePool* pool, std::string* fallback);

  // True once a GPU picture was blended on the GPU (for tests and logs).
  bool blended_on_gpu() const { return blended_on_gpu_; }

 private:
  Status BlendOnGpu(Frame& frame, int x, int y);

  PreparedCard card_;
  std::unique_ptr<CudaCard> gpu_;
  bool gpu_failed_ = false;
  bool blended_on_gpu_ = false;
};

}  // namespace strait::overlays
