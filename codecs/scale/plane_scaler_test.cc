// PlaneScaler against libswscale on whole yuv420p pictures (the same bytes as SWS_BILINEAR |
// SWS_ACCURATE_RND, within 1 of plain SWS_BILINEAR), the AVX2 kernels against the scalar ones,
// and its errors.
#include "codecs/scale/plane_scaler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include <libswscale/swscale.h>
}

namespace strait::scale {
namespace {

// One plane, rows `stride` apart, in a buffer that ends with its last row's last sample.
struct Plane {
  int width = 0, height = 0, stride = 0;
  std::vector<uint8_t> bytes;
  Plane(int w, int h, int s) : width(w), height(h), stride(s), bytes(size_t(s) * (h - 1) + w) {}
  uint8_t* row(int y) { return &bytes[size_t(y) * stride]; }
  const uint8_t* row(int y) const { return &bytes[size_t(y) * stride]; }
};

// Random noise (kind 0) or a smooth gradient with a little noise (kind 1): a filter error shows
// on the first, a rounding error on the second.
Plane MakePlane(int w, int h, int stride, int kind, std::mt19937& rng) {
  Plane p(w, h, stride);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int v = int(rng() & 255);
      if (kind == 1) {
        const double g = 128 + 100 * std::sin(x * 0.013) * std::cos(y * 0.021) + (x + y) * 0.02;
        v = std::clamp(int(std::lround(g)) + int(rng() % 9) - 4, 0, 255);
      }
      p.row(y)[x] = uint8_t(v);
    }
  }
  return p;
}

// Scales Y, U and V of a yuv420p picture with swscale.
std::vector<Plane> Swscale(const std::vector<Plane>& in, int dst_w, int dst_h, int flags) {
  SwsContext* sws = sws_getContext(in[0].width, in[0].height, AV_PIX_FMT_YUV420P, dst_w, dst_h,
                                   AV_PIX_FMT_YUV420P, flags, nullptr, nullptr, nullptr);
  EXPECT_NE(sws, nullptr);
  std::vector<Plane> out = {Plane(dst_w, dst_h, dst_w + 64),
                            Plane((dst_w + 1) / 2, (dst_h + 1) / 2, dst_w / 2 + 64),
                            Plane((dst_w + 1) / 2, (dst_h + 1) / 2, dst_w / 2 + 64)};
  for (Plane& p : out)  // swscale may write whole vectors past a row's end: room for it
    p.bytes.resize(p.bytes.size() + 64);
  const uint8_t* src[4] = {in[0].bytes.data(), in[1].bytes.data(), in[2].bytes.data(), nullptr};
  const int src_stride[4] = {in[0].stride, in[1].stride, in[2].stride, 0};
  uint8_t* dst[4] = {out[0].bytes.data(), out[1].bytes.data(), out[2].bytes.data(), nullptr};
  const int dst_stride[4] = {out[0].stride, out[1].stride, out[2].stride, 0};
  if (sws) {
    sws_scale(sws, src, src_stride, 0, in[0].height, dst, dst_stride);
    sws_freeContext(sws);
  }
  return out;
}

enum class Path { kDispatch, kScalar };

Plane Strait(const Plane& in, int dst_w, int dst_h, int dst_stride, Path path) {
  Plane out(dst_w, dst_h, dst_stride);
  auto s = PlaneScaler::Create(in.width, in.height, dst_w, dst_h);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
  if (!s.ok())
    return out;
  if (path == Path::kScalar)
    (*s)->ScaleScalar(in.bytes.data(), in.stride, out.bytes.data(), out.stride);
  else
    (*s)->Scale(in.bytes.data(), in.stride, out.bytes.data(), out.stride);
  return out;
}

// The largest difference between two planes' samples.
int MaxDiff(const Plane& a, const Plane& b) {
  int d = 0;
  for (int y = 0; y < a.height; ++y) {
    for (int x = 0; x < a.width; ++x)
      d = std::max(d, std::abs(a.row(y)[x] - b.row(y)[x]));
  }
  return d;
}

struct Case {
  int src_w, src_h, dst_w, dst_h;
};
std::string Name(const Case& c) {
  return std::to_string(c.src_w) + "x" + std::to_string(c.src_h) + " -> " +
         std::to_string(c.dst_w) + "x" + std::to_string(c.dst_h);
}

// The ladder's rungs from 1080p, odd sizes, one axis unscaled, the 8x end, tiny pictures, and
// random ratios (seeded).
std::vector<Case> Cases() {
  std::vector<Case> cases = {{1920, 1080, 1280, 720},
                             {1920, 1080, 854, 480},
                             {1920, 1080, 640, 360},
                             {1919, 1081, 853, 479},
                             {1921, 1079, 641, 361},
                             {1280, 720, 1280, 360},
                             {1280, 720, 640, 720},
                             {1920, 1080, 240, 136},
                             {7, 5, 3, 2},
                             {2, 2, 2, 2},
                             {33, 17, 32, 16}};
  std::mt19937 rng(1080);
  for (int i = 0; i < 12; ++i) {
    const int sw = 16 + int(rng() % 1200), sh = 16 + int(rng() % 700);
    cases.push_back({sw, sh, std::max(1, int(sw / (1 + (rng() % 700) / 100.0))),
                     std::max(1, int(sh / (1 + (rng() % 700) / 100.0)))});
  }
  return cases;
}

void CompareWithSwscale(int flags, int tolerance, Path path) {
  std::mt19937 rng(720);
  int i = 0;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(Name(c));
    const int kind = i++ % 2;
    const int cw = (c.src_w + 1) / 2, ch = (c.src_h + 1) / 2;
    const std::vector<Plane> in = {MakePlane(c.src_w, c.src_h, c.src_w + (i % 3) * 13, kind, rng),
                                   MakePlane(cw, ch, cw + (i % 2) * 7, kind, rng),
                                   MakePlane(cw, ch, cw, kind, rng)};
    const std::vector<Plane> want = Swscale(in, c.dst_w, c.dst_h, flags);
    for (int p = 0; p < 3; ++p) {
      const Plane got = Strait(in[p], want[p].width, want[p].height, want[p].width + i % 5, path);
      EXPECT_LE(MaxDiff(got, want[p]), tolerance) << "plane " << p;
    }
  }
}

TEST(PlaneScalerTest, IsSwscaleBilinearWithAccurateRounding) {
  CompareWithSwscale(SWS_BILINEAR | SWS_ACCURATE_RND, 0, Path::kDispatch);
}

TEST(PlaneScalerTest, ScalarReferenceIsSwscaleBilinearWithAccurateRounding) {
  CompareWithSwscale(SWS_BILINEAR | SWS_ACCURATE_RND, 0, Path::kScalar);
}

TEST(PlaneScalerTest, IsWithinOneOfPlainSwscaleBilinear) {
  CompareWithSwscale(SWS_BILINEAR, 1, Path::kDispatch);
}

TEST(PlaneScalerTest, Avx2MatchesScalar) {
  if (!PlaneScaler::Accelerated())
    GTEST_SKIP() << "this CPU has no AVX2: Scale() runs the scalar kernels";
  std::mt19937 rng(2);
  for (int trial = 0; trial < 60; ++trial) {
    const int sw = 2 + int(rng() % 700), sh = 2 + int(rng() % 300);
    const int dw = std::max(1, int(sw / (1 + (rng() % 800) / 100.0)));
    const int dh = std::max(1, int(sh / (1 + (rng() % 800) / 100.0)));
    const Plane in = MakePlane(sw, sh, sw + int(rng() % 40), trial % 2, rng);
    const int stride = dw + int(rng() % 40);
    const Plane a = Strait(in, dw, dh, stride, Path::kDispatch);
    const Plane b = Strait(in, dw, dh, stride, Path::kScalar);
    ASSERT_EQ(a.bytes, b.bytes) << Name({sw, sh, dw, dh});
  }
}

TEST(PlaneScalerTest, ScalesTheSamePictureAgainTheSame) {
  // The row cache carries nothing from one picture to the next.
  std::mt19937 rng(3);
  auto s = PlaneScaler::Create(300, 200, 128, 72);
  ASSERT_TRUE(s.ok());
  const Plane in = MakePlane(300, 200, 300, 0, rng), other = MakePlane(300, 200, 300, 1, rng);
  Plane first(128, 72, 128), again(128, 72, 128);
  (*s)->Scale(in.bytes.data(), in.stride, first.bytes.data(), first.stride);
  (*s)->Scale(other.bytes.data(), other.stride, again.bytes.data(), again.stride);
  (*s)->Scale(in.bytes.data(), in.stride, again.bytes.data(), again.stride);
  EXPECT_EQ(first.bytes, again.bytes);
}

TEST(PlaneScalerTest, CreateRejectsBadSizesAndUpscales) {
  for (const Case& c : std::vector<Case>{{0, 10, 1, 1},
                                         {10, 10, 0, 5},
                                         {20000, 10, 10, 10},
                                         {10, 10, 11, 10},
                                         {10, 10, 10, 11}}) {
    auto s = PlaneScaler::Create(c.src_w, c.src_h, c.dst_w, c.dst_h);
    ASSERT_FALSE(s.ok()) << Name(c);
    EXPECT_NE(s.error().message().find("scale"), std::string::npos) << s.error().message();
  }
}

}  // namespace
}  // namespace strait::scale
