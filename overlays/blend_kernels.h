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

struct RowKernels {
  Row8Fn row8;
  Row10Fn row10;
  Flat8Fn flat8;
  Flat10Fn flat10;
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
