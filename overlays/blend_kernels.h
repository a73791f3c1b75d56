// The row kernels behind blend.h, one table per instruction set (FFmpeg's way: an implementation
// is a table of functions). Internal to overlays/: blend.cc dispatches to them, blend_test.cc
// checks every table against the scalar one on random rows (checkasm style).
//
// All kernels compute the same integers (bit-exact across tables). Pure functions of their
// arguments, any thread. dst may be unaligned; p/ia are read-only and must not overlap dst.
//
// Keep this header free of inline functions: it is included by files built with -mavx2/-msse4.1,
// whose copies of an inline function could be the one the linker keeps for the whole program.
#pragma once

#include <cstdint>

namespace strait::overlays {

// How a stretch of a prepared row is blended (blend_planes.h): sample by sample, as one flat
// value and alpha, or copied (opaque).
enum class RunKind : uint8_t { kBlend, kFlat, kCopy };

struct PlaneRun {
  int begin, end;  // elements of the row
  RunKind kind;
};

}  // namespace strait::overlays

namespace strait::overlays::kernels {

// 8-bit: dst[i] = (p[i] + dst[i] * ia[i]) / 255, where p[i] = (premultiplied value * 255,
// rounded) + 127 (the rounding bias, folded in) and ia[i] = 255 - alpha. Callers guarantee
// p[i] <= 255 * (255 - ia[i]) + 127, so the sum stays below 2^16 and the result below 256.
using Row8Fn = void (*)(uint8_t* dst, const uint16_t* p, const uint8_t* ia, int n);
// 10-bit, with alpha in eighths (0..2040) so that chroma's averaged alpha is exact:
// d = min(dst[i], 1023); dst[i] = (p[i] + d * ia[i]) / 2040, where p[i] = (premultiplied
// value * 2040, rounded) + 1020 and ia[i] = 2040 - 8 * alpha; p[i] <= 1023 * (2040 - ia[i]) + 1020.
using Row10Fn = void (*)(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n);
// The same over a flat run (a card's panel): one alpha, and p alternating p0, p1 from dst[0]
// (p0 == p1 except in nv12's interleaved chroma, where they are U's and V's).
using Flat8Fn = void (*)(uint8_t* dst, uint16_t p0, uint16_t p1, uint8_t ia, int n);
using Flat10Fn = void (*)(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n);

// One picture row's part of a prepared 8-bit row, for one plane or two (yuv420p's U and V share
// their runs and alpha): every run of `runs` clipped to the row's visible elements [lo, hi).
// Element e of the prepared row is dst[k][e] in the picture (dst may point before the picture's
// row: only elements [lo, hi) are read or written). Copy runs write solid[k][e], flat runs use
// p[k][e], p[k][e + 1] and ia[e] from their first visible element e on. All kinds compute the
// Row8Fn formula, element by element, so the result is that of row8 over the runs; the SIMD
// kernels may also store back, unchanged, samples in [lo, hi) outside a short run.
struct Runs8Job {
  uint8_t* dst[2];
  const uint16_t* p[2];
  const uint8_t* solid[2];
  const uint8_t* ia;
  int planes;  // 1 or 2
  int lo, hi;
};
using Runs8Fn = void (*)(const Runs8Job& job, const PlaneRun* runs, int count);

struct RowKernels {
  Row8Fn row8;
  Row10Fn row10;
  Flat8Fn flat8;
  Flat10Fn flat10;
  Runs8Fn runs8;
};

// blend.cc (the reference), blend_sse41.cc, blend_avx2.cc. Call a SIMD table only where
// IsaSupported() says so.
extern const RowKernels kScalar;
extern const RowKernels kSse41;
extern const RowKernels kAvx2;

// The scalar kernels by name, for the SIMD kernels' short rows.
void Row8Scalar(uint8_t* dst, const uint16_t* p, const uint8_t* ia, int n);
void Row10Scalar(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n);
void Flat8Scalar(uint8_t* dst, uint16_t p0, uint16_t p1, uint8_t ia, int n);
void Flat10Scalar(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n);

}  // namespace strait::overlays::kernels
