// The row kernels behind blend.h, one table per instruction set (FFmpeg's way: an implementation
// is a table of functions). Internal to overlays/: blend.cc dispatches to them, blend_test.cc
// checks every table against the scalar one on random rows (checkasm style).
//
// All kernels compute the same integers (bit-exact across tables). Pure functions of their
// arguments, any thread. dst may be unaligned; p/ia are read-only and must not overlap dst.
//
// Keep this header free of inline functions with external linkage: it is included by files built
// with -mavx2/-msse4.1/-mavx512*, whose copies of an inline function could be the one the linker
// keeps for the whole program. The run-loop helpers at the end are in an unnamed namespace.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace strait::overlays {

enum class Isa;  // blend.h

// How a stretch of a prepared 10-bit row is blended (blend_planes.h): sample by sample, as one
// flat value and alpha, or copied (opaque). 8-bit runs are all kBlend.
enum class RunKind : uint8_t { kBlend, kFlat, kCopy };

struct PlaneRun {
  int begin, end;  // elements of the row
  RunKind kind;
};

}  // namespace strait::overlays

namespace strait::overlays::kernels {

// 8-bit: dst[i] = p[i] + Scale8(dst[i], ia[i]), where p[i] is the card's premultiplied value
// rounded to a code and ia[i] = 255 - alpha: the card's part and the picture's part, each
// rounded. Scale8(d, ia) = (d * ((ia * 257) >> 1) + 2^14) >> 15 is d * ia / 255 rounded
// (within 0.506 of it; exact for ia 0 and 255): SSSE3's pmulhrsw on 16-bit lanes, whose
// multiplier (ia * 257) >> 1 is a byte unpacked with itself and halved, so the SIMD kernels
// spend one multiply and no divide a sample. Callers guarantee p[i] <= 255 - ia[i] (the alpha),
// so the sum stays below 256. (One byte of p a sample, not a 16-bit p * 255: the kernels read
// two bytes a sample instead of three, and the result is within 1 of the exact blend; blend.h.)
using Row8Fn = void (*)(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n);
// 10-bit, with alpha in eighths (0..2040) so that chroma's averaged alpha is exact:
// d = min(dst[i], 1023); dst[i] = (p[i] + d * ia[i]) / 2040, where p[i] = (premultiplied
// value * 2040, rounded) + 1020 and ia[i] = 2040 - 8 * alpha; p[i] <= 1023 * (2040 - ia[i]) + 1020.
using Row10Fn = void (*)(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n);
// The same over a flat run (a card's panel): one alpha, and p alternating p0, p1 from dst[0]
// (p0 == p1 except in nv12's interleaved chroma, where they are U's and V's).
using Flat10Fn = void (*)(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n);

// A rectangle of prepared 8-bit rows onto one plane or two (yuv420p's U and V share their runs
// and alpha): for each of `rows` rows, every run of that row clipped to the visible elements
// [lo, hi). Element e of prepared row r is dst[k][r * dst_stride[k] + e] in the picture (dst
// may point before the picture's row: only elements [lo, hi) are read or written). Every run is
// blended with the Row8Fn formula (8-bit runs are the blocks with a visible sample,
// blend_planes.h; their kind is not read), so the result is that of row8 over the runs; the
// SSE4.1/AVX2 kernels may also store back, unchanged, samples in [lo, hi) outside a short run. One
// call a plane: rendered cards have several runs a row, and a call a row cost as much as blending a
// few vectors.
struct Runs8Job {
  uint8_t* dst[2];          // row 0
  ptrdiff_t dst_stride[2];  // bytes from one picture row to the next
  const uint8_t* p[2];      // row 0 of the prepared planes
  const uint8_t* ia;
  int stride;            // elements from one prepared row to the next (p's and ia's)
  const PlaneRun* runs;  // row r's: [runs + row_runs[r], runs + row_runs[r + 1])
  const int* row_runs;
  int rows;
  int planes;  // 1 or 2
  int lo, hi;
};
using Runs8Fn = void (*)(const Runs8Job& job);

struct RowKernels {
  Row8Fn row8;
  Row10Fn row10;
  Flat10Fn flat10;
  Runs8Fn runs8;
};

// blend.cc (the reference), blend_sse41.cc, blend_avx2.cc, blend_avx512.cc (8-bit; its 10-bit
// entries are the AVX2 kernels). Call a SIMD table only where IsaSupported() says so.
extern const RowKernels kScalar;
extern const RowKernels kSse41;
extern const RowKernels kAvx2;
extern const RowKernels kAvx512;

// The table for `isa` (blend.cc), which the caller has checked with IsaSupported().
const RowKernels& KernelsFor(Isa isa);

// Scale8, and the helpers of the SIMD run loops (the scalar Runs8, the reference they are tested
// against, keeps its own loop). In an unnamed namespace, so that each file built with its own
// instruction set compiles its own copy.
namespace {

// The picture's part of an 8-bit blend (Row8Fn), in 16-bit steps so that the compiler can
// vectorize the scalar kernels with SSE2 (which has no pmulhrsw): with m = ia * 128 + (ia >> 1),
// (d * m + 2^14) >> 15 = (d * ia + ((d * (ia >> 1) + 2^14) >> 7)) >> 8, every term below 2^16.
[[gnu::always_inline]] inline uint8_t Scale8(uint8_t d, uint8_t ia) {
  const auto x = static_cast<uint16_t>(d * ia);                     // <= 65025
  const auto y = static_cast<uint16_t>(d * (ia >> 1) + (1 << 14));  // <= 48769
  return static_cast<uint8_t>(static_cast<uint16_t>(x + (y >> 7)) >> 8);
}

// max(lo, begin), where a run starts: a branch, not a conditional move, so that where the run
// starts at the visible edge (most rows of most cards) the addresses come from `lo` and the
// vector loads need not wait for the run's load (with the move, each row waited: the product card
// took 9.1 us a blend instead of 8.4 with AVX2, 7.4 instead of about 6.1 with AVX-512). The empty
// asm keeps the compiler from merging the arms.
[[gnu::always_inline]] inline int RunStart(int lo, int begin) {
  if (begin > lo) {
    lo = begin;
    asm("" : "+r"(lo));
  }
  return lo;
}

// The loop of Runs8: for each row, each run clipped to [lo, hi) and not empty becomes
// run(planes, row, lo, hi), with `planes` a std::integral_constant<int, 1 or 2> and `row`
// the job's pointers moved to that row.
template <typename RunFn>
void ForEachRun8(const Runs8Job& job, RunFn run) {
  Runs8Job row = job;
  for (int y = 0; y < job.rows; ++y) {
    for (int r = job.row_runs[y]; r < job.row_runs[y + 1]; ++r) {
      const PlaneRun& pr = job.runs[r];
      const int lo = RunStart(job.lo, pr.begin), hi = std::min(job.hi, pr.end);
      if (hi <= lo)
        continue;
      if (job.planes == 2)
        run(std::integral_constant<int, 2>{}, row, lo, hi);
      else
        run(std::integral_constant<int, 1>{}, row, lo, hi);
    }
    for (int k = 0; k < job.planes; ++k) {
      row.dst[k] += job.dst_stride[k];
      row.p[k] += job.stride;
    }
    row.ia += job.stride;
  }
}

}  // namespace

// The scalar kernels by name, for the SIMD kernels' short rows.
void Row8Scalar(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n);
void Row10Scalar(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n);
void Flat10Scalar(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n);

}  // namespace strait::overlays::kernels
