#include "codecs/frame.h"

#include "codecs/ffmpeg/error.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixfmt.h>
#include <libavutil/samplefmt.h>
}

namespace strait {

Frame Frame::Adopt(AVFrame* frame) {
  return Frame(frame);
}

Result<Frame> Frame::AllocateVideo(int width, int height, int av_pixel_format) {
  AVFrame* f = av_frame_alloc();
  if (!f)
    return Error("frame: out of memory");
  Frame frame(f);
  f->width = width;
  f->height = height;
  f->format = av_pixel_format;
  if (int err = av_frame_get_buffer(f, 0); err < 0) {
    return ffmpeg::AvError(
        err, "frame: allocate " + std::to_string(width) + "x" + std::to_string(height));
  }
  return frame;
}

Result<Frame> Frame::Silence(int samples, int sample_rate, int channels) {
  if (samples <= 0 || sample_rate <= 0 || channels <= 0 || channels > 8)
    return Error("frame: bad silence parameters");
  AVFrame* f = av_frame_alloc();
  if (!f)
    return Error("frame: out of memory");
  Frame frame(f);
  f->format = AV_SAMPLE_FMT_FLTP;
  f->sample_rate = sample_rate;
  f->nb_samples = samples;
  av_channel_layout_default(&f->ch_layout, channels);
  if (int err = av_frame_get_buffer(f, 0); err < 0)
    return ffmpeg::AvError(err, "frame: allocate silence");
  av_samples_set_silence(f->extended_data, 0, samples, channels, AV_SAMPLE_FMT_FLTP);
  f->pts = 0;
  return frame;
}

Frame::Frame(const Frame& other) {
  if (other.frame_)
    frame_ = av_frame_clone(other.frame_);
}

Frame& Frame::operator=(const Frame& other) {
  if (this != &other) {
    Frame copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Frame::Frame(Frame&& other) noexcept : frame_(other.frame_) {
  other.frame_ = nullptr;
}

Frame& Frame::operator=(Frame&& other) noexcept {
  if (this != &other) {
    av_frame_free(&frame_);
    frame_ = other.frame_;
    other.frame_ = nullptr;
  }
  return *this;
}

Frame::~Frame() {
  av_frame_free(&frame_);
}

int Frame::width() const {
  return frame_ ? frame_->width : 0;
}
int Frame::height() const {
  return frame_ ? frame_->height : 0;
}
int64_t Frame::pts() const {
  return frame_ ? frame_->pts : kNoTimestamp;
}
void Frame::set_pts(int64_t pts) {
  if (frame_)
    frame_->pts = pts;
}

bool Frame::writable() const {
  return frame_ && av_frame_is_writable(frame_);
}

Status Frame::MakeWritable() {
  if (!frame_)
    return Error("frame: empty");
  if (on_device() && !writable()) {
    // Not av_frame_make_writable: it would hand back a picture of the frames context's size
    // (NVDEC's is the coded size, 1920x1088 for 1080p), the rows under the picture undefined.
    AVFrame* copy = av_frame_alloc();
    if (!copy)
      return Error("frame: out of memory");
    Frame owned(copy);
    if (int err = av_hwframe_get_buffer(frame_->hw_frames_ctx, copy, 0); err < 0)
      return ffmpeg::AvError(err, "frame: make a GPU picture writable");
    copy->width = frame_->width;
    copy->height = frame_->height;
    if (int err = av_hwframe_transfer_data(copy, frame_, 0); err < 0)
      return ffmpeg::AvError(err, "frame: copy a GPU picture");
    if (int err = av_frame_copy_props(copy, frame_); err < 0)
      return ffmpeg::AvError(err, "frame: copy a GPU picture");
    *this = std::move(owned);
    return OkStatus();
  }
  if (int err = av_frame_make_writable(frame_); err < 0) {
    return ffmpeg::AvError(err, "frame: make writable");
  }
  return OkStatus();
}

bool Frame::damaged() const {
  return frame_ && (frame_->decode_error_flags != 0 || (frame_->flags & AV_FRAME_FLAG_CORRUPT));
}

bool Frame::on_device() const {
  return frame_ && frame_->hw_frames_ctx != nullptr;
}

Result<Frame> Frame::Download() const {
  if (!on_device())
    return Error("frame: not a GPU picture");
  AVFrame* f = av_frame_alloc();
  if (!f)
    return Error("frame: out of memory");
  Frame host(f);
  if (int err = av_hwframe_transfer_data(f, frame_, 0); err < 0)
    return ffmpeg::AvError(err, "frame: download from the GPU");
  if (int err = av_frame_copy_props(f, frame_); err < 0)
    return ffmpeg::AvError(err, "frame: download from the GPU");
  return host;
}

Frame::Layout Frame::device_layout() const {
  if (!on_device())
    return Layout::kOther;
  const auto* fc = reinterpret_cast<const AVHWFramesContext*>(frame_->hw_frames_ctx->data);
  return fc->sw_format == AV_PIX_FMT_NV12     ? Layout::kNv12
         : fc->sw_format == AV_PIX_FMT_P010LE ? Layout::kP010
                                              : Layout::kOther;
}

Result<Frame> Frame::AllocateVideo(int width, int height, Layout layout) {
  if (layout == Layout::kOther)
    return Error("frame: no pixel format");
  AVPixelFormat format = AV_PIX_FMT_YUV420P;
  switch (layout) {
    case Layout::kRgba:
      format = AV_PIX_FMT_RGBA;
      break;
    case Layout::kNv12:
      format = AV_PIX_FMT_NV12;
      break;
    case Layout::kYuv420p10:
      format = AV_PIX_FMT_YUV420P10LE;
      break;
    case Layout::kP010:
      format = AV_PIX_FMT_P010LE;
      break;
    default:
      break;
  }
  return AllocateVideo(width, height, format);
}

Frame::Layout Frame::layout() const {
  if (!frame_)
    return Layout::kOther;
  switch (frame_->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
      return Layout::kYuv420p;
    case AV_PIX_FMT_RGBA:
      return Layout::kRgba;
    case AV_PIX_FMT_NV12:
      return Layout::kNv12;
    case AV_PIX_FMT_YUV420P10LE:
      return Layout::kYuv420p10;
    case AV_PIX_FMT_P010LE:
      return Layout::kP010;
    default:
      return Layout::kOther;
  }
}

bool Frame::bt601() const {
  if (!frame_)
    return false;
  switch (frame_->colorspace) {
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
    case AVCOL_SPC_FCC:
      return true;
    case AVCOL_SPC_UNSPECIFIED:
      return frame_->height < 720;  // SD pictures are BT.601 by convention
    default:
      return false;
  }
}

bool Frame::full_range() const {
  return frame_ && (frame_->color_range == AVCOL_RANGE_JPEG || frame_->format == AV_PIX_FMT_YUVJ420P);
}

bool Frame::chroma_center() const {
  if (!frame_)
    return false;
  return frame_->chroma_location == AVCHROMA_LOC_CENTER ||
         (frame_->chroma_location == AVCHROMA_LOC_UNSPECIFIED &&
          frame_->format == AV_PIX_FMT_YUVJ420P);  // JPEG's siting
}

uint8_t* Frame::data(int plane) {
  return frame_ && plane >= 0 && plane < AV_NUM_DATA_POINTERS ? frame_->data[plane] : nullptr;
}
const uint8_t* Frame::data(int plane) const {
  return frame_ && plane >= 0 && plane < AV_NUM_DATA_POINTERS ? frame_->data[plane] : nullptr;
}
int Frame::linesize(int plane) const {
  return frame_ && plane >= 0 && plane < AV_NUM_DATA_POINTERS ? frame_->linesize[plane] : 0;
}

Result<Frame> Yuv420p10FromP010(const Frame& p010) {
  if (p010.layout() != Frame::Layout::kP010)
    return Error("frame: not a P010 picture");
  const AVFrame* in = p010.av();
  Result<Frame> out = Frame::AllocateVideo(in->width, in->height, AV_PIX_FMT_YUV420P10LE);
  if (!out.ok())
    return out.error();
  AVFrame* o = out->av();
  if (int err = av_frame_copy_props(o, in); err < 0)
    return ffmpeg::AvError(err, "frame: P010 to yuv420p10le");
  for (int y = 0; y < in->height; ++y) {
    const auto* src = reinterpret_cast<const uint16_t*>(in->data[0] + size_t(y) * in->linesize[0]);
    auto* dst = reinterpret_cast<uint16_t*>(o->data[0] + size_t(y) * o->linesize[0]);
    for (int x = 0; x < in->width; ++x)
      dst[x] = src[x] >> 6;
  }
  const int cw = (in->width + 1) / 2, ch = (in->height + 1) / 2;
  for (int y = 0; y < ch; ++y) {
    const auto* src = reinterpret_cast<const uint16_t*>(in->data[1] + size_t(y) * in->linesize[1]);
    auto* u = reinterpret_cast<uint16_t*>(o->data[1] + size_t(y) * o->linesize[1]);
    auto* v = reinterpret_cast<uint16_t*>(o->data[2] + size_t(y) * o->linesize[2]);
    for (int x = 0; x < cw; ++x) {
      u[x] = src[2 * x] >> 6;
      v[x] = src[2 * x + 1] >> 6;
    }
  }
  return out;
}

}  // namespace strait
