#include "overlays/image_overlay.h"

#include <gtest/gtest.h>

namespace strait::overlays {
namespace {

Frame Rgba(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  auto f = Frame::AllocateVideo(w, h, Frame::Layout::kRgba);
  EXPECT_TRUE(f.ok());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = f->data(0) + y * f->linesize(0) + 4 * x;
      p[0] = r, p[1] = g, p[2] = b, p[3] = a;
    }
  }
  return std::move(*f);
}

Frame Gray(int w, int h, uint8_t luma) {
  auto f = Frame::AllocateVideo(w, h, Frame::Layout::kYuv420p);
  EXPECT_TRUE(f.ok());
  for (int p = 0; p < 3; ++p) {
    const int pw = p ? w / 2 : w, ph = p ? h / 2 : h;
    for (int y = 0; y < ph; ++y)
      std::fill_n(f->data(p) + y * f->linesize(p), pw, p ? 128 : luma);
  }
  return std::move(*f);
}

uint8_t At(const Frame& f, int plane, int x, int y) {
  return f.data(plane)[y * f.linesize(plane) + x];
}

TEST(ImageOverlayTest, OpaqueWhiteCardAtTheBottomRightCorner) {
  auto o = ImageOverlay::Create(Rgba(100, 50, 255, 255, 255, 255), {40, 20});
  ASSERT_TRUE(o.ok());
  Frame picture = Gray(640, 360, 60);
  ASSERT_TRUE((*o)->Process(picture, kMpegTs).ok());
  // The card spans x 500..599, y 290..339: white is Y 235, neutral chroma.
  EXPECT_EQ(At(picture, 0, 500, 290), 235);
  EXPECT_EQ(At(picture, 0, 599, 339), 235);
  EXPECT_EQ(At(picture, 1, 250, 145), 128);
  // Outside it the picture is untouched.
  EXPECT_EQ(At(picture, 0, 499, 290), 60);
  EXPECT_EQ(At(picture, 0, 600, 339), 60);
  EXPECT_EQ(At(picture, 0, 500, 340), 60);
}

TEST(ImageOverlayTest, AlphaBlendsAndColoursTheChroma) {
  auto half_red = ImageOverlay::Create(Rgba(20, 20, 255, 0, 0, 128), {0, 0});
  ASSERT_TRUE(half_red.ok());
  Frame picture = Gray(40, 40, 16);  // black
  ASSERT_TRUE((*half_red)->Process(picture, kMpegTs).ok());
  // A small picture with no colour description is BT.601 (as swscale and players assume): red
  // is Y 82, Cr 240 in limited range; half of it over black (Y 16, Cr 128).
  EXPECT_NEAR(At(picture, 0, 30, 30), (16 * 127 + 82 * 128) / 255, 1);
  EXPECT_NEAR(At(picture, 2, 15, 15), (128 * 127 + 240 * 128) / 255, 1);
  EXPECT_EQ(At(picture, 0, 10, 10), 16);

  auto clear = ImageOverlay::Create(Rgba(20, 20, 255, 255, 255, 0), {0, 0});
  Frame untouched = Gray(40, 40, 77);
  ASSERT_TRUE((*clear)->Process(untouched, kMpegTs).ok());
  EXPECT_EQ(At(untouched, 0, 30, 30), 77);
}

TEST(ImageOverlayTest, SharedPicturesAreCopiedNotChangedUnderOtherHolders) {
  auto o = ImageOverlay::Create(Rgba(8, 8, 255, 255, 255, 255), {0, 0});
  ASSERT_TRUE(o.ok());
  Frame picture = Gray(16, 16, 50);
  Frame other_holder = picture;  // e.g. the decoder's reference
  ASSERT_TRUE((*o)->Process(picture, kMpegTs).ok());
  EXPECT_EQ(At(picture, 0, 12, 12), 235);
  EXPECT_EQ(At(other_holder, 0, 12, 12), 50);
}

TEST(ImageOverlayTest, LargerThanThePictureIsClippedAndBadInputRefused) {
  auto o = ImageOverlay::Create(Rgba(64, 64, 255, 255, 255, 255), {40, 40});
  ASSERT_TRUE(o.ok());
  Frame small = Gray(32, 18, 50);
  ASSERT_TRUE((*o)->Process(small, kMpegTs).ok());
  EXPECT_EQ(At(small, 0, 31, 17), 235);
  EXPECT_FALSE(ImageOverlay::Create(Gray(8, 8, 0), {}).ok());             // not RGBA
  EXPECT_TRUE(ImageOverlay::Create(Rgba(1, 1, 0, 0, 0, 255), {}).ok());  // odd sizes are fine
  Frame rgba_picture = Rgba(16, 16, 0, 0, 0, 255);
  EXPECT_FALSE((*o)->Process(rgba_picture, kMpegTs).ok());
}

}  // namespace
}  // namespace strait::overlays
