// Frame's layouts and the P010 repack: NVDEC's 10-bit pictures (P010, samples in the top 10 bits,
// chroma interleaved) become planar yuv420p10le with the same samples and description.
#include "codecs/frame.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace strait {
namespace {

uint16_t& At(Frame& f, int plane, int x, int y) {
  return reinterpret_cast<uint16_t*>(f.data(plane) + size_t(y) * f.linesize(plane))[x];
}

TEST(FrameTest, P010IsRepackedAsPlanarTenBitWithTheSameSamples) {
  for (const auto& [w, h] : {std::pair{64, 36}, {30, 18}, {1920, 1080}}) {
    SCOPED_TRACE(std::to_string(w) + "x" + std::to_string(h));
    Result<Frame> made = Frame::AllocateVideo(w, h, Frame::Layout::kP010);
    ASSERT_TRUE(made.ok()) << made.error().message();
    Frame p010 = std::move(*made);
    ASSERT_EQ(p010.layout(), Frame::Layout::kP010);
    std::mt19937 rng(w);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        At(p010, 0, x, y) = uint16_t((rng() % 1024) << 6);
    }
    for (int y = 0; y < h / 2; ++y) {
      for (int x = 0; x < w; ++x)  // U, V, U, V, ...
        At(p010, 1, x, y) = uint16_t((rng() % 1024) << 6);
    }
    p010.set_pts(1234);
    p010.av()->colorspace = AVCOL_SPC_BT2020_NCL;
    p010.av()->color_range = AVCOL_RANGE_JPEG;
    p010.av()->sample_aspect_ratio = AVRational{4, 3};

    Result<Frame> planar = Yuv420p10FromP010(p010);
    ASSERT_TRUE(planar.ok()) << planar.error().message();
    ASSERT_EQ(planar->layout(), Frame::Layout::kYuv420p10);
    ASSERT_EQ(planar->width(), w);
    ASSERT_EQ(planar->height(), h);
    EXPECT_EQ(planar->pts(), 1234);
    EXPECT_EQ(planar->av()->colorspace, AVCOL_SPC_BT2020_NCL);
    EXPECT_TRUE(planar->full_range());
    EXPECT_EQ(planar->av()->sample_aspect_ratio.num, 4);
    int bad = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        bad += At(*planar, 0, x, y) != At(p010, 0, x, y) >> 6;
    }
    for (int y = 0; y < h / 2; ++y) {
      for (int x = 0; x < w / 2; ++x) {
        bad += At(*planar, 1, x, y) != At(p010, 1, 2 * x, y) >> 6;
        bad += At(*planar, 2, x, y) != At(p010, 1, 2 * x + 1, y) >> 6;
      }
    }
    EXPECT_EQ(bad, 0);
  }
  Result<Frame> nv12 = Frame::AllocateVideo(16, 16, Frame::Layout::kNv12);
  ASSERT_TRUE(nv12.ok());
  EXPECT_FALSE(Yuv420p10FromP010(*nv12).ok());
  EXPECT_FALSE(Yuv420p10FromP010(Frame()).ok());
}

}  // namespace
}  // namespace strait
