// The SSE4.1 row kernels of blend_kernels.h (this file is built with -msse4.1; call it only where
// IsaSupported(Isa::kSse41)). Bit-exact with the scalar ones: see the arithmetic notes there.
//
// Row ends: the last whole vector of a row (which may overlap the one before) is computed before
// anything is stored and stored last, so every sample is blended from its original value once and
// no scalar tail is needed; rows shorter than one vector go scalar. In Runs8 (a whole row's runs)
// a run under 8 samples is blended through one masked 16-sample window within the visible row
// instead, which stores the samples around the run back unchanged.
#include <immintrin.h>

#include <algorithm>

#include "overlays/blend_kernels.h"

namespace strait::overlays::kernels {
namespace {

__m128i Load(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}
__m128i Load64(const void* p) {
  return _mm_loadl_epi64(static_cast<const __m128i*>(p));
}
void Store(void* p, __m128i v) {
  _mm_storeu_si128(static_cast<__m128i*>(p), v);
}
void Store64(void* p, __m128i v) {
  _mm_storel_epi64(static_cast<__m128i*>(p), v);
}

// ---- 8-bit ----

// Scale8's multipliers (ia * 257) >> 1 (blend_kernels.h) of the 8 bytes in a's low half, as
// 16-bit lanes.
__m128i Multiplier(__m128i a) {
  return _mm_srli_epi16(_mm_unpacklo_epi8(a, a), 1);
}

// The card's values and Scale8's multipliers from element i on (the prepared planes).
struct Planes8 {
  const uint8_t* p;
  const uint8_t* ia;
  __m128i P(int i) const { return Load(p + i); }     // 16 bytes
  __m128i P8(int i) const { return Load64(p + i); }  // 8, in the low half
  __m128i M(int i) const { return Multiplier(Load64(ia + i)); }
};

// Scale8 (blend_kernels.h) of the 8 samples from dst, given their multipliers: one pmulhrsw,
// (d * m + 2^14) >> 15 in 16-bit lanes (d * m < 2^23 fits its 32-bit product).
__m128i Scaled8(const uint8_t* dst, __m128i m) {
  return _mm_mulhrs_epi16(_mm_cvtepu8_epi16(Load64(dst)), m);
}

// 16 results from dst[i..i + 16), and 8 (in the low half) from dst[i..i + 8).
__m128i Block16(const uint8_t* dst, const Planes8& s, int i) {
  return _mm_add_epi8(_mm_packus_epi16(Scaled8(dst + i, s.M(i)), Scaled8(dst + i + 8, s.M(i + 8))),
                      s.P(i));
}
__m128i Block8(const uint8_t* dst, const Planes8& s, int i) {
  const __m128i q = Scaled8(dst + i, s.M(i));
  return _mm_add_epi8(_mm_packus_epi16(q, q), s.P8(i));
}

// Blends dst[0..n) unless n < 8 (returns false: the caller goes scalar).
bool Row8Vector(uint8_t* dst, const Planes8& s, int n) {
  if (n >= 16) {
    const __m128i last = Block16(dst, s, n - 16);
    for (int i = 0; i + 16 < n; i += 16)
      Store(dst + i, Block16(dst, s, i));
    Store(dst + n - 16, last);
    return true;
  }
  if (n >= 8) {
    const __m128i first = Block8(dst, s, 0), last = Block8(dst, s, n - 8);
    Store64(dst, first);
    Store64(dst + n - 8, last);
    return true;
  }
  return false;
}

void Row8(uint8_t* dst, const uint8_t* p, const uint8_t* ia, int n) {
  if (!Row8Vector(dst, Planes8{p, ia}, n))
    Row8Scalar(dst, p, ia, n);
}

// A run of fewer than 8 samples, dst[lo..hi), through one 16-sample window inside the row's
// visible elements [span_lo, span_hi): the lanes outside the run are stored back as loaded (the
// samples before it are final, those after it not yet read, and only this call writes the row).
// Returns false where the visible row is narrower than the window.
bool Short8(uint8_t* dst,
            const uint8_t* p,
            const uint8_t* ia,
            int lo,
            int hi,
            int span_lo,
            int span_hi) {
  if (span_hi - span_lo < 16)
    return false;
  const int s = std::min(lo, span_hi - 16);
  const __m128i old = Load(dst + s);
  const __m128i v = Block16(dst + s, Planes8{p + s, ia + s}, 0);
  const __m128i lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i in = _mm_and_si128(_mm_cmpgt_epi8(lane, _mm_set1_epi8(char(lo - s - 1))),
                                   _mm_cmpgt_epi8(_mm_set1_epi8(char(hi - s)), lane));
  Store(dst + s, _mm_blendv_epi8(old, v, in));
  return true;
}

// One run of a row, [lo, hi) (see blend_kernels.h).
template <int kPlanes>
[[gnu::always_inline]] inline void Run8(const Runs8Job& job, int lo, int hi) {
  for (int k = 0; k < kPlanes; ++k) {
    if (!Row8Vector(job.dst[k] + lo, Planes8{job.p[k] + lo, job.ia + lo}, hi - lo) &&
        !Short8(job.dst[k], job.p[k], job.ia, lo, hi, job.lo, job.hi))
      Row8Scalar(job.dst[k] + lo, job.p[k] + lo, job.ia + lo, hi - lo);
  }
}

void Runs8(const Runs8Job& job) {
  ForEachRun8(job, [](auto planes, const Runs8Job& row, int lo, int hi) {
    Run8<decltype(planes)::value>(row, lo, hi);
  });
}

// ---- 10-bit ----

struct Planes10 {
  const uint32_t* p;
  const uint16_t* ia;
  __m128i P(int i) const { return Load(p + i); }  // 4 lanes of 32 bits
  __m128i A(int i) const { return Load(ia + i); }
};
struct Const10 {
  __m128i even, odd, a;
  __m128i P(int i) const { return i & 1 ? odd : even; }
  __m128i A(int) const { return a; }
};

// floor(n / 2040) for 4 lanes of 32 bits, n < 2^21: floor((n >> 3) / 255), taken as
// round(((n >> 3) - 127) / 255) in float. m = (n >> 3) - 127 is exact in a float and m / 255 is
// never within 1/510 of a half (255 is odd), far more than the float product's error (2^-13).
// (Checked exhaustively over the whole range by blend_test.cc.)
__m128i Div2040(__m128i n) {
  const __m128i m = _mm_sub_epi32(_mm_srli_epi32(n, 3), _mm_set1_epi32(127));
  return _mm_cvtps_epi32(_mm_mul_ps(_mm_cvtepi32_ps(m), _mm_set1_ps(1.0f / 255)));
}

// 8 results from dst[i..i + 8): min(d, 1023) and ia <= 2040 as 16 bits, products widened to 32.
template <typename Src>
__m128i Blend10(const uint16_t* dst, const Src& s, int i) {
  const __m128i d = _mm_min_epu16(Load(dst + i), _mm_set1_epi16(1023));
  const __m128i a = s.A(i);
  const __m128i lo = _mm_mullo_epi16(d, a);
  const __m128i hi = _mm_mulhi_epu16(d, a);
  const __m128i n0 = _mm_add_epi32(_mm_unpacklo_epi16(lo, hi), s.P(i));
  const __m128i n1 = _mm_add_epi32(_mm_unpackhi_epi16(lo, hi), s.P(i + 4));
  return _mm_packus_epi32(Div2040(n0), Div2040(n1));
}

template <typename Src>
bool Row10Vector(uint16_t* dst, const Src& s, int n) {
  if (n < 8)
    return false;
  const __m128i last = Blend10(dst, s, n - 8);
  for (int i = 0; i + 8 < n; i += 8)
    Store(dst + i, Blend10(dst, s, i));
  Store(dst + n - 8, last);
  return true;
}

void Row10(uint16_t* dst, const uint32_t* p, const uint16_t* ia, int n) {
  if (!Row10Vector(dst, Planes10{p, ia}, n))
    Row10Scalar(dst, p, ia, n);
}

void Flat10(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n) {
  const Const10 s{_mm_set1_epi64x(int64_t(p0 | uint64_t(p1) << 32)),
                  _mm_set1_epi64x(int64_t(p1 | uint64_t(p0) << 32)), _mm_set1_epi16(short(ia))};
  if (!Row10Vector(dst, s, n))
    Flat10Scalar(dst, p0, p1, ia, n);
}

}  // namespace

const RowKernels kSse41 = {Row8, Row10, Flat10, Runs8};

}  // namespace strait::overlays::kernels
