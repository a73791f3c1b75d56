// Scaler: output size and format for any input (odd sizes, 10-bit, full range), pts kept, the
// swscale context rebuilt only when the input changes, and the rung-width rounding.
#include "codecs/ffmpeg/scaler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "codecs/ffmpeg/test_media.h"
#include "codecs/scale/plane_scaler.h"

namespace strait::ffmpeg {
namespace {

using test_media::FillPlane;
using test_media::Picture;

std::unique_ptr<Scaler> Make(int width, int height, ScaleFilter filter = ScaleFilter::kBilinear) {
  auto s = Scaler::Create({.width = width, .height = height, .filter = filter});
  EXPECT_TRUE(s.ok());
  return s.ok() ? std::move(*s) : nullptr;
}

int LumaAt(const Frame& f, int x, int y) {
  return f.av()->data[0][y * f.av()->linesize[0] + x];
}
int ChromaAt(const Frame& f, int plane, int x, int y) {
  return f.av()->data[plane][y * f.av()->linesize[plane] + x];
}

TEST(ScalerTest, ScalesToTheRungAndKeepsPts) {
  for (ScaleFilter filter :
       {ScaleFilter::kFastBilinear, ScaleFilter::kBilinear, ScaleFilter::kBicubic}) {
    auto scaler = Make(160, 90, filter);
    Frame in = Picture(320, 180, 1234, 3);
    FillPlane(in, 0, 100);
    auto out = scaler->Scale(in);
    ASSERT_TRUE(out.ok()) << out.error().message();
    EXPECT_EQ(out->width(), 160);
    EXPECT_EQ(out->height(), 90);
    EXPECT_EQ(out->av()->format, AV_PIX_FMT_YUV420P);
    EXPECT_EQ(out->pts(), 1234);
    EXPECT_TRUE(out->writable());
    EXPECT_NEAR(LumaAt(*out, 80, 45), 100, 1);
    EXPECT_NEAR(ChromaAt(*out, 1, 40, 20), 127, 1);
    EXPECT_EQ(in.width(), 320);  // the input is untouched
  }
}

TEST(ScalerTest, OddSourceDimensions) {
  auto scaler = Make(160, 120);
  for (auto [w, h] : {std::pair{321, 241}, {99, 75}, {1, 1}}) {
    Frame in = Picture(w, h, 7);
    FillPlane(in, 0, 60);
    auto out = scaler->Scale(in);
    ASSERT_TRUE(out.ok()) << w << "x" << h << ": " << out.error().message();
    EXPECT_EQ(out->width(), 160);
    EXPECT_EQ(out->height(), 120);
    EXPECT_NEAR(LumaAt(*out, 159, 119), 60, 1);
  }
}

TEST(ScalerTest, RebuildsOnlyWhenTheInputChanges) {
  auto scaler = Make(320, 180);
  const int sizes[][2] = {{640, 360}, {640, 360}, {1280, 720}, {1280, 720}, {640, 360}};
  for (const auto& size : sizes) {
    auto out = scaler->Scale(Picture(size[0], size[1], 0));
    ASSERT_TRUE(out.ok()) << out.error().message();
    EXPECT_EQ(out->width(), 320);
    EXPECT_EQ(out->height(), 180);
  }
  EXPECT_EQ(scaler->reinits(), 3);
  // A format change at the same size rebuilds as well.
  ASSERT_TRUE(scaler->Scale(Picture(640, 360, 0, 0, AV_PIX_FMT_YUV420P10LE)).ok());
  EXPECT_EQ(scaler->reinits(), 4);
}

TEST(ScalerTest, LadderDownscalesUseStraitsKernelsWithinOneOfSwscale) {
  // yuv420p 1080p to a 720p rung: scale::PlaneScaler where the CPU has AVX2, within 1 of
  // swscale's bilinear (its accurate-rounding twin, exactly: plane_scaler_test).
  Frame in = Picture(1920, 1080, 99);
  uint32_t seed = 1;
  for (int p = 0; p < 3; ++p) {
    const int w = p ? 960 : 1920, h = p ? 540 : 1080;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        seed = seed * 1664525 + 1013904223;
        in.av()->data[p][y * in.av()->linesize[p] + x] = uint8_t((x + y) / 12 + (seed >> 28));
      }
    }
  }
  auto own = Make(1280, 720);
  auto sws = Scaler::Create({.width = 1280, .height = 720, .swscale_only = true});
  ASSERT_TRUE(sws.ok());
  auto a = own->Scale(in);
  auto b = (*sws)->Scale(in);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(own->own_kernels(), scale::PlaneScaler::Accelerated());
  EXPECT_FALSE((*sws)->own_kernels());
  EXPECT_EQ(a->pts(), 99);
  EXPECT_EQ(a->av()->color_range, AVCOL_RANGE_MPEG);
  int worst = 0;
  for (int p = 0; p < 3; ++p) {
    for (int y = 0; y < (p ? 360 : 720); ++y) {
      for (int x = 0; x < (p ? 640 : 1280); ++x)
        worst = std::max(worst, std::abs(a->av()->data[p][y * a->av()->linesize[p] + x] -
                                         b->av()->data[p][y * b->av()->linesize[p] + x]));
    }
  }
  EXPECT_LE(worst, 1);
  // Upscales, other formats and full range stay with swscale.
  auto up = own->Scale(Picture(640, 360, 0));
  ASSERT_TRUE(up.ok());
  EXPECT_FALSE(own->own_kernels());
}

TEST(ScalerTest, TenBitInputBecomesEightBit) {
  auto scaler = Make(160, 120);
  Frame in = Picture(320, 240, 99, 0, AV_PIX_FMT_YUV420P10LE);
  FillPlane(in, 0, 400);  // 10-bit 400 = 8-bit 100
  FillPlane(in, 1, 800);  // = 200
  auto out = scaler->Scale(in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(out->av()->format, AV_PIX_FMT_YUV420P);
  EXPECT_EQ(out->pts(), 99);
  EXPECT_NEAR(LumaAt(*out, 10, 10), 100, 1);
  EXPECT_NEAR(ChromaAt(*out, 1, 10, 10), 200, 1);
  EXPECT_NEAR(ChromaAt(*out, 2, 10, 10), 128, 1);
}

TEST(ScalerTest, FullRangeBecomesLimitedRange) {
  auto scaler = Make(160, 120);
  Frame in = Picture(320, 240, 0, 0, AV_PIX_FMT_YUVJ420P);
  FillPlane(in, 0, 255);
  auto out = scaler->Scale(in);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_NEAR(LumaAt(*out, 5, 5), 235, 1);
  EXPECT_EQ(out->av()->color_range, AVCOL_RANGE_MPEG);
  // The same through a yuv420p frame flagged full range, even at the output size.
  Frame flagged = Picture(160, 120, 0);
  FillPlane(flagged, 0, 0);
  flagged.av()->color_range = AVCOL_RANGE_JPEG;
  out = scaler->Scale(flagged);
  ASSERT_TRUE(out.ok());
  EXPECT_NEAR(LumaAt(*out, 5, 5), 16, 1);
}

TEST(ScalerTest, PassesThroughWhatNeedsNoScaling) {
  auto scaler = Make(320, 240);
  const Frame in = Picture(320, 240, 42);
  auto out = scaler->Scale(in);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->av()->data[0], in.av()->data[0]);  // same buffers
  EXPECT_EQ(out->pts(), 42);
  EXPECT_EQ(scaler->reinits(), 0);
}

// nv12: the same scaled picture with its chroma interleaved (the GPU encoders' input).
TEST(ScalerTest, Nv12OutputIsTheSamePictureInterleaved) {
  auto in = Frame::AllocateVideo(1280, 720, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(in.ok());
  AVFrame* f = in->av();
  for (int p = 0; p < 3; ++p) {
    const int w = p ? 640 : 1280, h = p ? 360 : 720;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(p == 1   ? x / 3
                                                                  : p == 2 ? 255 - y / 2
                                                                           : (x * 7 + y * 3) % 251);
  }
  in->set_pts(7);
  ScalerOptions planar{640, 360, ScaleFilter::kBilinear};
  ScalerOptions interleaved = planar;
  interleaved.nv12 = true;
  auto a = Scaler::Create(planar), b = Scaler::Create(interleaved);
  ASSERT_TRUE(a.ok() && b.ok());
  auto pa = (*a)->Scale(*in), pb = (*b)->Scale(*in);
  ASSERT_TRUE(pa.ok() && pb.ok());
  const AVFrame *ya = pa->av(), *nv = pb->av();
  EXPECT_EQ(nv->format, AV_PIX_FMT_NV12);
  EXPECT_EQ(pb->layout(), Frame::Layout::kNv12);
  EXPECT_EQ(pb->pts(), 7);
  int worst = 0;
  for (int y = 0; y < 360; ++y) {
    for (int x = 0; x < 640; ++x)
      worst = std::max(worst, std::abs(ya->data[0][y * ya->linesize[0] + x] -
                                       nv->data[0][y * nv->linesize[0] + x]));
  }
  for (int y = 0; y < 180; ++y) {
    for (int x = 0; x < 320; ++x) {
      worst = std::max(worst, std::abs(ya->data[1][y * ya->linesize[1] + x] -
                                       nv->data[1][y * nv->linesize[1] + 2 * x]));
      worst = std::max(worst, std::abs(ya->data[2][y * ya->linesize[2] + x] -
                                       nv->data[1][y * nv->linesize[1] + 2 * x + 1]));
    }
  }
  EXPECT_LE(worst, 1);
  // An NV12 picture already of the output size passes through.
  auto again = (*b)->Scale(*pb);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->av()->data[0], nv->data[0]);
}

TEST(ScalerTest, RejectsBadSizesAndEmptyFrames) {
  EXPECT_FALSE(Scaler::Create({.width = 0, .height = 240}).ok());
  EXPECT_FALSE(Scaler::Create({.width = 320, .height = -2}).ok());
  auto scaler = Make(320, 240);
  EXPECT_FALSE(scaler->Scale(Frame()).ok());
}

TEST(EvenWidthForTest, FollowsTheSourceAspectRatio) {
  EXPECT_EQ(EvenWidthFor(1920, 1080, 1080), 1920);
  EXPECT_EQ(EvenWidthFor(1920, 1080, 720), 1280);
  EXPECT_EQ(EvenWidthFor(1920, 1080, 480), 854);
  EXPECT_EQ(EvenWidthFor(1920, 1080, 360), 640);
  EXPECT_EQ(EvenWidthFor(1920, 1080, 240), 426);
  EXPECT_EQ(EvenWidthFor(1280, 720, 144), 256);
  EXPECT_EQ(EvenWidthFor(640, 480, 360), 480);
  EXPECT_EQ(EvenWidthFor(1080, 1920, 640), 360);  // portrait (phone) source
  EXPECT_EQ(EvenWidthFor(321, 241, 120), 160);
  EXPECT_EQ(EvenWidthFor(720, 576, 576, 16, 15), 768);  // PAL 4:3 anamorphic
  EXPECT_EQ(EvenWidthFor(720, 576, 576, 0, 1), 720);    // unknown SAR: square pixels
  EXPECT_EQ(EvenWidthFor(4, 1000, 10), 2);              // never below 2
  EXPECT_EQ(EvenWidthFor(0, 1080, 720), 0);
  EXPECT_EQ(EvenWidthFor(1920, 1080, 0), 0);
  EXPECT_EQ(EvenWidthFor(100000, 1, 100000), 0);
}

}  // namespace
}  // namespace strait::ffmpeg
