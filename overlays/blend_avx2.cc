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

// p and ia for the 32 (P, A for 16 lanes twice), 16 (P16) or 8 (P8, A8) samples from element i:
// from the planes, or one flat run's constants (see blend_sse41.cc).
struct Planes8 {
  const uint8_t* p;
  const uint8_t* ia;
  __m256i P(int i) const { return Load(p + i); }
  __m128i P16(int i) const { return Load128(p + i); }
  __m128i P8(int i) const { return Load64(p + i); }
  __m256i A(int i) const { return _mm256_cvtepu8_epi16(Load128(ia + i)); }
  __m128i A8(int i) const { return _mm_cvtepu8_epi16(Load64(ia + i)); }
};
struct Const8 {
  __m256i even, odd, a;  // bytes p0 p1 p0 p1 ..., p1 p0 ...; 16-bit ia
  __m256i P(int i) const { return i & 1 ? odd : even; }
  __m128i P16(int i) const { return _mm256_castsi256_si128(P(i)); }
  __m128i P8(int i) const { return P16(i); }
  __m256i A(int) const { return a; }
  __m128i A8(int) const { return _mm256_castsi256_si128(a); }
};

Const8 Flat(uint8_t p0, uint8_t p1, uint8_t ia) {
  return {_mm256_set1_epi16(static_cast<short>(p0 | p1 << 8)),
          _mm256_set1_epi16(static_cast<short>(p1 | p0 << 8)), _mm256_set1_epi16(ia)};
}

// (d * ia + 127) / 255 for 16 lanes of 16 bits, as ((d * ia + 128) * 257) >> 16 (see
// blend_sse41.cc).
[[gnu::always_inline]] inline __m256i Scaled16(const uint8_t* dst, __m256i ia) {
  const __m256i v = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_cvtepu8_epi16(Load128(dst)), ia),
                                     _mm256_set1_epi16(128));
  return _mm256_mulhi_epu16(v, _mm256_set1_epi16(257));
}

// 8 results with 128-bit operations, in the low half.
template <typename Src>
__m128i Block8(const uint8_t* dst, const Src& s, int i) {
  const __m128i v = _mm_add_epi16(_mm_mullo_epi16(_mm_cvtepu8_epi16(Load64(dst + i)), s.A8(i)),
                                  _mm_set1_epi16(128));
  const __m128i q = _mm_mulhi_epu16(v, _mm_set1_epi16(257));
  return _mm_add_epi8(_mm_packus_epi16(q, q), s.P8(i));
}

// Blends dst[0..n) unless n < 8 (returns false: the caller goes scalar).
template <typename Src>
[[gnu::always_inline]] inline bool Row8Vector(uint8_t* dst, const Src& s, int n) {
  // packus works within 128-bit lanes, [lo0-7 hi0-7 | lo8-15 hi8-15]: reorder the quarters.
  auto block32 = [&](int i) {
    const __m256i q =
        _mm256_packus_epi16(Scaled16(dst + i, s.A(i)), Scaled16(dst + i + 16, s.A(i + 16)));
    return _mm256_add_epi8(_mm256_permute4x64_epi64(q, 0xd8), s.P(i));
  };
  auto block16 = [&](int i) {
    const __m256i q = Scaled16(dst + i, s.A(i));
    return _mm_add_epi8(_mm_packus_epi16(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)),
                        s.P16(i));
  };
  if (n >= 32) {
    const __m256i last = block32(n - 32);
    for (int i = 0; i + 32 < n; i += 32)
      Store(dst + i, block32(i));
    Store(dst + n - 32, last);
  } else if (n >= 16) {
    const __m128i first = block16(0), last = block16(n - 16);
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

// A flat run of 32 or more: 32 samples a vector without widening them. Each 16-bit lane holds
// two samples, the even one in its low byte (masked out) and the odd one in its high byte
// (shifted down); with one alpha the same formula needs no shuffle.
[[gnu::always_inline]] inline void FlatLong8(uint8_t* dst, const Const8& s, int n) {
  const __m256i k = _mm256_set1_epi16(257);
  const __m256i low = _mm256_set1_epi16(0xff), bias = _mm256_set1_epi16(128);
  auto block = [&](int i) {
    const __m256i d = Load(dst + i);
    const __m256i ve = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_and_si256(d, low), s.a), bias);
    const __m256i vo = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_srli_epi16(d, 8), s.a), bias);
    const __m256i qe = _mm256_mulhi_epu16(ve, k);
    const __m256i qo = _mm256_slli_epi16(_mm256_mulhi_epu16(vo, k), 8);  // quotients fit a byte
    return _mm256_add_epi8(_mm256_or_si256(qe, qo), s.P(i));
  };
  const __m256i last = block(n - 32);
  for (int i = 0; i + 32 < n; i += 32)
    Store(dst + i, block(i));
  Store(dst + n - 32, last);
}

[[gnu::always_inline]] inline void Flat8(uint8_t* dst, uint8_t p0, uint8_t p1, uint8_t ia, int n) {
  const Const8 s = Flat(p0, p1, ia);
  if (n >= 32)
    FlatLong8(dst, s, n);
  else if (!Row8Vector(dst, s, n))
    Flat8Scalar(dst, p0, p1, ia, n);
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
  const __m256i q = Scaled16(dst + s, _mm256_cvtepu8_epi16(Load128(ia + s)));
  const __m128i v = _mm_add_epi8(
      _mm_packus_epi16(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)), Load128(p + s));
  const __m128i lane = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m128i in = _mm_and_si128(_mm_cmpgt_epi8(lane, _mm_set1_epi8(char(lo - s - 1))),
                                   _mm_cmpgt_epi8(_mm_set1_epi8(char(hi - s)), lane));
  Store128(dst + s, _mm_blendv_epi8(old, v, in));
  return true;
}

[[gnu::always_inline]] inline void Copy(uint8_t* dst, const uint8_t* src, int n) {  // n >= 16
  if (n < 32) {
    const __m128i first = Load128(src), last = Load128(src + n - 16);
    Store128(dst, first);
    Store128(dst + n - 16, last);
    return;
  }
  const __m256i last = Load(src + n - 32);
  for (int i = 0; i + 32 < n; i += 32)
    Store(dst + i, Load(src + i));
  Store(dst + n - 32, last);
}

// yuv420p's U and V rows of a blended run of 32 or more, with one widening of ia for both.
[[gnu::always_inline]] inline void Rows8Pair(uint8_t* u,
                                             uint8_t* v,
                                             const uint8_t* pu,
                                             const uint8_t* pv,
                                             const uint8_t* ia,
                                             int n) {
  auto block = [&](uint8_t* d, const uint8_t* p, __m256i a0, __m256i a1) {
    const __m256i q = _mm256_packus_epi16(Scaled16(d, a0), Scaled16(d + 16, a1));
    return _mm256_add_epi8(_mm256_permute4x64_epi64(q, 0xd8), Load(p));
  };
  auto alpha = [&](int i, __m256i* a0, __m256i* a1) {
    *a0 = _mm256_cvtepu8_epi16(Load128(ia + i));
    *a1 = _mm256_cvtepu8_epi16(Load128(ia + i + 16));
  };
  __m256i a0, a1;
  alpha(n - 32, &a0, &a1);
  const __m256i last_u = block(u + n - 32, pu + n - 32, a0, a1);
  const __m256i last_v = block(v + n - 32, pv + n - 32, a0, a1);
  for (int i = 0; i + 32 < n; i += 32) {
    alpha(i, &a0, &a1);
    Store(u + i, block(u + i, pu + i, a0, a1));
    Store(v + i, block(v + i, pv + i, a0, a1));
  }
  Store(u + n - 32, last_u);
  Store(v + n - 32, last_v);
}

// One run of a row, [lo, hi) (see blend_kernels.h).
template <int kPlanes>
[[gnu::always_inline]] inline void Run8(const Runs8Job& job, int lo, int hi, RunKind kind) {
  const int n = hi - lo;
  if (kPlanes == 2 && kind == RunKind::kBlend && n >= 32) {
    Rows8Pair(job.dst[0] + lo, job.dst[1] + lo, job.p[0] + lo, job.p[1] + lo, job.ia + lo, n);
    return;
  }
  for (int k = 0; k < kPlanes; ++k) {
    uint8_t* dst = job.dst[k] + lo;
    const uint8_t* p = job.p[k] + lo;
    if (kind == RunKind::kCopy && n >= 16) {
      Copy(dst, p, n);
    } else if (kind == RunKind::kFlat && n >= 8) {
      Flat8(dst, p[0], p[1], job.ia[lo], n);
    } else if (!Row8Vector(dst, Planes8{p, job.ia + lo}, n) &&
               !Short8(job.dst[k], job.p[k], job.ia, lo, hi, job.lo, job.hi)) {
      Row8Scalar(dst, p, job.ia + lo, n);
    }
  }
}

void Runs8(const Runs8Job& job) {
  ForEachRun8(job, [](auto planes, const Runs8Job& row, int lo, int hi, RunKind kind) {
    Run8<decltype(planes)::value>(row, lo, hi, kind);
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

const RowKernels kAvx2 = {Row8, Row10, Flat8, Flat10, Runs8};

}  // namespace strait::overlays::kernels
