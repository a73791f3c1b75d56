#include "overlays/blend.h"

#include <algorithm>
#include <cstring>
#include <cstdlib>
#include <string>

#include "overlays/blend_kernels.h"
#include "overlays/blend_planes.h"

namespace strait::overlays {

// ---- PreparedCard ----

Result<PreparedCard> PreparedCard::Create(const RgbaView& card) {
  constexpr int kMaxSide = 8192;
  if (!card.data || card.width <= 0 || card.height <= 0)
    return Error("blend: empty card");
  if (card.width > kMaxSide || card.height > kMaxSide)
    return Error("blend: card " + std::to_string(card.width) + "x" + std::to_string(card.height) +
                 " is larger than " + std::to_string(kMaxSide) + " a side");
  if (card.stride < card.width * 4)
    return Error("blend: card stride " + std::to_string(card.stride) + " is under 4 x width");
  PreparedCard p;
  p.width_ = card.width;
  p.height_ = card.height;
  p.rgba_.resize(size_t(card.width) * card.height * 4);
  for (int y = 0; y < card.height; ++y) {
    std::copy_n(card.data + size_t(y) * card.stride, size_t(card.width) * 4,
                &p.rgba_[size_t(y) * card.width * 4]);
  }
  return p;
}

PreparedCard::PreparedCard(PreparedCard&&) noexcept = default;
PreparedCard& PreparedCard::operator=(PreparedCard&&) noexcept = default;
PreparedCard::~PreparedCard() = default;

const PreparedCard::Planes& PreparedCard::GetPlanes(const PlanesKey& key) {
  for (const auto& p : cache_) {
    if (p->key == key)
      return *p;
  }
  cache_.push_back(MakePlanes(key, rgba_, width_, height_));
  return *cache_.back();
}

// ---- Kernels and dispatch ----

namespace kernels {

void Row8Scalar(uint8_t* __restrict dst, const uint16_t* __restrict p,
                const uint8_t* __restrict ia, int n) {
  for (int i = 0; i < n; ++i)
    dst[i] = static_cast<uint8_t>((p[i] + dst[i] * ia[i]) / 255u);
}

void Row10Scalar(uint16_t* __restrict dst, const uint32_t* __restrict p,
                 const uint16_t* __restrict ia, int n) {
  for (int i = 0; i < n; ++i) {
    const uint32_t d = std::min<uint32_t>(dst[i], 1023);
    dst[i] = static_cast<uint16_t>((p[i] + d * ia[i]) / 2040u);
  }
}

void Flat8Scalar(uint8_t* dst, uint16_t p0, uint16_t p1, uint8_t ia, int n) {
  for (int i = 0; i < n; ++i)
    dst[i] = static_cast<uint8_t>(((i & 1 ? p1 : p0) + dst[i] * ia) / 255u);
}

void Flat10Scalar(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n) {
  for (int i = 0; i < n; ++i) {
    const uint32_t d = std::min<uint32_t>(dst[i], 1023);
    dst[i] = static_cast<uint16_t>(((i & 1 ? p1 : p0) + d * ia) / 2040u);
  }
}

const RowKernels kScalar = {Row8Scalar, Row10Scalar, Flat8Scalar, Flat10Scalar};

}  // namespace kernels

bool IsaSupported(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kSse41:
      return __builtin_cpu_supports("sse4.1");
    case Isa::kAvx2:  // blend_avx2.cc is built with -mfma too
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return false;
}

Isa BestIsa() {
  static const Isa best = IsaSupported(Isa::kAvx2)    ? Isa::kAvx2
                          : IsaSupported(Isa::kSse41) ? Isa::kSse41
                                                      : Isa::kScalar;
  return best;
}

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse41:
      return "sse4.1";
    case Isa::kAvx2:
      return "avx2";
  }
  return "?";
}

namespace {

using Planes = PreparedCard::Planes;

const kernels::RowKernels& KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kSse41:
      return kernels::kSse41;
    case Isa::kAvx2:
      return kernels::kAvx2;
    default:
      return kernels::kScalar;
  }
}

Status Validate(const BlendTarget& t) {
  if (t.width <= 0 || t.height <= 0)
    return Error("blend: empty picture");
  const int bytes = t.format == PixelFormat::kYuv420p10 ? 2 : 1;
  const int chroma_width = (t.width + 1) / 2 * bytes * (t.format == PixelFormat::kNv12 ? 2 : 1);
  const int planes = t.format == PixelFormat::kNv12 ? 2 : 3;
  for (int i = 0; i < planes; ++i) {
    const int row = i == 0 ? t.width * bytes : chroma_width;
    if (!t.planes[i] || std::abs(t.strides[i]) < row)
      return Error("blend: plane " + std::to_string(i) + " missing or its stride too small");
    if (bytes == 2 && ((reinterpret_cast<uintptr_t>(t.planes[i]) | t.strides[i]) & 1))
      return Error("blend: 10-bit plane " + std::to_string(i) + " not 2-byte aligned");
  }
  return OkStatus();
}

// A rectangle of the prepared planes onto a picture plane: rows [row0, row0 + rows) and
// elements [col0, col0 + cols) of the picture take prepared rows/elements from (src_row0,
// src_col0) on, run by run.
struct Span {
  int row0, rows, src_row0;
  int col0, cols, src_col0;
};

void BlendPlane(const kernels::RowKernels& k, const Planes& pl, int which, uint8_t* base,
                int stride, const Span& s) {
  const bool ten = pl.ten();
  const int bytes = ten ? 2 : 1;
  for (int r = 0; r < s.rows; ++r) {
    const int sr = s.src_row0 + r;
    uint8_t* row = base + ptrdiff_t(s.row0 + r) * stride + ptrdiff_t(s.col0 - s.src_col0) * bytes;
    for (int i = pl.row_runs[sr]; i < pl.row_runs[sr + 1]; ++i) {
      const PlaneRun& run = pl.runs[i];
      const int lo = std::max(s.src_col0, run.begin);
      const int hi = std::min(s.src_col0 + s.cols, run.end);
      if (lo >= hi)
        continue;
      const int n = hi - lo;
      const size_t at = size_t(sr) * pl.width + lo;
      uint8_t* dst = row + ptrdiff_t(lo) * bytes;
      RunKind kind = run.kind;
      if (kind == RunKind::kFlat && n < 2)  // p alternates from dst[0]: needs two samples
        kind = RunKind::kBlend;
      if (kind == RunKind::kCopy) {
        std::memcpy(dst, ten ? static_cast<const void*>(&pl.solid10[which][at]) : &pl.solid8[which][at],
                    size_t(n) * bytes);
      } else if (kind == RunKind::kFlat && ten) {
        k.flat10(reinterpret_cast<uint16_t*>(dst), pl.p10[which][at], pl.p10[which][at + 1],
                 pl.ia10[at], n);
      } else if (kind == RunKind::kFlat) {
        k.flat8(dst, pl.p8[which][at], pl.p8[which][at + 1], pl.ia8[at], n);
      } else if (ten) {
        k.row10(reinterpret_cast<uint16_t*>(dst), &pl.p10[which][at], &pl.ia10[at], n);
      } else {
        k.row8(dst, &pl.p8[which][at], &pl.ia8[at], n);
      }
    }
  }
}

}  // namespace

Status BlendWith(Isa isa, PreparedCard& card, int x, int y, const BlendTarget& t) {
  if (!IsaSupported(isa))
    return Error(std::string("blend: this CPU has no ") + IsaName(isa));
  if (Status s = Validate(t); !s.ok())
    return s;
  // The visible part of the card, in picture luma coordinates.
  const int vx0 = static_cast<int>(std::max<int64_t>(x, 0));
  const int vy0 = static_cast<int>(std::max<int64_t>(y, 0));
  const int vx1 = static_cast<int>(std::min<int64_t>(int64_t(x) + card.width(), t.width));
  const int vy1 = static_cast<int>(std::min<int64_t>(int64_t(y) + card.height(), t.height));
  if (vx0 >= vx1 || vy0 >= vy1)
    return OkStatus();
  const kernels::RowKernels& k = KernelsFor(isa);
  PreparedCard::PlanesKey key;
  key.bit_depth = t.format == PixelFormat::kYuv420p10 ? 10 : 8;
  key.matrix = t.matrix;
  key.range = t.range;
  BlendPlane(k, card.GetPlanes(key), 0, t.planes[0], t.strides[0],
             {vy0, vy1 - vy0, vy0 - y, vx0, vx1 - vx0, vx0 - x});

  // Chroma samples standing for a visible pixel: center siting covers luma columns 2c, 2c + 1,
  // left siting 2c - 1 .. 2c + 1; rows 2r, 2r + 1 (C++20: >> floors negative numbers).
  key.chroma = true;
  key.siting = t.siting;
  key.parity_x = x & 1;
  key.parity_y = y & 1;
  key.interleaved = t.format == PixelFormat::kNv12;
  const int c0 = vx0 >> 1;
  const int c1 = t.siting == ChromaSiting::kLeft ? std::min((vx1 >> 1) + 1, (t.width + 1) / 2)
                                                 : ((vx1 - 1) >> 1) + 1;
  const int r0 = vy0 >> 1, r1 = ((vy1 - 1) >> 1) + 1;
  const int step = key.interleaved ? 2 : 1;
  const Span span{r0, r1 - r0, r0 - (y >> 1), c0 * step, (c1 - c0) * step, (c0 - (x >> 1)) * step};
  const Planes& chroma = card.GetPlanes(key);
  BlendPlane(k, chroma, 0, t.planes[1], t.strides[1], span);
  if (!key.interleaved)
    BlendPlane(k, chroma, 1, t.planes[2], t.strides[2], span);
  return OkStatus();
}

Status Blend(PreparedCard& card, int x, int y, const BlendTarget& target) {
  return BlendWith(BestIsa(), card, x, y, target);
}

Result<BlendTarget> TargetForFrame(Frame& frame) {
  BlendTarget t;
  switch (frame.layout()) {
    case Frame::Layout::kYuv420p:
      t.format = PixelFormat::kYuv420p;
      break;
    case Frame::Layout::kNv12:
      t.format = PixelFormat::kNv12;
      break;
    case Frame::Layout::kYuv420p10:
      t.format = PixelFormat::kYuv420p10;
      break;
    default:
      return Error("blend: pictures must be yuv420p, nv12 or yuv420p10le");
  }
  if (Status s = frame.MakeWritable(); !s.ok())
    return s.error().Context("blend");
  t.width = frame.width();
  t.height = frame.height();
  for (int i = 0; i < (t.format == PixelFormat::kNv12 ? 2 : 3); ++i) {
    t.planes[i] = frame.data(i);
    t.strides[i] = frame.linesize(i);
  }
  t.matrix = frame.bt601() ? Matrix::kBt601 : Matrix::kBt709;
  t.range = frame.full_range() ? Range::kFull : Range::kLimited;
  t.siting = frame.chroma_center() ? ChromaSiting::kCenter : ChromaSiting::kLeft;
  return t;
}

}  // namespace strait::overlays
