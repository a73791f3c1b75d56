// The AVX2 kernels of plane_kernels.h (this file is built with -mavx2; call it only where
// PlaneScaler::Accelerated()). Bit-exact with the scalar kernels in plane_scaler.cc.
#include <immintrin.h>

#include <cstring>

#include "codecs/scale/plane_kernels.h"

namespace strait::scale::kernels {
namespace {

__m256i Load(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// The source windows of a group: one 16-byte window in both lanes (broadcast) or one a lane.
template <bool kBroadcast>
__m256i Window(const uint8_t* lane0, const uint8_t* lane1) {
  if (kBroadcast)
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(lane0)));
  return _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(lane1),
                             reinterpret_cast<const __m128i*>(lane0));
}

// 8 outputs of a kShuffle group (lane 0: outputs 0-3, lane 1: 4-7) as 32-bit sums >> 7: the
// mask picks taps (0, 1) of each output as 16-bit pairs, mask + 2t taps (2t, 2t + 1).
template <int kPairs>
__m256i Dot(__m256i window, __m256i mask, const __m256i* coef) {
  const __m256i two = _mm256_set1_epi8(2);
  __m256i acc = _mm256_madd_epi16(_mm256_shuffle_epi8(window, mask), coef[0]);
  for (int t = 1; t < kPairs; ++t) {
    mask = _mm256_add_epi8(mask, two);
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_shuffle_epi8(window, mask), coef[t]));
  }
  return _mm256_srai_epi32(acc, 7);
}

// A group's table: the mask, then kPairs coefficient vectors.
template <int kPairs>
const __m256i* Table(const FilterView& f, int g) {
  return reinterpret_cast<const __m256i*>(f.h_table + size_t(g) * (1 + kPairs) * 32);
}

template <int kPairs, bool kBroadcast>
__m256i ShuffleGroup(const FilterView& f, const uint8_t* src, int g) {
  const __m256i* t = Table<kPairs>(f, g);
  __m256i coef[kPairs];
  for (int i = 0; i < kPairs; ++i)
    coef[i] = Load(t + 1 + i);
  return Dot<kPairs>(Window<kBroadcast>(src + f.h_base[2 * g], src + f.h_base[2 * g + 1]), Load(t),
                     coef);
}

// 32-bit sums (packs saturates at 2^15 - 1, as the scalar kernel clips) to 16 or 8 outputs.
void Store2(int16_t* out, __m256i a, __m256i b) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8));
}
void Store1(int16_t* out, __m256i a) {
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, a), 0x08);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
}

template <int kPairs, bool kBroadcast>
void ShuffleGroups(const FilterView& f, const uint8_t* src, int16_t* out, int g, int end) {
  for (; g + 2 <= end; g += 2) {
    Store2(out + 8 * g, ShuffleGroup<kPairs, kBroadcast>(f, src, g),
           ShuffleGroup<kPairs, kBroadcast>(f, src, g + 1));
  }
  if (g < end)
    Store1(out + 8 * g, ShuffleGroup<kPairs, kBroadcast>(f, src, g));
}

// One row: the groups before the periodic stretch, the stretch with its one table in registers,
// the groups after it, then the outputs past the last group, scalar.
template <int kPairs, bool kBroadcast>
void HRowShuffle(const FilterView& f, const uint8_t* src, int16_t* out) {
  const int lo = f.h_periodic_lo, hi = f.h_periodic_hi;
  ShuffleGroups<kPairs, kBroadcast>(f, src, out, 0, lo);
  if (hi > lo) {
    const __m256i* t = Table<kPairs>(f, lo);
    const __m256i mask = Load(t);
    __m256i coef[kPairs];
    for (int i = 0; i < kPairs; ++i)
      coef[i] = Load(t + 1 + i);
    const int step = f.h_periodic_step;
    const uint8_t* p0 = src + f.h_base[2 * lo];
    const uint8_t* p1 = src + f.h_base[2 * lo + 1];
    int g = lo;
    for (; g + 2 <= hi; g += 2, p0 += 2 * step, p1 += 2 * step) {
      Store2(out + 8 * g, Dot<kPairs>(Window<kBroadcast>(p0, p1), mask, coef),
             Dot<kPairs>(Window<kBroadcast>(p0 + step, p1 + step), mask, coef));
    }
    if (g < hi)
      Store1(out + 8 * g, Dot<kPairs>(Window<kBroadcast>(p0, p1), mask, coef));
  }
  ShuffleGroups<kPairs, kBroadcast>(f, src, out, hi, f.h_groups);
  HRowScalar(f, src, out, 8 * f.h_groups);
}

// Two rows a pass over the tables (non-periodic filters: the tables are loaded once for both).
template <int kPairs, bool kBroadcast>
void HRow2Shuffle(const FilterView& f,
                  const uint8_t* a,
                  const uint8_t* b,
                  int16_t* out_a,
                  int16_t* out_b) {
  if (f.h_periodic_hi > f.h_periodic_lo) {  // its table is in registers anyway
    HRowShuffle<kPairs, kBroadcast>(f, a, out_a);
    HRowShuffle<kPairs, kBroadcast>(f, b, out_b);
    return;
  }
  auto group = [&](int g, __m256i* ra, __m256i* rb) {
    const __m256i* t = Table<kPairs>(f, g);
    __m256i coef[kPairs];
    for (int i = 0; i < kPairs; ++i)
      coef[i] = Load(t + 1 + i);
    const __m256i mask = Load(t);
    const int b0 = f.h_base[2 * g], b1 = f.h_base[2 * g + 1];
    *ra = Dot<kPairs>(Window<kBroadcast>(a + b0, a + b1), mask, coef);
    *rb = Dot<kPairs>(Window<kBroadcast>(b + b0, b + b1), mask, coef);
  };
  const int groups = f.h_groups;
  int g = 0;
  for (; g + 2 <= groups; g += 2) {
    __m256i a0, b0, a1, b1;
    group(g, &a0, &b0);
    group(g + 1, &a1, &b1);
    Store2(out_a + 8 * g, a0, a1);
    Store2(out_b + 8 * g, b0, b1);
  }
  if (g < groups) {
    __m256i a0, b0;
    group(g, &a0, &b0);
    Store1(out_a + 8 * g, a0);
    Store1(out_b + 8 * g, b0);
  }
  HRowScalar(f, a, out_a, 8 * groups);
  HRowScalar(f, b, out_b, 8 * groups);
}

// kGeneric: per output, 8-tap chunks of an 8-byte load; outputs p and p + 4 share a vector.
__m256i GenericGroup(const FilterView& f, const uint8_t* src, int g) {
  const int chunks = f.h_chunks;
  const int32_t* pos = f.h_pos + 8 * g;
  const __m256i* t = reinterpret_cast<const __m256i*>(f.h_table + size_t(g) * chunks * 4 * 32);
  __m256i acc[4] = {};
  for (int c = 0; c < chunks; ++c) {
    for (int p = 0; p < 4; ++p) {
      const __m128i lo = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + pos[p] + 8 * c));
      const __m128i hi =
          _mm_loadl_epi64(reinterpret_cast<const __m128i*>(src + pos[p + 4] + 8 * c));
      const __m256i v = _mm256_cvtepu8_epi16(_mm_unpacklo_epi64(lo, hi));
      acc[p] = _mm256_add_epi32(acc[p], _mm256_madd_epi16(v, Load(t + c * 4 + p)));
    }
  }
  // acc[p]: lane 0 the partial sums of output p, lane 1 of output p + 4.
  const __m256i h01 = _mm256_hadd_epi32(acc[0], acc[1]);
  const __m256i h23 = _mm256_hadd_epi32(acc[2], acc[3]);
  return _mm256_srai_epi32(_mm256_hadd_epi32(h01, h23), 7);
}

void HRowGeneric(const FilterView& f, const uint8_t* src, int16_t* out) {
  const int groups = f.h_groups;
  int g = 0;
  for (; g + 2 <= groups; g += 2)
    Store2(out + 8 * g, GenericGroup(f, src, g), GenericGroup(f, src, g + 1));
  if (g < groups)
    Store1(out + 8 * g, GenericGroup(f, src, g));
  HRowScalar(f, src, out, 8 * groups);
}

template <int kPairs>
void HRowPairs(const FilterView& f, const uint8_t* src, int16_t* out) {
  if (f.h_broadcast)
    HRowShuffle<kPairs, true>(f, src, out);
  else
    HRowShuffle<kPairs, false>(f, src, out);
}
template <int kPairs>
void HRow2Pairs(const FilterView& f,
                const uint8_t* a,
                const uint8_t* b,
                int16_t* out_a,
                int16_t* out_b) {
  if (f.h_broadcast)
    HRow2Shuffle<kPairs, true>(f, a, b, out_a, out_b);
  else
    HRow2Shuffle<kPairs, false>(f, a, b, out_a, out_b);
}

// The kShuffle kernels by tap pairs (a 16-byte window holds at most 8 pairs).
using HRowFn = void (*)(const FilterView&, const uint8_t*, int16_t*);
using HRow2Fn = void (*)(const FilterView&, const uint8_t*, const uint8_t*, int16_t*, int16_t*);
constexpr HRowFn kHRow[] = {HRowPairs<1>, HRowPairs<2>, HRowPairs<3>, HRowPairs<4>,
                            HRowPairs<5>, HRowPairs<6>, HRowPairs<7>, HRowPairs<8>};
constexpr HRow2Fn kHRow2[] = {HRow2Pairs<1>, HRow2Pairs<2>, HRow2Pairs<3>, HRow2Pairs<4>,
                              HRow2Pairs<5>, HRow2Pairs<6>, HRow2Pairs<7>, HRow2Pairs<8>};

}  // namespace

void HRowAvx2(const FilterView& f, const uint8_t* src, int16_t* out) {
  if (f.h_mode == HMode::kShuffle && f.h_chunks >= 1 && f.h_chunks <= 8)
    kHRow[f.h_chunks - 1](f, src, out);
  else if (f.h_mode == HMode::kGeneric)
    HRowGeneric(f, src, out);
  else
    HRowScalar(f, src, out, 0);
}

void HRow2Avx2(const FilterView& f,
               const uint8_t* a,
               const uint8_t* b,
               int16_t* out_a,
               int16_t* out_b) {
  if (f.h_mode == HMode::kShuffle && f.h_chunks >= 1 && f.h_chunks <= 8) {
    kHRow2[f.h_chunks - 1](f, a, b, out_a, out_b);
    return;
  }
  HRowAvx2(f, a, out_a);
  HRowAvx2(f, b, out_b);
}

// yuv2planeX_8_c: (64 << 12 + sum of row * coefficient) >> 19, 16 outputs a block, rows taken
// two at a time by pmaddwd on interleaved 16-bit pairs.
void VRowAvx2(const FilterView& f, const int16_t* const* rows, int y, uint8_t* dst) {
  if (f.v_single) {
    VRowScalar(f, rows, y, dst, 0);
    return;
  }
  const int taps = f.v_taps;
  const int16_t* c = f.v_coef + size_t(y) * taps;
  auto block = [&](int x) {
    __m256i lo = _mm256_set1_epi32(64 << 12), hi = lo;
    int j = 0;
    for (; j + 2 <= taps; j += 2) {
      const __m256i k = _mm256_set1_epi32(
          static_cast<int32_t>(uint32_t(uint16_t(c[j + 1])) << 16 | uint16_t(c[j])));
      const __m256i a = Load(rows[j] + x), b = Load(rows[j + 1] + x);
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), k));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), k));
    }
    if (j < taps) {
      const __m256i k = _mm256_set1_epi32(uint16_t(c[j]));
      const __m256i a = Load(rows[j] + x), z = _mm256_setzero_si256();
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, z), k));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, z), k));
    }
    // The in-lane unpacks and packs cancel: lane 0 holds x..x+7, lane 1 x+8..x+15.
    const __m256i w = _mm256_packs_epi32(_mm256_srai_epi32(lo, 19), _mm256_srai_epi32(hi, 19));
    return _mm256_packus_epi16(w, w);
  };
  const int width = f.dst_w;
  int x = 0;
  for (; x + 16 <= width; x += 16) {
    const __m256i r = block(x);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + x), _mm256_castsi256_si128(r));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + x + 8), _mm256_extracti128_si256(r, 1));
  }
  if (x < width) {  // the cache rows are padded: a whole block, stored in part
    const __m256i r = block(x);
    uint8_t tail[16];
    _mm_storel_epi64(reinterpret_cast<__m128i*>(tail), _mm256_castsi256_si128(r));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(tail + 8), _mm256_extracti128_si256(r, 1));
    std::memcpy(dst + x, tail, size_t(width - x));
  }
}

}  // namespace strait::scale::kernels
