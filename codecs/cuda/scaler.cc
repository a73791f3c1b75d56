#include "codecs/cuda/scaler.h"

#include "codecs/ffmpeg/deleters.h"
#include "codecs/ffmpeg/error.h"

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
}

#ifdef STRAIT_HAVE_CUDA
#include <cuda_runtime.h>

#include "codecs/cuda/resize_kernels.h"
#include "codecs/scale/plane_kernels.h"
#include "codecs/scale/plane_scaler.h"
#endif

namespace strait::cuda {

#ifndef STRAIT_HAVE_CUDA

bool DeviceAvailable(std::string* why) {
  if (why)
    *why = "strait was built without CUDA (nvcc not found; -DSTRAIT_CUDA=ON needs the toolkit)";
  return false;
}

Result<AVBufferRef*> NewDeviceRef() {
  AVBufferRef* device = nullptr;
  if (int err = av_hwdevice_ctx_create(&device, AV_HWDEVICE_TYPE_CUDA, nullptr, nullptr,
                                       1 /* AV_CUDA_USE_PRIMARY_CONTEXT */);
      err < 0)
    return ffmpeg::AvError(err, "open the CUDA device");
  return device;
}

struct Scaler::Impl {};
Scaler::Scaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scaler::~Scaler() = default;
Result<std::unique_ptr<Scaler>> Scaler::Create(int, int) {
  std::string why;
  DeviceAvailable(&why);
  return Error("cuda scaler: " + why);
}
Result<Frame> Scaler::Scale(const Frame&) {
  return Error("cuda scaler: not built");
}
Result<Frame> Scaler::ScaleOnDevice(const Frame&) {
  return Error("cuda scaler: not built");
}
Result<Frame> Scaler::Upload(const Frame&) {
  return Error("cuda scaler: not built");
}
Result<AVBufferRef*> Scaler::DeviceFrames(const Frame*) {
  return Error("cuda scaler: not built");
}

#else

namespace {

Error CudaError(cudaError_t e, const std::string& what) {
  return Error("cuda: " + what + ": " + cudaGetErrorString(e));
}

struct DeviceBuffer {
  uint8_t* ptr = nullptr;
  size_t bytes = 0;
  ~DeviceBuffer() {
    if (ptr)
      cudaFree(ptr);
  }
  cudaError_t Ensure(size_t n) {
    if (n <= bytes)
      return cudaSuccess;
    if (ptr)
      cudaFree(ptr);
    ptr = nullptr;
    bytes = 0;
    const cudaError_t e = cudaMalloc(&ptr, n);
    if (e == cudaSuccess)
      bytes = n;
    return e;
  }
};

// A downscale's filter for one plane size: scale::PlaneScaler's tables (the CPU scaler's own
// filter, so that both compute the same bytes) copied to the device once.
struct DeviceFilter {
  int sw = 0, sh = 0, dw = 0, dh = 0;
  bool upscale = false;  // no PlaneScaler filter: ResizePlane's bilinear instead
  DeviceBuffer tables[4];
  scale::kernels::FilterView f{};  // with the device tables
};

template <typename T>
cudaError_t CopyTable(const T* host, size_t n, DeviceBuffer& buf) {
  if (cudaError_t e = buf.Ensure(n * sizeof(T)); e != cudaSuccess)
    return e;
  return cudaMemcpy(buf.ptr, host, n * sizeof(T), cudaMemcpyHostToDevice);
}

// DeviceAvailable's device, never freed (it keeps the primary context's flags, and the context
// itself, for the process), and why there is none.
struct SharedDevice {
  AVBufferRef* device = nullptr;
  std::string missing;
};

const SharedDevice& Shared() {
  static const SharedDevice shared = [] {
    SharedDevice d;
    int count = 0;
    // Initialises the driver, starts no context.
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
      d.missing = std::string("no usable CUDA device: ") + cudaGetErrorString(e);
    } else if (count == 0) {
      d.missing = "no CUDA device";
    } else if (int err = av_hwdevice_ctx_create(&d.device, AV_HWDEVICE_TYPE_CUDA, nullptr, nullptr,
                                                1 /* AV_CUDA_USE_PRIMARY_CONTEXT */);
               err < 0) {
      d.device = nullptr;
      d.missing = ffmpeg::AvError(err, "FFmpeg cannot open the CUDA device").message();
    }
    return d;
  }();
  return shared;
}

}  // namespace

bool DeviceAvailable(std::string* why) {
  const SharedDevice& d = Shared();
  if (!d.device && why)
    *why = d.missing;
  return d.device != nullptr;
}

Result<AVBufferRef*> NewDeviceRef() {
  std::string why;
  if (!DeviceAvailable(&why))
    return Error(why);
  AVBufferRef* ref = av_buffer_ref(Shared().device);
  if (!ref)
    return Error("cuda: out of memory");
  return ref;
}

struct Scaler::Impl {
  int width = 0, height = 0;
  cudaStream_t stream = nullptr;
  DeviceBuffer src[3], dst[3];
  DeviceFilter filters[2];        // luma, chroma: for the last input size
  AVBufferRef* device = nullptr;  // zero copy: FFmpeg's CUDA device and the output frames
  AVBufferRef* frames = nullptr;

  // The filter from a sw x sh plane to dw x dh (slot 0 luma, 1 chroma), made on first use.
  Result<const DeviceFilter*> FilterFor(int slot, int sw, int sh, int dw, int dh) {
    DeviceFilter& d = filters[slot];
    if (d.sw == sw && d.sh == sh && d.dw == dw && d.dh == dh)
      return &d;
    d.sw = d.sh = d.dw = d.dh = 0;
    auto host = scale::PlaneScaler::Create(sw, sh, dw, dh);
    d.upscale = !host.ok();
    if (host.ok()) {
      const scale::kernels::FilterView v = (*host)->filter();
      for (cudaError_t e : {CopyTable(v.h_pos, size_t(dw), d.tables[0]),
                            CopyTable(v.h_coef, size_t(dw) * v.h_taps, d.tables[1]),
                            CopyTable(v.v_pos, size_t(dh), d.tables[2]),
                            CopyTable(v.v_coef, size_t(dh) * v.v_taps, d.tables[3])}) {
        if (e != cudaSuccess)
          return CudaError(e, "filter tables");
      }
      d.f = v;
      d.f.h_pos = reinterpret_cast<const int32_t*>(d.tables[0].ptr);
      d.f.h_coef = reinterpret_cast<const int16_t*>(d.tables[1].ptr);
      d.f.v_pos = reinterpret_cast<const int32_t*>(d.tables[2].ptr);
      d.f.v_coef = reinterpret_cast<const int16_t*>(d.tables[3].ptr);
      d.f.h_base = nullptr;  // the AVX2 tables die with `host`; the kernel does not read them
      d.f.h_table = nullptr;
    }
    d.sw = sw, d.sh = sh, d.dw = dw, d.dh = dh;
    return &d;
  }

  // One plane (slot 0 luma, 1 chroma): the PlaneScaler filter when downscaling, bilinear
  // otherwise.
  Status ScalePlane(int slot, const kernels::PlaneIo& io) {
    auto f = FilterFor(slot, io.src_w, io.src_h, io.dst_w, io.dst_h);
    if (!f.ok())
      return f.error();
    const int e = (*f)->upscale ? kernels::ResizePlane(io, stream)
                                : kernels::FilterPlane((*f)->f, io, stream);
    if (e != 0)
      return CudaError(static_cast<cudaError_t>(e), "resize");
    return OkStatus();
  }
  ~Impl() {
    av_buffer_unref(&frames);
    av_buffer_unref(&device);
    if (stream)
      cudaStreamDestroy(stream);
  }
};

Scaler::Scaler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scaler::~Scaler() = default;

Result<std::unique_ptr<Scaler>> Scaler::Create(int width, int height) {
  std::string why;
  if (!DeviceAvailable(&why))
    return Error("cuda scaler: " + why);
  if (width <= 0 || height <= 0 || width % 2 || height % 2)
    return Error("cuda scaler: output size must be even and positive");
  auto impl = std::make_unique<Impl>();
  impl->width = width;
  impl->height = height;
  if (cudaError_t e = cudaStreamCreate(&impl->stream); e != cudaSuccess)
    return CudaError(e, "stream");
  return std::unique_ptr<Scaler>(new Scaler(std::move(impl)));
}

Result<Frame> Scaler::Scale(const Frame& input) {
  Impl& m = *impl_;
  const AVFrame* in = input.av();
  if (!in || in->format != AV_PIX_FMT_YUV420P)
    return Error("cuda scaler: input must be yuv420p");
  auto out = Frame::AllocateVideo(m.width, m.height, AV_PIX_FMT_YUV420P);
  if (!out.ok())
    return out.error();
  AVFrame* o = out->av();
  for (int p = 0; p < 3; ++p) {
    const int sw = p ? (in->width + 1) / 2 : in->width;
    const int sh = p ? (in->height + 1) / 2 : in->height;
    const int dw = p ? m.width / 2 : m.width;
    const int dh = p ? m.height / 2 : m.height;
    if (cudaError_t e = m.src[p].Ensure(size_t(sw) * sh); e != cudaSuccess)
      return CudaError(e, "alloc");
    if (cudaError_t e = m.dst[p].Ensure(size_t(dw) * dh); e != cudaSuccess)
      return CudaError(e, "alloc");
    if (cudaError_t e = cudaMemcpy2DAsync(m.src[p].ptr, sw, in->data[p], in->linesize[p], sw, sh,
                                          cudaMemcpyHostToDevice, m.stream);
        e != cudaSuccess)
      return CudaError(e, "upload");
    if (Status st = m.ScalePlane(p ? 1 : 0, {m.src[p].ptr, sw, sh, sw, m.dst[p].ptr, dw, dh, dw, 1});
        !st.ok())
      return st.error();
    if (cudaError_t e = cudaMemcpy2DAsync(o->data[p], o->linesize[p], m.dst[p].ptr, dw, dw, dh,
                                          cudaMemcpyDeviceToHost, m.stream);
        e != cudaSuccess)
      return CudaError(e, "download");
  }
  if (cudaError_t e = cudaStreamSynchronize(m.stream); e != cudaSuccess)
    return CudaError(e, "sync");
  out->set_pts(input.pts());
  return out;
}

Result<AVBufferRef*> Scaler::DeviceFrames(const Frame* device_input) {
  Impl& m = *impl_;
  if (m.frames)
    return m.frames;
  if (!m.device) {
    const AVFrame* in = device_input ? device_input->av() : nullptr;
    if (in && in->hw_frames_ctx) {
      const auto* fc = reinterpret_cast<const AVHWFramesContext*>(in->hw_frames_ctx->data);
      m.device = av_buffer_ref(fc->device_ref);
      if (!m.device)
        return Error("cuda scaler: out of memory");
    } else {
      auto device = NewDeviceRef();
      if (!device.ok())
        return device.error().Context("cuda scaler");
      m.device = *device;
    }
  }
  AVBufferRef* frames = av_hwframe_ctx_alloc(m.device);
  if (!frames)
    return Error("cuda scaler: out of memory");
  auto* fc = reinterpret_cast<AVHWFramesContext*>(frames->data);
  fc->format = AV_PIX_FMT_CUDA;
  fc->sw_format = AV_PIX_FMT_NV12;
  fc->width = m.width;
  fc->height = m.height;
  if (int err = av_hwframe_ctx_init(frames); err < 0) {
    av_buffer_unref(&frames);
    return ffmpeg::AvError(err, "cuda scaler: output frames");
  }
  m.frames = frames;
  return m.frames;
}

namespace {

// A new GPU frame from `frames`, with `props`' pts and colour description.
Result<Frame> NewDeviceFrame(AVBufferRef* frames, const AVFrame* props) {
  Frame out = Frame::Adopt(av_frame_alloc());
  AVFrame* o = out.av();
  if (!o)
    return Error("cuda scaler: out of memory");
  if (int err = av_hwframe_get_buffer(frames, o, 0); err < 0)
    return ffmpeg::AvError(err, "cuda scaler: GPU frame");
  if (int err = av_frame_copy_props(o, props); err < 0)
    return ffmpeg::AvError(err, "cuda scaler: frame properties");
  return out;
}

}  // namespace

Result<Frame> Scaler::ScaleOnDevice(const Frame& input) {
  Impl& m = *impl_;
  const AVFrame* in = input.av();
  if (!in || in->format != AV_PIX_FMT_CUDA || !in->hw_frames_ctx)
    return Error("cuda scaler: input is not a GPU frame");
  const auto* in_fc = reinterpret_cast<const AVHWFramesContext*>(in->hw_frames_ctx->data);
  if (in_fc->sw_format != AV_PIX_FMT_NV12) {
    const char* name = av_get_pix_fmt_name(in_fc->sw_format);
    return Error(std::string("cuda scaler: GPU frames of ") + (name ? name : "?") +
                 " (only NV12 is resized on the GPU)");
  }
  Result<AVBufferRef*> frames = DeviceFrames(&input);
  if (!frames.ok())
    return frames.error();
  Result<Frame> out = NewDeviceFrame(*frames, in);
  if (!out.ok())
    return out.error();
  AVFrame* o = out->av();
  if (Status st = m.ScalePlane(0, {in->data[0], in->width, in->height, in->linesize[0],
                                   o->data[0], m.width, m.height, o->linesize[0], 1});
      !st.ok())
    return st.error();
  if (Status st = m.ScalePlane(1, {in->data[1], (in->width + 1) / 2, (in->height + 1) / 2,
                                   in->linesize[1], o->data[1], m.width / 2, m.height / 2,
                                   o->linesize[1], 2});
      !st.ok())
    return st.error();
  if (cudaError_t e = cudaStreamSynchronize(m.stream); e != cudaSuccess)
    return CudaError(e, "sync");
  return out;
}

Result<Frame> Scaler::Upload(const Frame& nv12) {
  Impl& m = *impl_;
  const AVFrame* in = nv12.av();
  if (!in || in->format != AV_PIX_FMT_NV12 || in->width != m.width || in->height != m.height)
    return Error("cuda scaler: upload needs an NV12 picture of the output size");
  Result<AVBufferRef*> frames = DeviceFrames(nullptr);
  if (!frames.ok())
    return frames.error();
  Result<Frame> out = NewDeviceFrame(*frames, in);
  if (!out.ok())
    return out.error();
  if (int err = av_hwframe_transfer_data(out->av(), in, 0); err < 0)
    return ffmpeg::AvError(err, "cuda scaler: upload");
  return out;
}

#endif

}  // namespace strait::cuda
