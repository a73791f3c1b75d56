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

// A 1920x1080 yuv420p picture with gradients and edges, pts 42.
Result<Frame> TestPicture() {
  auto in = Frame::AllocateVideo(1920, 1080, AV_PIX_FMT_YUV420P);
  if (!in.ok())
    return in;
  AVFrame* f = in->av();
  for (int p = 0; p < 3; ++p) {
    const int w = p ? 960 : 1920, h = p ? 540 : 1080;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(
            p ? 128 + (x - y) / 8 : ((x / 64 + y / 64) % 2 ? 200 : 40) + x % 16);
  }
  in->set_pts(42);
  return in;
}

TEST(CudaScalerTest, MatchesTheCpuScaler) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  auto in = TestPicture();
  ASSERT_TRUE(in.ok());
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

// Zero copy: a 1080p NV12 picture put on the GPU, resized there to 720p and downloaded, against
// swscale's NV12 output of the same picture.
TEST(CudaScalerTest, ScaleOnDeviceMatchesTheCpuScaler) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  auto source = ffmpeg::Scaler::Create({1920, 1080, ffmpeg::ScaleFilter::kBilinear, true});
  ASSERT_TRUE(source.ok());
  auto in = TestPicture();
  ASSERT_TRUE(in.ok());
  auto nv12 = (*source)->Scale(*in);  // the same picture, NV12
  ASSERT_TRUE(nv12.ok());
  auto uploader = Scaler::Create(1920, 1080);
  ASSERT_TRUE(uploader.ok()) << uploader.error().message();
  auto on_gpu = (*uploader)->Upload(*nv12);
  ASSERT_TRUE(on_gpu.ok()) << on_gpu.error().message();
  ASSERT_TRUE(on_gpu->on_device());

  auto gpu = Scaler::Create(1280, 720);
  ASSERT_TRUE(gpu.ok());
  auto g = (*gpu)->ScaleOnDevice(*on_gpu);
  ASSERT_TRUE(g.ok()) << g.error().message();
  ASSERT_TRUE(g->on_device());
  EXPECT_EQ(g->pts(), 42);
  EXPECT_EQ(g->width(), 1280);
  auto frames = (*gpu)->DeviceFrames(nullptr);
  ASSERT_TRUE(frames.ok());
  EXPECT_EQ(g->av()->hw_frames_ctx->data, (*frames)->data);  // what the encoder is given
  auto down = g->Download();
  ASSERT_TRUE(down.ok()) << down.error().message();
  ASSERT_EQ(down->av()->format, AV_PIX_FMT_NV12);

  auto cpu = ffmpeg::Scaler::Create({1280, 720, ffmpeg::ScaleFilter::kBilinear, true});
  ASSERT_TRUE(cpu.ok());
  auto c = (*cpu)->Scale(*in);
  ASSERT_TRUE(c.ok());
  EXPECT_GT(Psnr(down->av(), c->av(), 0, 1280, 720), 30.0);
  EXPECT_GT(Psnr(down->av(), c->av(), 1, 1280, 360), 30.0);  // U and V interleaved

  // What it cannot take: pictures in system memory, uploads of another size.
  EXPECT_FALSE((*gpu)->ScaleOnDevice(*nv12).ok());
  EXPECT_FALSE((*gpu)->Upload(*nv12).ok());
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
