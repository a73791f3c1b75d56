#include "overlays/picture_blender.h"

#include "overlays/blend_cuda.h"

namespace strait::overlays {

PictureBlender::PictureBlender(PreparedCard card) : card_(std::move(card)) {}
PictureBlender::~PictureBlender() = default;

Status PictureBlender::BlendOnGpu(Frame& frame, int x, int y) {
  if (!gpu_) {
    auto gpu = CudaCard::Create(card_.Copy());
    if (!gpu.ok())
      return gpu.error();
    gpu_ = std::move(*gpu);
  }
  auto target = TargetForDeviceFrame(frame);
  if (!target.ok())
    return target.error();
  // On the default stream, after the copy that made the picture writable (FFmpeg's CUDA frames
  // copy there too); finished here, before the picture goes to the scalers' streams.
  if (Status s = gpu_->Blend(x, y, *target, nullptr); !s.ok())
    return s;
  return WaitForCudaBlends(nullptr);
}

Status PictureBlender::BlendInto(Frame& frame,
                                 int x,
                                 int y,
                                 FramePool* pool,
                                 std::string* fallback) {
  if (frame.on_device()) {
    if (!gpu_failed_) {
      Status s = BlendOnGpu(frame, x, y);
      if (s.ok()) {
        blended_on_gpu_ = true;
        return s;
      }
      gpu_failed_ = true;
      if (fallback)
        *fallback = s.error().message();
    }
    Result<Frame> host = frame.Download();
    if (!host.ok())
      return host.error().Context("blend");
    frame = std::move(*host);
  }
  if (frame.layout() == Frame::Layout::kP010) {  // NVDEC's 10-bit pictures: repacked for the CPU
    Result<Frame> planar = Yuv420p10FromP010(frame);
    if (!planar.ok())
      return planar.error().Context("blend");
    frame = std::move(*planar);
  }
  auto target = TargetForFrame(frame, pool);
  if (!target.ok())
    return target.error();
  return Blend(card_, x, y, *target);
}

}  // namespace strait::overlays
