// PreparedCard's converted planes (blend.h): the card in one blend configuration as the row
// kernels' fixed-point values (blend_kernels.h), each row cut into runs the blend treats alike —
// transparent (skipped, not stored), opaque (copied), flat (one value and alpha: a card's panel)
// and the rest (blended sample by sample). Rendered cards are mostly panel, image and QR code, so
// most samples end up in copy or flat runs, which read a third as many bytes.
//
// Internal to blend.cc and its tests. Immutable once made; owned by its PreparedCard.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "overlays/blend.h"

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

enum class RunKind : uint8_t { kBlend, kFlat, kCopy };

struct PlaneRun {
  int begin, end;  // elements of the row
  RunKind kind;
};

// Rows of `width` elements (nv12 chroma: U, V pairs), `height` rows, packed.
struct PreparedCard::Planes {
  PlanesKey key;
  int width = 0, height = 0;
  std::vector<uint16_t> p8[2];   // 8-bit fixed values (Row8Fn): Y or U, and V when planar
  std::vector<uint32_t> p10[2];  // 10-bit (Row10Fn)
  std::vector<uint8_t> ia8;      // 255 - alpha
  std::vector<uint16_t> ia10;    // 2040 - alpha in eighths
  std::vector<uint8_t> solid8[2];    // the sample values where the card is opaque (copy runs)
  std::vector<uint16_t> solid10[2];  // ... at 10 bits
  std::vector<PlaneRun> runs;        // row y's: [row_runs[y], row_runs[y + 1])
  std::vector<int> row_runs;

  bool ten() const { return key.bit_depth == 10; }
  int full() const { return ten() ? 2040 : 255; }  // opaque, in the kernels' alpha units
  int planes() const { return key.chroma && !key.interleaved ? 2 : 1; }
};

// Converts `rgba` (`width` x `height`, packed, premultiplied) for `key`.
std::unique_ptr<PreparedCard::Planes> MakePlanes(const PreparedCard::PlanesKey& key,
                                                 const std::vector<uint8_t>& rgba, int width,
                                                 int height);

}  // namespace strait::overlays
