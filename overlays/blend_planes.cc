#include "overlays/blend_planes.h"

#include <algorithm>
#include <cmath>

namespace strait::overlays {

// ---- Colour conversion (once per card and configuration, in double) ----

namespace {

struct Coeffs {
  double kr, kg, kb;
  double y_off, y_scale, c_off, c_scale;
  int max;  // the largest sample value
};

Coeffs CoeffsFor(Matrix matrix, Range range, int bit_depth) {
  Coeffs c;
  c.kr = matrix == Matrix::kBt601 ? 0.299 : 0.2126;
  c.kb = matrix == Matrix::kBt601 ? 0.114 : 0.0722;
  c.kg = 1 - c.kr - c.kb;
  c.max = (1 << bit_depth) - 1;
  const double k = bit_depth == 10 ? 4 : 1;  // 10-bit studio swing is the 8-bit one times 4
  c.c_off = 128 * k;
  if (range == Range::kLimited) {
    c.y_off = 16 * k;
    c.y_scale = 219 * k;
    c.c_scale = 224 * k;
  } else {  // full swing uses every code: 0..1023 at 10 bits (BT.2100), not 0..1020
    c.y_off = 0;
    c.y_scale = c.max;
    c.c_scale = c.max;
  }
  return c;
}

// Y', Cb, Cr of a premultiplied pixel (components and alpha 0..255) times alpha / 255, in sample
// units, unclamped.
void PremultipliedYuv(const Coeffs& c, double r, double g, double b, double a, double out[3]) {
  const double y = c.kr * r + c.kg * g + c.kb * b;
  out[0] = (c.y_off * a + c.y_scale * y) / 255;
  out[1] = (c.c_off * a + c.c_scale * (b - y) / (2 * (1 - c.kb))) / 255;
  out[2] = (c.c_off * a + c.c_scale * (r - y) / (2 * (1 - c.kr))) / 255;
}

int RoundClamp(double v, int max) {
  return static_cast<int>(std::clamp(std::lround(v), 0L, static_cast<long>(max)));
}

// The kernels' fixed-point premultiplied value (times `full`, the kernel's opaque alpha) of a
// sample `v` with alpha `a` (0..full), clamped to what the alpha allows. Opaque samples are
// snapped to a whole code so that alpha 255 writes exactly ConvertOpaque().
uint32_t Fixed(double v, int a, int full, int max) {
  if (a == full)
    return static_cast<uint32_t>(full * RoundClamp(v, max));
  return static_cast<uint32_t>(std::clamp(std::lround(v * full), 0L, static_cast<long>(max) * a));
}

using Planes = PreparedCard::Planes;
using PlanesKey = PreparedCard::PlanesKey;

// Element `i` of `plane`: value `v` (sample units, premultiplied) with alpha `a` in the kernel's
// units (0..full()). 10 bits: fixed point, the kernels' rounding bias folded in; 8 bits: a whole
// code, at most the alpha (so the kernels' sum stays below 256).
void StoreSample(Planes& pl, int plane, size_t i, double v, int a, int max) {
  if (pl.ten())
    pl.p10[plane][i] = Fixed(v, a, pl.full(), max) + 1020;
  else
    pl.p8[plane][i] =
        static_cast<uint8_t>(a == pl.full() ? RoundClamp(v, max) : RoundClamp(v, std::min(a, max)));
}

void StoreAlpha(Planes& pl, size_t i, int a) {
  if (pl.ten())
    pl.ia10[i] = static_cast<uint16_t>(2040 - a);
  else
    pl.ia8[i] = static_cast<uint8_t>(255 - a);
}

// Every element transparent until stored (the padding past `width` stays so).
void Allocate(Planes& pl, int planes) {
  pl.stride = (pl.width + kBlock8 - 1) / kBlock8 * kBlock8;
  const size_t n = size_t(pl.stride) * pl.height;
  for (int i = 0; i < planes; ++i) {
    if (pl.ten())
      pl.p10[i].assign(n, 0);
    else
      pl.p8[i].assign(n, 0);
  }
  if (pl.ten())
    pl.ia10.assign(n, 2040);
  else
    pl.ia8.assign(n, 255);
}

// The card's premultiplied Y'CbCr (sample units, unclamped) and alpha, pixel by pixel.
struct CardYuv {
  int width, height;
  std::vector<double> yuv;  // 3 a pixel
  std::vector<uint8_t> alpha;
};

CardYuv ConvertCard(const std::vector<uint8_t>& rgba, int w, int h, const Coeffs& c) {
  CardYuv out{w, h, std::vector<double>(size_t(w) * h * 3), std::vector<uint8_t>(size_t(w) * h)};
  for (size_t i = 0; i < size_t(w) * h; ++i) {
    const uint8_t* px = &rgba[4 * i];
    const uint8_t a = px[3];  // colours above alpha are not premultiplied: clamp
    PremultipliedYuv(c, std::min(px[0], a), std::min(px[1], a), std::min(px[2], a), a,
                     &out.yuv[3 * i]);
    out.alpha[i] = a;
  }
  return out;
}

void MakeLuma(const CardYuv& card, const Coeffs& c, Planes& pl) {
  pl.width = card.width;
  pl.height = card.height;
  Allocate(pl, 1);
  for (int y = 0; y < pl.height; ++y) {
    for (int x = 0; x < pl.width; ++x) {
      const size_t i = size_t(y) * card.width + x, at = size_t(y) * pl.stride + x;
      const int a = card.alpha[i] * (pl.full() / 255);
      StoreSample(pl, 0, at, card.yuv[3 * i], a, c.max);
      StoreAlpha(pl, at, a);
    }
  }
}

// Chroma sample (j, i) of the planes sits at chroma (x >> 1) + j, (y >> 1) + i of the picture;
// its footprint in card pixels starts at column 2j - parity_x (left siting: one column earlier)
// and row 2i - parity_y. Pixels outside the card are transparent.
void MakeChroma(const CardYuv& card, const Coeffs& c, Planes& pl) {
  const PlanesKey& k = pl.key;
  const bool left = k.siting == ChromaSiting::kLeft;
  const int samples = left ? (k.parity_x + card.width) / 2 + 1 : (k.parity_x + card.width + 1) / 2;
  const int step = k.interleaved ? 2 : 1;
  pl.width = samples * step;
  pl.height = (k.parity_y + card.height + 1) / 2;
  Allocate(pl, k.interleaved ? 1 : 2);
  static constexpr int kCenterTaps[] = {0, 1, 1};  // weights for columns -1, 0, +1
  static constexpr int kLeftTaps[] = {1, 2, 1};
  const int* taps = left ? kLeftTaps : kCenterTaps;
  const int total = left ? 8 : 4;  // sum of the weights over two rows
  for (int i = 0; i < pl.height; ++i) {
    for (int j = 0; j < samples; ++j) {
      int alpha = 0;
      double u = 0, v = 0;
      for (int dy = 0; dy < 2; ++dy) {
        const int row = 2 * i - k.parity_y + dy;
        for (int dx = -1; dx <= 1; ++dx) {
          const int col = 2 * j - k.parity_x + dx;
          if (row < 0 || row >= card.height || col < 0 || col >= card.width || !taps[dx + 1])
            continue;
          const size_t p = size_t(row) * card.width + col;
          alpha += taps[dx + 1] * card.alpha[p];
          u += taps[dx + 1] * card.yuv[3 * p + 1];
          v += taps[dx + 1] * card.yuv[3 * p + 2];
        }
      }
      // The mean alpha: rounded at 8 bits, exact in eighths at 10 bits.
      const int a = (alpha * (pl.full() / 255) + total / 2) / total;
      const size_t at = size_t(i) * pl.stride + size_t(j) * step;
      StoreSample(pl, 0, at, u / total, a, c.max);
      StoreSample(pl, k.interleaved ? 0 : 1, at + (k.interleaved ? 1 : 0), v / total, a, c.max);
      StoreAlpha(pl, at, a);
      if (k.interleaved)
        StoreAlpha(pl, at + 1, a);
    }
  }
}

// ---- Runs (10 bits: of elements; 8 bits: on the kBlock8 grid, BuildBlockRuns) ----

// Shorter opaque or flat stretches are blended sample by sample: not worth a call of their own.
constexpr int kMinRun = 16;  // elements

void FillSolid(Planes& pl, size_t begin, size_t end) {  // 10 bits (8: p8 is the sample)
  for (int plane = 0; plane < pl.planes(); ++plane) {
    for (size_t i = begin; i < end; ++i)
      pl.solid10[plane][i] = static_cast<uint16_t>((pl.p10[plane][i] - 1020) / 2040);
  }
}

// A row's runs while they are made: kSkip (transparent, neither read nor written) as well.
constexpr int kSkip = 3;
struct Segment {
  int begin, end, kind;  // a RunKind, or kSkip
  int size() const { return end - begin; }
};

// Blend runs are made at least kMinBlend elements long by taking elements from a neighbour (the
// blend formula gives an opaque sample's value and leaves a transparent one unchanged), so that
// the SIMD kernels never blend a run of a few samples through their masked 16-sample window
// (chroma next to an opaque block and text stems make hundreds of such runs a card): the product
// card of bench/blend_bench blends 8 % faster so.
constexpr int kMinBlend = 16;

// Joins neighbours of the same kind (flat neighbours only when they are the same flat value:
// never, as the row was cut where the value changes; so blend and skip only).
void Coalesce(std::vector<Segment>& row) {
  std::vector<Segment> out;
  for (const Segment& s : row) {
    if (s.size() <= 0)
      continue;
    if (!out.empty() && out.back().end == s.begin && out.back().kind == s.kind &&
        (s.kind == int(RunKind::kBlend) || s.kind == kSkip))
      out.back().end = s.end;
    else
      out.push_back(s);
  }
  row = std::move(out);
}

// Grows every blend run shorter than kMinBlend into its neighbours: a neighbour gives elements
// while it stays kMinRun long (a skipped stretch: any length), otherwise it becomes blend whole.
void GrowShortBlends(std::vector<Segment>& row, int width) {
  if (width < kMinBlend)
    return;
  auto keep = [](const Segment& s) { return s.kind == kSkip ? 0 : kMinRun; };
  for (bool changed = true; changed;) {
    changed = false;
    Coalesce(row);
    for (size_t i = 0; i < row.size() && !changed; ++i) {
      Segment& b = row[i];
      if (b.kind != int(RunKind::kBlend) || b.size() >= kMinBlend)
        continue;
      const int need = kMinBlend - b.size();
      Segment* right = i + 1 < row.size() ? &row[i + 1] : nullptr;
      Segment* left = i > 0 ? &row[i - 1] : nullptr;
      if (right && right->size() - need >= keep(*right)) {
        right->begin += need;
        b.end += need;
      } else if (left && left->size() - need >= keep(*left)) {
        left->end -= need;
        b.begin -= need;
      } else if (right) {
        right->kind = int(RunKind::kBlend);
      } else if (left) {
        left->kind = int(RunKind::kBlend);
      }
      changed = true;
    }
  }
}

// Alpha of element e in the kernels' units, and whether elements a and b blend alike (the same
// p in every plane, for nv12 the whole U, V pair, and the same alpha).
int AlphaAt(const Planes& pl, size_t e) {
  return pl.full() - (pl.ten() ? pl.ia10[e] : pl.ia8[e]);
}
bool Same(const Planes& pl, size_t a, size_t b) {
  const int step = pl.key.interleaved ? 2 : 1;
  for (int plane = 0; plane < pl.planes(); ++plane) {
    for (int k = 0; k < step; ++k) {
      if (pl.ten() ? pl.p10[plane][a + k] != pl.p10[plane][b + k]
                   : pl.p8[plane][a + k] != pl.p8[plane][b + k])
        return false;
    }
  }
  return AlphaAt(pl, a) == AlphaAt(pl, b);
}

// 10 bits: cuts each row into runs of elements; a unit is one sample (nv12 chroma: a U, V pair).
void BuildElementRuns(Planes& pl) {
  const int step = pl.key.interleaved ? 2 : 1, units = pl.width / step;
  for (int plane = 0; plane < pl.planes(); ++plane)
    pl.solid10[plane].resize(pl.p10[plane].size());
  pl.row_runs.assign(1, 0);
  std::vector<Segment> segments;
  for (int y = 0; y < pl.height; ++y) {
    const size_t row = size_t(y) * pl.stride;
    segments.clear();
    for (int u = 0; u < units;) {
      const size_t e = row + size_t(u) * step;
      const int a = AlphaAt(pl, e);
      int v = u + 1;
      auto at = [&](int w) { return row + size_t(w) * step; };
      int kind;
      if (a == 0) {
        while (v < units && AlphaAt(pl, at(v)) == 0)
          ++v;
        // A short gap between two runs is blended with them; the row's ends are skipped.
        kind = u > 0 && v < units && (v - u) * step < kMinRun ? int(RunKind::kBlend) : kSkip;
      } else if (a == pl.full()) {
        while (v < units && AlphaAt(pl, at(v)) == pl.full())
          ++v;
        kind = (v - u) * step >= kMinRun ? int(RunKind::kCopy) : int(RunKind::kBlend);
      } else {
        while (v < units && Same(pl, e, at(v)))
          ++v;
        kind = (v - u) * step >= kMinRun ? int(RunKind::kFlat) : int(RunKind::kBlend);
      }
      segments.push_back({u * step, v * step, kind});
      u = v;
    }
    GrowShortBlends(segments, pl.width);
    for (const Segment& s : segments) {
      if (s.kind == kSkip)
        continue;
      if (s.kind == int(RunKind::kCopy))
        FillSolid(pl, row + s.begin, row + s.end);
      pl.runs.push_back({s.begin, s.end, RunKind(s.kind)});
    }
    pl.row_runs.push_back(static_cast<int>(pl.runs.size()));
  }
}

// 8 bits: each row's blocks of kBlock8 elements (the last one shorter) that hold any visible
// sample, neighbours joined, all blended; wholly transparent blocks are skipped. (Opaque and flat
// stretches blend to the same values, and splitting them off into copy and flat runs measured
// slower here: blend_planes.h.)
void BuildBlockRuns(Planes& pl) {
  static_assert(kBlock8 % 2 == 0, "blocks start on a U of nv12's U, V pairs");
  pl.row_runs.assign(1, 0);
  for (int y = 0; y < pl.height; ++y) {
    const size_t row = size_t(y) * pl.stride;
    for (int b = 0; b < pl.width; b += kBlock8) {
      const int end = std::min(b + kBlock8, pl.width);
      bool visible = false;
      for (int e = b; e < end && !visible; ++e)
        visible = pl.ia8[row + e] != 255;
      if (!visible)
        continue;
      if (pl.runs.size() > size_t(pl.row_runs.back()) && pl.runs.back().end == b)
        pl.runs.back().end = end;
      else
        pl.runs.push_back({b, end, RunKind::kBlend});
    }
    pl.row_runs.push_back(static_cast<int>(pl.runs.size()));
  }
}

}  // namespace

Yuv ConvertOpaque(uint8_t r, uint8_t g, uint8_t b, Matrix matrix, Range range, int bit_depth) {
  const Coeffs c = CoeffsFor(matrix, range, bit_depth);
  double v[3];
  PremultipliedYuv(c, r, g, b, 255, v);
  return {RoundClamp(v[0], c.max), RoundClamp(v[1], c.max), RoundClamp(v[2], c.max)};
}

std::unique_ptr<Planes> MakePlanes(const PlanesKey& key,
                                   const std::vector<uint8_t>& rgba,
                                   int width,
                                   int height) {
  auto planes = std::make_unique<Planes>();
  planes->key = key;
  const Coeffs c = CoeffsFor(key.matrix, key.range, key.bit_depth);
  const CardYuv yuv = ConvertCard(rgba, width, height, c);
  if (key.chroma)
    MakeChroma(yuv, c, *planes);
  else
    MakeLuma(yuv, c, *planes);
  if (planes->ten())
    BuildElementRuns(*planes);
  else
    BuildBlockRuns(*planes);
  return planes;
}

}  // namespace strait::overlays
