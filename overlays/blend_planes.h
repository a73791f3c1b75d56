// PreparedCard's converted planes (blend.h): the card in one blend configuration as the row
// kernels' values (blend_kernels.h), each row cut into runs the blend treats alike.
//
// 10 bits: runs of elements — transparent (skipped, not stored), opaque (copied), flat (one value
// and alpha: a card's panel) and the rest (blended sample by sample).
// 8 bits: runs of the kBlock8-element blocks that hold a visible sample, all blended. Flat and
// copy runs read fewer bytes, but with AVX-512 on bench/blend_bench's product card (panel, image,
// text, QR code) blending everything measured 3.5x libavfilter against 3.2x with them: the
// branches between kinds (several a row) cost more than the bytes they save, the picture's rows
// are read and written either way, and a transparent corner or gap still costs nothing (copy and
// flat blocks on the grid itself measured slower too, with AVX2 and AVX-512). The
// grid also keeps runs from ending inside a vector: the next run's first load would wait for the
// last run's store (no store-to-load forwarding between partly overlapping accesses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "overlays/blend.h"
#include "overlays/blend_kernels.h"

namespace strait::overlays {

struct PreparedCard::PlanesKey {
  int bit_depth = 8;
  Matrix matrix = Matrix::kBt709;
  Range range = Range::kLimited;
  bool chroma = false;  // the rest only for chroma
  ChromaSiting siting = ChromaSiting::kLeft;
  int parity_x = 0, parity_y = 0;  // of the card's position
  bool interleaved = false;        // nv12
  bool operator==(const PlanesKey&) const = default;
};

// The blocks 8-bit runs are made of, in elements (a multiple of the widest kernel's vector).
inline constexpr int kBlock8 = 64;

// Storage whose first element is on a 64-byte boundary (a cache line; an AVX-512 vector).
template <typename T>
struct LineAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  LineAllocator() = default;
  template <typename U>
  LineAllocator(const LineAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const LineAllocator<U>&) const {
    return true;
  }
};
template <typename T>
using LineVector = std::vector<T, LineAllocator<T>>;

// `height` rows of `width` elements (nv12 chroma: U, V pairs), a row every `stride` elements:
// width rounded up to kBlock8, so that with the line-aligned storage every row, and every 8-bit
// block, starts on a cache line (a vector load that straddles two lines costs two). The elements
// past `width` are transparent and outside every run.
struct PreparedCard::Planes {
  PlanesKey key;
  int width = 0, height = 0, stride = 0;
  LineVector<uint8_t> p8[2];        // 8-bit values (Row8Fn): Y or U, and V when planar
  LineVector<uint32_t> p10[2];      // 10-bit fixed values (Row10Fn)
  LineVector<uint8_t> ia8;          // 255 - alpha
  LineVector<uint16_t> ia10;        // 2040 - alpha in eighths
  LineVector<uint16_t> solid10[2];  // 10-bit sample values where the card is opaque (copy runs;
                                    // at 8 bits p8 is that value)
  std::vector<PlaneRun> runs;       // row y's: [row_runs[y], row_runs[y + 1])
  std::vector<int> row_runs;

  bool ten() const { return key.bit_depth == 10; }
  int full() const { return ten() ? 2040 : 255; }  // opaque, in the kernels' alpha units
  int planes() const { return key.chroma && !key.interleaved ? 2 : 1; }
};

// Converts `rgba` (`width` x `height`, packed, premultiplied) for `key`.
std::unique_ptr<PreparedCard::Planes> MakePlanes(const PreparedCard::PlanesKey& key,
                                                 const std::vector<uint8_t>& rgba,
                                                 int width,
                                                 int height);

// A rectangle of a configuration's planes onto a picture plane: rows [row0, row0 + rows) and
// elements [col0, col0 + cols) of the picture take the prepared rows/elements from (src_row0,
// src_col0) on.
struct PlaneSpan {
  int row0, rows, src_row0;
  int col0, cols, src_col0;
};

// What a blend of a `card_width` x `card_height` card at (x, y) touches: the two configurations
// and their rectangles. False when no card pixel is visible. (blend.cc; the CUDA blend too.)
struct BlendLayout {
  PreparedCard::PlanesKey luma, chroma;
  PlaneSpan luma_span, chroma_span;
};
bool LayoutBlend(int card_width,
                 int card_height,
                 int x,
                 int y,
                 const BlendTarget& target,
                 BlendLayout* out);

// Errors for a malformed target (missing planes, short strides, unaligned 10-bit planes).
Status ValidateTarget(const BlendTarget& target);

}  // namespace strait::overlays
