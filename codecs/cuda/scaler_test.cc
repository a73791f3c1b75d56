// The GPU scaler against the CPU reference (ffmpeg::Scaler: strait's PlaneScaler, or swscale
// bilinear).
//
// ResizeKernelOnHost: the kernels' per-thread code (FilterPixel for downscales, ResizePixel for
// upscales: resize_kernels.h) run on the CPU, one loop iteration a GPU thread, with the planes and
// tables cuda::Scaler gives the GPU (scaler.cc), on every rung of the default ladder, yuv420p and
// NV12. These run on any machine, so the kernels' arithmetic and plane geometry are checked where
// there is no GPU.
//
// CudaScalerTest: on a machine with an NVIDIA GPU, the GPU's bytes equal that emulation's and the
// CPU scaler's. Elsewhere these skip and say why (no CUDA build, or no device).
#include "codecs/cuda/scaler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "codecs/cuda/resize_kernels.h"
#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/scaler.h"
#include "codecs/scale/plane_scaler.h"

namespace strait::cuda {
namespace {

using kernels::FilterPixel;
using kernels::PlaneIo;
using kernels::ResizePixel;

// The largest difference between two planes' first `rows` rows of `row_bytes`.
int MaxDiff(const AVFrame* a, const AVFrame* b, int plane, int row_bytes, int rows) {
  int most = 0;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < row_bytes; ++x) {
      most = std::max(most, std::abs(a->data[plane][y * a->linesize[plane] + x] -
                                     b->data[plane][y * b->linesize[plane] + x]));
    }
  }
  return most;
}

double Psnr(const AVFrame* a, const AVFrame* b, int plane, int row_bytes, int rows) {
  double se = 0;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < row_bytes; ++x) {
      const double d = a->data[plane][y * a->linesize[plane] + x] -
                       double(b->data[plane][y * b->linesize[plane] + x]);
      se += d * d;
    }
  }
  const double mse = se / (double(row_bytes) * rows);
  return mse == 0 ? 99 : 10 * std::log10(255.0 * 255.0 / mse);
}

// cuda::Scaler::Impl::ScalePlane on the host: every (x, y) of the output through PlaneScaler's
// filter where it has one (a downscale), through the bilinear kernel otherwise.
void ScalePlaneOnHost(const PlaneIo& io) {
  auto plane = scale::PlaneScaler::Create(io.src_w, io.src_h, io.dst_w, io.dst_h);
  scale::kernels::FilterView f{};
  if (plane.ok())
    f = (*plane)->filter();
  for (int y = 0; y < io.dst_h; ++y) {
    for (int x = 0; x < io.dst_w; ++x) {
      if (plane.ok() && io.channels == 2)
        FilterPixel<2>(f, io, x, y);
      else if (plane.ok())
        FilterPixel<1>(f, io, x, y);
      else if (io.channels == 2)
        ResizePixel<2>(io, x, y);
      else
        ResizePixel<1>(io, x, y);
    }
  }
}

// cuda::Scaler's planes (scaler.cc): luma, then chroma at half the size — U and V apart for
// yuv420p, one interleaved plane of 2 channels for NV12.
Frame ScaleOnHost(const Frame& in, int w, int h) {
  const AVFrame* f = in.av();
  const bool nv12 = f->format == AV_PIX_FMT_NV12;
  Frame out = *Frame::AllocateVideo(w, h, nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P);
  AVFrame* o = out.av();
  for (int p = 0; p < (nv12 ? 2 : 3); ++p) {
    ScalePlaneOnHost({f->data[p], p ? (f->width + 1) / 2 : f->width,
                      p ? (f->height + 1) / 2 : f->height, f->linesize[p], o->data[p],
                      p ? w / 2 : w, p ? h / 2 : h, o->linesize[p], p && nv12 ? 2 : 1});
  }
  return out;
}

// 1920x1080 yuv420p: scaler_test.cc's gradients and edges, or a photo-like picture (smooth
// shapes, fine detail and sensor noise: what a camera sends).
Frame Picture(bool camera) {
  Frame in = *Frame::AllocateVideo(1920, 1080, AV_PIX_FMT_YUV420P);
  AVFrame* f = in.av();
  std::mt19937 rng(1080);
  for (int p = 0; p < 3; ++p) {
    const int w = p ? 960 : 1920, h = p ? 540 : 1080;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        int v;
        if (!camera) {
          v = p ? 128 + (x - y) / 8 : ((x / 64 + y / 64) % 2 ? 200 : 40) + x % 16;
        } else {
          const double s = 1.0 / (p ? 960 : 1920);
          v = int(128 + 60 * std::sin(7 * x * s + 3 * y * s) + 30 * std::sin(40 * x * s * y * s) +
                  int(rng() % 17) - 8);
        }
        f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
    }
  }
  return in;
}

struct Rung {
  int width, height;
};
constexpr Rung kRungs[] = {{1280, 720}, {854, 480}, {640, 360}};

// Downscales: PlaneScaler's filter, so the bytes ffmpeg::Scaler makes with PlaneScaler (CPUs with
// AVX2), and within 1 of swscale's bilinear otherwise.
TEST(ResizeKernelOnHost, DownscalesEqualTheCpuScalerOnEveryRung) {
  const int tolerance = scale::PlaneScaler::Accelerated() ? 0 : 1;
  for (bool camera : {false, true}) {
    const Frame in = Picture(camera);
    for (const Rung& r : kRungs) {
      auto cpu = ffmpeg::Scaler::Create({r.width, r.height, ffmpeg::ScaleFilter::kBilinear});
      ASSERT_TRUE(cpu.ok());
      auto want = (*cpu)->Scale(in);
      ASSERT_TRUE(want.ok());
      const Frame got = ScaleOnHost(in, r.width, r.height);
      for (int p = 0; p < 3; ++p) {
        EXPECT_LE(MaxDiff(got.av(), want->av(), p, p ? r.width / 2 : r.width,
                          p ? r.height / 2 : r.height),
                  tolerance)
            << (camera ? "camera" : "edges") << " picture, " << r.width << "x" << r.height
            << ", plane " << p;
      }
    }
  }
}

// NV12 (the zero-copy path's pictures, U and V interleaved): against swscale's NV12 output.
TEST(ResizeKernelOnHost, Nv12EqualsSwscaleWithinOne) {
  const Frame in = Picture(true);
  auto to_nv12 = ffmpeg::Scaler::Create({1920, 1080, ffmpeg::ScaleFilter::kBilinear, true});
  ASSERT_TRUE(to_nv12.ok());
  auto nv12 = (*to_nv12)->Scale(in);
  ASSERT_TRUE(nv12.ok());
  for (const Rung& r : kRungs) {
    auto cpu = ffmpeg::Scaler::Create({r.width, r.height, ffmpeg::ScaleFilter::kBilinear, true});
    ASSERT_TRUE(cpu.ok());
    auto want = (*cpu)->Scale(in);
    ASSERT_TRUE(want.ok());
    const Frame got = ScaleOnHost(*nv12, r.width, r.height);
    ASSERT_EQ(got.av()->format, AV_PIX_FMT_NV12);
    EXPECT_LE(MaxDiff(got.av(), want->av(), 0, r.width, r.height), 1) << r.width;
    EXPECT_LE(MaxDiff(got.av(), want->av(), 1, r.width / 2 * 2, r.height / 2), 1) << r.width;
  }
}

// Upscales (no PlaneScaler filter): the 2 x 2-tap bilinear kernel, close to swscale's bilinear.
TEST(ResizeKernelOnHost, UpscalesAreCloseToSwscaleBilinear) {
  auto down = ffmpeg::Scaler::Create({640, 360, ffmpeg::ScaleFilter::kBilinear});
  ASSERT_TRUE(down.ok());
  for (bool camera : {false, true}) {
    auto small = (*down)->Scale(Picture(camera));
    ASSERT_TRUE(small.ok());
    auto up = ffmpeg::Scaler::Create({1280, 720, ffmpeg::ScaleFilter::kBilinear});
    ASSERT_TRUE(up.ok());
    auto want = (*up)->Scale(*small);
    ASSERT_TRUE(want.ok());
    const Frame got = ScaleOnHost(*small, 1280, 720);
    EXPECT_GT(Psnr(got.av(), want->av(), 0, 1280, 720), 35.0) << (camera ? "camera" : "edges");
    EXPECT_GT(Psnr(got.av(), want->av(), 1, 640, 360), 35.0) << (camera ? "camera" : "edges");
  }
}

// What the filter was for: the 2 x 2-tap kernel alone, on a 3x downscale of fine detail, aliases
// where swscale's (and PlaneScaler's) tent averages; this is why downscales take the filter.
TEST(ResizeKernelOnHost, BilinearAloneWouldAliasOnTheSmallestRung) {
  const Frame in = Picture(false);
  auto cpu = ffmpeg::Scaler::Create({640, 360, ffmpeg::ScaleFilter::kBilinear});
  ASSERT_TRUE(cpu.ok());
  auto want = (*cpu)->Scale(in);
  ASSERT_TRUE(want.ok());
  Frame two_taps = *Frame::AllocateVideo(640, 360, AV_PIX_FMT_YUV420P);
  const AVFrame* f = in.av();
  AVFrame* o = two_taps.av();
  for (int y = 0; y < 360; ++y) {
    for (int x = 0; x < 640; ++x)
      ResizePixel<1>({f->data[0], 1920, 1080, f->linesize[0], o->data[0], 640, 360, o->linesize[0], 1},
                     x, y);
  }
  EXPECT_LT(Psnr(two_taps.av(), want->av(), 0, 640, 360), 30.0);
}

// yuv420p in system memory, every rung: the GPU's bytes are the emulation's, and the CPU
// scaler's (within 1 where ffmpeg::Scaler uses swscale).
TEST(CudaScalerTest, MatchesTheCpuScaler) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  const int tolerance = scale::PlaneScaler::Accelerated() ? 0 : 1;
  for (bool camera : {false, true}) {
    Frame in = Picture(camera);
    in.set_pts(42);
    for (const Rung& r : kRungs) {
      auto gpu = Scaler::Create(r.width, r.height);
      ASSERT_TRUE(gpu.ok()) << gpu.error().message();
      auto cpu = ffmpeg::Scaler::Create({r.width, r.height, ffmpeg::ScaleFilter::kBilinear});
      ASSERT_TRUE(cpu.ok());
      auto g = (*gpu)->Scale(in);
      ASSERT_TRUE(g.ok()) << g.error().message();
      auto c = (*cpu)->Scale(in);
      ASSERT_TRUE(c.ok());
      const Frame host = ScaleOnHost(in, r.width, r.height);
      EXPECT_EQ(g->pts(), 42);
      EXPECT_EQ(g->width(), r.width);
      for (int p = 0; p < 3; ++p) {
        const int w = p ? r.width / 2 : r.width, h = p ? r.height / 2 : r.height;
        EXPECT_EQ(MaxDiff(g->av(), host.av(), p, w, h), 0) << r.width << "x" << r.height;
        EXPECT_LE(MaxDiff(g->av(), c->av(), p, w, h), tolerance) << r.width << "x" << r.height;
      }
    }
  }
}

// Zero copy: a 1080p NV12 picture put on the GPU, resized there to each rung and downloaded:
// the emulation's bytes, and within 1 of swscale's NV12 output of the same picture.
TEST(CudaScalerTest, ScaleOnDeviceMatchesTheCpuScaler) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  auto source = ffmpeg::Scaler::Create({1920, 1080, ffmpeg::ScaleFilter::kBilinear, true});
  ASSERT_TRUE(source.ok());
  Frame in = Picture(true);
  in.set_pts(42);
  auto nv12 = (*source)->Scale(in);  // the same picture, NV12
  ASSERT_TRUE(nv12.ok());
  auto uploader = Scaler::Create(1920, 1080);
  ASSERT_TRUE(uploader.ok()) << uploader.error().message();
  auto on_gpu = (*uploader)->Upload(*nv12);
  ASSERT_TRUE(on_gpu.ok()) << on_gpu.error().message();
  ASSERT_TRUE(on_gpu->on_device());

  for (const Rung& r : kRungs) {
    auto gpu = Scaler::Create(r.width, r.height);
    ASSERT_TRUE(gpu.ok());
    auto g = (*gpu)->ScaleOnDevice(*on_gpu);
    ASSERT_TRUE(g.ok()) << g.error().message();
    ASSERT_TRUE(g->on_device());
    EXPECT_EQ(g->pts(), 42);
    EXPECT_EQ(g->width(), r.width);
    auto frames = (*gpu)->DeviceFrames(nullptr);
    ASSERT_TRUE(frames.ok());
    EXPECT_EQ(g->av()->hw_frames_ctx->data, (*frames)->data);  // what the encoder is given
    auto down = g->Download();
    ASSERT_TRUE(down.ok()) << down.error().message();
    ASSERT_EQ(down->av()->format, AV_PIX_FMT_NV12);

    auto cpu = ffmpeg::Scaler::Create({r.width, r.height, ffmpeg::ScaleFilter::kBilinear, true});
    ASSERT_TRUE(cpu.ok());
    auto c = (*cpu)->Scale(in);
    ASSERT_TRUE(c.ok());
    const Frame host = ScaleOnHost(*nv12, r.width, r.height);
    for (int p = 0; p < 2; ++p) {  // Y, then U and V interleaved
      const int bytes = p ? r.width / 2 * 2 : r.width, rows = p ? r.height / 2 : r.height;
      EXPECT_EQ(MaxDiff(down->av(), host.av(), p, bytes, rows), 0) << r.width << "x" << r.height;
      EXPECT_LE(MaxDiff(down->av(), c->av(), p, bytes, rows), 1) << r.width << "x" << r.height;
    }
    // What it cannot take: pictures in system memory, uploads of another size.
    EXPECT_FALSE((*gpu)->ScaleOnDevice(*nv12).ok());
    EXPECT_FALSE((*gpu)->Upload(*nv12).ok());
  }
}

// Frame::MakeWritable of a GPU picture the decoder still references: a copy on the GPU, from the
// same frames context, at the picture's own size — NVDEC's frames context has the coded size
// (1920x1088 for 1080p), which av_frame_make_writable would have handed back.
TEST(CudaScalerTest, MakeWritableCopiesAGpuPictureAtItsOwnSize) {
  std::string why;
  if (!DeviceAvailable(&why))
    GTEST_SKIP() << why;
  auto padded = ffmpeg::Scaler::Create({1920, 1088, ffmpeg::ScaleFilter::kBilinear, true});
  ASSERT_TRUE(padded.ok());
  auto nv12 = (*padded)->Scale(Picture(false));
  ASSERT_TRUE(nv12.ok());
  auto context = Scaler::Create(1920, 1088);  // a frames context of the coded size
  ASSERT_TRUE(context.ok()) << context.error().message();
  auto uploaded = (*context)->Upload(*nv12);
  ASSERT_TRUE(uploaded.ok()) << uploaded.error().message();
  Frame decoded = *uploaded;
  decoded.av()->height = 1080;  // cropped to the picture, as the decoder hands it out
  decoded.set_pts(7);
  const Frame held = decoded;  // the decoder's reference
  ASSERT_FALSE(decoded.writable());
  ASSERT_TRUE(decoded.MakeWritable().ok());
  EXPECT_TRUE(decoded.writable());
  ASSERT_TRUE(decoded.on_device());
  EXPECT_EQ(decoded.device_layout(), Frame::Layout::kNv12);
  EXPECT_NE(decoded.data(0), held.data(0));
  EXPECT_EQ(decoded.width(), 1920);
  EXPECT_EQ(decoded.height(), 1080);
  EXPECT_EQ(decoded.pts(), 7);
  auto copy = decoded.Download();
  ASSERT_TRUE(copy.ok()) << copy.error().message();
  ASSERT_EQ(copy->height(), 1080);
  for (int p = 0; p < 2; ++p)
    EXPECT_EQ(MaxDiff(copy->av(), nv12->av(), p, 1920, p ? 540 : 1080), 0) << "plane " << p;
  EXPECT_EQ(Frame().device_layout(), Frame::Layout::kOther);
  EXPECT_EQ(nv12->device_layout(), Frame::Layout::kOther);  // in system memory
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
