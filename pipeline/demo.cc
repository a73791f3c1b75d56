#include "pipeline/demo.h"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>

#include "codecs/ffmpeg/audio_transcoder.h"
#include "codecs/ffmpeg/video_encoder.h"
#include "pipeline/demo_pattern.h"

namespace strait::pipeline {

using namespace std::chrono_literals;

struct DemoPublisher::Impl {
  transport::PublishHandler& handler;
  DemoOptions options;
  const Clock& clock;
  std::unique_ptr<ffmpeg::VideoEncoder> video;
  std::unique_ptr<ffmpeg::AudioTranscoder> audio;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // guarded by mu
  std::thread thread;

  // Counters across publishes: timestamps keep going up if a publish is refused and retried.
  int64_t frames = 0;
  int64_t samples = 0;

  Impl(transport::PublishHandler& h, DemoOptions o, const Clock& c)
      : handler(h), options(std::move(o)), clock(c) {}

  // Sleeps until `t` or Stop(); true when stopping.
  bool WaitUntil(std::chrono::steady_clock::time_point t) {
    std::unique_lock lock(mu);
    const auto left = t - clock.Now();
    if (left > 0s)
      cv.wait_for(lock, left, [this] { return stopping; });
    return stopping;
  }

  void Run();
  Status Stream(transport::MediaSink& sink);
  std::string ClockText() const;
};

namespace {

// Media time starts at 1 s, so the AAC priming before the first sample keeps a positive pts.
constexpr int64_t kStartSeconds = 1;

int64_t GopFrames(const DemoOptions& o) {
  return std::max<int64_t>(1, static_cast<int64_t>(o.gop_seconds * o.fps + 0.5));
}

}  // namespace

Result<std::unique_ptr<DemoPublisher>> DemoPublisher::Start(transport::PublishHandler& handler,
                                                            DemoOptions options,
                                                            const Clock& clock) {
  if (options.key.empty())
    return Error("demo: no stream key");
  if (options.fps <= 0 || options.width < 64 || options.height < 64)
    return Error("demo: bad picture format");
  if (!options.logger)
    options.logger = spdlog::default_logger();
  auto impl = std::make_unique<Impl>(handler, std::move(options), clock);
  const DemoOptions& o = impl->options;

  ffmpeg::VideoEncoderOptions v;
  v.codec = "libx264";
  v.width = o.width;
  v.height = o.height;
  v.timebase = kMpegTs;
  v.fps = o.fps;
  v.bitrate = o.video_bitrate;
  v.maxrate = o.video_bitrate;
  v.bufsize = 2 * o.video_bitrate;
  v.profile = "high";
  v.preset = "veryfast";  // tune zerolatency, no B-frames, IDRs only where forced: the wrapper's
  v.threads = 0;          // x264 picks (the ladder's rungs use their own threads)
  v.track_id = 0;         // what RTMP uses for video
  auto video = ffmpeg::VideoEncoder::Create(v);
  if (!video.ok())
    return video.error().Context("demo: video encoder");
  impl->video = std::move(*video);

  ffmpeg::AudioTranscoderOptions a;
  a.codec = CodecId::kAac;
  a.sample_rate = 48000;
  a.channels = 2;
  a.bitrate = o.audio_bitrate;
  a.track_id = 1;
  auto audio = ffmpeg::AudioTranscoder::CreateForPcm(Timebase{1, a.sample_rate}, a);
  if (!audio.ok())
    return audio.error().Context("demo: audio encoder");
  impl->audio = std::move(*audio);

  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<DemoPublisher>(new DemoPublisher(std::move(impl)));
}

DemoPublisher::DemoPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DemoPublisher::~DemoPublisher() {
  Stop();
}

void DemoPublisher::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void DemoPublisher::Impl::Run() {
  transport::PublishRequest request;
  request.protocol = "demo";
  request.app = "live";
  request.key = options.key;
  request.peer = "internal";
  bool refusal_logged = false;
  while (true) {
    transport::PublishDecision decision;
    if (transport::PublishCheck check = handler.Check(request);
        check.refusal != transport::PublishRefusal::kNone) {
      decision.refusal = check.refusal;
      decision.message = check.message;
    } else {
      decision = handler.Publish(request);
    }
    if (!decision.sink) {
      if (!refusal_logged)
        options.logger->warn("demo: publish to {} refused ({}); retrying every 2 s",
                             options.stream, decision.message);
      refusal_logged = true;
      if (WaitUntil(clock.Now() + 2s))
        return;
      continue;
    }
    options.logger->info("demo: publishing a {}x{} {} fps test pattern and a {} Hz tone to {}",
                         options.width, options.height, options.fps, options.tone_hz,
                         options.stream);
    Status s = Stream(*decision.sink);
    decision.sink->OnEnd(s);
    if (s) {
      options.logger->info("demo: stopped");
      return;
    }
    // An encoder that failed once will fail again: say why and stop publishing.
    options.logger->error("demo: {}", s.error().message());
    return;
  }
}

std::string DemoPublisher::Impl::ClockText() const {
  const std::time_t t = std::chrono::system_clock::to_time_t(clock.WallNow());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::snprintf(text, sizeof(text), "%02d:%02d:%02d.%02d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(frames % options.fps));
  return text;
}

// Feeds the sink until Stop(); an error only when encoding fails.
Status DemoPublisher::Impl::Stream(transport::MediaSink& sink) {
  sink.OnTrack(video->track());
  sink.OnTrack(audio->track());
  const auto write = [&sink](Packet p) {
    sink.OnBytes(p.size());
    sink.OnPacket(p);
  };
  const int64_t gop = GopFrames(options);
  const int rate = audio->track().sample_rate;
  auto start = clock.Now();
  int64_t first = frames;
  while (true) {
    const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                 std::chrono::duration<double>(double(frames - first) /
                                                               options.fps));
    if (WaitUntil(due)) {  // a clean unpublish: hand out what the encoders still hold
      if (Status s = video->Flush(write); !s)
        return s.error().Context("demo: flush");
      return audio->Flush(write);
    }
    if (clock.Now() - due > 1s) {
      // Starved of CPU (or suspended): carry on from now instead of bursting a backlog.
      start = clock.Now();
      first = frames;
    }
    const bool key = frames % gop == 0;
    if (key && options.on_gop)
      options.on_gop(frames / gop);

    Result<Frame> picture = Frame::AllocateVideo(options.width, options.height,
                                                 Frame::Layout::kYuv420p);
    if (!picture.ok())
      return picture.error().Context("demo");
    if (Status s = demo::DrawTestPattern(*picture, frames, ClockText()); !s)
      return s;
    picture->set_pts((frames + kStartSeconds * options.fps) * kMpegTs.den / options.fps);
    if (Status s = video->Encode(*picture, key, write); !s)
      return s.error().Context("demo: encode");

    // The audio of this picture's duration, to the sample (no drift against the video).
    const int64_t end = (frames + 1) * rate / options.fps;
    const int count = static_cast<int>(end - samples);
    Result<Frame> pcm = Frame::Silence(count, rate, 2);
    if (!pcm.ok())
      return pcm.error().Context("demo");
    demo::FillTone(*pcm, count, 2, rate, samples, options.tone_hz, 0.25f);
    pcm->set_pts(samples + kStartSeconds * rate);
    if (Status s = audio->Encode(*pcm, write); !s)
      return s.error().Context("demo: audio");
    samples = end;
    ++frames;
  }
}

}  // namespace strait::pipeline
