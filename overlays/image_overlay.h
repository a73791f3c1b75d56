// ImageOverlay: a still RGBA image (a product card, a logo) alpha-blended onto every picture at a
// corner (`strait transcode --overlay`). It goes through the card compositor (blend.h): the image
// is converted once per picture format, matrix and range, and each picture then costs one blend
// over the image's area (plus a copy of the picture when the decoder still references it).
// Pictures on the GPU are blended there (PictureBlender: CudaCard, else downloaded first).
// Pictures in yuv420p, nv12 and yuv420p10le; others are refused with an error the graph logs, and
// pass untouched.
//
// Threads: Process from any thread (serialised inside); active() from any thread.
#pragma once

#include <memory>
#include <mutex>

#include "codecs/frame.h"
#include "codecs/frame_pool.h"
#include "overlays/frame_stage.h"

namespace strait::overlays {

class PictureBlender;

struct ImagePlacement {
  int margin_right = 40;   // pixels between the image and the picture's right edge
  int margin_bottom = 40;  // ... and its bottom edge
};

class ImageOverlay final : public FrameStage {
 public:
  // `rgba` must be a packed RGBA frame (ffmpeg::ReadImageRgba).
  static Result<std::unique_ptr<ImageOverlay>> Create(const Frame& rgba, ImagePlacement placement);

  ~ImageOverlay() override;
  Status Process(Frame& frame, Timebase timebase) override;
  bool active() const override { return true; }
  bool takes_gpu_pictures() const override { return true; }  // CUDA blend, else CPU (once logged)

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  ImageOverlay() = default;
  int width_ = 0, height_ = 0;
  ImagePlacement placement_;
  std::mutex mu_;
  std::unique_ptr<PictureBlender> image_;  // guarded by mu_
  FramePool pool_;                         // guarded by mu_: writable copies of shared pictures
};

}  // namespace strait::overlays
