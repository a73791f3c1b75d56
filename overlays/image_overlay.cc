#include "overlays/image_overlay.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "overlays/blend.h"
#include "overlays/picture_blender.h"

namespace strait::overlays {

Result<std::unique_ptr<ImageOverlay>> ImageOverlay::Create(const Frame& rgba,
                                                           ImagePlacement placement) {
  if (rgba.layout() != Frame::Layout::kRgba)
    return Error("image overlay: the image must be RGBA");
  if (rgba.width() <= 0 || rgba.height() <= 0)
    return Error("image overlay: the image is empty");
  // Straight alpha (as decoded) to premultiplied (what the compositor takes).
  const int w = rgba.width(), h = rgba.height();
  std::vector<uint8_t> pm(size_t(w) * h * 4);
  for (int y = 0; y < h; ++y) {
    const uint8_t* src = rgba.data(0) + size_t(y) * rgba.linesize(0);
    uint8_t* dst = &pm[size_t(y) * w * 4];
    for (int x = 0; x < 4 * w; x += 4) {
      const uint32_t a = src[x + 3];
      for (int c = 0; c < 3; ++c)
        dst[x + c] = static_cast<uint8_t>((src[x + c] * a + 127) / 255);
      dst[x + 3] = static_cast<uint8_t>(a);
    }
  }
  auto prepared = PreparedCard::Create({pm.data(), w, h, w * 4});
  if (!prepared.ok())
    return prepared.error().Context("image overlay");
  std::unique_ptr<ImageOverlay> o(new ImageOverlay());
  o->width_ = w;
  o->height_ = h;
  o->placement_ = placement;
  o->image_ = std::make_unique<PictureBlender>(std::move(*prepared));
  return o;
}

ImageOverlay::~ImageOverlay() = default;

Status ImageOverlay::Process(Frame& frame, Timebase) {
  std::lock_guard lock(mu_);  // the PreparedCard fills its cache on first use
  // At the bottom-right corner; a picture smaller than the image shows its top-left part.
  const int x0 = std::max(0, frame.width() - width_ - placement_.margin_right);
  const int y0 = std::max(0, frame.height() - height_ - placement_.margin_bottom);
  // Copies the picture (into a pooled buffer) when the decoder still holds it.
  std::string fallback;
  Status s = image_->BlendInto(frame, x0, y0, &pool_, &fallback);
  if (!fallback.empty())
    spdlog::warn("image overlay: {}; GPU pictures come down for the CPU blend", fallback);
  if (!s.ok())
    return s.error().Context("image overlay");
  return s;
}

}  // namespace strait::overlays
