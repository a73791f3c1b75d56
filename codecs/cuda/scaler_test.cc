// The GPU scaler against the CPU reference (ffmpeg::Scaler, swscale bilinear): the same picture
// scaled both ways must match closely (PSNR), on a machine with an NVIDIA GPU. Elsewhere the test
// skips and says why (no CUDA build, or no device).
#include "codecs/cuda/scaler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/scaler.h"

namespace strait::cuda {
namespace {

double Psnr(const AVFrame* a, const AVFrame* b, int plane, int w, int h) {
  double se = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double d = a->data[plane][y * a->linesize[plane] + x] -
                       double(b->data[plane][y * b->linesize[plane] + x]);
      se += d * d;
    }
  }
  const double mse = se / (double(w) * h);
  return mse == 0 ? 99 : 10 * std::log10(255.0 * 255.0 / mse);
}

TEST(CudaScalerTest, MatchesTheCpuScaler) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  // A 1920x1080 picture with gradients and edges.
  auto in = Frame::AllocateVideo(1920, 1080, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(in.ok());
  AVFrame* f = in->av();
  for (int p = 0; p < 3; ++p) {
    const int w = p ? 960 : 1920, h = p ? 540 : 1080;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(
            p ? 128 + (x - y) / 8 : ((x / 64 + y / 64) % 2 ? 200 : 40) + x % 16);
  }
  in->set_pts(42);
  auto gpu = Scaler::Create(1280, 720);
  ASSERT_TRUE(gpu.ok()) << gpu.error().message();
  auto cpu = ffmpeg::Scaler::Create({1280, 720, ffmpeg::ScaleFilter::kBilinear});
  ASSERT_TRUE(cpu.ok());
  auto g = (*gpu)->Scale(*in);
  ASSERT_TRUE(g.ok()) << g.error().message();
  auto c = (*cpu)->Scale(*in);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(g->pts(), 42);
  EXPECT_EQ(g->width(), 1280);
  EXPECT_GT(Psnr(g->av(), c->av(), 0, 1280, 720), 30.0);
  EXPECT_GT(Psnr(g->av(), c->av(), 1, 640, 360), 30.0);
}

TEST(CudaScalerTest, RefusesWhatItCannotDo) {
  std::string why;
  if (!DeviceAvailable(&why)) {
    auto s = Scaler::Create(1280, 720);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.error().message().find("cuda scaler: "), std::string::npos);
    GTEST_SKIP() << why;
  }
  EXPECT_FALSE(Scaler::Create(1279, 720).ok());
}

}  // namespace
}  // namespace strait::cuda
