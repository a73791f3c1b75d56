#include "overlays/blend.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
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

PreparedCard PreparedCard::Copy() const {
  PreparedCard p;
  p.width_ = width_;
  p.height_ = height_;
  p.rgba_ = rgba_;
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

void Row8Scalar(uint8_t* __restrict dst,
                const uint8_t* __restrict p,
                const uint8_t* __restrict ia,
                int n) {
  for (int i = 0; i < n; ++i)
    dst[i] = static_cast<uint8_t>(p[i] + Scale8(dst[i], ia[i]));
}

void Row10Scalar(uint16_t* __restrict dst,
                 const uint32_t* __restrict p,
                 const uint16_t* __restrict ia,
                 int n) {
  for (int i = 0; i < n; ++i) {
    const uint32_t d = std::min<uint32_t>(dst[i], 1023);
    dst[i] = static_cast<uint16_t>((p[i] + d * ia[i]) / 2040u);
  }
}

void Flat10Scalar(uint16_t* dst, uint32_t p0, uint32_t p1, uint16_t ia, int n) {
  for (int i = 0; i < n; ++i) {
    const uint32_t d = std::min<uint32_t>(dst[i], 1023);
    dst[i] = static_cast<uint16_t>(((i & 1 ? p1 : p0) + d * ia) / 2040u);
  }
}

void Runs8Scalar(const Runs8Job& job) {
  for (int y = 0; y < job.rows; ++y) {
    const size_t row = size_t(y) * job.stride;
    for (int r = job.row_runs[y]; r < job.row_runs[y + 1]; ++r) {
      const PlaneRun& run = job.runs[r];
      const int lo = std::max(job.lo, run.begin), hi = std::min(job.hi, run.end);
      const int n = hi - lo;
      if (n <= 0)
        continue;
      for (int k = 0; k < job.planes; ++k)
        Row8Scalar(job.dst[k] + y * job.dst_stride[k] + lo, job.p[k] + row + lo, job.ia + row + lo,
                   n);
    }
  }
}

const RowKernels kScalar = {Row8Scalar, Row10Scalar, Flat10Scalar, Runs8Scalar};

}  // namespace kernels

bool IsaSupported(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return true;
    case Isa::kSse41:
      return __builtin_cpu_supports("sse4.1");
    case Isa::kAvx2:  // blend_avx2.cc is built with -mfma too
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::kAvx512:  // 8-bit kernels in AVX-512BW/VL, 10-bit ones from the AVX2 table
      return IsaSupported(Isa::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  }
  return false;
}

Isa BestIsa() {
  static const Isa best = IsaSupported(Isa::kAvx512)  ? Isa::kAvx512
                          : IsaSupported(Isa::kAvx2)  ? Isa::kAvx2
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
    case Isa::kAvx512:
      return "avx512";
  }
  return "?";
}

const kernels::RowKernels& kernels::KernelsFor(Isa isa) {
  switch (isa) {
    case Isa::kSse41:
      return kSse41;
    case Isa::kAvx2:
      return kAvx2;
    case Isa::kAvx512:
      return kAvx512;
    default:
      return kScalar;
  }
}

Status ValidateTarget(const BlendTarget& t) {
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

bool LayoutBlend(int card_width,
                 int card_height,
                 int x,
                 int y,
                 const BlendTarget& t,
                 BlendLayout* out) {
  // The visible part of the card, in picture luma coordinates.
  const int vx0 = static_cast<int>(std::max<int64_t>(x, 0));
  const int vy0 = static_cast<int>(std::max<int64_t>(y, 0));
  const int vx1 = static_cast<int>(std::min<int64_t>(int64_t(x) + card_width, t.width));
  const int vy1 = static_cast<int>(std::min<int64_t>(int64_t(y) + card_height, t.height));
  if (vx0 >= vx1 || vy0 >= vy1)
    return false;
  PreparedCard::PlanesKey key;
  key.bit_depth = t.format == PixelFormat::kYuv420p10 ? 10 : 8;
  key.matrix = t.matrix;
  key.range = t.range;
  out->luma = key;
  out->luma_span = {vy0, vy1 - vy0, vy0 - y, vx0, vx1 - vx0, vx0 - x};
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
  out->chroma = key;
  out->chroma_span = {r0,        r1 - r0,          r0 - (y >> 1),
                      c0 * step, (c1 - c0) * step, (c0 - (x >> 1)) * step};
  return true;
}

namespace {

using Planes = PreparedCard::Planes;
using Span = PlaneSpan;

// 8 bits: the span in one call of the kernels' run loop (not one a run or a row: rendered cards
// have several short runs a row), both planar chroma planes in the same pass.
void BlendPlanes8(const kernels::RowKernels& k,
                  const Planes& pl,
                  uint8_t* const base[2],
                  const int stride[2],
                  const Span& s) {
  kernels::Runs8Job job{};
  const size_t at = size_t(s.src_row0) * pl.stride;
  job.planes = pl.planes();
  for (int i = 0; i < job.planes; ++i) {
    job.dst[i] = base[i] + ptrdiff_t(s.row0) * stride[i] + ptrdiff_t(s.col0 - s.src_col0);
    job.dst_stride[i] = stride[i];
    job.p[i] = &pl.p8[i][at];
  }
  job.ia = &pl.ia8[at];
  job.stride = pl.stride;
  job.runs = pl.runs.data();
  job.row_runs = &pl.row_runs[s.src_row0];
  job.rows = s.rows;
  job.lo = s.src_col0;
  job.hi = s.src_col0 + s.cols;
  k.runs8(job);
}

// 10 bits: run by run.
void BlendPlane10(const kernels::RowKernels& k,
                  const Planes& pl,
                  int which,
                  uint8_t* base,
                  int stride,
                  const Span& s) {
  for (int r = 0; r < s.rows; ++r) {
    const int sr = s.src_row0 + r;
    uint8_t* row = base + ptrdiff_t(s.row0 + r) * stride + ptrdiff_t(s.col0 - s.src_col0) * 2;
    for (int i = pl.row_runs[sr]; i < pl.row_runs[sr + 1]; ++i) {
      const PlaneRun& run = pl.runs[i];
      const int lo = std::max(s.src_col0, run.begin);
      const int hi = std::min(s.src_col0 + s.cols, run.end);
      if (lo >= hi)
        continue;
      const int n = hi - lo;
      const size_t at = size_t(sr) * pl.stride + lo;
      uint16_t* dst = reinterpret_cast<uint16_t*>(row + ptrdiff_t(lo) * 2);
      if (run.kind == RunKind::kCopy)
        std::memcpy(dst, &pl.solid10[which][at], size_t(n) * 2);
      else if (run.kind == RunKind::kFlat && n >= 2)  // p alternates from dst[0]
        k.flat10(dst, pl.p10[which][at], pl.p10[which][at + 1], pl.ia10[at], n);
      else
        k.row10(dst, &pl.p10[which][at], &pl.ia10[at], n);
    }
  }
}

// Every plane `pl` stands for: Y; nv12's UV; yuv420p's U and V (planes 1 and 2 of the picture).
void BlendPlanes(const kernels::RowKernels& k,
                 const Planes& pl,
                 uint8_t* const base[2],
                 const int stride[2],
                 const Span& s) {
  if (!pl.ten()) {
    BlendPlanes8(k, pl, base, stride, s);
    return;
  }
  for (int i = 0; i < pl.planes(); ++i)
    BlendPlane10(k, pl, i, base[i], stride[i], s);
}

}  // namespace

Status BlendWith(Isa isa, PreparedCard& card, int x, int y, const BlendTarget& t) {
  if (!IsaSupported(isa))
    return Error(std::string("blend: this CPU has no ") + IsaName(isa));
  if (Status s = ValidateTarget(t); !s.ok())
    return s;
  BlendLayout l;
  if (!LayoutBlend(card.width(), card.height(), x, y, t, &l))
    return OkStatus();
  const kernels::RowKernels& k = kernels::KernelsFor(isa);
  BlendPlanes(k, card.GetPlanes(l.luma), t.planes, t.strides, l.luma_span);
  BlendPlanes(k, card.GetPlanes(l.chroma), t.planes + 1, t.strides + 1, l.chroma_span);
  return OkStatus();
}

Status Blend(PreparedCard& card, int x, int y, const BlendTarget& target) {
  return BlendWith(BestIsa(), card, x, y, target);
}

namespace {

// `target`'s size, planes and colour description from `frame` (already writable).
BlendTarget Describe(Frame& frame, PixelFormat format) {
  BlendTarget t;
  t.format = format;
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

}  // namespace

Result<BlendTarget> TargetForFrame(Frame& frame, FramePool* pool) {
  PixelFormat format = PixelFormat::kYuv420p;
  switch (frame.layout()) {
    case Frame::Layout::kYuv420p:
      format = PixelFormat::kYuv420p;
      break;
    case Frame::Layout::kNv12:
      format = PixelFormat::kNv12;
      break;
    case Frame::Layout::kYuv420p10:
      format = PixelFormat::kYuv420p10;
      break;
    default:
      return Error("blend: pictures must be yuv420p, nv12 or yuv420p10le");
  }
  if (Status s = pool ? pool->MakeWritable(frame) : frame.MakeWritable(); !s.ok())
    return s.error().Context("blend");
  return Describe(frame, format);
}

Result<BlendTarget> TargetForDeviceFrame(Frame& frame) {
  if (!frame.on_device())
    return Error("blend: not a GPU picture");
  if (frame.device_layout() != Frame::Layout::kNv12)
    return Error("blend: GPU pictures must be NV12");
  if (Status s = frame.MakeWritable(); !s.ok())
    return s.error().Context("blend");
  return Describe(frame, PixelFormat::kNv12);
}

}  // namespace strait::overlays
