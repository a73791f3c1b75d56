// The AVX-512 row kernels of blend_kernels.h (this file is built with -mavx512f -mavx512bw
// -mavx512vl; call it only where IsaSupported(Isa::kAvx512)). 8-bit only: the 10-bit kernels are
// the AVX2 ones. The same arithmetic as blend_sse41.cc, 32 lanes of 16 bits a vector, so
// bit-exact with the scalar kernels.
//
// Row ends and short runs: AVX-512's masked loads and stores touch exactly the run's samples
// (masked-off lanes neither fault nor store), so every run of any length is a loop of whole
// blocks and at most one masked block — no overlapping last block, no scalar tail, no window
// around a short run. yuv420p's U and V rows share one alpha load a block.
#include <immintrin.h>

#include <algorithm>

#include "overlays/blend_kernels.h"

namespace strait::overlays::kernels {
namespace {

// Lanes [0, n) of 64, 0 < n < 64.
__mmask64 Mask64(int n) {
  return (__mmask64{1} << n) - 1;
}

// Scale8's multipliers (ia * 257) >> 1 (blend_kernels.h) of 64 bytes of ia, as 16-bit lanes in
// the order of the in-lane unpacks: per 128-bit lane, its first 8 samples in `lo`, the next 8 in
// `hi`.
[[gnu::always_inline]] inline void Multipliers(__m512i a, __m512i* lo, __m512i* hi) {
  *lo = _mm512_srli_epi16(_mm512_unpacklo_epi8(a, a), 1);
  *hi = _mm512_srli_epi16(_mm512_unpackhi_epi8(a, a), 1);
}

// p + Scale8 for 64 samples d: each half widened by an in-lane unpack, one pmulhrsw, and packus
// (also in lanes) puts the bytes back in order.
[[gnu::always_inline]] inline __m512i Blend64(__m512i d, __m512i lo, __m512i hi, __m512i p) {
  const __m512i z = _mm512_setzero_si512();
  const __m512i q = _mm512_packus_epi16(_mm512_mulhrs_epi16(_mm512_unpacklo_epi8(d, z), lo),
                                        _mm512_mulhrs_epi16(_mm512_unpackhi_epi8(d, z), hi));
  return _mm512_add_epi8(q, p);
}

// Blends `kPlanes` rows (1 or 2: d1, p1 unused for 1) that share ia, n >= 1 samples: whole
// blocks of 64, then one masked block.
template <int kPlanes>
[[gnu::always_inline]] inline void Rows8(uint8_t* d0,
                                         uint8_t* d1,
                                         const uint8_t* p0,
                                         const uint8_t* p1,
                                         const uint8_t* ia,
                                         int n) {
  __m512i lo, hi;
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    Multipliers(_mm512_loadu_si512(ia + i), &lo, &hi);
    _mm512_storeu_si512(d0 + i,
                        Blend64(_mm512_loadu_si512(d0 + i), lo, hi, _mm512_loadu_si512(p0 + i)));
    if (kPlanes == 2)
      _mm512_storeu_si512(d1 + i,
                          Blend64(_mm512_loadu_si512(d1 + i), lo, hi, _mm512_loadu_si512(p1 + i)));
  }
  if (i < n) {
    const __mmask64 m = Mask64(n - i);
    Multipliers(_mm512_maskz_loadu_epi8(m, ia + i), &lo, &hi);
    _mm512_mask_storeu_epi8(
        d0 + i, m,
        Blend64(_mm512_maskz_loadu_epi8(m, d0 + i), lo, hi, _mm512_maskz_loadu_epi8(m, p0 + i)));
    if (kPlanes == 2)
      _mm512_mask_storeu_epi8(
          d1 + i, m,
          Blend64(_mm512_maskz_loadu_epi8(m, d1 + i), lo, hi, _mm512_maskz_loadu_epi8(m, p1 + i)));
  }
}

void Row8(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n) {
  Rows8<1>(dst, nullptr, p, nullptr, ia, n);
}

// Every run of the job's rows (see blend_kernels.h): Rows8, both chroma planes at once.
void Runs8(const Runs8Job& job) {
  ForEachRun8(job, [](auto planes, const Runs8Job& row, int lo, int hi) {
    constexpr int kPlanes = decltype(planes)::value;
    Rows8<kPlanes>(row.dst[0] + lo, row.dst[kPlanes - 1] + lo, row.p[0] + lo,
                   row.p[kPlanes - 1] + lo, row.ia + lo, hi - lo);
  });
}

// 10 bits: the AVX2 kernels.
void Row10(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n) {
  kAvx2.row10(dst, p, ia, n);
}
void Flat10(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n) {
  kAvx2.flat10(dst, p0, p1, ia, n);
}

}  // namespace

const RowKernels kAvx512 = {Row8, Row10, Flat10, Runs8};

}  // namespace strait::overlays::kernels
