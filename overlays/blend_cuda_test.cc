// The CUDA blend (blend_cuda.h) against the scalar CPU kernels, bit-exact, on random cards,
// pictures and positions (odd, negative, across every edge), in yuv420p, nv12 and yuv420p10le:
// its kernels' per-thread code run on the CPU (EmulateCudaBlend), on every machine; and on the GPU,
// where there is a CUDA build and a device (elsewhere that test skips and says which is missing).
#include "overlays/blend_cuda.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#ifdef STRAIT_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace strait::overlays {
namespace {

// Premultiplied RGBA rows made of stretches (transparent, one flat translucent colour, opaque
// noise, translucent noise), so that every run kind and every short run appears; some colours
// above their alpha (invalid).
std::vector<uint8_t> RandomCard(int w, int h, std::mt19937& rng) {
  std::vector<uint8_t> rgba(size_t(w) * h * 4);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w;) {
      const int len = 1 + int(rng() % 40), kind = int(rng() % 4);
      const uint8_t fa = uint8_t(1 + rng() % 254), fr = uint8_t(rng() % (fa + 1));
      for (int e = x; e < std::min(w, x + len); ++e) {
        uint8_t* p = &rgba[(size_t(y) * w + e) * 4];
        const uint8_t a = kind == 0 ? 0 : kind == 1 ? fa : kind == 2 ? 255 : uint8_t(rng());
        for (int k = 0; k < 3; ++k)
          p[k] = kind == 1 ? fr : uint8_t(rng() % ((rng() % 20 ? a : 255) + 1));
        p[3] = a;
      }
      x += len;
    }
  }
  return rgba;
}

struct HostPicture {
  PixelFormat format = PixelFormat::kYuv420p;
  int width = 0, height = 0;
  std::vector<uint8_t> planes[3];
  int strides[3] = {};
  int count() const { return format == PixelFormat::kNv12 ? 2 : 3; }
  int rows(int i) const { return i ? (height + 1) / 2 : height; }
  int row_bytes(int i) const {
    const int bytes = format == PixelFormat::kYuv420p10 ? 2 : 1;
    return i ? (width + 1) / 2 * bytes * (format == PixelFormat::kNv12 ? 2 : 1) : width * bytes;
  }
  BlendTarget Target(uint8_t* const data[3],
                     const int pitch[3],
                     Matrix m,
                     Range r,
                     ChromaSiting s) const {
    BlendTarget t;
    t.format = format, t.width = width, t.height = height;
    for (int i = 0; i < count(); ++i)
      t.planes[i] = data[i], t.strides[i] = pitch[i];
    t.matrix = m, t.range = r, t.siting = s;
    return t;
  }
};

HostPicture RandomPicture(PixelFormat format, int w, int h, std::mt19937& rng) {
  HostPicture p;
  p.format = format, p.width = w, p.height = h;
  for (int i = 0; i < p.count(); ++i) {
    p.strides[i] = p.row_bytes(i) + 2 * int(rng() % 5);
    p.planes[i].resize(size_t(p.strides[i]) * p.rows(i));
    for (size_t b = 0; b < p.planes[i].size(); ++b)  // 10-bit: now and then above 1023 (invalid)
      p.planes[i][b] =
          uint8_t(format == PixelFormat::kYuv420p10 && b % 2 && rng() % 30 ? rng() % 4 : rng());
  }
  return p;
}

// Trial `trial` of the random cases both tests run.
struct Case {
  PixelFormat format;
  int w, h, cw, ch, x, y;
  std::vector<uint8_t> rgba;
  Matrix m;
  Range r;
  ChromaSiting s;
  HostPicture picture;
};

Case MakeCase(int trial, std::mt19937& rng) {
  Case c;
  c.format = PixelFormat(trial % 3);
  c.w = 1 + int(rng() % 300), c.h = 1 + int(rng() % 120);
  c.cw = 1 + int(rng() % 200), c.ch = 1 + int(rng() % 80);
  c.rgba = RandomCard(c.cw, c.ch, rng);
  // Random positions across every edge, and the four corners exactly.
  c.x = -c.cw - 2 + int(rng() % (c.w + c.cw + 5)), c.y = -c.ch - 2 + int(rng() % (c.h + c.ch + 5));
  if (trial % 8 < 4) {
    c.x = trial % 2 ? c.w - c.cw : 0;
    c.y = trial % 4 < 2 ? c.h - c.ch : 0;
  }
  c.m = rng() % 2 ? Matrix::kBt601 : Matrix::kBt709;
  c.r = rng() % 2 ? Range::kFull : Range::kLimited;
  c.s = rng() % 2 ? ChromaSiting::kLeft : ChromaSiting::kCenter;
  c.picture = RandomPicture(c.format, c.w, c.h, rng);
  return c;
}

// The scalar CPU blend of `c` on a copy of its picture.
HostPicture ScalarBlend(const Case& c) {
  HostPicture want = c.picture;
  auto card = PreparedCard::Create({c.rgba.data(), c.cw, c.ch, c.cw * 4});
  EXPECT_TRUE(card.ok());
  uint8_t* host[3] = {want.planes[0].data(), want.planes[1].data(), want.planes[2].data()};
  EXPECT_TRUE(
      BlendWith(Isa::kScalar, *card, c.x, c.y, want.Target(host, want.strides, c.m, c.r, c.s))
          .ok());
  return want;
}

std::string Describe(const Case& c, int plane) {
  return "plane " + std::to_string(plane) + ", format " + std::to_string(int(c.format)) + ", " +
         std::to_string(c.w) + "x" + std::to_string(c.h) + ", card " + std::to_string(c.cw) + "x" +
         std::to_string(c.ch) + " at " + std::to_string(c.x) + "," + std::to_string(c.y);
}

TEST(CudaBlendTest, KernelsOnTheCpuMatchTheScalarKernelsBitExactly) {
  std::mt19937 rng(6);
  int changed = 0;
  for (int trial = 0; trial < 120; ++trial) {
    const Case c = MakeCase(trial, rng);
    const HostPicture want = ScalarBlend(c);
    HostPicture got = c.picture;
    auto card = PreparedCard::Create({c.rgba.data(), c.cw, c.ch, c.cw * 4});
    ASSERT_TRUE(card.ok());
    uint8_t* host[3] = {got.planes[0].data(), got.planes[1].data(), got.planes[2].data()};
    ASSERT_TRUE(
        EmulateCudaBlend(*card, c.x, c.y, got.Target(host, got.strides, c.m, c.r, c.s)).ok());
    for (int i = 0; i < c.picture.count(); ++i) {
      ASSERT_EQ(got.planes[i], want.planes[i]) << Describe(c, i);
      changed += got.planes[i] != c.picture.planes[i];
    }
  }
  EXPECT_GT(changed, 120);  // the cards did land on the pictures
  // A malformed target: Blend()'s error.
  std::mt19937 one(1);
  const std::vector<uint8_t> rgba = RandomCard(8, 8, one);
  auto card = PreparedCard::Create({rgba.data(), 8, 8, 32});
  ASSERT_TRUE(card.ok());
  BlendTarget empty;
  empty.width = empty.height = 16;
  EXPECT_FALSE(EmulateCudaBlend(*card, 0, 0, empty).ok());
}

TEST(CudaBlendTest, MatchesTheScalarKernelsBitExactly) {
  std::string why;
  if (!CudaBlendAvailable(&why))
    GTEST_SKIP() << why;
#ifdef STRAIT_HAVE_CUDA
  std::mt19937 rng(6);
  for (int trial = 0; trial < 120; ++trial) {
    const Case c = MakeCase(trial, rng);
    const HostPicture& before = c.picture;
    // The GPU: the picture uploaded with the device's own pitches, blended, downloaded.
    uint8_t* dev[3] = {};
    size_t pitch[3] = {};
    int ipitch[3] = {};
    for (int i = 0; i < before.count(); ++i) {
      ASSERT_EQ(cudaMallocPitch(reinterpret_cast<void**>(&dev[i]), &pitch[i], before.row_bytes(i),
                                before.rows(i)),
                cudaSuccess);
      ipitch[i] = int(pitch[i]);
      ASSERT_EQ(cudaMemcpy2D(dev[i], pitch[i], before.planes[i].data(), before.strides[i],
                             before.row_bytes(i), before.rows(i), cudaMemcpyHostToDevice),
                cudaSuccess);
    }
    auto prepared = PreparedCard::Create({c.rgba.data(), c.cw, c.ch, c.cw * 4});
    ASSERT_TRUE(prepared.ok());
    auto gpu = CudaCard::Create(std::move(*prepared));
    ASSERT_TRUE(gpu.ok()) << gpu.error().message();
    ASSERT_TRUE((*gpu)->Blend(c.x, c.y, before.Target(dev, ipitch, c.m, c.r, c.s), nullptr).ok());
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    HostPicture got = before;
    for (int i = 0; i < before.count(); ++i) {
      ASSERT_EQ(cudaMemcpy2D(got.planes[i].data(), got.strides[i], dev[i], pitch[i],
                             got.row_bytes(i), got.rows(i), cudaMemcpyDeviceToHost),
                cudaSuccess);
      cudaFree(dev[i]);
    }
    const HostPicture want = ScalarBlend(c);
    for (int i = 0; i < before.count(); ++i)
      ASSERT_EQ(got.planes[i], want.planes[i]) << Describe(c, i);
  }
#endif
}

TEST(CudaBlendTest, CreateSaysWhatIsMissing) {
  std::mt19937 rng(1);
  const std::vector<uint8_t> rgba = RandomCard(8, 8, rng);
  auto prepared = PreparedCard::Create({rgba.data(), 8, 8, 32});
  ASSERT_TRUE(prepared.ok());
  std::string why;
  auto gpu = CudaCard::Create(std::move(*prepared));
  if (!CudaBlendAvailable(&why)) {
    ASSERT_FALSE(gpu.ok());
    EXPECT_EQ(gpu.error().message(), "cuda blend: " + why);
    GTEST_SKIP() << why;
  }
  ASSERT_TRUE(gpu.ok()) << gpu.error().message();
  BlendTarget empty;  // no planes: refused before anything reaches the device
  empty.width = empty.height = 16;
  EXPECT_FALSE((*gpu)->Blend(0, 0, empty, nullptr).ok());
}

}  // namespace
}  // namespace strait::overlays
