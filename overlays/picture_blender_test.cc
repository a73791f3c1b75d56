// PictureBlender (picture_blender.h): a picture in system memory gets the CPU blend, copied first
// when the decoder still holds it; on the GPU (where there is a CUDA build and a device; the test
// skips and says which is missing elsewhere) a picture gets the CUDA blend in device memory, with
// the same bytes as the CPU blend of the same picture, and the decoder's reference untouched.
#include "overlays/picture_blender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "codecs/cuda/scaler.h"
#include "overlays/blend_cuda.h"

namespace strait::overlays {
namespace {

// A card of premultiplied RGBA noise, opaque in its middle, translucent around it.
PreparedCard NoiseCard(int w, int h, std::mt19937& rng) {
  std::vector<uint8_t> rgba(size_t(w) * h * 4);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgba[(size_t(y) * w + x) * 4];
      const bool edge = x < 8 || y < 8 || x >= w - 8 || y >= h - 8;
      p[3] = edge ? uint8_t(rng() % 256) : 255;
      for (int c = 0; c < 3; ++c)
        p[c] = uint8_t(rng() % (p[3] + 1));
    }
  }
  Result<PreparedCard> card = PreparedCard::Create({rgba.data(), w, h, w * 4});
  EXPECT_TRUE(card.ok());
  return std::move(*card);
}

Frame NoisePicture(int w, int h, Frame::Layout layout, std::mt19937& rng) {
  Frame f = *Frame::AllocateVideo(w, h, layout);
  for (int p = 0; p < (layout == Frame::Layout::kNv12 ? 2 : 3); ++p) {
    const int rows = p ? (h + 1) / 2 : h;
    const int bytes = p ? (w + 1) / 2 * (layout == Frame::Layout::kNv12 ? 2 : 1) : w;
    for (int y = 0; y < rows; ++y) {
      for (int x = 0; x < bytes; ++x)
        f.data(p)[size_t(y) * f.linesize(p) + x] = uint8_t(rng());
    }
  }
  return f;
}

bool SamePixels(const Frame& a, const Frame& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.layout() != b.layout())
    return false;
  const int planes = a.layout() == Frame::Layout::kNv12 ? 2 : 3;
  for (int p = 0; p < planes; ++p) {
    const int rows = p ? (a.height() + 1) / 2 : a.height();
    const int sample = a.layout() == Frame::Layout::kYuv420p10 ? 2 : 1;
    const int bytes = (p ? (a.width() + 1) / 2 * (planes == 2 ? 2 : 1) : a.width()) * sample;
    for (int y = 0; y < rows; ++y) {
      if (!std::equal(a.data(p) + size_t(y) * a.linesize(p),
                      a.data(p) + size_t(y) * a.linesize(p) + bytes,
                      b.data(p) + size_t(y) * b.linesize(p)))
        return false;
    }
  }
  return true;
}

// A private copy of `picture`'s pixels (MakeWritable copies a picture another Frame shares).
Frame Copy(const Frame& picture) {
  Frame copy = picture;
  EXPECT_TRUE(copy.MakeWritable().ok());
  return copy;
}

// The CPU reference: Blend() on a private copy of `picture` (TargetForFrame makes it).
Frame CpuBlend(const Frame& picture, PreparedCard& card, int x, int y) {
  Frame copy = picture;
  auto target = TargetForFrame(copy);
  EXPECT_TRUE(target.ok());
  EXPECT_TRUE(Blend(card, x, y, *target).ok());
  return copy;
}

TEST(PictureBlenderTest, SystemMemoryPicturesGetTheCpuBlendOnACopy) {
  std::mt19937 rng(3);
  FramePool pool;
  for (Frame::Layout layout : {Frame::Layout::kYuv420p, Frame::Layout::kNv12}) {
    PictureBlender blender(NoiseCard(120, 48, rng));
    for (const auto& [x, y] : {std::pair{0, 0}, {-31, 17}, {257, 101}, {300, 190}}) {
      const Frame original = NoisePicture(320, 240, layout, rng);
      const Frame before = Copy(original);
      Frame picture = original;  // the decoder still holds `original`
      std::string fallback;
      ASSERT_TRUE(blender.BlendInto(picture, x, y, &pool, &fallback).ok());
      EXPECT_TRUE(fallback.empty());
      EXPECT_FALSE(blender.blended_on_gpu());
      EXPECT_FALSE(picture.on_device());
      EXPECT_NE(picture.data(0), original.data(0)) << "blended on a copy";
      EXPECT_TRUE(SamePixels(original, before)) << "the decoder's picture is untouched";
      EXPECT_FALSE(SamePixels(picture, original));
    }
  }
}

TEST(PictureBlenderTest, BlendsTheSameBytesAsBlend) {
  std::mt19937 rng(4);
  std::mt19937 card_rng(5), same_rng(5);
  PictureBlender blender(NoiseCard(96, 40, card_rng));
  PreparedCard reference = NoiseCard(96, 40, same_rng);
  for (const auto& [x, y] : {std::pair{0, 0}, {-7, -3}, {131, 77}, {201, 119}}) {
    const Frame original = NoisePicture(222, 130, Frame::Layout::kNv12, rng);
    const Frame want = CpuBlend(original, reference, x, y);
    Frame picture = original;
    ASSERT_TRUE(blender.BlendInto(picture, x, y, nullptr, nullptr).ok());
    EXPECT_TRUE(SamePixels(picture, want)) << x << "," << y;
  }
}

// A P010 picture (NVDEC's 10-bit output, downloaded) is repacked as yuv420p10le and blended
// there: the card lands as on the CPU decoder's 10-bit pictures.
TEST(PictureBlenderTest, P010PicturesAreBlendedAsPlanarTenBit) {
  std::mt19937 rng(8);
  std::mt19937 card_rng(9), same_rng(9);
  PictureBlender blender(NoiseCard(80, 30, card_rng));
  PreparedCard reference = NoiseCard(80, 30, same_rng);
  Frame p010 = *Frame::AllocateVideo(160, 90, Frame::Layout::kP010);
  for (int p = 0; p < 2; ++p) {
    for (int y = 0; y < (p ? 45 : 90); ++y) {
      auto* row = reinterpret_cast<uint16_t*>(p010.data(p) + size_t(y) * p010.linesize(p));
      for (int x = 0; x < 160; ++x)
        row[x] = uint16_t((64 + rng() % 877) << 6);  // limited range
    }
  }
  Result<Frame> planar = Yuv420p10FromP010(p010);
  ASSERT_TRUE(planar.ok());
  const Frame want = CpuBlend(*planar, reference, 50, 40);
  Frame picture = p010;
  ASSERT_TRUE(blender.BlendInto(picture, 50, 40, nullptr, nullptr).ok());
  ASSERT_EQ(picture.layout(), Frame::Layout::kYuv420p10);
  EXPECT_TRUE(SamePixels(picture, want));
}

// On the GPU: a decoder-held NV12 picture in device memory is copied there and blended there,
// with the CPU blend's bytes; the held reference is untouched. Skips without a CUDA build or
// device.
TEST(PictureBlenderTest, GpuPicturesAreBlendedOnTheGpuWithTheCpuBlendsBytes) {
  std::string why;
  if (!CudaBlendAvailable(&why))
    GTEST_SKIP() << why;
  std::mt19937 rng(6);
  std::mt19937 card_rng(7), same_rng(7);
  PictureBlender blender(NoiseCard(600, 200, card_rng));
  PreparedCard reference = NoiseCard(600, 200, same_rng);
  auto context = cuda::Scaler::Create(1280, 720);
  ASSERT_TRUE(context.ok()) << context.error().message();
  for (const auto& [x, y] : {std::pair{0, 0}, {641, 475}, {-101, 33}, {1000, 600}, {1279, 719}}) {
    SCOPED_TRACE(std::to_string(x) + "," + std::to_string(y));
    const Frame host = NoisePicture(1280, 720, Frame::Layout::kNv12, rng);
    auto uploaded = (*context)->Upload(host);
    ASSERT_TRUE(uploaded.ok()) << uploaded.error().message();
    const Frame held = *uploaded;  // the decoder's reference
    Frame picture = held;
    std::string fallback;
    ASSERT_TRUE(blender.BlendInto(picture, x, y, nullptr, &fallback).ok());
    EXPECT_EQ(fallback, "");
    EXPECT_TRUE(blender.blended_on_gpu());
    ASSERT_TRUE(picture.on_device());
    EXPECT_NE(picture.data(0), held.data(0));
    auto got = picture.Download();
    ASSERT_TRUE(got.ok()) << got.error().message();
    EXPECT_TRUE(SamePixels(*got, CpuBlend(host, reference, x, y)));
    auto untouched = held.Download();
    ASSERT_TRUE(untouched.ok());
    EXPECT_TRUE(SamePixels(*untouched, host));
  }
}

}  // namespace
}  // namespace strait::overlays
