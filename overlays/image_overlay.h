// ImageOverlay: a still RGBA image (a product card, a logo) alpha-blended onto every picture at a
// corner, the first FrameStage (frame_stage.h) the transcode graph runs. The image is converted
// once to BT.709 limited-range YUV 4:2:0 with its alpha; each picture then costs one blend over
// the image's area (plus a copy of the picture when the decoder still references it).
// Pictures must be 8-bit yuv420p (what H.264/HEVC 8-bit decoders give); others are refused with
// an error the graph logs, and pass untouched.
//
// Threads: Process on the stream's decode thread; active() from any thread. Immutable after
// construction.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codecs/frame.h"
#include "overlays/frame_stage.h"

namespace strait::overlays {

struct ImagePlacement {
  int margin_right = 40;   // pixels between the image and the picture's right edge
  int margin_bottom = 40;  // ... and its bottom edge
};

class ImageOverlay final : public FrameStage {
 public:
  // `rgba` must be a packed RGBA frame (ffmpeg::ReadImageRgba).
  static Result<std::unique_ptr<ImageOverlay>> Create(const Frame& rgba, ImagePlacement placement);

  Status Process(Frame& frame) override;
  bool active() const override { return true; }

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  ImageOverlay() = default;
  int width_ = 0, height_ = 0;  // even (an odd image loses its last row/column)
  ImagePlacement placement_;
  // The image in YUV 4:2:0 with per-plane alpha (0-255), rows packed.
  std::vector<uint8_t> y_, a_, u_, v_, ac_;
};

}  // namespace strait::overlays
