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

// Lanes [0, n) of 64, 0 < n < 64, and the two halves of that mask for 32-lane vectors.
__mmask64 Mask64(int n) {
  return (__mmask64{1} << n) - 1;
}
__mmask32 Low(__mmask64 m) {
  return static_cast<__mmask32>(m);
}
__mmask32 High(__mmask64 m) {
  return static_cast<__mmask32>(m >> 32);
}

// 32 bytes from p zero-extended to 16-bit lanes: all, or those in `m` (the rest zero, not read).
__m512i Widen(const uint8_t* p) {
  return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
__m512i Widen(const uint8_t* p, __mmask32 m) {
  return _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(m, p));
}

// packus works within 128-bit lanes: [a0-7 b0-7 | a8-15 b8-15 | ...]; put the quarters back
// in order (a's four, then b's).
__m512i Pack(__m512i a, __m512i b) {
  const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  return _mm512_permutexvar_epi64(order, _mm512_packus_epi16(a, b));
}

// (d * ia + 127) / 255 for 32 lanes of 16 bits, as ((d * ia + 128) * 257) >> 16 (see
// blend_sse41.cc).
__m512i Scaled32(__m512i d, __m512i ia) {
  const __m512i v = _mm512_add_epi16(_mm512_mullo_epi16(d, ia), _mm512_set1_epi16(128));
  return _mm512_mulhi_epu16(v, _mm512_set1_epi16(257));
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
  auto whole = [](uint8_t* d, const uint8_t* p, __m512i a0, __m512i a1) {
    const __m512i q = Pack(Scaled32(Widen(d), a0), Scaled32(Widen(d + 32), a1));
    _mm512_storeu_si512(d, _mm512_add_epi8(q, _mm512_loadu_si512(p)));
  };
  auto part = [](uint8_t* d, const uint8_t* p, __m512i a0, __m512i a1, __mmask64 m) {
    const __m512i q = Pack(Scaled32(Widen(d, Low(m)), a0), Scaled32(Widen(d + 32, High(m)), a1));
    _mm512_mask_storeu_epi8(d, m, _mm512_add_epi8(q, _mm512_maskz_loadu_epi8(m, p)));
  };
  int i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i a0 = Widen(ia + i), a1 = Widen(ia + i + 32);
    whole(d0 + i, p0 + i, a0, a1);
    if (kPlanes == 2)
      whole(d1 + i, p1 + i, a0, a1);
  }
  if (i < n) {
    const __mmask64 m = Mask64(n - i);
    const __m512i a0 = Widen(ia + i, Low(m)), a1 = Widen(ia + i + 32, High(m));
    part(d0 + i, p0 + i, a0, a1, m);
    if (kPlanes == 2)
      part(d1 + i, p1 + i, a0, a1, m);
  }
}

void Row8(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n) {
  Rows8<1>(dst, nullptr, p, nullptr, ia, n);
}

// A flat run: 64 samples a vector without widening them. Each 16-bit lane holds two samples,
// the even one in its low byte (masked out) and the odd one in its high byte (shifted down);
// with one alpha the same formula needs no shuffle. Blocks start at even offsets from dst[0],
// whose p is p0.
__m512i FlatBlock(__m512i d, __m512i ia, __m512i p) {
  const __m512i k = _mm512_set1_epi16(257);
  const __m512i low = _mm512_set1_epi16(0xff), bias = _mm512_set1_epi16(128);
  const __m512i ve = _mm512_add_epi16(_mm512_mullo_epi16(_mm512_and_si512(d, low), ia), bias);
  const __m512i vo = _mm512_add_epi16(_mm512_mullo_epi16(_mm512_srli_epi16(d, 8), ia), bias);
  const __m512i qe = _mm512_mulhi_epu16(ve, k);
  const __m512i qo = _mm512_slli_epi16(_mm512_mulhi_epu16(vo, k), 8);  // quotients fit a byte
  return _mm512_add_epi8(_mm512_or_si512(qe, qo), p);
}

void Flat8(uint8_t* dst, uint8_t p0, uint8_t p1, uint8_t ia, int n) {
  const __m512i a = _mm512_set1_epi16(ia);
  const __m512i p = _mm512_set1_epi16(static_cast<short>(p0 | p1 << 8));
  int i = 0;
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, FlatBlock(_mm512_loadu_si512(dst + i), a, p));
  if (i < n) {
    const __mmask64 m = Mask64(n - i);
    _mm512_mask_storeu_epi8(dst + i, m, FlatBlock(_mm512_maskz_loadu_epi8(m, dst + i), a, p));
  }
}

void Copy(uint8_t* dst, const uint8_t* src, int n) {
  int i = 0;
  for (; i + 64 <= n; i += 64)
    _mm512_storeu_si512(dst + i, _mm512_loadu_si512(src + i));
  if (i < n) {
    const __mmask64 m = Mask64(n - i);
    _mm512_mask_storeu_epi8(dst + i, m, _mm512_maskz_loadu_epi8(m, src + i));
  }
}

// One run of a row, [lo, hi) (see blend_kernels.h).
template <int kPlanes>
[[gnu::always_inline]] inline void Run8(const Runs8Job& job, int lo, int hi, RunKind kind) {
  const int n = hi - lo;
  uint8_t* dst[kPlanes];
  const uint8_t* p[kPlanes];
  for (int k = 0; k < kPlanes; ++k) {
    dst[k] = job.dst[k] + lo;
    p[k] = job.p[k] + lo;
  }
  if (kind == RunKind::kCopy) {
    for (int k = 0; k < kPlanes; ++k)
      Copy(dst[k], p[k], n);                      // opaque: p is the sample
  } else if (kind == RunKind::kFlat && n >= 2) {  // p alternates from dst[0]
    for (int k = 0; k < kPlanes; ++k)
      Flat8(dst[k], p[k][0], p[k][1], job.ia[lo], n);
  } else {
    Rows8<kPlanes>(dst[0], dst[kPlanes - 1], p[0], p[kPlanes - 1], job.ia + lo, n);
  }
}

void Runs8(const Runs8Job& job) {
  ForEachRun8(job, [](auto planes, const Runs8Job& row, int lo, int hi, RunKind kind) {
    Run8<decltype(planes)::value>(row, lo, hi, kind);
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

const RowKernels kAvx512 = {Row8, Row10, Flat8, Flat10, Runs8};

}  // namespace strait::overlays::kernels
