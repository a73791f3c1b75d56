#include "codecs/scale/plane_scaler.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "codecs/scale/plane_kernels.h"

namespace strait::scale {
namespace {

constexpr int kMaxSide = 16384;

int Log2(unsigned v) {
  return 31 - __builtin_clz(v | 1);
}

int64_t RoundedDiv(int64_t a, int64_t b) {
  return (a >= 0 ? a + (b >> 1) : a - (b >> 1)) / b;
}

// One axis' filter as swscale builds it: `size` taps an output from pos[i], coefficients
// summing to `one`.
struct AxisFilter {
  int size = 0;
  std::vector<int32_t> pos;
  std::vector<int16_t> coef;
};

// libswscale initFilter() (FFmpeg 5.1) for SWS_BILINEAR with no extra filters, as built for x86
// (filter_align 4 across, 2 down): the tent's taps at 2^-16 source-pixel steps, the reduction of
// taps that carry under 0.2 % of the weight, the edge fold, and the normalisation with its error
// diffusion. `inc` is the 16.16 step between outputs; `src_pos`/`dst_pos` swscale's siting.
Result<AxisFilter>
MakeAxisFilter(int inc, int src_n, int dst_n, int filter_align, int one, int src_pos, int dst_pos) {
  const int64_t fone = int64_t{1} << (54 - std::min(Log2(unsigned(src_n / dst_n)), 8));
  int size;
  std::vector<int32_t> pos(dst_n + 3);
  std::vector<int64_t> filter;
  if (std::abs(inc - 0x10000) < 10 && src_pos == dst_pos) {  // unscaled axis
    size = 1;
    filter.assign(dst_n, fone);
    for (int i = 0; i < dst_n; ++i)
      pos[i] = i;
  } else {
    const int size_factor = 2;  // bilinear
    size = inc <= 1 << 16 ? 1 + size_factor : 1 + (size_factor * src_n + dst_n - 1) / dst_n;
    size = std::max(std::min(size, src_n - 2), 1);
    filter.assign(size_t(dst_n) * size, 0);
    int64_t center = ((dst_pos * int64_t{inc}) >> 7) - ((src_pos * 0x10000LL) >> 7);
    for (int i = 0; i < dst_n; ++i) {
      int xx = static_cast<int>((center - (size - 2) * (int64_t{1} << 16)) / (1 << 17));
      pos[i] = xx;
      for (int j = 0; j < size; ++j, ++xx) {
        int64_t d = std::llabs(int64_t{xx} * (1 << 17) - center) << 13;
        if (inc > 1 << 16)
          d = d * dst_n / src_n;
        const int64_t coeff = std::max<int64_t>((int64_t{1} << 30) - d, 0) * (fone >> 30);
        filter[size_t(i) * size + j] = coeff;
      }
      center += 2 * int64_t{inc};
    }
  }
  // Reduce: drop leading taps (and trailing ones, from the size) under 0.2 % of the weight.
  std::vector<int64_t> f2 = filter;
  const int size2 = size;
  int min_size = 0;
  for (int i = dst_n - 1; i >= 0; --i) {
    int64_t* f = &f2[size_t(i) * size2];
    int64_t cut = 0;
    for (int j = 0; j < size2; ++j) {
      cut += std::llabs(f[0]);
      if (cut > 0.002 * double(fone) || (i < dst_n - 1 && pos[i] >= pos[i + 1]))
        break;
      std::memmove(f, f + 1, sizeof(int64_t) * (size2 - 1));
      f[size2 - 1] = 0;
      ++pos[i];
    }
    int keep = size2;
    cut = 0;
    for (int j = size2 - 1; j > 0; --j) {
      cut += std::llabs(f[j]);
      if (cut > 0.002 * double(fone))
        break;
      --keep;
    }
    min_size = std::max(min_size, keep);
  }
  if (min_size == 1 && filter_align == 2)  // swscale's unscaled vertical special case
    filter_align = 1;
  size = (min_size + filter_align - 1) & ~(filter_align - 1);
  filter.assign(size_t(dst_n) * size, 0);
  for (int i = 0; i < dst_n; ++i) {
    for (int j = 0; j < std::min(size, size2); ++j)
      filter[size_t(i) * size + j] = f2[size_t(i) * size2 + j];
  }
  // Fold taps outside the source onto its border samples.
  for (int i = 0; i < dst_n; ++i) {
    int64_t* f = &filter[size_t(i) * size];
    if (pos[i] < 0) {
      for (int j = 1; j < size; ++j) {
        f[std::max(j + pos[i], 0)] += f[j];
        f[j] = 0;
      }
      pos[i] = 0;
    }
    if (pos[i] + size > src_n) {
      const int shift = pos[i] + std::min(size - src_n, 0);
      int64_t acc = 0;
      for (int j = size - 1; j >= 0; --j) {
        if (pos[i] + j >= src_n) {
          acc += f[j];
          f[j] = 0;
        }
      }
      for (int j = size - 1; j >= 0; --j)
        f[j] = j < shift ? 0 : f[j - shift];
      pos[i] -= shift;
      f[src_n - 1 - pos[i]] += acc;
    }
    if (pos[i] < 0 || pos[i] >= src_n)
      return Error("scale: filter position " + std::to_string(pos[i]) + " outside the source");
  }
  AxisFilter out;
  out.size = size;
  out.pos.assign(pos.begin(), pos.begin() + dst_n);
  out.coef.assign(size_t(dst_n) * size, 0);
  for (int i = 0; i < dst_n; ++i) {
    const int64_t* f = &filter[size_t(i) * size];
    int64_t sum = 0, error = 0;
    for (int j = 0; j < size; ++j)
      sum += f[j];
    sum = std::max<int64_t>((sum + one / 2) / one, 1);
    for (int j = 0; j < size; ++j) {
      const int64_t v = f[j] + error;
      const int64_t q = RoundedDiv(v, sum);
      out.coef[size_t(i) * size + j] = static_cast<int16_t>(q);
      error = v - q * sum;
    }
  }
  return out;
}

// swscale's get_local_pos() for the default siting, in 1/256 of a pixel: ((128 << shift) - 128
// + 128) >> shift, 128 for luma (shift 0) and for yuv420p's chroma (shift 1) alike.
constexpr int kLocalPos = 128;

// Drops each output's zero taps at either end (zero taps add nothing in either pass): `taps`
// becomes the widest non-zero window, positions move right, windows stay inside the source.
Result<int> Trim(const AxisFilter& f,
                 int n,
                 int src_n,
                 std::vector<int32_t>* pos,
                 std::vector<int16_t>* coef) {
  std::vector<int> first(n, 0);
  int taps = 1;
  for (int i = 0; i < n; ++i) {
    const int16_t* c = &f.coef[size_t(i) * f.size];
    int a = 0, b = f.size - 1;
    while (a < f.size - 1 && c[a] == 0)
      ++a;
    while (b > a && c[b] == 0)
      --b;
    first[i] = a;
    taps = std::max(taps, b - a + 1);
  }
  pos->resize(n);
  coef->assign(size_t(n) * taps, 0);
  for (int i = 0; i < n; ++i) {
    const int p = std::max(0, std::min(f.pos[i] + first[i], src_n - taps));
    (*pos)[i] = p;
    for (int j = 0; j < f.size; ++j) {
      const int16_t c = f.coef[size_t(i) * f.size + j];
      if (c == 0)
        continue;
      const int k = f.pos[i] + j - p;
      if (k < 0 || k >= taps || f.pos[i] + j >= src_n)
        return Error("scale: filter tap outside its window");
      (*coef)[size_t(i) * taps + k] = c;
    }
  }
  return taps;
}

}  // namespace

struct PlaneScaler::Impl {
  int src_w = 0, src_h = 0, dst_w = 0, dst_h = 0;
  int h_taps = 0, v_taps = 0;
  bool v_single = false;
  std::vector<int32_t> h_pos, v_pos;
  std::vector<int16_t> h_coef, v_coef;
  // Source rows [win_lo[y], win_hi[y]) must be in the cache for output row y; both monotonic.
  std::vector<int32_t> win_lo, win_hi;
  kernels::HMode h_mode = kernels::HMode::kScalar;
  int h_groups = 0, h_chunks = 0;
  bool h_broadcast = false;
  int periodic_lo = 0, periodic_hi = 0, periodic_step = 0;
  std::vector<int32_t> h_base;
  std::vector<uint8_t> h_table;
  // The ring of 15-bit rows (cache_rows of cache_stride) and one zero row after it.
  std::vector<int16_t> cache;
  int cache_stride = 0, cache_rows = 0;
  std::vector<const int16_t*> rows;  // an output row's v_taps cache rows

  kernels::FilterView View() const {
    return {src_w,         src_h,         dst_w,         dst_h,         h_taps,
            h_pos.data(),  h_coef.data(), v_taps,        v_single,      v_pos.data(),
            v_coef.data(), h_mode,        h_groups,      h_chunks,      h_broadcast,
            periodic_lo,   periodic_hi,   periodic_step, h_base.data(), h_table.data()};
  }
  void BuildAvx2Tables();
  template <bool kAvx2>
  void Run(const uint8_t* src, ptrdiff_t src_stride, uint8_t* dst, ptrdiff_t dst_stride);
};

// The AVX2 horizontal pass works on groups of 8 outputs. kShuffle: each 128-bit lane makes 4
// outputs from one 16-byte window of the source (or all 8 from one, h_broadcast); the group's
// table is a pshufb mask picking taps (0, 1) of each output as 16-bit pairs (taps (2t, 2t + 1)
// are the mask + 2t) and h_chunks vectors of coefficient pairs for pmaddwd, 32 bytes each.
// Groups whose window would pass the row's end are scalar. The longest stretch of groups with
// one table and a constant window step (the periodic 3:2 and 3:1 filters) is marked so the
// kernel keeps that table in registers. kGeneric (taps beyond a window): per output, 8-tap
// chunks of 8-byte loads, 4 x 32 bytes of coefficients a chunk.
void PlaneScaler::Impl::BuildAvx2Tables() {
  const int taps = h_taps, groups = dst_w / 8;
  bool broadcast = true;
  for (int g = 0; g < groups && broadcast; ++g) {
    if (h_pos[8 * g] + 16 > src_w)
      break;
    for (int k = 0; k < 8; ++k) {
      for (int j = 0; j < taps; ++j) {
        if (h_coef[size_t(8 * g + k) * taps + j] != 0 && h_pos[8 * g + k] - h_pos[8 * g] + j > 15)
          broadcast = false;
      }
    }
  }
  int fit = 0;
  bool ok = true;
  for (int g = 0; g < groups && ok; ++g) {
    if (h_pos[8 * g + (broadcast ? 0 : 4)] + 16 > src_w)
      break;  // the loads must stay inside the row
    for (int lane = 0; lane < 2; ++lane) {
      const int base = h_pos[8 * g + (broadcast ? 0 : 4 * lane)];
      for (int k = 0; k < 4; ++k) {
        const int o = 8 * g + 4 * lane + k;
        for (int j = 0; j < taps; ++j) {
          if (h_coef[size_t(o) * taps + j] != 0 && h_pos[o] - base + j > 15)
            ok = false;
        }
      }
    }
    if (ok)
      fit = g + 1;
  }
  if (ok && fit > 0) {
    const int pairs = (taps + 1) / 2;
    const size_t group_bytes = size_t(1 + pairs) * 32;
    h_mode = kernels::HMode::kShuffle;
    h_groups = fit;
    h_chunks = pairs;
    h_broadcast = broadcast;
    h_base.resize(2 * size_t(fit));
    h_table.assign(size_t(fit) * group_bytes, 0);
    for (int g = 0; g < fit; ++g) {
      for (int lane = 0; lane < 2; ++lane)
        h_base[2 * g + lane] = h_pos[8 * g + (broadcast ? 0 : 4 * lane)];
      uint8_t* mask = &h_table[g * group_bytes];
      for (int lane = 0; lane < 2; ++lane) {
        for (int k = 0; k < 4; ++k) {
          for (int h = 0; h < 2; ++h) {
            const int o = 8 * g + 4 * lane + k, w = 8 * lane + 2 * k + h;
            mask[2 * w] = static_cast<uint8_t>(h_pos[o] - h_base[2 * g + lane] + h);
            mask[2 * w + 1] = 0x80;  // zero high byte: the pair widens to 16 bits
          }
        }
      }
      for (int t = 0; t < pairs; ++t) {
        uint8_t* coef = mask + 32 * (1 + t);
        for (int lane = 0; lane < 2; ++lane) {
          for (int k = 0; k < 4; ++k) {
            for (int h = 0; h < 2; ++h) {
              const int o = 8 * g + 4 * lane + k, j = 2 * t + h;
              const int16_t c = j < taps ? h_coef[size_t(o) * taps + j] : 0;
              std::memcpy(coef + 2 * (8 * lane + 2 * k + h), &c, 2);
            }
          }
        }
      }
    }
    int best_lo = 0, best_len = 0;
    for (int g = 0; g < fit;) {
      int h = g + 1;
      const int step = h < fit ? h_base[2 * h] - h_base[2 * g] : 0;
      while (h < fit &&
             std::memcmp(&h_table[h * group_bytes], &h_table[g * group_bytes], group_bytes) == 0 &&
             h_base[2 * h] - h_base[2 * (h - 1)] == step &&
             h_base[2 * h + 1] - h_base[2 * (h - 1) + 1] == step)
        ++h;
      if (h - g > best_len) {
        best_len = h - g;
        best_lo = g;
      }
      g = h;
    }
    if (best_len >= 4) {
      periodic_lo = best_lo;
      periodic_hi = best_lo + best_len;
      periodic_step = h_base[2 * (best_lo + 1)] - h_base[2 * best_lo];
    }
    return;
  }
  const int chunks = (taps + 7) / 8;
  int generic = 0;
  for (int g = 0; g < groups && h_pos[8 * g + 7] + 8 * chunks <= src_w; ++g)
    generic = g + 1;
  if (generic == 0)
    return;  // kScalar
  h_mode = kernels::HMode::kGeneric;
  h_groups = generic;
  h_chunks = chunks;
  h_table.assign(size_t(generic) * chunks * 4 * 32, 0);
  for (int g = 0; g < generic; ++g) {
    for (int c = 0; c < chunks; ++c) {
      for (int p = 0; p < 4; ++p) {
        uint8_t* coef = &h_table[((size_t(g) * chunks + c) * 4 + p) * 32];
        for (int lane = 0; lane < 2; ++lane) {
          const int o = 8 * g + p + 4 * lane;
          for (int q = 0; q < 8; ++q) {
            const int j = 8 * c + q;
            const int16_t v = j < taps ? h_coef[size_t(o) * taps + j] : 0;
            std::memcpy(coef + 2 * (8 * lane + q), &v, 2);
          }
        }
      }
    }
  }
}

// Output row by output row: the source rows it needs are filtered across into the ring (each
// once, two at a time with AVX2), then its taps are summed down.
template <bool kAvx2>
void PlaneScaler::Impl::Run(const uint8_t* src,
                            ptrdiff_t src_stride,
                            uint8_t* dst,
                            ptrdiff_t dst_stride) {
  const kernels::FilterView f = View();
  int16_t* ring = cache.data();
  const int16_t* zero_row = ring + size_t(cache_rows) * cache_stride;
  auto slot = [&](int r) { return ring + size_t(r % cache_rows) * cache_stride; };
  int next = 0;  // the first source row not filtered yet
  for (int y = 0; y < dst_h; ++y) {
    int r = std::max(next, win_lo[y]);
    while (r < win_hi[y]) {
      const uint8_t* in = src + ptrdiff_t(r) * src_stride;
      if (kAvx2 && r + 1 < src_h) {  // the ring has a spare slot for the second row
        kernels::HRow2Avx2(f, in, in + src_stride, slot(r), slot(r + 1));
        r += 2;
      } else {
        if (kAvx2)
          kernels::HRowAvx2(f, in, slot(r));
        else
          kernels::HRowScalar(f, in, slot(r), 0);
        r += 1;
      }
    }
    next = std::max(next, r);
    for (int j = 0; j < v_taps; ++j)
      rows[j] = v_pos[y] + j < src_h ? slot(v_pos[y] + j) : zero_row;
    uint8_t* out = dst + ptrdiff_t(y) * dst_stride;
    if (kAvx2)
      kernels::VRowAvx2(f, rows.data(), y, out);
    else
      kernels::VRowScalar(f, rows.data(), y, out, 0);
  }
}

kernels::FilterView PlaneScaler::filter() const {
  return impl_->View();
}

PlaneScaler::PlaneScaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlaneScaler::~PlaneScaler() = default;

Result<std::unique_ptr<PlaneScaler>> PlaneScaler::Create(int src_w,
                                                         int src_h,
                                                         int dst_w,
                                                         int dst_h) {
  const std::string sizes = std::to_string(src_w) + "x" + std::to_string(src_h) + " -> " +
                            std::to_string(dst_w) + "x" + std::to_string(dst_h);
  if (src_w < 1 || src_h < 1 || dst_w < 1 || dst_h < 1 || src_w > kMaxSide || src_h > kMaxSide)
    return Error("scale: bad plane size " + sizes);
  if (dst_w > src_w || dst_h > src_h)
    return Error("scale: " + sizes + " is an upscale");
  auto s = std::make_unique<Impl>();
  s->src_w = src_w, s->src_h = src_h, s->dst_w = dst_w, s->dst_h = dst_h;
  const int x_inc = static_cast<int>(((int64_t{src_w} << 16) + (dst_w >> 1)) / dst_w);
  const int y_inc = static_cast<int>(((int64_t{src_h} << 16) + (dst_h >> 1)) / dst_h);
  Result<AxisFilter> across = MakeAxisFilter(x_inc, src_w, dst_w, 4, 1 << 14, kLocalPos, kLocalPos);
  if (!across.ok())
    return across.error().Context(sizes);
  Result<AxisFilter> down = MakeAxisFilter(y_inc, src_h, dst_h, 2, 1 << 12, kLocalPos, kLocalPos);
  if (!down.ok())
    return down.error().Context(sizes);
  Result<int> h_taps = Trim(*across, dst_w, src_w, &s->h_pos, &s->h_coef);
  Result<int> v_taps = Trim(*down, dst_h, src_h, &s->v_pos, &s->v_coef);
  if (!h_taps.ok() || !v_taps.ok())
    return (h_taps.ok() ? v_taps.error() : h_taps.error()).Context(sizes);
  s->h_taps = *h_taps;
  s->v_taps = *v_taps;
  s->v_single = down->size == 1;
  s->win_lo.resize(dst_h);
  s->win_hi.resize(dst_h);
  for (int y = 0; y < dst_h; ++y) {
    s->win_lo[y] = s->v_pos[y];
    s->win_hi[y] = std::min(s->v_pos[y] + s->v_taps, src_h);
  }
  for (int y = dst_h - 2; y >= 0; --y)
    s->win_lo[y] = std::min(s->win_lo[y], s->win_lo[y + 1]);
  for (int y = 1; y < dst_h; ++y)
    s->win_hi[y] = std::max(s->win_hi[y], s->win_hi[y - 1]);
  s->BuildAvx2Tables();
  // Rows padded to whole 32-element vectors plus one (the kernels' last block reads past dst_w).
  s->cache_stride = ((dst_w + 31) & ~31) + 32;
  s->cache_rows = 1;
  for (int y = 0; y < dst_h; ++y)
    s->cache_rows = std::max(s->cache_rows, s->win_hi[y] - s->win_lo[y]);
  s->cache_rows += 1;  // a spare slot: the AVX2 pass filters source rows in pairs
  s->cache.assign(size_t(s->cache_stride) * (s->cache_rows + 1), 0);  // + the zero row
  s->rows.resize(s->v_taps);
  return std::unique_ptr<PlaneScaler>(new PlaneScaler(std::move(s)));
}

bool PlaneScaler::Accelerated() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

void PlaneScaler::Scale(const uint8_t* src,
                        ptrdiff_t src_stride,
                        uint8_t* dst,
                        ptrdiff_t dst_stride) {
  if (Accelerated())
    impl_->Run<true>(src, src_stride, dst, dst_stride);
  else
    impl_->Run<false>(src, src_stride, dst, dst_stride);
}

void PlaneScaler::ScaleScalar(const uint8_t* src,
                              ptrdiff_t src_stride,
                              uint8_t* dst,
                              ptrdiff_t dst_stride) {
  impl_->Run<false>(src, src_stride, dst, dst_stride);
}

// ---- The scalar kernels: swscale's C reference ----

namespace kernels {

// hScale8To15_c: the 15-bit sum, clipped.
void HRowScalar(const FilterView& f, const uint8_t* src, int16_t* out, int from) {
  for (int i = from; i < f.dst_w; ++i) {
    const int p = f.h_pos[i];
    const int n = std::min(f.h_taps, f.src_w - p);
    const int16_t* c = &f.h_coef[size_t(i) * f.h_taps];
    int v = 0;
    for (int j = 0; j < n; ++j)
      v += src[p + j] * c[j];
    out[i] = static_cast<int16_t>(std::min(v >> 7, (1 << 15) - 1));
  }
}

// yuv2planeX_8_c with the flat dither (64), and yuv2plane1_8_c for a one-row filter.
void VRowScalar(const FilterView& f, const int16_t* const* rows, int y, uint8_t* dst, int from) {
  const int16_t* c = &f.v_coef[size_t(y) * f.v_taps];
  for (int x = from; x < f.dst_w; ++x) {
    int v;
    if (f.v_single) {
      v = (rows[0][x] + 64) >> 7;
    } else {
      v = 64 << 12;
      for (int j = 0; j < f.v_taps; ++j)
        v += rows[j][x] * c[j];
      v >>= 19;
    }
    dst[x] = static_cast<uint8_t>(std::clamp(v, 0, 255));
  }
}

}  // namespace kernels

}  // namespace strait::scale
