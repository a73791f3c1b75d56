// The AVX2 row kernels of blend_kernels.h (this file is built with -mavx2 -mfma; call it only
// where IsaSupported(Isa::kAvx2)). The same arithmetic and row-end handling as blend_sse41.cc,
// twice as wide, so bit-exact with the scalar kernels.
#include <immintrin.h>

#include <algorithm>

#include "overlays/blend_kernels.h"

namespace strait::overlays::kernels {
namespace {

__m256i Load(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
__m128i Load128(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}
__m128i Load64(const void* p) {
  return _mm_loadl_epi64(static_cast<const __m128i*>(p));
}
void Store(void* p, __m256i v) {
  _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}
void Store128(void* p, __m128i v) {
  _mm_storeu_si128(static_cast<__m128i*>(p), v);
}
void Store64(void* p, __m128i v) {
  _mm_storel_epi64(static_cast<__m128i*>(p), v);
}

// ---- 8-bit ----

// Scale8's multipliers (ia * 257) >> 1 (blend_kernels.h) as 16-bit lanes: of the 8 bytes in a's
// low half (128-bit), of 16 bytes in order (256-bit).
__m128i Multiplier(__m128i a) {
  return _mm_srli_epi16(_mm_unpacklo_epi8(a, a), 1);
}
__m256i Multiplier16(__m128i a) {
  return _mm256_srli_epi16(_mm256_set_m128i(_mm_unpackhi_epi8(a, a), _mm_unpacklo_epi8(a, a)), 1);
}

// The card's values and Scale8's multipliers for the samples from element i: 32 (P, and M32 in
// the order of the in-lane unpacks: [0-7 16-23] and [8-15 24-31]), 16 (P16, M16 in order) or 8
// (P8, M8).
struct Planes8 {
  const uint8_t* p;
  const uint8_t* ia;
  __m256i P(int i) const { return Load(p + i); }
  __m128i P16(int i) const { return Load128(p + i); }
  __m128i P8(int i) const { return Load64(p + i); }
  void M32(int i, __m256i* lo, __m256i* hi) const {
    const __m256i a = Load(ia + i);
    *lo = _mm256_srli_epi16(_mm256_unpacklo_epi8(a, a), 1);
    *hi = _mm256_srli_epi16(_mm256_unpackhi_epi8(a, a), 1);
  }
  __m256i M16(int i) const { return Multiplier16(Load128(ia + i)); }
  __m128i M8(int i) const { return Multiplier(Load64(ia + i)); }
};

// p + Scale8 for 32 samples d, multipliers in unpack order (Planes8::M32): each half widened by
// an in-lane unpack, one pmulhrsw, and packus (also in lanes) puts the bytes back in order.
[[gnu::always_inline]] inline __m256i Blend32(__m256i d, __m256i lo, __m256i hi, __m256i p) {
  const __m256i z = _mm256_setzero_si256();
  const __m256i q = _mm256_packus_epi16(_mm256_mulhrs_epi16(_mm256_unpacklo_epi8(d, z), lo),
                                        _mm256_mulhrs_epi16(_mm256_unpackhi_epi8(d, z), hi));
  return _mm256_add_epi8(q, p);
}

// 16 results from dst[i..i + 16), multipliers in order (M16).
__m128i Block16(const uint8_t* dst, const Planes8& s, int i) {
  const __m256i q = _mm256_mulhrs_epi16(_mm256_cvtepu8_epi16(Load128(dst + i)), s.M16(i));
  return _mm_add_epi8(_mm_packus_epi16(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)),
                      s.P16(i));
}

// 8 results with 128-bit operations, in the low half.
__m128i Block8(const uint8_t* dst, const Planes8& s, int i) {
  const __m128i q = _mm_mulhrs_epi16(_mm_cvtepu8_epi16(Load64(dst + i)), s.M8(i));
  return _mm_add_epi8(_mm_packus_epi16(q, q), s.P8(i));
}

// A run of 32 or more on `kPlanes` rows that share ia (1, or yuv420p's U and V: d1, p1 unused
// for 1), the multipliers made once a block for both. The loop takes two blocks a turn: with one,
// the 600x200 cards of bench/blend_bench took 6.3 us a blend on Zen 5, with two 5.8 (four: no
// better than two).
template <int kPlanes>
[[gnu::always_inline]] inline void Rows8(uint8_t* d0,
                                         uint8_t* d1,
                                         const uint8_t* p0,
                                         const uint8_t* p1,
                                         const uint8_t* ia,
                                         int n) {
  const Planes8 s{nullptr, ia};
  const auto block = [&](int i) {
    __m256i lo, hi;
    s.M32(i, &lo, &hi);
    Store(d0 + i, Blend32(Load(d0 + i), lo, hi, Load(p0 + i)));
    if (kPlanes == 2)
      Store(d1 + i, Blend32(Load(d1 + i), lo, hi, Load(p1 + i)));
  };
  __m256i lo, hi;
  s.M32(n - 32, &lo, &hi);
  const __m256i last0 = Blend32(Load(d0 + n - 32), lo, hi, Load(p0 + n - 32));
  __m256i last1 = last0;
  if (kPlanes == 2)
    last1 = Blend32(Load(d1 + n - 32), lo, hi, Load(p1 + n - 32));
  int i = 0;
  for (; i + 64 < n; i += 64) {
    block(i);
    block(i + 32);
  }
  if (i + 32 < n)
    block(i);
  Store(d0 + n - 32, last0);
  if (kPlanes == 2)
    Store(d1 + n - 32, last1);
}

// Blends dst[0..n) unless n < 8 (returns false: the caller goes scalar).
[[gnu::always_inline]] inline bool Row8Vector(uint8_t* dst, const Planes8& s, int n) {
  if (n >= 32) {
    Rows8<1>(dst, nullptr, s.p, nullptr, s.ia, n);
  } else if (n >= 16) {
    const __m128i first = Block16(dst, s, 0), last = Block16(dst, s, n - 16);
    Store128(dst, first);
    Store128(dst + n - 16, last);
  } else if (n >= 8) {
    const __m128i first = Block8(dst, s, 0), last = Block8(dst, s, n - 8);
    Store64(dst, first);
    Store64(dst + n - 8, last);
  } else {
    return false;
  }
  return true;
}

void Row8(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n) {
  if (!Row8Vector(dst, Planes8{p, ia}, n))
    Row8Scalar(dst, p, ia, n);
}

// A run of fewer than 8 samples through one 16-sample window (see blend_sse41.cc).
[[gnu::always_inline]] inline bool Short8(uint8_t* dst,
                                          const uint8_t* p,
                                          const uint8_t* ia,
                                          int lo,
                                          int hi,
                                          int span_lo,
                                          int span_hi) {
  if (span_hi - span_lo < 16)
    return false;
  const int s = std::min(lo, span_hi - 16);
  const __m128i old = Load128(dst + s);
  const __m128i v = Block16(dst + s, Planes8{p + s, ia + s}, 0);
  const __m128i lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i in = _mm_and_si128(_mm_cmpgt_epi8(lane, _mm_set1_epi8(char(lo - s - 1))),
                                   _mm_cmpgt_epi8(_mm_set1_epi8(char(hi - s)), lane));
  Store128(dst + s, _mm_blendv_epi8(old, v, in));
  return true;
}

// One run of a row, [lo, hi) (see blend_kernels.h).
template <int kPlanes>
[[gnu::always_inline]] inline void Run8(const Runs8Job& job, int lo, int hi) {
  const int n = hi - lo;
  if (n >= 32) {
    Rows8<kPlanes>(job.dst[0] + lo, job.dst[kPlanes - 1] + lo, job.p[0] + lo,
                   job.p[kPlanes - 1] + lo, job.ia + lo, n);
    return;
  }
  for (int k = 0; k < kPlanes; ++k) {
    if (!Row8Vector(job.dst[k] + lo, Planes8{job.p[k] + lo, job.ia + lo}, n) &&
        !Short8(job.dst[k], job.p[k], job.ia, lo, hi, job.lo, job.hi))
      Row8Scalar(job.dst[k] + lo, job.p[k] + lo, job.ia + lo, n);
  }
}

void Runs8(const Runs8Job& job) {
  ForEachRun8(job, [](auto planes, const Runs8Job& row, int lo, int hi) {
    Run8<decltype(planes)::value>(row, lo, hi);
  });
}

// ---- 10-bit ----

// The 32-bit products of 16 samples come out of the in-lane unpacks as [0-3 8-11] and
// [4-7 12-15]; P gives p in that order (packus_epi32, also in lanes, restores the order).
struct Planes10 {
  const uint32_t* p;
  const uint16_t* ia;
  void P(int i, __m256i* first, __m256i* second) const {
    const __m256i p0 = Load(p + i), p1 = Load(p + i + 8);
    *first = _mm256_permute2x128_si256(p0, p1, 0x20);
    *second = _mm256_permute2x128_si256(p0, p1, 0x31);
  }
  __m256i A(int i) const { return Load(ia + i); }
};
struct Const10 {
  __m256i even, odd, a;  // every group of 4 starts at i's parity
  void P(int i, __m256i* first, __m256i* second) const { *first = *second = i & 1 ? odd : even; }
  __m256i A(int) const { return a; }
};

__m256i Div2040(__m256i n) {  // as in blend_sse41.cc
  const __m256i m = _mm256_sub_epi32(_mm256_srli_epi32(n, 3), _mm256_set1_epi32(127));
  return _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_cvtepi32_ps(m), _mm256_set1_ps(1.0f / 255)));
}

template <typename Src>
__m256i Blend10(const uint16_t* dst, const Src& s, int i) {
  const __m256i d = _mm256_min_epu16(Load(dst + i), _mm256_set1_epi16(1023));
  const __m256i a = s.A(i);
  const __m256i lo = _mm256_mullo_epi16(d, a);
  const __m256i hi = _mm256_mulhi_epu16(d, a);
  __m256i p0, p1;
  s.P(i, &p0, &p1);
  const __m256i n0 = _mm256_add_epi32(_mm256_unpacklo_epi16(lo, hi), p0);
  const __m256i n1 = _mm256_add_epi32(_mm256_unpackhi_epi16(lo, hi), p1);
  return _mm256_packus_epi32(Div2040(n0), Div2040(n1));
}

template <typename Src>
bool Row10Vector(uint16_t* dst, const Src& s, int n) {
  if (n < 16)
    return false;
  const __m256i last = Blend10(dst, s, n - 16);
  for (int i = 0; i + 16 < n; i += 16)
    Store(dst + i, Blend10(dst, s, i));
  Store(dst + n - 16, last);
  return true;
}

// Rows under 16 samples: the SSE4.1 kernels (8 wide, then scalar; SSE4.1 is part of AVX2).
void Row10(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n) {
  if (!Row10Vector(dst, Planes10{p, ia}, n))
    kSse41.row10(dst, p, ia, n);
}

void Flat10(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n) {
  const Const10 s{_mm256_set1_epi64x(int64_t(p0 | uint64_t(p1) << 32)),
                  _mm256_set1_epi64x(int64_t(p1 | uint64_t(p0) << 32)),
                  _mm256_set1_epi16(short(ia))};
  if (!Row10Vector(dst, s, n))
    kSse41.flat10(dst, p0, p1, ia, n);
}

}  // namespace

const RowKernels kAvx2 = {Row8, Row10, Flat10, Runs8};

}  // namespace strait::overlays::kernels
