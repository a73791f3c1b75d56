#include "codecs/ffmpeg/scaler.h"

#include <cmath>
#include <string>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"
#include "codecs/frame_pool.h"
#include "codecs/scale/plane_scaler.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace strait::ffmpeg {
namespace {

int SwsFlags(ScaleFilter filter) {
  switch (filter) {
    case ScaleFilter::kFastBilinear:
      return SWS_FAST_BILINEAR;
    case ScaleFilter::kBicubic:
      return SWS_BICUBIC;
    case ScaleFilter::kBilinear:
      break;
  }
  return SWS_BILINEAR;
}

// Full-range input (the deprecated yuvj formats, or a frame flagged JPEG range) is converted to
// the limited range encoders and players expect.
bool IsFullRange(const AVFrame* f) {
  switch (f->format) {
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUVJ411P:
      return true;
    default:
      return f->color_range == AVCOL_RANGE_JPEG;
  }
}

// swscale's same-size copy path ignores the range set through sws_setColorspaceDetails, but it
// does convert the deprecated full-range "J" formats: full-range input is described as one.
AVPixelFormat SwsInputFormat(int format, bool full_range) {
  if (full_range) {
    switch (format) {
      case AV_PIX_FMT_YUV420P:
        return AV_PIX_FMT_YUVJ420P;
      case AV_PIX_FMT_YUV422P:
        return AV_PIX_FMT_YUVJ422P;
      case AV_PIX_FMT_YUV444P:
        return AV_PIX_FMT_YUVJ444P;
      default:
        break;
    }
  }
  return static_cast<AVPixelFormat>(format);
}

std::string Describe(int width, int height, int format) {
  const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(format));
  return std::to_string(width) + "x" + std::to_string(height) + " " + (name ? name : "?");
}

}  // namespace

struct Scaler::Impl {
  ScalerOptions options;
  SwsContextPtr sws;
  std::unique_ptr<scale::PlaneScaler> planes[3];  // Y, U, V, instead of `sws`
  bool own = false;                               // the last picture used `planes`
  int in_width = 0;                               // what `sws` was built for
  int in_height = 0;
  int in_format = AV_PIX_FMT_NONE;
  bool in_full_range = false;
  int reinits = 0;
  FramePool out;  // the scaled pictures: the same size every frame

  // The swscale context for `in`, its range converted to limited.
  Status BuildSws(const AVFrame* in, bool full_range, AVPixelFormat out_format);
};

Status Scaler::Impl::BuildSws(const AVFrame* in, bool full_range, AVPixelFormat out_format) {
  sws.reset(sws_getContext(in->width, in->height, SwsInputFormat(in->format, full_range),
                           options.width, options.height, out_format, SwsFlags(options.filter),
                           nullptr, nullptr, nullptr));
  if (!sws) {
    return Error("scale: unsupported conversion " + Describe(in->width, in->height, in->format) +
                 " -> " + Describe(options.width, options.height, out_format));
  }
  int* inv_table = nullptr;
  int* table = nullptr;
  int src_range = 0, dst_range = 0, brightness = 0, contrast = 0, saturation = 0;
  if (sws_getColorspaceDetails(sws.get(), &inv_table, &src_range, &table, &dst_range, &brightness,
                               &contrast, &saturation) >= 0) {
    sws_setColorspaceDetails(sws.get(), inv_table, full_range ? 1 : 0, table, 0, brightness,
                             contrast, saturation);
  }
  return OkStatus();
}

Scaler::Scaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scaler::~Scaler() = default;

int Scaler::width() const {
  return impl_->options.width;
}
int Scaler::height() const {
  return impl_->options.height;
}
int Scaler::reinits() const {
  return impl_->reinits;
}
bool Scaler::own_kernels() const {
  return impl_->own;
}

Result<std::unique_ptr<Scaler>> Scaler::Create(const ScalerOptions& options) {
  if (options.width <= 0 || options.height <= 0 || options.width > 16384 ||
      options.height > 16384) {
    return Error("scale: bad output size " + std::to_string(options.width) + "x" +
                 std::to_string(options.height));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  return std::unique_ptr<Scaler>(new Scaler(std::move(impl)));
}

Result<Frame> Scaler::Scale(const Frame& input) {
  Impl& s = *impl_;
  const AVFrame* in = input.av();
  if (!in || in->width <= 0 || in->height <= 0 || in->format < 0)
    return Error("scale: empty or invalid input frame");
  const AVPixelFormat out_format = s.options.nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
  if (in->width == s.options.width && in->height == s.options.height && in->format == out_format &&
      in->color_range != AVCOL_RANGE_JPEG) {
    return input;  // another reference to the same picture
  }
  const bool full_range = IsFullRange(in);
  // strait's kernels: swscale's bilinear filter, for the downscales of the ladder (no format or
  // range conversion).
  const bool own = !s.options.swscale_only && !s.options.nv12 &&
                   s.options.filter == ScaleFilter::kBilinear && in->format == AV_PIX_FMT_YUV420P &&
                   !full_range && s.options.width <= in->width && s.options.height <= in->height &&
                   scale::PlaneScaler::Accelerated();
  const bool changed = in->width != s.in_width || in->height != s.in_height ||
                       in->format != s.in_format || full_range != s.in_full_range;
  if (changed || (own ? !s.planes[0] : !s.sws)) {
    s.sws.reset();
    for (auto& p : s.planes)
      p.reset();
    if (own) {
      for (int p = 0; p < 3; ++p) {
        const int shift = p ? 1 : 0;
        auto made = scale::PlaneScaler::Create(
            (in->width + shift) >> shift, (in->height + shift) >> shift,
            (s.options.width + shift) >> shift, (s.options.height + shift) >> shift);
        if (!made.ok())
          return made.error().Context("scale");
        s.planes[p] = std::move(made.value());
      }
    } else if (Status built = s.BuildSws(in, full_range, out_format); !built.ok()) {
      return built.error();
    }
    s.in_width = in->width;
    s.in_height = in->height;
    s.in_format = in->format;
    s.in_full_range = full_range;
    ++s.reinits;
  }
  s.own = own;
  Result<Frame> out = s.out.Get(s.options.width, s.options.height, out_format);
  if (!out.ok())
    return out.error().Context("scale");
  AVFrame* dst = out->av();
  if (int err = av_frame_copy_props(dst, in); err < 0)
    return AvError(err, "scale: copy frame properties");
  if (own) {
    for (int p = 0; p < 3; ++p)
      s.planes[p]->Scale(in->data[p], in->linesize[p], dst->data[p], dst->linesize[p]);
  } else if (int err = sws_scale_frame(s.sws.get(), dst, in); err < 0) {
    return AvError(err, "scale: " + Describe(in->width, in->height, in->format));
  }
  dst->sample_aspect_ratio = AVRational{1, 1};
  dst->color_range = AVCOL_RANGE_MPEG;
  return out;
}

int EvenWidthFor(int src_width, int src_height, int target_height, int sar_num, int sar_den) {
  if (src_width <= 0 || src_height <= 0 || target_height <= 0)
    return 0;
  double aspect = static_cast<double>(src_width) / src_height;
  if (sar_num > 0 && sar_den > 0 && sar_num != sar_den)
    aspect = aspect * sar_num / sar_den;
  const double half = std::round(aspect * target_height / 2.0);
  if (half > 16384)
    return 0;
  return half < 1 ? 2 : 2 * static_cast<int>(half);
}

}  // namespace strait::ffmpeg
