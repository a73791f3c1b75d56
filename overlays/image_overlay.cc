#include "overlays/image_overlay.h"

#include <algorithm>
#include <cmath>

namespace strait::overlays {

namespace {

uint8_t Clamp8(double v) {
  return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L));
}

// out = (in * (255 - a) + over * a) / 255, rounded.
inline uint8_t Blend(uint8_t in, uint8_t over, uint8_t a) {
  return static_cast<uint8_t>((in * (255 - a) + over * a + 127) / 255);
}

}  // namespace

Result<std::unique_ptr<ImageOverlay>> ImageOverlay::Create(const Frame& rgba,
                                                           ImagePlacement placement) {
  if (rgba.layout() != Frame::Layout::kRgba)
    return Error("image overlay: the image must be RGBA");
  std::unique_ptr<ImageOverlay> o(new ImageOverlay());
  o->width_ = rgba.width() / 2 * 2;
  o->height_ = rgba.height() / 2 * 2;
  if (o->width_ == 0 || o->height_ == 0)
    return Error("image overlay: the image is empty");
  o->placement_ = placement;
  const int w = o->width_, h = o->height_, cw = w / 2, ch = h / 2;
  o->y_.resize(size_t(w) * h);
  o->a_.resize(size_t(w) * h);
  o->u_.resize(size_t(cw) * ch);
  o->v_.resize(size_t(cw) * ch);
  o->ac_.resize(size_t(cw) * ch);
  auto px = [&](int x, int y) { return rgba.data(0) + size_t(y) * rgba.linesize(0) + 4 * x; };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const uint8_t* p = px(x, y);
      o->y_[size_t(y) * w + x] =
          Clamp8(16 + (0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]) * 219 / 255);
      o->a_[size_t(y) * w + x] = p[3];
    }
  }
  // Chroma: the alpha-weighted mean colour of each 2x2 block, and the block's mean alpha.
  for (int y = 0; y < ch; ++y) {
    for (int x = 0; x < cw; ++x) {
      double r = 0, g = 0, b = 0, a = 0;
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const uint8_t* p = px(2 * x + dx, 2 * y + dy);
          r += p[0] * p[3];
          g += p[1] * p[3];
          b += p[2] * p[3];
          a += p[3];
        }
      }
      if (a > 0) {
        r /= a;
        g /= a;
        b /= a;
      }
      o->u_[size_t(y) * cw + x] = Clamp8(128 + (-0.1146 * r - 0.3854 * g + 0.5 * b) * 224 / 255);
      o->v_[size_t(y) * cw + x] = Clamp8(128 + (0.5 * r - 0.4542 * g - 0.0458 * b) * 224 / 255);
      o->ac_[size_t(y) * cw + x] = Clamp8(a / 4);
    }
  }
  return o;
}

Status ImageOverlay::Process(Frame& frame) {
  if (frame.layout() != Frame::Layout::kYuv420p)
    return Error("image overlay: pictures must be 8-bit yuv420p");
  // The corner position, on even coordinates so luma and chroma stay aligned; clipped to the
  // picture (a picture smaller than the image shows its top-left part).
  const int x0 = std::max(0, (frame.width() - width_ - placement_.margin_right) / 2 * 2);
  const int y0 = std::max(0, (frame.height() - height_ - placement_.margin_bottom) / 2 * 2);
  const int w = std::min(width_, frame.width() / 2 * 2 - x0);
  const int h = std::min(height_, frame.height() / 2 * 2 - y0);
  if (w <= 0 || h <= 0)
    return OkStatus();
  if (Status s = frame.MakeWritable(); !s.ok())  // the decoder may still reference the buffers
    return s;
  for (int y = 0; y < h; ++y) {
    uint8_t* row = frame.data(0) + size_t(y0 + y) * frame.linesize(0) + x0;
    const uint8_t* over = &y_[size_t(y) * width_];
    const uint8_t* alpha = &a_[size_t(y) * width_];
    for (int x = 0; x < w; ++x)
      row[x] = Blend(row[x], over[x], alpha[x]);
  }
  const int cw = width_ / 2;
  for (int plane = 1; plane <= 2; ++plane) {
    const std::vector<uint8_t>& c = plane == 1 ? u_ : v_;
    for (int y = 0; y < h / 2; ++y) {
      uint8_t* row = frame.data(plane) + size_t(y0 / 2 + y) * frame.linesize(plane) + x0 / 2;
      const uint8_t* over = &c[size_t(y) * cw];
      const uint8_t* alpha = &ac_[size_t(y) * cw];
      for (int x = 0; x < w / 2; ++x)
        row[x] = Blend(row[x], over[x], alpha[x]);
    }
  }
  return OkStatus();
}

}  // namespace strait::overlays
