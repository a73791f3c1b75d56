// FramePool: pooled pictures are reused once released, laid out as FFmpeg lays them out, and
// MakeWritable copies shared pictures exactly.
#include "codecs/frame_pool.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

namespace strait {
namespace {

void Fill(Frame& f, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int p = 0; p < 3; ++p) {
    const int h = p ? (f.height() + 1) / 2 : f.height();
    const int w =
        (p ? (f.width() + 1) / 2 : f.width()) * (f.layout() == Frame::Layout::kYuv420p10 ? 2 : 1);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        f.data(p)[y * f.linesize(p) + x] = static_cast<uint8_t>(rng());
  }
}

bool SamePixels(const Frame& a, const Frame& b) {
  if (a.width() != b.width() || a.height() != b.height() || a.layout() != b.layout())
    return false;
  const int bytes = a.layout() == Frame::Layout::kYuv420p10 ? 2 : 1;
  for (int p = 0; p < 3; ++p) {
    const int h = p ? (a.height() + 1) / 2 : a.height();
    const int w = (p ? (a.width() + 1) / 2 : a.width()) * bytes;
    for (int y = 0; y < h; ++y) {
      if (std::memcmp(a.data(p) + y * a.linesize(p), b.data(p) + y * b.linesize(p), w) != 0)
        return false;
    }
  }
  return true;
}

TEST(FramePoolTest, ReleasedBuffersAreReused) {
  FramePool pool;
  const uint8_t* first = nullptr;
  {
    Result<Frame> a = pool.Get(1920, 1080, AV_PIX_FMT_YUV420P);
    ASSERT_TRUE(a.ok()) << a.error().message();
    EXPECT_TRUE(a->writable());
    EXPECT_EQ(a->width(), 1920);
    EXPECT_EQ(a->layout(), Frame::Layout::kYuv420p);
    first = a->data(0);
    Result<Frame> b = pool.Get(1920, 1080, AV_PIX_FMT_YUV420P);  // `a` still out: a second buffer
    ASSERT_TRUE(b.ok());
    EXPECT_NE(b->data(0), first);
  }
  Result<Frame> again = pool.Get(1920, 1080, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(again.ok());
  Result<Frame> again2 = pool.Get(1920, 1080, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(again2.ok());
  EXPECT_TRUE(again->data(0) == first || again2->data(0) == first);
  EXPECT_EQ(pool.pools_started(), 1);
}

TEST(FramePoolTest, PlanesAreAlignedAndDisjoint) {
  FramePool pool;
  for (auto [w, h] : {std::pair{1920, 1080}, {853, 479}, {1, 1}, {3, 7}}) {
    for (int format : {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10LE, AV_PIX_FMT_NV12}) {
      Result<Frame> f = pool.Get(w, h, format);
      ASSERT_TRUE(f.ok()) << w << "x" << h << ": " << f.error().message();
      const AVFrame* av = f->av();
      const int planes = format == AV_PIX_FMT_NV12 ? 2 : 3;
      const int bytes = format == AV_PIX_FMT_YUV420P10LE ? 2 : 1;
      for (int p = 0; p < planes; ++p) {
        ASSERT_NE(av->data[p], nullptr);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(av->data[p]) % 64, 0u) << p;
        EXPECT_EQ(av->linesize[p] % 64, 0) << p;
        const int cw = p ? (format == AV_PIX_FMT_NV12 ? 2 * ((w + 1) / 2) : (w + 1) / 2) : w;
        EXPECT_GE(av->linesize[p], cw * bytes);
        if (p + 1 < planes) {  // the next plane starts after this one's (padded) rows
          const int rows = p ? (h + 1) / 2 : h;
          EXPECT_GE(av->data[p + 1], av->data[p] + static_cast<ptrdiff_t>(rows) * av->linesize[p]);
        }
        // Every byte of every row is in the buffer.
        const int rows = p ? (h + 1) / 2 : h;
        EXPECT_LE(av->data[p] + static_cast<ptrdiff_t>(rows) * av->linesize[p],
                  av->buf[0]->data + av->buf[0]->size);
      }
      EXPECT_EQ(av->data[planes], nullptr);
    }
  }
}

TEST(FramePoolTest, NewSizeStartsANewPoolAndOldFramesStayValid) {
  FramePool pool;
  Result<Frame> a = pool.Get(64, 32, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(a.ok());
  Fill(*a, 1);
  Frame kept = *a;
  Result<Frame> b = pool.Get(128, 64, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(pool.pools_started(), 2);
  EXPECT_TRUE(SamePixels(kept, *a));  // the old pool's buffer lives on with its frames
  a = Error("released");
  kept = Frame();  // the last one back frees the old pool (ASan checks the rest)
  Result<Frame> c = pool.Get(128, 64, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(pool.pools_started(), 2);
}

TEST(FramePoolTest, ReleaseLetsTheBuffersGoAndTheNextGetStartsAfresh) {
  FramePool pool;
  Result<Frame> kept = pool.Get(64, 32, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(kept.ok());
  Fill(*kept, 5);
  const Frame copy = *kept;
  pool.Release();
  EXPECT_TRUE(SamePixels(copy, *kept));  // frames still out keep their buffer (ASan checks)
  kept = Error("released");
  Result<Frame> next = pool.Get(64, 32, AV_PIX_FMT_YUV420P);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(pool.pools_started(), 2);
}

TEST(FramePoolTest, RejectsWhatItCannotPool) {
  FramePool pool;
  EXPECT_FALSE(pool.Get(0, 10, AV_PIX_FMT_YUV420P).ok());
  EXPECT_FALSE(pool.Get(10, -1, AV_PIX_FMT_YUV420P).ok());
  EXPECT_FALSE(pool.Get(1 << 20, 1 << 20, AV_PIX_FMT_YUV420P).ok());
  EXPECT_FALSE(pool.Get(64, 64, AV_PIX_FMT_CUDA).ok());
  EXPECT_FALSE(pool.Get(64, 64, AV_PIX_FMT_PAL8).ok());
  EXPECT_FALSE(pool.Get(64, 64, -1).ok());
}

TEST(FramePoolTest, MakeWritableCopiesSharedPicturesExactly) {
  FramePool pool;
  for (int format : {AV_PIX_FMT_YUV420P, AV_PIX_FMT_YUV420P10LE}) {
    Result<Frame> src = Frame::AllocateVideo(333, 97, format);
    ASSERT_TRUE(src.ok());
    Fill(*src, 7);
    src->set_pts(1234);
    src->av()->color_range = AVCOL_RANGE_JPEG;
    Frame shared = *src;  // the decoder still holds `src`
    ASSERT_FALSE(shared.writable());
    ASSERT_TRUE(pool.MakeWritable(shared).ok());
    EXPECT_TRUE(shared.writable());
    EXPECT_NE(shared.data(0), src->data(0));
    EXPECT_TRUE(SamePixels(shared, *src));
    EXPECT_EQ(shared.pts(), 1234);
    EXPECT_EQ(shared.av()->color_range, AVCOL_RANGE_JPEG);
    shared.data(0)[0] ^= 0xff;  // writing the copy leaves the decoder's picture alone
    EXPECT_FALSE(SamePixels(shared, *src));
    // A uniquely held picture is already writable: no copy.
    const uint8_t* before = shared.data(0);
    ASSERT_TRUE(pool.MakeWritable(shared).ok());
    EXPECT_EQ(shared.data(0), before);
  }
  Frame empty;
  EXPECT_FALSE(pool.MakeWritable(empty).ok());
}

}  // namespace
}  // namespace strait
