// Blend: composites a rendered, premultiplied RGBA card onto a 4:2:0 picture (yuv420p, nv12,
// yuv420p10le) in the picture's own matrix, range and chroma siting — the compositor's kernel.
//
// The card is converted once into a PreparedCard, which caches premultiplied Y'CbCr + alpha
// planes per (format depth, matrix, range, siting, position parity); each frame then costs only
// the blend over the visible part of the card, in SIMD (SSE4.1, AVX2, AVX-512BW) picked at run
// time.
//
// Semantics, per luma sample, Ypm = the card pixel's Y' times a / 255:
//   8-bit:  out = round(Ypm) + round'(dst * (255 - a) / 255), within 1 of the exact
//           round(Ypm + dst * (255 - a) / 255) (two roundings: the kernels read one byte of card
//           value a sample, not two; round' is within 0.506 of the value, one pmulhrsw:
//           blend_kernels.h);
//   10-bit: out = round(Ypm + dst * (255 - a) / 255) exactly, in 10-bit codes.
// Alpha 0 leaves a sample bit-exact, alpha 255 writes exactly ConvertOpaque().
// Chroma blends the card's premultiplied chroma and alpha averaged over the luma samples the
// chroma sample stands for: the 2x2 block for kCenter; for kLeft the co-sited column's block with
// its neighbours at half weight, (1 2 1)/4 across times (1 1)/2 down, the MPEG-2 downsampling
// filter. That mean alpha is rounded to a whole 1/255 at 8 bits (the result still within 1 code
// of exact) and kept exact (in eighths) at 10 bits. Card pixels outside the frame still feed
// chroma samples on the frame's edge, but a sample is written only if it stands for a visible
// card pixel (card rectangle ∩ frame).
// Premultiplied colours above their alpha (invalid) are clamped to it; 10-bit samples above 1023
// (invalid) read as 1023.
//
// Threads: a PreparedCard is used by one thread at a time (Blend fills its cache); different
// cards and frames may be blended on different threads. Ownership: PreparedCard owns a copy of
// the card's pixels; a BlendTarget borrows the picture's planes.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "codecs/frame.h"
#include "codecs/frame_pool.h"
#include "codecs/result.h"

namespace strait::overlays {

// A premultiplied RGBA image: `height` rows of `width` * 4 bytes, rows `stride` bytes apart.
struct RgbaView {
  const uint8_t* data = nullptr;
  int width = 0, height = 0;
  int stride = 0;
};

enum class Matrix { kBt601, kBt709 };
enum class Range { kLimited, kFull };  // 16-235/240 (x4 at 10 bits) or 0-255 (0-1023)
// Where chroma samples sit: kLeft (MPEG-2/H.264 default) horizontally co-sited with even luma
// columns, kCenter (JPEG/MPEG-1) between them; both vertically between two luma rows.
enum class ChromaSiting { kLeft, kCenter };
enum class PixelFormat { kYuv420p, kNv12, kYuv420p10 };

// The picture to draw on: its planes (borrowed) and colour description.
struct BlendTarget {
  PixelFormat format = PixelFormat::kYuv420p;
  int width = 0, height = 0;  // luma; chroma planes are (width + 1) / 2 x (height + 1) / 2
  // Y, U, V (nv12: Y, interleaved UV, unused); yuv420p10: little-endian uint16_t samples.
  uint8_t* planes[3] = {};
  int strides[3] = {};  // bytes
  Matrix matrix = Matrix::kBt709;
  Range range = Range::kLimited;
  ChromaSiting siting = ChromaSiting::kLeft;
};

// Makes `frame` writable (a copy when the decoder still references its buffers: into a buffer of
// `pool` when given, which a stage that blends every frame should keep) and describes it
// (Frame::bt601/full_range/chroma_center). Errors for layouts other than the three above.
Result<BlendTarget> TargetForFrame(Frame& frame, FramePool* pool = nullptr);
// The same for a picture on the GPU (Frame::on_device(), NV12 only), for CudaCard: made writable
// on the GPU (a copy in its own frames context when the decoder still references it); the planes
// are device pointers — never hand this target to Blend().
Result<BlendTarget> TargetForDeviceFrame(Frame& frame);

// The card, with its converted planes cached per blend configuration (a few hundred KB each).
class PreparedCard {
 public:
  // Copies the pixels. Errors for an empty or oversized (> 8192 per side) card.
  static Result<PreparedCard> Create(const RgbaView& card);

  // Another PreparedCard of the same pixels (its planes made again on first use).
  PreparedCard Copy() const;

  PreparedCard(PreparedCard&&) noexcept;
  PreparedCard& operator=(PreparedCard&&) noexcept;
  ~PreparedCard();

  int width() const { return width_; }
  int height() const { return height_; }

  // One configuration's converted planes, made on first use (types private to blend.cc).
  struct Planes;
  struct PlanesKey;
  const Planes& GetPlanes(const PlanesKey& key);

 private:
  PreparedCard() = default;
  int width_ = 0, height_ = 0;
  std::vector<uint8_t> rgba_;  // width_ * 4 bytes a row, packed
  std::vector<std::unique_ptr<Planes>> cache_;
};

// Blends `card` with its top-left corner at (x, y) of the picture. Any position is allowed (odd,
// negative, partly or wholly off-frame: clipped). The first blend of a configuration converts the
// card (about a millisecond for 600x200); later ones only blend. Errors for a malformed target.
Status Blend(PreparedCard& card, int x, int y, const BlendTarget& target);

// The kernels, explicitly (tests, benchmarks). Blend() uses BestIsa(), chosen once. kAvx512
// (AVX-512F/BW/VL) has its own 8-bit kernels and the AVX2 ones at 10 bits.
enum class Isa { kScalar, kSse41, kAvx2, kAvx512 };
bool IsaSupported(Isa isa);
Isa BestIsa();
const char* IsaName(Isa isa);
// Errors as Blend, and for an ISA this CPU lacks.
Status BlendWith(Isa isa, PreparedCard& card, int x, int y, const BlendTarget& target);

// The sample values an opaque RGB colour becomes (what alpha 255 writes): Y, Cb, Cr rounded to
// 8 or 10 bits.
struct Yuv {
  int y, u, v;
};
Yuv ConvertOpaque(uint8_t r, uint8_t g, uint8_t b, Matrix matrix, Range range, int bit_depth);

}  // namespace strait::overlays
