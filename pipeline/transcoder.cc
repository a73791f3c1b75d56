#include "pipeline/transcoder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <future>
#include <limits>
#include <mutex>
#include <thread>
#include <variant>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/cuda/scaler.h"
#include "codecs/ffmpeg/audio_transcoder.h"
#include "codecs/ffmpeg/video_decoder.h"
#include "codecs/ts/annexb.h"
#include "pipeline/filler.h"
#include "pipeline/resume_timeline.h"
#include "transport/hls/packager.h"
#include "transport/hls/stream.h"

namespace strait::pipeline {

namespace {

struct EndInput {};
struct SuspendInput {
  std::chrono::milliseconds grace;
};
struct ResumeInput {
  std::shared_ptr<std::promise<std::optional<int64_t>>> at;
};
using Input = std::variant<TrackInfo, Packet, EndInput, SuspendInput, ResumeInput>;

}  // namespace

struct Transcoder::Graph {
  const std::string name;
  transport::hls::Stream& out;
  const Clock& clock;
  const TranscoderOptions opts;
  std::shared_ptr<spdlog::logger> logger;

  // Producer → decode thread.
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Input> input;   // guarded by mu
  bool dropping = false;     // guarded by mu: live overflow, skipping to the next keyframe
  bool ended = false;        // guarded by mu
  TranscoderStats counters;  // guarded by mu (rungs filled in by Stats())
  std::vector<std::shared_ptr<Rung>> rungs;  // guarded by mu (the vector); created by the thread

  // Decode-thread state.
  std::unique_ptr<ffmpeg::VideoDecoder> decoder;
  bool nvdec = false;  // NVDEC decodes now (FFmpeg kept it; or the opts.nvdec_fails stand-in)
  bool nvdec_fallback_logged = false;  // decoder->fallback(), said once a decoder
  int nvdec_failures = 0;              // NVDEC's failed packets in a row
  bool nvdec_gave_up = false;          // NVDEC failed this stream: not tried again (a new codec)
  bool await_keyframe = false;         // a new decoder took over: packets from the next keyframe
  std::optional<TrackInfo> video_track;
  std::optional<TrackInfo> audio_out;  // the AAC track of the "audio" rendition
  std::unique_ptr<ffmpeg::AudioTranscoder> audio_transcoder;
  std::unique_ptr<ffmpeg::AudioTranscoder> opus_transcoder;  // opts.opus: the source → Opus
  std::unique_ptr<transport::hls::Packager> opus;            // the "audio-opus" rendition
  // The ladder's passthrough rung (created with the video track): it copies the source while
  // no card is on and the publisher is there; otherwise it encodes the decoded pictures. The cuts
  // (SourceMode) keep every source picture in it exactly once: copy → encode after the packets
  // copied so far (the pictures they carry stay copied, B-pictures still to come included);
  // encode → copy at the next source keyframe once the card is off.
  std::shared_ptr<Rung> source_rung;  // guarded by mu (the pointer)
  enum class SourceMode { kCopy, kEncode, kResuming };
  SourceMode source_mode = SourceMode::kCopy;
  int64_t copied_max_pts = kNoTimestamp;  // the latest picture copied so far
  int64_t encode_from = 0;  // kEncode/kResuming: pictures from here on are encoded, not copied
  int64_t copy_from = 0;    // kResuming: the keyframe copying resumes at
  size_t resuming_packets = 0;
  int64_t told_delay = 0;  // the source delay last told to the passthrough rung (not copied)
  bool warned_uncarded_source = false;              // a source codec the passthrough cannot encode
  bool warned_open_gop = false;                     // copying waits for an IDR (CanResumeCopyAt)
  std::unique_ptr<transport::hls::Packager> audio;  // the "audio" rendition
  // Dates media time for every rendition's packager (the rungs', "audio", "audio-opus"), so a
  // picture has one program date time in all the stream's playlists. Kept across a reconnect
  // within the grace window, as the packagers and the timeline are.
  const std::shared_ptr<transport::hls::WallAnchor> wall_anchor =
      std::make_shared<transport::hls::WallAnchor>();
  bool have_boundary = false;
  int64_t next_boundary = 0;
  int64_t segment_ticks = 0;
  uint64_t overlay_errors = 0;
  uint64_t audio_errors = 0;
  // While the publisher is away (Suspend): the filler, and what it continues from.
  Filler filler;
  Frame last_picture;        // the last decoded picture, before the overlay
  bool source_draws = true;  // the overlay draws on the source picture (not per rendition)
  int64_t last_video_pts = kNoTimestamp;
  int64_t video_ticks = 0;            // measured picture interval
  int64_t aac_end = 0, opus_end = 0;  // ends of the audio written, 1/sample_rate
  std::chrono::steady_clock::time_point grace_deadline;
  bool grace_expired = false;
  // Input loss (opts.input_loss): the filler runs for a publisher still connected; the media after
  // the gap moves by one offset (90 kHz) so that it continues where the filler stopped.
  std::chrono::steady_clock::time_point last_push;  // guarded by mu: a packet last came
  bool stalled = false;                // the filler runs for input loss, not for Suspend
  ResumeTimeline resume;               // where the packets go on after an input loss
  // The timebase of the first track of each kind: the rungs, the filler and the packagers keep
  // it, so a publisher back within the grace window over another protocol (RTMP's milliseconds,
  // SRT's 90 kHz) has its tracks and packets put in it (before, its video ran 90 times too fast).
  std::optional<Timebase> video_timebase, audio_timebase;
  int64_t last_pushed_90k = kNoTimestamp;  // the last picture handed to the rungs

  std::thread thread;

  Graph(std::string n, transport::hls::Stream& o, const Clock& c, TranscoderOptions options)
      : name(std::move(n)),
        out(o),
        clock(c),
        opts(std::move(options)),
        logger(opts.logger ? opts.logger : spdlog::default_logger()),
        filler(opts.filler, logger, name) {
    thread = std::thread([this] { Run(); });
  }

  void Push(Input item, bool is_video, bool keyframe) {
    std::unique_lock lock(mu);
    if (ended)
      return;
    ++counters.packets_in;
    last_push = std::chrono::steady_clock::now();
    if (opts.live) {
      if (dropping && !(is_video && keyframe)) {
        ++counters.input_dropped;
        return;
      }
      if (input.size() >= opts.input_queue_packets) {
        if (!dropping)
          logger->warn("stream {}: transcoder input behind realtime, dropping to the next keyframe",
                       name);
        dropping = true;
        ++counters.input_dropped;
        return;
      }
      dropping = false;
    } else {
      cv.wait(lock, [&] { return input.size() < opts.input_queue_packets; });
    }
    input.push_back(std::move(item));
    lock.unlock();
    cv.notify_all();
  }

  void End() {
    {
      std::lock_guard lock(mu);
      if (!ended) {
        ended = true;
        input.push_back(EndInput{});
      }
    }
    cv.notify_all();
    if (thread.joinable())
      thread.join();
  }

  // Control inputs bypass the live drop rules.
  bool PushControl(Input item) {
    {
      std::lock_guard lock(mu);
      if (ended)
        return false;
      input.push_back(std::move(item));
    }
    cv.notify_all();
    return true;
  }

  std::optional<int64_t> Resume() {
    auto at = std::make_shared<std::promise<std::optional<int64_t>>>();
    std::future<std::optional<int64_t>> f = at->get_future();
    if (!PushControl(ResumeInput{at}))
      return std::nullopt;
    return f.get();
  }

  // The audio renditions' packagers ("audio", "audio-opus"): audio only, cut on the video grid.
  transport::hls::PackagerOptions AudioPackagerOpts() const {
    transport::hls::PackagerOptions p;
    p.target_duration_s = opts.segment_duration_s;
    p.expect_video = false;
    p.expect_audio = true;
    p.anchor = wall_anchor;
    return p;
  }

  bool OverlayActive() const { return opts.overlay && opts.overlay->active(); }

  // Pictures stay on the GPU from NVDEC through the card (CUDA blend) and the CUDA scaler: asked
  // for by decoder: cuda + scaler: cuda, and possible here. Each rung then feeds NVENC in place
  // (zero copy) or downloads its scaled picture for libx264.
  bool GpuPictures() const {
    return opts.decoder == "cuda" && opts.scaler == "cuda" && cuda::DeviceAvailable(nullptr);
  }

  // The ladder's rungs that always encode (all but the passthrough one).
  int EncodedRungsConfigured() const {
    return static_cast<int>(std::count_if(opts.ladder.begin(), opts.ladder.end(),
                                          [](const RungConfig& r) { return !r.passthrough; }));
  }

  int EncoderThreads(size_t encoded_rungs, bool largest) const {
    if (opts.encoder_threads > 0)
      return opts.encoder_threads;
    return RungEncoderThreads(Cores(), static_cast<int>(encoded_rungs), largest);
  }

  RungOptions BaseRungOptions(const RungPlan& plan) const {
    RungOptions ro;
    ro.plan = plan;
    ro.encoder = opts.encoder;
    ro.scaler = opts.scaler;
    ro.segment_duration_s = opts.segment_duration_s;
    ro.wall_anchor = wall_anchor;
    ro.source_fps = video_track && video_track->frame_rate > 0 ? video_track->frame_rate : 30;
    ro.live = opts.live;
    ro.queue_frames = opts.rung_queue_frames;
    ro.overlay = opts.overlay ? opts.overlay->ForRendition() : nullptr;
    ro.logger = logger;
    if (opts.before_encode) {
      const std::string rung_name = plan.config.name;
      ro.before_encode = [hook = opts.before_encode, rung_name] { hook(rung_name); };
    }
    return ro;
  }

  void CreateSourceRung(const TrackInfo& t) {
    auto it = std::find_if(opts.ladder.begin(), opts.ladder.end(),
                           [](const RungConfig& r) { return r.passthrough; });
    if (it == opts.ladder.end())
      return;
    RungOptions ro = BaseRungOptions(RungPlan{*it, 0, 0});
    ro.copies_source = true;
    ro.source_fps = t.frame_rate > 0 ? t.frame_rate : 30;
    ro.encoder_threads = EncoderThreads(EncodedRungsConfigured(), true);  // the source's size
    auto rung =
        std::make_shared<Rung>(name, std::move(ro), out.AddOutputs(it->name), clock, t.timebase);
    std::lock_guard lock(mu);
    source_rung = std::move(rung);
  }

  // A source video packet, before it is decoded: copied into the passthrough rendition, or not.
  void CopySource(const Packet& p) {
    const int64_t pts = p.pts() != kNoTimestamp ? p.pts() : p.dts();
    auto push = [&] {
      source_rung->PushPacket(p);
      copied_max_pts = copied_max_pts == kNoTimestamp ? pts : std::max(copied_max_pts, pts);
    };
    switch (source_mode) {
      case SourceMode::kCopy:
        if (!OverlayActive())
          return push();
        if (!PassthroughCanEncode(p.codec())) {
          if (!warned_uncarded_source) {
            warned_uncarded_source = true;
            logger->warn(
                "stream {}: passthrough: no {} encoder, so the card is not drawn on the "
                "passthrough rendition (the others show it)",
                name, CodecName(p.codec()));
          }
          return push();
        }
        EncodeSourceAfterCopied("a card is on");
        [[fallthrough]];
      case SourceMode::kEncode:
        if (pts < encode_from)
          return push();  // a B-picture the copied pictures still need (it stays copied)
        if (p.keyframe() && p.pts() != kNoTimestamp && p.dts() != kNoTimestamp &&
            p.pts() - p.dts() != told_delay) {
          // Encoding from the start (a card on as the publish began): the rung has copied no
          // keyframe to learn the source's B-picture delay from.
          told_delay = p.pts() - p.dts();
          source_rung->SetSourceDelay(Rescale(told_delay, p.timebase(),
                                              video_track ? video_track->timebase : p.timebase()));
        }
        if (p.keyframe() && !OverlayActive() && !filler.active() && CanResumeCopyAt(p)) {
          source_mode = SourceMode::kResuming;
          copy_from = pts;
          resuming_packets = 0;
          push();
        }
        return;
      case SourceMode::kResuming:
        if (pts < copy_from)
          return;  // a leading picture of an open GOP: its pictures are encoded
        push();
        if (++resuming_packets > kMaxResumingPackets) {  // the decoder never got there
          logger->warn("stream {}: passthrough: no picture decoded at the resume point; copying",
                       name);
          source_rung->ResumeCopy();
          source_mode = SourceMode::kCopy;
        }
        return;
    }
  }
  static constexpr size_t kMaxResumingPackets = 600;

  // Copying may resume at an H.264 keyframe only when it is an IDR. An open GOP's recovery-point
  // I picture is not: the pictures after it still name older ones (x264's memory management
  // commands), and a decoder that restarts there — as a player's does at the switch, the init
  // segment having changed — fails on them in Chrome ("mmco: unref short failure" is fatal to its
  // strict decoder, PIPELINE_ERROR_DECODE). An open-GOP source (x264 open-gop sends one IDR
  // only) stays encoded until an IDR comes. HEVC's CRA pictures are made for restarting.
  bool CanResumeCopyAt(const Packet& p) {
    if (p.codec() != CodecId::kH264 || !video_track)
      return true;
    if (ts::H264AuMayStartDecoding(p.data(), video_track->extradata))
      return true;
    if (!warned_open_gop) {
      warned_open_gop = true;
      logger->warn(
          "stream {}: passthrough: the source's keyframes are not IDRs (open GOP): it stays "
          "encoded until an IDR comes (a player cannot restart decoding at an open-GOP "
          "keyframe); a closed-GOP encoder setting lets it copy again",
          name);
    }
    return false;
  }

  // From the next decoded picture after the ones copied so far, the passthrough encodes.
  void EncodeSourceAfterCopied(const char* why) {
    source_mode = SourceMode::kEncode;
    encode_from =
        copied_max_pts == kNoTimestamp ? std::numeric_limits<int64_t>::min() : copied_max_pts + 1;
    logger->debug("stream {}: passthrough: {}: encoding the source's pictures", name, why);
  }

  // A decoded picture (card drawn), in the passthrough's encoded stretches.
  void FeedSource(const Frame& frame, bool idr) {
    switch (source_mode) {
      case SourceMode::kCopy:
        return;
      case SourceMode::kEncode:
        if (frame.pts() >= encode_from)
          source_rung->PushFrame(frame, idr);
        return;
      case SourceMode::kResuming:
        if (frame.pts() < encode_from)
          return;
        if (frame.pts() < copy_from)
          return source_rung->PushFrame(frame, idr);
        source_rung->ResumeCopy();  // every picture before the keyframe is in: copy from it on
        source_mode = SourceMode::kCopy;
        return;
    }
  }

  // Opens the decoder of `t`, on NVDEC first where `try_nvdec`; none (logged) where neither opens.
  void OpenVideoDecoder(const TrackInfo& t, bool try_nvdec) {
    decoder.reset();
    SetNvdec(false);
    nvdec_failures = 0;
    nvdec_fallback_logged = false;
    ffmpeg::VideoDecoderOptions d;
    d.threads = opts.decoder_threads;
    if (d.threads <= 0)
      d.threads = DefaultDecoderThreads(Cores(), EncodedRungsConfigured());
    if (try_nvdec) {
      d.hardware = ffmpeg::VideoDecoderOptions::Hardware::kCuda;
      d.keep_on_device = GpuPictures();
      auto gpu = ffmpeg::VideoDecoder::Create(t, d);
      if (gpu.ok()) {
        decoder = std::move(*gpu);
        SetNvdec(true);
        logger->info("stream {}: decoding {} with NVDEC{}", name, CodecName(t.codec),
                     d.keep_on_device ? ", pictures kept on the GPU" : "");
        return;
      }
      logger->warn("stream {}: {}; decoding on the CPU", name, gpu.error().message());
      d.hardware = ffmpeg::VideoDecoderOptions::Hardware::kNone;
      d.keep_on_device = false;
    }
    auto dec = ffmpeg::VideoDecoder::Create(t, d);
    if (!dec.ok()) {
      logger->error("stream {}: video decoder: {}", name, dec.error().message());
      return;
    }
    decoder = std::move(*dec);
    SetNvdec(try_nvdec && opts.nvdec_fails != nullptr);  // the test hook's stand-in
    logger->info("stream {}: decoding {} on the CPU, {} thread{}", name, CodecName(t.codec),
                 d.threads, d.threads == 1 ? "" : "s");
  }

  // One video packet into the decoder. NVDEC failing packet after packet (a poisoned CUDA
  // context, a lost device) is replaced by the CPU decoder, from the next keyframe: the stream
  // loses that stretch of pictures instead of all the rest.
  void DecodeVideo(const Packet& p) {
    if (await_keyframe) {
      if (!p.keyframe())
        return;
      await_keyframe = false;
    }
    const bool hook_fails = nvdec && opts.nvdec_fails && opts.nvdec_fails(p);
    Status s = hook_fails ? Status(Error("NVDEC: decode failed (test hook)"))
                          : decoder->Decode(p, [this](Frame f) { OnFrame(std::move(f)); });
    if (!s.ok()) {
      {
        std::lock_guard lock(mu);
        if (counters.decode_errors++ < 5)
          logger->warn("stream {}: decode: {}", name, s.error().message());
      }
      if (nvdec && ++nvdec_failures >= kNvdecFailuresBeforeCpu) {
        logger->error(
            "stream {}: NVDEC failed {} packets in a row (last: {}); decoding on the CPU from the "
            "next keyframe",
            name, nvdec_failures, s.error().message());
        const TrackInfo track = decoder->track();
        OpenVideoDecoder(track, false);
        await_keyframe = true;
        nvdec_gave_up = true;  // a poisoned context stays poisoned
        std::lock_guard lock(mu);
        ++counters.nvdec_to_cpu;
      }
      return;
    }
    nvdec_failures = 0;
    if (!nvdec_fallback_logged && !decoder->fallback().empty()) {
      logger->warn("stream {}: {}; decoding on the CPU", name, decoder->fallback());
      nvdec_fallback_logged = true;
      SetNvdec(false);
    }
  }

  void SetNvdec(bool on) {
    nvdec = on;
    std::lock_guard lock(mu);
    counters.nvdec = on;
  }

  void OnTrack(const TrackInfo& t) {
    if (t.kind == MediaKind::kVideo)
      out.ExpectVideo(true);  // the master waits for the rungs, not only the audio
    if (t.kind == MediaKind::kVideo && !source_rung)
      CreateSourceRung(t);
    if (source_rung && t.kind == MediaKind::kVideo)
      source_rung->PushTrack(t);
    if (t.kind == MediaKind::kVideo) {
      if (const std::string over = DecodeSizeOverLimit(t); !over.empty()) {
        // Decoding it would take hundreds of MB (8192x8192: ~100 MB a picture, several held by
        // the decoder's threads): the source's own rendition (a passthrough) still copies it.
        logger->error(
            "stream {}: video {} is larger than strait transcodes ({}x{} pixels at "
            "most): not decoded",
            name, over, kMaxDecodeWidth, kMaxDecodeHeight);
        if (decoder)
          (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
        decoder.reset();
        video_track = t;
        return;
      }
      if (decoder && decoder->track().codec == t.codec) {
        (void)decoder->UpdateTrack(t);
      } else {
        if (decoder)
          (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
        OpenVideoDecoder(t, opts.decoder == "cuda" && !nvdec_gave_up);
      }
      video_track = t;
      return;
    }
    if (t.kind != MediaKind::kAudio)
      return;
    if (t.codec == CodecId::kAac) {
      audio_transcoder.reset();
      audio_out = t;
    } else {
      ffmpeg::AudioTranscoderOptions a;
      a.codec = CodecId::kAac;
      a.track_id = t.id;
      auto tr = ffmpeg::AudioTranscoder::Create(t, a);
      if (!tr.ok()) {
        logger->error("stream {}: audio: {}", name, tr.error().message());
        return;
      }
      audio_transcoder = std::move(*tr);
      audio_out = audio_transcoder->track();
      logger->info("stream {}: audio {} → AAC-LC, encoded once for every rendition", name,
                   CodecName(t.codec));
    }
    // One audio rendition for every rung (the master playlist's audio group), encoded once.
    if (!audio) {
      audio = std::make_unique<transport::hls::Packager>(out.AddOutputs("audio"), clock,
                                                         AudioPackagerOpts());
    }
    if (Status s = audio->AddTrack(*audio_out); !s.ok())
      logger->warn("stream {}: audio track: {}", name, s.error().message());
    if (opts.opus)
      OpenOpus(t);
  }

  // The Opus rendition: decoded from the source track and encoded once, CMAF only (HLS carries
  // Opus in fMP4, not in MPEG-TS).
  void OpenOpus(const TrackInfo& t) {
    if (out.variants() == transport::hls::HlsVariants::kTs) {
      logger->warn("stream {}: transcode.opus needs CMAF variants (hls: ll-cmaf or both)", name);
      return;
    }
    ffmpeg::AudioTranscoderOptions a;
    a.codec = CodecId::kOpus;
    a.track_id = t.id;
    a.bitrate = 96000;
    auto tr = ffmpeg::AudioTranscoder::Create(t, a);
    if (!tr.ok()) {
      logger->error("stream {}: opus: {}", name, tr.error().message());
      return;
    }
    opus_transcoder = std::move(*tr);
    if (!opus) {
      opus = std::make_unique<transport::hls::Packager>(
          std::vector<transport::hls::Rendition*>{out.AddOutputs("audio-opus").front()}, clock,
          AudioPackagerOpts());
    }
    if (Status s = opus->AddTrack(opus_transcoder->track()); !s.ok())
      logger->warn("stream {}: opus track: {}", name, s.error().message());
    logger->info("stream {}: audio {} → Opus, encoded once for the CMAF renditions", name,
                 CodecName(t.codec));
  }

  std::vector<std::shared_ptr<Rung>> RungsSnapshot() const {
    std::lock_guard lock(mu);
    return rungs;
  }

  void CreateRungs(const Frame& first) {
    const std::vector<RungPlan> plans = ResolveLadder(opts.ladder, first.width(), first.height());
    const size_t encoded = std::count_if(plans.begin(), plans.end(),
                                         [](const RungPlan& p) { return !p.config.passthrough; });
    const Timebase tb = video_track->timebase;
    std::vector<std::shared_ptr<Rung>> created;
    const RungPlan* largest = nullptr;  // the costliest encode: the most pixels
    for (const RungPlan& plan : plans) {
      if (!plan.config.passthrough && (!largest || int64_t{plan.width} * plan.height >
                                                       int64_t{largest->width} * largest->height))
        largest = &plan;
    }
    for (const RungPlan& plan : plans) {
      if (plan.config.passthrough)
        continue;
      RungOptions ro = BaseRungOptions(plan);
      ro.gpu_pictures = first.on_device();  // the decoder keeps them there (GpuPictures())
      ro.encoder_threads = EncoderThreads(encoded, &plan == largest);
      source_draws = ro.overlay == nullptr;
      created.push_back(
          std::make_shared<Rung>(name, std::move(ro), out.AddOutputs(plan.config.name), clock, tb));
    }
    logger->info("stream {}: source {}x{}: {} encoded renditions", name, first.width(),
                 first.height(), created.size());
    std::lock_guard lock(mu);
    rungs = created;
  }

  void OnFrame(Frame frame) {
    // Pictures go to the rungs in time order: one the decoder still held when the input was lost
    // comes out behind the filler's, and is dropped.
    const int64_t at_90k =
        Rescale(frame.pts(), video_track ? video_track->timebase : kMpegTs, kMpegTs);
    if (!filler.active() && last_pushed_90k != kNoTimestamp && at_90k <= last_pushed_90k)
      return;
    if (!filler.active()) {
      std::lock_guard lock(mu);
      ++counters.frames_decoded;
      if (frame.damaged())
        ++counters.pictures_damaged;
    }
    if (!filler.active()) {
      if (last_video_pts != kNoTimestamp && frame.pts() > last_video_pts)
        video_ticks = frame.pts() - last_video_pts;
      last_video_pts = frame.pts();
      last_picture = frame;  // a reference, before the overlay draws on it
    }
    if (opts.overlay) {
      // A GPU picture comes down for a stage that draws in system memory only (while it draws;
      // a card stage blends on the GPU itself, and per_rendition rungs draw after scaling).
      if (frame.on_device() && source_draws && !opts.overlay->takes_gpu_pictures() &&
          OverlayActive()) {
        if (Result<Frame> host = frame.Download(); host.ok())
          frame = std::move(*host);
        else if (overlay_errors++ % 300 == 0)
          logger->warn("stream {}: overlay: {}", name, host.error().message());
      }
      const Timebase tb = video_track ? video_track->timebase : kMpegTs;
      if (Status s = opts.overlay->Process(frame, tb); !s.ok() && overlay_errors++ % 300 == 0)
        logger->warn("stream {}: overlay: {} ({} pictures so far)", name, s.error().message(),
                     overlay_errors);
    }
    if (!video_track)
      return;
    if (RungsSnapshot().empty())
      CreateRungs(frame);
    const Timebase tb = video_track->timebase;
    if (segment_ticks == 0) {
      segment_ticks = std::max<int64_t>(
          1, std::llround(opts.segment_duration_s * tb.den / static_cast<double>(tb.num)));
    }
    const int64_t pts = frame.pts();
    bool idr = false;
    if (!have_boundary) {
      have_boundary = true;
      next_boundary = pts;
    }
    if (pts >= next_boundary) {
      idr = true;
      while (next_boundary <= pts)
        next_boundary += segment_ticks;
    }
    last_pushed_90k = at_90k;
    for (auto& r : RungsSnapshot())
      r->PushFrame(frame, idr);
    if (source_rung)
      FeedSource(frame, idr);
  }

  void WriteOpus(const Packet& a) {
    (void)opus->Write(a);
    opus_end = std::max(opus_end, Rescale(a.pts(), a.timebase(), Timebase{1, 48000}) + 960);
  }

  // The "audio" rendition's AAC, timed by its samples: a frame is 1024 of them, but a publisher's
  // millisecond timestamps (RTMP) put frames 21 or 22 ms apart, which made CMAF sample durations
  // of 1008 and 1056 and a 1 ms gap or overlap at every part. A frame within half a frame of
  // where the last one ended starts there; one further off keeps its own time (a hole, a jump).
  void WriteAudio(const Packet& in) {
    if (in.pts() == kNoTimestamp)
      return;
    const int rate = audio_out->sample_rate > 0 ? audio_out->sample_rate : 48000;
    int64_t at = Rescale(in.pts(), in.timebase(), Timebase{1, rate});
    if (aac_end > 0 && at < aac_end - 512)
      return;  // behind what the rendition has (a straggler behind the filler's silence)
    if (aac_end > 0 && at <= aac_end + 512)
      at = aac_end;
    const Packet a = in.InTimebase(Timebase{1, rate}).WithTimestamps(at, at);
    if (Status s = audio->Write(a); !s.ok() && audio_errors++ < 5)
      logger->warn("stream {}: audio: {}", name, s.error().message());
    aac_end = std::max(aac_end, at + 1024);
  }

  void OnAudio(const Packet& p) {
    if (opus_transcoder && opus) {
      auto write = [this](const Packet& a) { WriteOpus(a); };
      if (Status s = opus_transcoder->Transcode(p, write); !s.ok() && audio_errors++ < 5)
        logger->warn("stream {}: opus: {}", name, s.error().message());
    }
    if (!audio_out || !audio)
      return;
    auto write = [this](const Packet& a) { WriteAudio(a); };
    if (!audio_transcoder)
      return write(p);
    if (Status s = audio_transcoder->Transcode(p, write); !s.ok() && audio_errors++ < 5)
      logger->warn("stream {}: audio: {}", name, s.error().message());
  }

  // The publisher went away: real pictures still in the decoder come out, then the filler runs.
  void BeginFill(std::chrono::milliseconds grace) {
    for (const Packet& p : resume.Release())  // media came back, briefly
      Process(p);
    if (stalled) {  // the filler already runs (input loss): from now on for the grace window
      stalled = false;
      grace_deadline = std::chrono::steady_clock::now() + grace;
      return;
    }
    if (decoder)
      (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
    StartFiller(std::chrono::steady_clock::now(), "publisher away");
    grace_deadline = std::chrono::steady_clock::now() + grace;
  }

  // The publisher, still connected, sent nothing for InputLossAfter(): the filler runs from now
  // (paced from now: a burst of the pictures due since the last packet would overrun the rungs'
  // queues) until a packet comes. The decoder keeps the pictures it holds (flushed, it would need
  // the next keyframe to go on); they come out behind the filler's and are dropped (OnFrame).
  void BeginInputLoss() {
    {
      std::lock_guard lock(mu);
      ++counters.input_losses;
    }
    stalled = true;
    grace_deadline = std::chrono::steady_clock::time_point::max();
    StartFiller(std::chrono::steady_clock::now(),
                "no media from the publisher for " +
                    fmt::format("{:.1f}", std::chrono::duration<double>(InputLossAfter()).count()) +
                    " s");
  }

  // No packet for this long (at least 3 picture intervals) is an input loss.
  std::chrono::milliseconds InputLossAfter() const {
    auto after = opts.input_loss;
    if (video_track && video_ticks > 0) {
      const Timebase tb = video_track->timebase;
      after = std::max(after,
                       std::chrono::milliseconds(Rescale(3 * video_ticks, tb, Timebase{1, 1000})));
    }
    return after;
  }

  // Whether the decode thread watches for input loss now: live, switched on, media seen, and no
  // filler running.
  bool WatchingInput() const {
    return opts.live && opts.input_loss.count() > 0 && !filler.active() && !grace_expired &&
           (last_video_pts != kNoTimestamp || aac_end > 0);
  }

  // The packets to process for one that came in (ResumeTimeline), in the graph's timebases.
  std::vector<Packet> Admit(const Packet& in) {
    const std::optional<Timebase>& kept =
        in.kind() == MediaKind::kVideo ? video_timebase : audio_timebase;
    const Packet p = kept && *kept != in.timebase() ? in.InTimebase(*kept) : in;
    if (stalled) {
      stalled = false;
      resume.Resume(filler.End());
      logger->info("stream {}: media from the publisher again: the renditions continue", name);
    }
    return resume.Admit(p);
  }

  void StartFiller(std::chrono::steady_clock::time_point now, const std::string& why) {
    if (source_rung && source_mode == SourceMode::kCopy && video_track &&
        PassthroughCanEncode(video_track->codec))
      EncodeSourceAfterCopied("the publisher is away");  // the filler's pictures
    const Timebase tb = video_track ? video_track->timebase : kMpegTs;
    int64_t ticks = video_ticks;
    if (video_track && video_track->frame_rate > 0)
      ticks = std::llround(tb.den / (video_track->frame_rate * tb.num));
    if (ticks <= 0)
      ticks = std::max<int64_t>(1, tb.den / (30 * tb.num));
    std::vector<SilenceOut> silence;
    if (audio_out && audio) {
      TrackInfo t = audio_transcoder ? audio_transcoder->track() : *audio_out;
      silence.push_back({t, aac_end, [this](const Packet& p) { WriteAudio(p); }});
    }
    if (opus_transcoder && opus)
      silence.push_back(
          {opus_transcoder->track(), opus_end, [this](const Packet& p) { WriteOpus(p); }});
    const int64_t next = last_video_pts == kNoTimestamp ? 0 : last_video_pts + ticks;
    filler.Begin(last_picture, next, ticks, tb, std::move(silence), now, why);
  }

  void Run() {
    for (;;) {
      Input item;
      {
        std::unique_lock lock(mu);
        if (filler.active() && input.empty()) {
          cv.wait_until(lock, std::min(filler.next_due(), grace_deadline),
                        [&] { return !input.empty(); });
          if (input.empty()) {
            lock.unlock();
            const auto now = std::chrono::steady_clock::now();
            if (now >= grace_deadline) {
              ExpireGrace();
              break;
            }
            filler.Run(now, [this](Frame f) { OnFrame(std::move(f)); });
            continue;
          }
        }
        if (WatchingInput() && input.empty()) {
          const auto since = last_push;
          if (!cv.wait_until(lock, since + InputLossAfter(), [&] { return !input.empty(); })) {
            lock.unlock();
            BeginInputLoss();
            continue;
          }
        }
        cv.wait(lock, [&] { return !input.empty(); });
        item = std::move(input.front());
        input.pop_front();
      }
      cv.notify_all();
      if (auto* t = std::get_if<TrackInfo>(&item)) {
        std::optional<Timebase>& kept =
            t->kind == MediaKind::kVideo ? video_timebase : audio_timebase;
        if (!kept)
          kept = t->timebase;
        TrackInfo track = *t;
        track.timebase = *kept;
        // The same AAC described in other bytes (RTMP's 5-byte AudioSpecificConfig, SRT's 2-byte
        // one: a publisher back over the other protocol) keeps the audio rendition's init.
        if (track.codec == CodecId::kAac && audio_out && !audio_transcoder &&
            audio_out->codec == CodecId::kAac && track.extradata != audio_out->extradata &&
            aac::SameConfiguration(track.extradata, audio_out->extradata))
          track.extradata = audio_out->extradata;
        OnTrack(track);
      } else if (auto* in = std::get_if<Packet>(&item)) {
        for (const Packet& p : Admit(*in))
          Process(p);
      } else if (auto* s = std::get_if<SuspendInput>(&item)) {
        BeginFill(s->grace);
      } else if (auto* r = std::get_if<ResumeInput>(&item)) {
        if (!filler.active()) {
          r->at->set_value(std::nullopt);
          continue;
        }
        const int64_t at = filler.End();
        stalled = false;  // the new publish is moved onto this timeline by its session
        resume.Reset();
        {
          // The new publish's first packet is on its way: the old one's last must not make the
          // input look lost at once.
          std::lock_guard lock(mu);
          last_push = std::chrono::steady_clock::now();
        }
        r->at->set_value(at);
      } else {
        if (filler.active())
          (void)filler.End();
        break;
      }
    }
    Drain();
  }

  void Process(const Packet& p) {
    if (p.kind() == MediaKind::kVideo) {
      if (source_rung)
        CopySource(p);
      if (decoder)
        DecodeVideo(p);
    } else if (p.kind() == MediaKind::kAudio) {
      OnAudio(p);
    }
  }

  // Nobody came back within the window: the graph ends (playlists get EXT-X-ENDLIST at once).
  void ExpireGrace() {
    (void)filler.End();
    grace_expired = true;
    std::lock_guard lock(mu);
    ended = true;
    for (Input& i : input) {
      if (auto* r = std::get_if<ResumeInput>(&i))
        r->at->set_value(std::nullopt);
    }
    input.clear();
    logger->info("stream {}: the publisher did not come back within the grace window", name);
  }

  void Drain() {
    for (const Packet& p : resume.Release())
      Process(p);
    if (decoder)
      (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
    if (audio_transcoder && audio)
      (void)audio_transcoder->Flush([this](Packet a) { (void)audio->Write(a); });
    if (source_rung)
      source_rung->End(
          grace_expired);  // writes what it holds (copy after the last encoded stretch)
    for (auto& r : RungsSnapshot())
      r->End(grace_expired);
    for (auto& r : RungsSnapshot())
      r->Join();
    if (source_rung)
      source_rung->Join();
    if (audio)
      (void)audio->Finish(grace_expired);
    if (opus_transcoder && opus)
      (void)opus_transcoder->Flush([this](Packet a) { (void)opus->Write(a); });
    if (opus)
      (void)opus->Finish(grace_expired);
    out.ExpectVideo(false);
  }
};

Transcoder::Transcoder(std::string stream_name,
                       transport::hls::Stream& out,
                       const Clock& clock,
                       TranscoderOptions options)
    : graph_(std::make_unique<Graph>(std::move(stream_name), out, clock, std::move(options))) {}

Transcoder::~Transcoder() {
  graph_->End();
}

void Transcoder::OnTrack(const TrackInfo& track) {
  graph_->Push(track, false, false);
}

void Transcoder::OnPacket(const Packet& packet) {
  graph_->Push(packet, packet.kind() == MediaKind::kVideo, packet.keyframe());
}

void Transcoder::OnEnd(const Status&) {
  graph_->End();
}

bool Transcoder::Suspend(std::chrono::milliseconds grace) {
  return graph_->PushControl(SuspendInput{grace});
}

std::optional<int64_t> Transcoder::Resume() {
  return graph_->Resume();
}

std::shared_ptr<const transport::hls::WallAnchor> Transcoder::wall_anchor() const {
  return graph_->wall_anchor;
}

TranscoderStats Transcoder::Stats() const {
  TranscoderStats s;
  std::vector<std::shared_ptr<Rung>> rungs;
  {
    std::lock_guard lock(graph_->mu);
    s = graph_->counters;
    rungs = graph_->rungs;
    if (graph_->source_rung)
      rungs.insert(rungs.begin(), graph_->source_rung);
  }
  for (const auto& r : rungs)
    s.rungs.emplace_back(r->name(), r->stats());
  return s;
}

}  // namespace strait::pipeline
