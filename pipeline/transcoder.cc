#include "pipeline/transcoder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>

#include "codecs/ffmpeg/audio_transcoder.h"
#include "codecs/ffmpeg/video_decoder.h"
#include "transport/hls/packager.h"
#include "transport/hls/stream.h"

namespace strait::pipeline {

namespace {

struct EndInput {};
using Input = std::variant<TrackInfo, Packet, EndInput>;

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
  std::optional<TrackInfo> video_track;
  std::optional<TrackInfo> audio_out;  // the AAC track of the "audio" rendition
  std::unique_ptr<ffmpeg::AudioTranscoder> audio_transcoder;
  std::unique_ptr<ffmpeg::AudioTranscoder> opus_transcoder;  // opts.opus: the source → Opus
  std::unique_ptr<transport::hls::Packager> opus;            // the "audio-opus" rendition
  std::unique_ptr<transport::hls::Packager> passthrough;     // video only
  std::unique_ptr<transport::hls::Packager> audio;           // the "audio" rendition
  bool have_boundary = false;
  int64_t next_boundary = 0;
  int64_t segment_ticks = 0;
  uint64_t overlay_errors = 0;
  uint64_t audio_errors = 0;

  std::thread thread;

  Graph(std::string n, transport::hls::Stream& o, const Clock& c, TranscoderOptions options)
      : name(std::move(n)),
        out(o),
        clock(c),
        opts(std::move(options)),
        logger(opts.logger ? opts.logger : spdlog::default_logger()) {
    thread = std::thread([this] { Run(); });
  }

  void Push(Input item, bool is_video, bool keyframe) {
    std::unique_lock lock(mu);
    if (ended)
      return;
    ++counters.packets_in;
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
      if (ended)
        return;
      ended = true;
      input.push_back(EndInput{});
    }
    cv.notify_all();
    if (thread.joinable())
      thread.join();
  }

  transport::hls::PackagerOptions PackagerOpts(bool expect_video, bool expect_audio) const {
    transport::hls::PackagerOptions p;
    p.target_duration_s = opts.segment_duration_s;
    p.expect_video = expect_video;
    p.expect_audio = expect_audio;
    return p;
  }

  bool OverlayActive() const { return opts.overlay && opts.overlay->active(); }

  void OnTrack(const TrackInfo& t) {
    const bool has_pass = std::any_of(opts.ladder.begin(), opts.ladder.end(),
                                      [](const RungConfig& r) { return r.passthrough; });
    if (has_pass && !passthrough && !OverlayActive()) {
      auto it = std::find_if(opts.ladder.begin(), opts.ladder.end(),
                             [](const RungConfig& r) { return r.passthrough; });
      passthrough = std::make_unique<transport::hls::Packager>(out.AddOutputs(it->name), clock,
                                                               PackagerOpts(true, false));
    }
    if (passthrough && t.kind == MediaKind::kVideo)
      (void)passthrough->AddTrack(t);
    if (t.kind == MediaKind::kVideo) {
      if (decoder && decoder->track().codec == t.codec) {
        (void)decoder->UpdateTrack(t);
      } else {
        if (decoder)
          (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
        ffmpeg::VideoDecoderOptions d;
        d.threads = opts.decoder_threads;
        if (opts.decoder == "cuda") {
          d.hardware = ffmpeg::VideoDecoderOptions::Hardware::kCuda;
          auto gpu = ffmpeg::VideoDecoder::Create(t, d);
          if (gpu.ok()) {
            decoder = std::move(*gpu);
            video_track = t;
            logger->info("stream {}: decoding {} with NVDEC", name, CodecName(t.codec));
            return;
          }
          logger->warn("stream {}: {}; decoding on the CPU", name, gpu.error().message());
          d.hardware = ffmpeg::VideoDecoderOptions::Hardware::kNone;
        }
        auto dec = ffmpeg::VideoDecoder::Create(t, d);
        if (!dec.ok()) {
          logger->error("stream {}: video decoder: {}", name, dec.error().message());
          return;
        }
        decoder = std::move(*dec);
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
                                                         PackagerOpts(false, true));
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
          PackagerOpts(false, true));
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
    size_t encoded = std::count_if(plans.begin(), plans.end(),
                                   [](const RungPlan& p) { return !p.config.passthrough; });
    int threads = opts.encoder_threads;
    if (threads <= 0) {
      const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
      threads = std::max(1, cores / static_cast<int>(std::max<size_t>(1, encoded)));
    }
    const Timebase tb = video_track->timebase;
    std::vector<std::shared_ptr<Rung>> created;
    for (const RungPlan& plan : plans) {
      if (plan.config.passthrough)
        continue;
      RungOptions ro;
      ro.plan = plan;
      ro.encoder = opts.encoder;
      ro.scaler = opts.scaler;
      ro.encoder_threads = threads;
      ro.segment_duration_s = opts.segment_duration_s;
      ro.source_fps = video_track->frame_rate > 0 ? video_track->frame_rate : 30;
      ro.live = opts.live;
      ro.queue_frames = opts.rung_queue_frames;
      ro.logger = logger;
      if (opts.before_encode) {
        const std::string rung_name = plan.config.name;
        ro.before_encode = [hook = opts.before_encode, rung_name] { hook(rung_name); };
      }
      created.push_back(
          std::make_shared<Rung>(name, std::move(ro), out.AddOutputs(plan.config.name), clock, tb));
    }
    logger->info("stream {}: source {}x{}: {} encoded renditions", name, first.width(),
                 first.height(), created.size());
    std::lock_guard lock(mu);
    rungs = created;
  }

  void OnFrame(Frame frame) {
    {
      std::lock_guard lock(mu);
      ++counters.frames_decoded;
    }
    if (opts.overlay) {
      if (Status s = opts.overlay->Process(frame); !s.ok() && overlay_errors++ % 300 == 0)
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
    for (auto& r : RungsSnapshot())
      r->PushFrame(frame, idr);
  }

  void OnAudio(const Packet& p) {
    if (opus_transcoder && opus) {
      auto write = [this](const Packet& a) { (void)opus->Write(a); };
      if (Status s = opus_transcoder->Transcode(p, write); !s.ok() && audio_errors++ < 5)
        logger->warn("stream {}: opus: {}", name, s.error().message());
    }
    if (!audio_out || !audio)
      return;
    auto write = [this](const Packet& a) {
      if (Status s = audio->Write(a); !s.ok() && audio_errors++ < 5)
        logger->warn("stream {}: audio: {}", name, s.error().message());
    };
    if (!audio_transcoder)
      return write(p);
    if (Status s = audio_transcoder->Transcode(p, write); !s.ok() && audio_errors++ < 5)
      logger->warn("stream {}: audio: {}", name, s.error().message());
  }

  void Run() {
    for (;;) {
      Input item;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return !input.empty(); });
        item = std::move(input.front());
        input.pop_front();
      }
      cv.notify_all();
      if (auto* t = std::get_if<TrackInfo>(&item)) {
        OnTrack(*t);
      } else if (auto* p = std::get_if<Packet>(&item)) {
        if (p->kind() == MediaKind::kVideo) {
          if (passthrough)
            (void)passthrough->Write(*p);
          if (!decoder)
            continue;
          if (Status s = decoder->Decode(*p, [this](Frame f) { OnFrame(std::move(f)); }); !s.ok()) {
            std::lock_guard lock(mu);
            if (counters.decode_errors++ < 5)
              logger->warn("stream {}: decode: {}", name, s.error().message());
          }
        } else if (p->kind() == MediaKind::kAudio) {
          OnAudio(*p);
        }
      } else {
        break;
      }
    }
    Drain();
  }

  void Drain() {
    if (decoder)
      (void)decoder->Flush([this](Frame f) { OnFrame(std::move(f)); });
    if (audio_transcoder && audio)
      (void)audio_transcoder->Flush([this](Packet a) { (void)audio->Write(a); });
    for (auto& r : RungsSnapshot())
      r->End();
    for (auto& r : RungsSnapshot())
      r->Join();
    if (passthrough)
      (void)passthrough->Finish();
    if (audio)
      (void)audio->Finish();
    if (opus_transcoder && opus)
      (void)opus_transcoder->Flush([this](Packet a) { (void)opus->Write(a); });
    if (opus)
      (void)opus->Finish();
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

TranscoderStats Transcoder::Stats() const {
  TranscoderStats s;
  std::vector<std::shared_ptr<Rung>> rungs;
  {
    std::lock_guard lock(graph_->mu);
    s = graph_->counters;
    rungs = graph_->rungs;
  }
  for (const auto& r : rungs)
    s.rungs.emplace_back(r->name(), r->stats());
  return s;
}

}  // namespace strait::pipeline
