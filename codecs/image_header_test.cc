#include "codecs/image_header.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
}

namespace strait {
namespace {

// One picture through libavcodec's `encoder` (png, mjpeg): a real file's bytes.
std::vector<uint8_t> Encode(const char* encoder, AVPixelFormat format, int w, int h) {
  std::vector<uint8_t> out;
  const AVCodec* codec = avcodec_find_encoder_by_name(encoder);
  if (!codec)
    return out;
  AVCodecContext* c = avcodec_alloc_context3(codec);
  c->width = w;
  c->height = h;
  c->pix_fmt = format;
  c->time_base = {1, 25};
  AVFrame* f = av_frame_alloc();
  f->width = w;
  f->height = h;
  f->format = format;
  AVPacket* p = av_packet_alloc();
  if (avcodec_open2(c, codec, nullptr) == 0 && av_frame_get_buffer(f, 0) == 0) {
    for (int plane = 0; plane < 4 && f->data[plane]; ++plane)
      std::fill_n(f->data[plane], size_t(f->linesize[plane]) * (plane ? (h + 1) / 2 : h), 0x80);
    if (avcodec_send_frame(c, f) == 0 && avcodec_send_frame(c, nullptr) == 0 &&
        avcodec_receive_packet(c, p) == 0)
      out.assign(p->data, p->data + p->size);
  }
  av_packet_free(&p);
  av_frame_free(&f);
  avcodec_free_context(&c);
  return out;
}

TEST(ImageHeaderTest, ReadsTheSizeOfRealPngAndJpegFiles) {
  const std::vector<uint8_t> png = Encode("png", AV_PIX_FMT_RGBA, 120, 90);
  ASSERT_GT(png.size(), 24u);
  auto s = ImageHeaderSize(png);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->width, 120);
  EXPECT_EQ(s->height, 90);
  const std::vector<uint8_t> jpeg = Encode("mjpeg", AV_PIX_FMT_YUVJ420P, 64, 48);
  ASSERT_GT(jpeg.size(), 100u);
  s = ImageHeaderSize(jpeg);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->width, 64);
  EXPECT_EQ(s->height, 48);
}

// What an upload declares is what counts: a PNG whose IHDR claims 16000x16000 reads as that.
TEST(ImageHeaderTest, ReportsTheDeclaredSizeWithoutDecoding) {
  std::vector<uint8_t> png = Encode("png", AV_PIX_FMT_RGBA, 8, 8);
  ASSERT_GT(png.size(), 24u);
  for (int i : {16, 20}) {  // width, height: 16000 = 0x3e80
    png[i] = 0;
    png[i + 1] = 0;
    png[i + 2] = 0x3e;
    png[i + 3] = 0x80;
  }
  auto s = ImageHeaderSize(png);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->width, 16000);
  EXPECT_EQ(s->height, 16000);
}

TEST(ImageHeaderTest, AnythingElseIsUnknown) {
  const std::vector<uint8_t> png = Encode("png", AV_PIX_FMT_RGBA, 8, 8);
  const std::vector<uint8_t> jpeg = Encode("mjpeg", AV_PIX_FMT_YUVJ420P, 16, 16);
  ASSERT_FALSE(png.empty());
  ASSERT_FALSE(jpeg.empty());
  EXPECT_FALSE(ImageHeaderSize(std::span(png).first(20)));  // cut inside IHDR
  std::vector<uint8_t> zero = png;
  zero[16] = zero[17] = zero[18] = zero[19] = 0;  // width 0
  EXPECT_FALSE(ImageHeaderSize(zero));
  EXPECT_FALSE(ImageHeaderSize(std::span(jpeg).first(4)));
  std::vector<uint8_t> runaway = {0xff, 0xd8, 0xff, 0xe0, 0xff, 0xf0, 0, 0};  // length past the end
  EXPECT_FALSE(ImageHeaderSize(runaway));
  const std::string gif = "GIF89a\x10\x00\x10\x00";
  EXPECT_FALSE(
      ImageHeaderSize(std::span(reinterpret_cast<const uint8_t*>(gif.data()), gif.size())));
  EXPECT_FALSE(ImageHeaderSize({}));
}

}  // namespace
}  // namespace strait
