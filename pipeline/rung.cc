#include "pipeline/rung.h"

#include <dlfcn.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "codecs/cuda/scaler.h"
#include "codecs/ffmpeg/scaler.h"
#include "codecs/ffmpeg/video_encoder.h"
#include "transport/hls/packager.h"

namespace strait::pipeline {

namespace {

constexpr int kMaxSlowLevel = 2;  // the governor lowers a rung's fps to 1/2, then 1/4
constexpr double kMinGovernedFps = 7.5;
constexpr int kCalmBoundariesToRecover = 3;

// The encoders to try for `choice`, in order.
std::vector<std::string> EncoderCandidates(const std::string& choice, CodecId codec) {
  if (codec == CodecId::kHevc) {  // a passthrough of an HEVC source keeps its codec
    if (choice == "x264")
      return {"libx265"};
    return {"hevc_nvenc", "libx265"};
  }
  if (choice == "x264")
    return {"libx264"};
  return {"h264_nvenc", "libx264"};  // auto, and nvenc with its logged CPU fallback
}

// NVENC's presets p1 (fastest) .. p7 for the x264 preset names the config uses.
std::string NvencPreset(const std::string& x264) {
  if (x264 == "ultrafast" || x264 == "superfast")
    return "p1";
  if (x264 == "veryfast")
    return "p2";
  if (x264 == "faster")
    return "p3";
  if (x264 == "fast")
    return "p4";
  if (x264 == "medium")
    return "p5";
  return "p6";
}

// The bitrate of the source a passthrough rung copies, over the last 10 s of it: the rate it
// encodes at while a card is on (unless its config sets one).
class SourceRate {
 public:
  void Add(const Packet& p) {
    const int64_t ms = Rescale(p.dts(), p.timebase(), kMillis);
    if (!window_.empty() && ms < window_.back().first)
      window_.clear();  // a new timeline (a new publish)
    window_.emplace_back(ms, p.size());
    bytes_ += p.size();
    while (window_.size() > 1 && ms - window_.front().first > 10000) {
      bytes_ -= window_.front().second;
      window_.pop_front();
    }
  }
  // 0 until it has seen a second of the source.
  int kbps() const {
    if (window_.size() < 2)
      return 0;
    const int64_t span = window_.back().first - window_.front().first;
    if (span < 1000)
      return 0;
    return static_cast<int>(static_cast<double>(bytes_) * 8 / span);
  }

 private:
  std::deque<std::pair<int64_t, size_t>> window_;  // dts (ms), bytes
  size_t bytes_ = 0;
};

// The picture itself, or its copy in system memory when it lives on the GPU.
Result<Frame> InSystemMemory(const Frame& frame) {
  return frame.on_device() ? frame.Download() : Result<Frame>(frame);
}

}  // namespace

bool PassthroughCanEncode(CodecId codec) {
  return codec == CodecId::kH264 || codec == CodecId::kHevc;
}

// Probed once per process (no GPU: the probe fails once, quietly after that).
bool NvencUsable() {
  static const bool usable = [] {
    // No NVIDIA driver: say nothing (FFmpeg would log an error for every probe).
    void* cuda = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!cuda)
      return false;
    dlclose(cuda);
    ffmpeg::VideoEncoderOptions probe;
    probe.codec = "h264_nvenc";
    probe.width = 256;
    probe.height = 144;
    probe.preset = "p1";
    return ffmpeg::VideoEncoder::Create(probe).ok();
  }();
  return usable;
}

// Everything the rung's thread owns.
struct Rung::Worker {
  std::unique_ptr<ffmpeg::Scaler> scaler;
  std::unique_ptr<cuda::Scaler> gpu_scaler;  // scaler: cuda, while it works
  bool device = false;  // zero copy: the encoder reads GPU frames (`scaler` makes NV12)
  bool download = false;  // GPU pictures scaled on the GPU, downloaded (NV12) for the encoder
  bool device_scale_failed = false;  // GPU pictures the kernel cannot take: via system memory
  std::unique_ptr<ffmpeg::VideoEncoder> encoder;
  std::unique_ptr<transport::hls::Packager> packager;
  bool failed = false;
  bool have_due = false;
  int slow_level = 0;  // the governor's step: the frame rate is divided by 2^slow_level
  int calm_boundaries = 0;
  uint64_t dropped_seen = 0;  // frames_dropped at the last boundary
  int64_t next_due = 0;       // frame-rate cap: the pts the next kept frame should have
  uint64_t packet_errors = 0;
};

Rung::Rung(std::string stream_name,
           RungOptions options,
           std::vector<transport::hls::Rendition*> outs,
           const Clock& clock,
           Timebase video_timebase)
    : stream_name_(std::move(stream_name)),
      options_(std::move(options)),
      outs_(std::move(outs)),
      clock_(clock),
      timebase_(video_timebase),
      logger_(options_.logger ? options_.logger : spdlog::default_logger()) {
  thread_ = std::thread([this] { Run(); });
}

Rung::~Rung() {
  End();
  Join();
}

void Rung::Join() {
  if (thread_.joinable())
    thread_.join();
}

RungStats Rung::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Rung::End(bool end_now) {
  {
    std::lock_guard lock(mu_);
    if (ended_)
      return;
    ended_ = true;
    queue_.push_back(EndItem{end_now});
  }
  cv_.notify_all();
}

void Rung::PushItem(Item item) {
  {
    std::lock_guard lock(mu_);
    if (ended_)
      return;
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
}

void Rung::PushTrack(const TrackInfo& track) {
  PushItem(track);
}

void Rung::PushPacket(const Packet& packet) {
  PushItem(packet);
}

void Rung::ResumeCopy() {
  PushItem(ResumeCopyItem{});
}

void Rung::SetSourceDelay(int64_t delay) {
  PushItem(SourceDelayItem{delay});
}

void Rung::PushFrame(const Frame& frame, bool force_idr) {
  std::unique_lock lock(mu_);
  if (ended_)
    return;
  ++stats_.frames_in;
  if (dropping_ && !force_idr) {
    ++stats_.frames_dropped;
    return;
  }
  dropping_ = false;
  if (options_.live && queued_frames_ >= options_.queue_frames && force_idr) {
    // A segment's keyframe is kept even behind realtime: without it this rung's segment would
    // run on into the next one, and its segments (and media sequence numbers) would no longer
    // match the other rungs'. The newest waiting picture that is not a keyframe makes room (the
    // end of the previous segment holds its last picture a little longer).
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
      if (auto* f = std::get_if<FrameItem>(&*it); f && !f->force_idr) {
        queue_.erase(std::next(it).base());
        --queued_frames_;
        ++stats_.frames_dropped;
        break;
      }
    }
  }
  if (options_.live && queued_frames_ >= options_.queue_frames) {
    // Behind realtime: skip to the next segment boundary, so this rung loses the rest of a GOP
    // (never a lone reference frame) and its later segments still start where every other
    // rung's do. (A keyframe itself is dropped only when the queue holds nothing but keyframes.)
    dropping_ = true;
    ++stats_.frames_dropped;
    if (stats_.gops_dropped++ % 32 == 0) {
      logger_->warn(
          "stream {}: rung {} behind realtime: dropping to the next keyframe ({} GOPs, "
          "{} frames dropped so far)",
          stream_name_, name(), stats_.gops_dropped, stats_.frames_dropped);
    }
    return;
  }
  cv_.wait(lock, [&] { return queued_frames_ < options_.queue_frames; });  // file mode only
  queue_.push_back(FrameItem{frame, force_idr});
  ++queued_frames_;
  stats_.queue_high_water = std::max(stats_.queue_high_water, queued_frames_);
  lock.unlock();
  cv_.notify_all();
}

// The realtime governor's first step, taken only at segment boundaries (so a segment never
// changes frame rate midway): a rung whose queue is half full, or that had to drop frames since
// the last boundary, halves its frame rate; one whose queue was empty at several boundaries in a
// row gets it back. Dropping GOPs (PushFrame) is the last resort when this is not enough.
void Rung::Govern(Worker& w) {
  size_t depth;
  uint64_t dropped;
  {
    std::lock_guard lock(mu_);
    depth = queued_frames_;
    dropped = stats_.frames_dropped;
  }
  const bool lost_frames = dropped > w.dropped_seen;  // GOPs were dropped since the last boundary
  w.dropped_seen = dropped;
  const int before = w.slow_level;
  if ((lost_frames || depth * 2 >= options_.queue_frames) && w.slow_level < kMaxSlowLevel) {
    ++w.slow_level;
    w.calm_boundaries = 0;
  } else if (depth == 0 && w.slow_level > 0 && ++w.calm_boundaries >= kCalmBoundariesToRecover) {
    --w.slow_level;
    w.calm_boundaries = 0;
  }
  if (w.slow_level != before) {
    logger_->warn("stream {}: rung {} {} realtime: frame rate now 1/{} of its cap", stream_name_,
                  name(), w.slow_level > before ? "behind" : "back to", 1 << w.slow_level);
    std::lock_guard lock(mu_);
    stats_.slow_level = w.slow_level;
    stats_.governor_steps++;
  }
}

void Rung::Draw(Frame& scaled) {
  if (!options_.overlay)
    return;
  if (Status s = options_.overlay->Process(scaled, timebase_);
      !s.ok() && overlay_errors_++ % 300 == 0) {
    logger_->warn("stream {}: rung {}: overlay: {} ({} pictures so far)", stream_name_, name(),
                  s.error().message(), overlay_errors_);
  }
}

// The system-memory path: scaled (CUDA's upload/resize/download, or swscale) and drawn on.
Result<Frame> Rung::ToHost(Worker& w, const Frame& frame) {
  // A GPU picture (its rung could not read it in place) comes down first.
  Result<Frame> host = InSystemMemory(frame);
  if (!host.ok())
    return host.error();
  Result<Frame> scaled = Error("no scaler");
  if (w.gpu_scaler) {
    scaled = w.gpu_scaler->Scale(*host);
    if (!scaled.ok()) {  // e.g. a 10-bit source: the kernel takes 8-bit yuv420p only
      logger_->warn("stream {}: rung {}: {}; scaling on the CPU from now on", stream_name_, name(),
                    scaled.error().message());
      w.gpu_scaler.reset();
    }
  }
  if (!w.gpu_scaler)
    scaled = w.scaler->Scale(*host);
  if (!scaled.ok())
    return scaled.error().Context("scale");
  Draw(*scaled);
  return scaled;
}

// GPU pictures: scaled on the GPU into the scaler's NV12 frames and drawn on there; as they are
// for NVENC (zero copy), downloaded for any other encoder. A picture in system memory (the
// slate), or one the kernel cannot take (P010: from then on), is scaled to NV12 on the CPU (and
// uploaded for NVENC).
Result<Frame> Rung::ViaDevice(Worker& w, const Frame& frame) {
  Result<Frame> scaled = Error("not scaled on the GPU");
  if (frame.on_device() && !w.device_scale_failed) {
    scaled = w.gpu_scaler->ScaleOnDevice(frame);
    if (!scaled.ok()) {
      logger_->warn("stream {}: rung {}: {}; scaling these pictures on the CPU", stream_name_,
                    name(), scaled.error().message());
      w.device_scale_failed = true;
    }
  }
  if (!scaled.ok()) {
    Result<Frame> host = InSystemMemory(frame);
    if (!host.ok())
      return host.error();
    scaled = w.scaler->Scale(*host);
    if (!scaled.ok())
      return scaled.error().Context("scale");
  }
  if (scaled->on_device() && options_.overlay && !options_.overlay->takes_gpu_pictures() &&
      options_.overlay->active()) {
    scaled = scaled->Download();
    if (!scaled.ok())
      return scaled.error();
  }
  Draw(*scaled);  // a card stage blends a GPU picture on the GPU (or brings it down)
  if (w.device)
    return scaled->on_device() ? scaled : w.gpu_scaler->Upload(*scaled);
  return InSystemMemory(*scaled);
}

void Rung::Run() {
  Worker w;
  transport::hls::PackagerOptions popts;
  popts.target_duration_s = options_.segment_duration_s;
  popts.expect_audio = false;  // video only: the audio is a rendition of its own
  popts.anchor = options_.wall_anchor;
  w.packager = std::make_unique<transport::hls::Packager>(outs_, clock_, popts);
  RungPlan plan = options_.plan;  // a passthrough's size: each encoded stretch's pictures'
  // Passthrough: the source's track, whether pictures are being encoded instead of packets
  // copied, the packets waiting meanwhile, and the copied source's bitrate.
  std::optional<TrackInfo> source_track;
  bool encoding = false;
  std::deque<Packet> held;
  SourceRate source_rate;
  // The copied source's pts − dts at keyframes (its B-picture delay), timebase_: encoded
  // stretches carry the same offset, so decode timestamps run on across both cuts.
  int64_t source_delay = 0;

  auto write = [&](const Packet& p) {
    if (Status s = w.packager->Write(p); !s.ok() && w.packet_errors++ < 5)
      logger_->warn("stream {}: rung {}: {}", stream_name_, name(), s.error().message());
  };
  auto fail = [&](const Error& e) {
    w.failed = true;
    logger_->error("stream {}: rung {} stopped: {}", stream_name_, name(), e.message());
    std::lock_guard lock(mu_);
    stats_.error = e.message();
  };
  auto open = [&](const Frame& first) -> Status {
    if (options_.copies_source) {
      // The source's own size (even, as 4:2:0 needs) and rate; its measured bitrate.
      plan.width = std::max(2, first.width() / 2 * 2);
      plan.height = std::max(2, first.height() / 2 * 2);
      int kbps = options_.plan.config.bitrate_kbps;
      if (kbps <= 0)
        kbps = source_rate.kbps();
      if (kbps <= 0)  // no source seen yet: ~0.1 bit per pixel
        kbps = static_cast<int>(plan.width * plan.height * options_.source_fps * 0.1 / 1000);
      plan.config.bitrate_kbps = std::clamp(kbps, 300, 50000);
      plan.config.maxrate_kbps = std::max(plan.config.bitrate_kbps, plan.config.maxrate_kbps);
    }
    ffmpeg::ScalerOptions so;
    so.width = plan.width;
    so.height = plan.height;
    auto scaler = ffmpeg::Scaler::Create(so);
    if (!scaler.ok())
      return scaler.error();
    w.scaler = std::move(*scaler);
    if (options_.scaler == "cuda") {
      auto gpu = cuda::Scaler::Create(plan.width, plan.height);
      if (gpu.ok())
        w.gpu_scaler = std::move(*gpu);
      else
        logger_->warn("stream {}: rung {}: {}; scaling on the CPU", stream_name_, name(),
                      gpu.error().message());
    }
    ffmpeg::VideoEncoderOptions eo;
    eo.width = plan.width;
    eo.height = plan.height;
    eo.timebase = timebase_;
    const double cap = plan.config.max_fps;
    eo.fps = cap > 0 ? std::min(cap, options_.source_fps) : options_.source_fps;
    eo.bitrate = int64_t{plan.config.bitrate_kbps} * 1000;
    eo.maxrate =
        int64_t{plan.config.maxrate_kbps ? plan.config.maxrate_kbps : plan.config.bitrate_kbps} *
        1000;
    eo.bufsize =
        plan.config.bufsize_kbps ? int64_t{plan.config.bufsize_kbps} * 1000 : 2 * eo.maxrate;
    // A passthrough encodes in the source's codec (its playlist then needs no codec change):
    // H.264, or HEVC (NVENC, else libx265, with the encoder's own profile).
    const CodecId codec =
        options_.copies_source && source_track ? source_track->codec : CodecId::kH264;
    if (!PassthroughCanEncode(codec))
      return Error("no " + std::string(CodecName(codec)) + " encoder");
    eo.profile = codec == CodecId::kH264 ? plan.config.profile : "";
    eo.threads = options_.encoder_threads;
    eo.track_id = source_track ? source_track->id : 0;  // a passthrough: the source's track
    std::string errors;
    if (options_.gpu_pictures && w.gpu_scaler && options_.encoder != "x264" && NvencUsable() &&
        codec == CodecId::kH264) {
      Result<AVBufferRef*> frames =
          w.gpu_scaler->DeviceFrames(first.on_device() ? &first : nullptr);
      Result<std::unique_ptr<ffmpeg::VideoEncoder>> enc = Error("no frames context");
      if (frames.ok()) {
        ffmpeg::VideoEncoderOptions device = eo;
        device.codec = "h264_nvenc";
        device.preset = NvencPreset(plan.config.preset);
        device.device_frames = *frames;
        enc = ffmpeg::VideoEncoder::Create(device);
      }
      ffmpeg::ScalerOptions nv12 = so;
      nv12.nv12 = true;
      auto host_scaler = ffmpeg::Scaler::Create(nv12);
      if (enc.ok() && host_scaler.ok()) {
        w.encoder = std::move(*enc);
        w.scaler = std::move(*host_scaler);
        w.device = true;
        logger_->info(
            "stream {}: rung {} {}x{} {} kb/s with h264_nvenc, decode → scale → encode on the GPU",
            stream_name_, name(), plan.width, plan.height, plan.config.bitrate_kbps);
        std::lock_guard lock(mu_);
        stats_.encoder = "h264_nvenc";
        stats_.zero_copy = true;
        return w.packager->AddTrack(w.encoder->track());
      }
      logger_->warn(
          "stream {}: rung {}: zero copy unavailable ({}); GPU-scaled pictures are downloaded "
          "for the encoder",
          stream_name_, name(),
          !frames.ok() ? frames.error().message()
          : !enc.ok()  ? enc.error().message()
                       : host_scaler.error().message());
    }
    if (options_.gpu_pictures && w.gpu_scaler && codec == CodecId::kH264) {
      // Scaled on the GPU, downloaded as NV12, which libx264 takes as it is; the slate is
      // scaled to NV12 too.
      ffmpeg::ScalerOptions nv12 = so;
      nv12.nv12 = true;
      if (auto host_scaler = ffmpeg::Scaler::Create(nv12); host_scaler.ok()) {
        w.scaler = std::move(*host_scaler);
        w.download = true;
        eo.nv12 = true;
      }
    }
    for (const std::string& name : EncoderCandidates(options_.encoder, codec)) {
      const bool nvenc = name.find("nvenc") != std::string::npos;
      if (nvenc && !NvencUsable()) {
        errors = name + " does not open on this machine";
        continue;
      }
      eo.codec = name;
      // libx265 is several times slower than libx264 at the same preset name: its fastest.
      eo.preset = nvenc               ? NvencPreset(plan.config.preset)
                  : name == "libx265" ? "ultrafast"
                                      : plan.config.preset;
      auto enc = ffmpeg::VideoEncoder::Create(eo);
      if (enc.ok()) {
        w.encoder = std::move(*enc);
        if (!errors.empty() && options_.encoder == "nvenc")
          logger_->warn("stream {}: rung {}: NVENC unavailable ({}), using {}", stream_name_,
                        this->name(), errors, name);
        logger_->info("stream {}: rung {} {}x{} {} kb/s with {}{}", stream_name_, this->name(),
                      plan.width, plan.height, plan.config.bitrate_kbps, name,
                      w.download ? ", pictures scaled on the GPU" : "");
        std::lock_guard lock(mu_);
        stats_.encoder = name;
        break;
      }
      errors += (errors.empty() ? "" : "; ") + enc.error().message();
    }
    if (!w.encoder)
      return Error("no encoder opened: " + errors);
    return w.packager->AddTrack(w.encoder->track());
  };
  // (A passthrough's switch onto an open GOP's keyframe, which carries more pts − dts delay, can
  // take decode time back by a picture or two: the Packager raises those.)
  auto output = [&](const Packet& p) {
    {
      std::lock_guard lock(mu_);
      stats_.bytes_out += p.size();
    }
    write(p);
  };
  auto on_packet = [&](Packet p) {  // the encoder's
    if (source_delay > 0 && p.dts() != kNoTimestamp)
      p = p.WithTimestamps(p.pts(), p.dts() - source_delay);
    output(p);
  };
  // Passthrough: a source packet into the rendition, or waiting while pictures are encoded.
  auto copy = [&](const Packet& p) {
    if (encoding) {
      held.push_back(p);
      return;
    }
    source_rate.Add(p);
    if (p.keyframe() && p.pts() != kNoTimestamp && p.dts() != kNoTimestamp)
      source_delay = std::max<int64_t>(0, Rescale(p.pts() - p.dts(), p.timebase(), timebase_));
    output(p);
  };
  auto count_switch = [&] {
    std::lock_guard lock(mu_);
    ++stats_.source_switches;
  };
  // Passthrough: the end of an encoded stretch; copying resumes at the first packet held.
  auto resume_copy = [&] {
    if (!encoding)
      return;
    if (w.encoder && !w.failed) {
      if (Status s = w.encoder->Flush(on_packet); !s.ok())
        logger_->warn("stream {}: rung {}: flush: {}", stream_name_, name(), s.error().message());
    }
    std::unique_ptr<transport::hls::Packager> packager = std::move(w.packager);
    w = Worker{};  // encoder, scalers, frame-rate cap and governor anew
    w.packager = std::move(packager);
    {
      std::lock_guard lock(mu_);
      stats_.slow_level = 0;
    }
    encoding = false;
    if (source_track) {  // the source's configuration again: a new segment, the same timeline
      if (Status s = w.packager->AddTrack(*source_track); !s.ok())
        logger_->warn("stream {}: rung {}: {}", stream_name_, name(), s.error().message());
    }
    if (held.empty())
      logger_->info("stream {}: rung {}: copying the source again", stream_name_, name());
    else
      logger_->info("stream {}: rung {}: copying the source again from its keyframe at {:.3f} s",
                    stream_name_, name(), held.front().pts_time().seconds());
    count_switch();
    std::deque<Packet> waiting;
    waiting.swap(held);
    for (const Packet& p : waiting)
      copy(p);
  };
  auto encode = [&](const FrameItem& item) {
    if (options_.copies_source && !encoding) {
      encoding = true;
      logger_->info("stream {}: rung {}: encoding the source's pictures from {:.3f} s on",
                    stream_name_, name(), MediaTime{item.frame.pts(), timebase_}.seconds());
      count_switch();
    }
    if (w.failed)
      return;
    if (item.force_idr && options_.live)
      Govern(w);
    // Frame-rate cap (the configured one, lowered by the governor): keep a frame when it is due;
    // a marked frame is always kept.
    const double configured = plan.config.max_fps > 0 && !options_.copies_source
                                  ? std::min(plan.config.max_fps, options_.source_fps)
                                  : options_.source_fps;
    const double cap = std::max(kMinGovernedFps, configured / (1 << w.slow_level));
    if (cap < options_.source_fps * 0.99) {
      const int64_t interval = static_cast<int64_t>(timebase_.den / (timebase_.num * cap));
      const int64_t pts = item.frame.pts();
      if (!item.force_idr && w.have_due && pts < w.next_due - interval / 2) {
        std::lock_guard lock(mu_);
        ++(w.slow_level > 0 && configured / (1 << w.slow_level) < configured * 0.99
               ? stats_.frames_governed
               : stats_.frames_capped);
        return;
      }
      w.next_due = (item.force_idr || !w.have_due || w.next_due < pts - interval)
                       ? pts + interval
                       : w.next_due + interval;
      w.have_due = true;
    }
    if (!w.encoder) {
      if (Status s = open(item.frame); !s.ok())
        return fail(s.error());
    }
    if (options_.before_encode)
      options_.before_encode();
    const bool via_device = w.device || w.download;
    Result<Frame> scaled = via_device ? ViaDevice(w, item.frame) : ToHost(w, item.frame);
    if (!scaled.ok()) {
      if (!via_device)
        return fail(scaled.error());
      if (w.packet_errors++ < 5)  // a GPU error: one picture lost, the rung goes on
        logger_->warn("stream {}: rung {}: {}", stream_name_, name(), scaled.error().message());
      return;
    }
    if (Status s = w.encoder->Encode(*scaled, item.force_idr, on_packet); !s.ok())
      return fail(s.error().Context("encode"));
    std::lock_guard lock(mu_);
    ++stats_.frames_encoded;
  };

  bool end_now = false;
  for (;;) {
    Item item;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty(); });
      item = std::move(queue_.front());
      queue_.pop_front();
      if (std::holds_alternative<FrameItem>(item))
        --queued_frames_;
    }
    cv_.notify_all();  // room for a waiting producer
    if (auto* f = std::get_if<FrameItem>(&item)) {
      encode(*f);
    } else if (auto* t = std::get_if<TrackInfo>(&item)) {
      source_track = *t;
      if (!encoding) {  // else it takes effect when copying resumes
        if (Status s = w.packager->AddTrack(*t); !s.ok())
          logger_->warn("stream {}: rung {}: {}", stream_name_, name(), s.error().message());
      }
    } else if (auto* p = std::get_if<Packet>(&item)) {
      copy(*p);
    } else if (std::holds_alternative<ResumeCopyItem>(item)) {
      resume_copy();
    } else if (auto* d = std::get_if<SourceDelayItem>(&item)) {
      // An encoded stretch keeps the delay it began with: its decode timestamps are pts − delay,
      // so a change would take them back (an open GOP's keyframes carry more delay than its
      // first IDR, and the hint overtakes the pictures decoded before that keyframe).
      if (!encoding)
        source_delay = std::max<int64_t>(0, d->delay);
    } else {
      end_now = std::get<EndItem>(item).end_now;
      break;
    }
  }
  if (!held.empty()) {
    resume_copy();  // the source after the last encoded stretch (flushes the encoder first)
  } else if (w.encoder && !w.failed) {
    if (Status s = w.encoder->Flush(on_packet); !s.ok())
      fail(s.error().Context("flush"));
  }
  if (Status s = w.packager->Finish(end_now); !s.ok())
    logger_->warn("stream {}: rung {}: final segment: {}", stream_name_, name(),
                  s.error().message());
}

}  // namespace strait::pipeline
