// Frame: a decoded picture or audio block, wrapping a refcounted AVFrame.
//
// Copying a Frame adds a reference to the same buffers (no pixel copy), so one decoded frame can
// feed several scalers/encoders. A Frame's pixels may be written only while it is the sole holder
// of its buffers (writable()); MakeWritable() copies on demand otherwise (FFmpeg's rule).
// Not internally synchronised: hand a Frame to another thread, don't share one object.
#pragma once

#include <cstdint>

#include "codecs/media_time.h"
#include "codecs/result.h"

struct AVFrame;

namespace strait {

class Frame {
 public:
  Frame() = default;
  // Takes ownership of `frame` (which must come from av_frame_alloc).
  static Frame Adopt(AVFrame* frame);
  // An empty video frame with fresh buffers of the given AVPixelFormat.
  static Result<Frame> AllocateVideo(int width, int height, int av_pixel_format);
  // 8-bit planar 4:2:0 / packed RGBA / 8-bit 4:2:0 with interleaved UV / 10-bit little-endian
  // planar 4:2:0 (two bytes a sample) / P010: 10-bit 4:2:0 with interleaved UV, each sample in
  // the top 10 bits of a little-endian 16-bit word (NVDEC's 10-bit output).
  enum class Layout { kOther, kYuv420p, kRgba, kNv12, kYuv420p10, kP010 };
  // The same without FFmpeg's enum (for code outside codecs/); kOther is an error.
  static Result<Frame> AllocateVideo(int width, int height, Layout layout);
  // `samples` of silence: planar float, `channels` in the default layout, pts 0.
  static Result<Frame> Silence(int samples, int sample_rate, int channels);

  Frame(const Frame& other);
  Frame& operator=(const Frame& other);
  Frame(Frame&& other) noexcept;
  Frame& operator=(Frame&& other) noexcept;
  ~Frame();

  bool empty() const { return frame_ == nullptr; }
  int width() const;
  int height() const;
  int64_t pts() const;
  void set_pts(int64_t pts);

  bool writable() const;
  Status MakeWritable();

  // A picture in GPU memory (a hardware frame: AV_PIX_FMT_CUDA with its frames context, as NVDEC
  // and strait's CUDA scaler hand them out). Its pixels are not addressable from the CPU: data()
  // gives device pointers, layout() is kOther. Download() copies it into a new system-memory frame
  // (the frames context's software format, e.g. NV12) with the same pts and colour description.
  // MakeWritable() of a GPU picture copies it on the GPU, into a frame of the same frames context
  // (the picture keeps its size, not the context's padded one).
  bool on_device() const;
  // The decoder concealed errors in it (a damaged slice, a missing reference): it may show
  // artefacts. FFmpeg's decode_error_flags / AV_FRAME_FLAG_CORRUPT.
  bool damaged() const;
  Result<Frame> Download() const;
  // A GPU picture's layout in device memory (its frames context's software format: NV12 → kNv12,
  // P010 → kP010, others → kOther); kOther for a picture in system memory.
  Layout device_layout() const;

  // Pixel access for code outside codecs/ (overlays), which sees no FFmpeg headers. A plane's
  // rows are linesize(plane) bytes apart; write only after MakeWritable().
  Layout layout() const;
  uint8_t* data(int plane);
  const uint8_t* data(int plane) const;
  int linesize(int plane) const;

  // The picture's colour description without FFmpeg's enums. bt601: the BT.601 matrix
  // (BT470BG, SMPTE170M, FCC; unspecified pictures under 720 lines), else BT.709. full_range:
  // JPEG range (or a yuvj format). chroma_center: chroma sited between luma columns (JPEG,
  // MPEG-1); false for the MPEG-2/H.264 'left' siting, which is also the default when unspecified.
  bool bt601() const;
  bool full_range() const;
  bool chroma_center() const;

  AVFrame* av() { return frame_; }
  const AVFrame* av() const { return frame_; }

 private:
  explicit Frame(AVFrame* f) : frame_(f) {}
  AVFrame* frame_ = nullptr;
};

// A P010 picture in system memory (NVDEC's 10-bit output, downloaded) as planar yuv420p10le, the
// 10-bit layout the CPU stages draw on: the same samples (shifted down, chroma de-interleaved),
// pts and colour description. Other pictures: an error.
Result<Frame> Yuv420p10FromP010(const Frame& p010);

}  // namespace strait
