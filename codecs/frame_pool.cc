#include "codecs/frame_pool.h"

#include <string>

#include "codecs/ffmpeg/error.h"

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace strait {
namespace {

constexpr int kAlign = 64;  // row and plane alignment (a cache line; AVX-512 loads)

size_t AlignUp(size_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

}  // namespace

FramePool::~FramePool() {
  av_buffer_pool_uninit(&pool_);
}

void FramePool::Release() {
  av_buffer_pool_uninit(&pool_);
  format_ = -1;
}

Status FramePool::Reset(int width, int height, int av_pixel_format) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(av_pixel_format));
  if (!desc || (desc->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL)))
    return Error("frame pool: not a software pixel format without a palette");
  const auto format = static_cast<AVPixelFormat>(av_pixel_format);
  if (av_image_check_size(width, height, 0, nullptr) < 0)
    return Error("frame pool: bad size " + std::to_string(width) + "x" + std::to_string(height));
  int linesize[4] = {};
  if (int err = av_image_fill_linesizes(linesize, format, static_cast<int>(AlignUp(width)));
      err < 0) {
    return ffmpeg::AvError(err, "frame pool");
  }
  ptrdiff_t linesizes[4];
  for (int i = 0; i < 4; ++i)
    linesizes[i] = linesize[i] = static_cast<int>(AlignUp(linesize[i]));
  size_t sizes[4] = {};
  // Rows rounded up to 32 as av_frame_get_buffer does: SIMD code may read a little past the end.
  if (int err = av_image_fill_plane_sizes(sizes, format, (height + 31) & ~31, linesizes); err < 0) {
    return ffmpeg::AvError(err, "frame pool");
  }
  size_t total = 0;
  int planes = 0;
  for (int i = 0; i < 4 && sizes[i]; ++i, ++planes) {
    offset_[i] = total;
    total += AlignUp(sizes[i]) + kAlign;  // a cache line between planes, as FFmpeg leaves padding
  }
  AVBufferPool* pool = av_buffer_pool_init(total, av_buffer_alloc);
  if (!pool)
    return Error("frame pool: out of memory");
  av_buffer_pool_uninit(&pool_);  // frees itself once the old buffers are back
  pool_ = pool;
  width_ = width;
  height_ = height;
  format_ = av_pixel_format;
  planes_ = planes;
  for (int i = 0; i < 4; ++i)
    linesize_[i] = i < planes ? linesize[i] : 0;
  ++pools_started_;
  return OkStatus();
}

Result<Frame> FramePool::Get(int width, int height, int av_pixel_format) {
  if (!pool_ || width != width_ || height != height_ || av_pixel_format != format_) {
    if (Status s = Reset(width, height, av_pixel_format); !s.ok())
      return s.error();
  }
  AVFrame* f = av_frame_alloc();
  if (!f)
    return Error("frame pool: out of memory");
  Frame frame = Frame::Adopt(f);
  f->buf[0] = av_buffer_pool_get(pool_);
  if (!f->buf[0])
    return Error("frame pool: out of memory");
  f->width = width;
  f->height = height;
  f->format = av_pixel_format;
  for (int i = 0; i < planes_; ++i) {
    f->data[i] = f->buf[0]->data + offset_[i];
    f->linesize[i] = linesize_[i];
  }
  return frame;  // (extended_data is `data`, as av_frame_alloc left it)
}

Status FramePool::MakeWritable(Frame& frame) {
  if (frame.empty())
    return Error("frame: empty");
  if (frame.writable())
    return OkStatus();
  if (frame.on_device())
    return frame.MakeWritable();
  const AVFrame* src = frame.av();
  Result<Frame> copy = Get(src->width, src->height, src->format);
  if (!copy.ok())
    return copy.error().Context("frame: make writable");
  if (int err = av_frame_copy(copy->av(), src); err < 0)
    return ffmpeg::AvError(err, "frame: make writable");
  if (int err = av_frame_copy_props(copy->av(), src); err < 0)
    return ffmpeg::AvError(err, "frame: make writable");
  frame = std::move(*copy);
  return OkStatus();
}

}  // namespace strait
