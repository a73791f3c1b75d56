#include "pipeline/filler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/ffmpeg/audio_transcoder.h"
#include "codecs/ffmpeg/image_reader.h"
#include "codecs/ffmpeg/scaler.h"

namespace strait::pipeline {

namespace {

// Whether the silence encoder's packets fit the publisher's track. AAC: the same configuration,
// whatever its bytes (aac::SameConfiguration). Other codecs: the same bytes.
bool SameConfiguration(const TrackInfo& source, const TrackInfo& encoder) {
  if (source.codec != encoder.codec)
    return false;
  if (source.codec != CodecId::kAac)
    return source.extradata == encoder.extradata;
  return aac::SameConfiguration(source.extradata, encoder.extradata);
}

// Samples per compressed frame: how far the last packet reaches.
int64_t FrameSamples(const TrackInfo& t) {
  return t.codec == CodecId::kOpus ? 960 : 1024;
}

}  // namespace

Filler::Filler(FillerOptions options, std::shared_ptr<spdlog::logger> logger, std::string stream)
    : options_(std::move(options)), logger_(std::move(logger)), stream_(std::move(stream)) {}

Filler::~Filler() = default;

void Filler::Begin(Frame last,
                   int64_t next_pts,
                   int64_t frame_ticks,
                   Timebase timebase,
                   std::vector<SilenceOut> audio,
                   Clock::time_point now,
                   const std::string& why) {
  active_ = true;
  last_ = std::move(last);
  next_pts_ = start_pts_ = next_pts;
  frame_ticks_ = std::max<int64_t>(1, frame_ticks);
  timebase_ = timebase;
  start_ = now;
  audio_.clear();
  for (SilenceOut& out : audio) {
    const TrackInfo& t = out.track;
    ffmpeg::AudioTranscoderOptions o;
    o.codec = t.codec;
    o.sample_rate = t.sample_rate;
    o.channels = t.channels;
    o.track_id = t.id;
    if (t.bitrate > 0)
      o.bitrate = t.bitrate;
    auto enc = ffmpeg::AudioTranscoder::CreateForPcm(Timebase{1, t.sample_rate}, o);
    if (!enc.ok() || !SameConfiguration(t, (*enc)->track())) {
      // Silence in other parameters would need a discontinuity: the audio pauses instead.
      logger_->warn("stream {}: no silence for the {} audio while the publisher is away: {}",
                    stream_, CodecName(t.codec),
                    enc.ok() ? "its parameters differ from the encoder's" : enc.error().message());
      continue;
    }
    audio_.push_back({std::move(out), std::move(*enc), 0});
  }
  logger_->info("stream {}: {}: repeating the last picture, then the slate", stream_, why);
}

Filler::Clock::time_point Filler::next_due() const {
  const double s = static_cast<double>(next_pts_ - start_pts_) * timebase_.num /
                   static_cast<double>(timebase_.den);
  return start_ + std::chrono::microseconds(static_cast<int64_t>(s * 1e6));
}

void Filler::Run(Clock::time_point now, const std::function<void(Frame)>& picture) {
  if (!active_)
    return;
  while (next_due() <= now) {
    const auto at = next_due() - start_;
    if (!last_.empty()) {
      Frame f = at < options_.hold_last ? last_ : Slate(last_.width(), last_.height());
      f.set_pts(next_pts_);
      picture(std::move(f));
    }
    next_pts_ += frame_ticks_;
  }
  WriteSilence(Rescale(next_pts_, timebase_, kMpegTs));
}

void Filler::WriteSilence(int64_t until_90k) {
  for (Audio& a : audio_) {
    const int rate = a.out.track.sample_rate;
    const int64_t target = Rescale(until_90k, kMpegTs, Timebase{1, rate}) - a.out.end;
    const int64_t delay = a.encoder->encoder_delay();
    while (a.fed < target) {
      const int n = static_cast<int>(std::min<int64_t>(1024, target - a.fed));
      Result<Frame> pcm = Frame::Silence(n, rate, a.out.track.channels);
      if (!pcm.ok())
        break;
      // Anchored so that the first packet (the encoder's priming) starts where the audio ended.
      pcm->set_pts(a.out.end + delay + a.fed);
      (void)a.encoder->Encode(*pcm, [&](Packet p) { a.out.write(p); });
      a.fed += n;
    }
  }
}

int64_t Filler::End() {
  int64_t end = Rescale(next_pts_, timebase_, kMpegTs);
  for (Audio& a : audio_) {
    int64_t last_end = a.out.end;
    const int64_t frame = FrameSamples(a.out.track);
    (void)a.encoder->Flush([&](Packet p) {
      last_end = std::max(
          last_end, Rescale(p.pts(), p.timebase(), Timebase{1, a.out.track.sample_rate}) + frame);
      a.out.write(p);
    });
    end = std::max(end, Rescale(last_end, Timebase{1, a.out.track.sample_rate}, kMpegTs));
  }
  audio_.clear();
  last_ = Frame();
  active_ = false;
  return end;
}

Frame Filler::Slate(int width, int height) {
  if (!slate_.empty() && slate_.width() == width && slate_.height() == height)
    return slate_;
  if (!options_.slate_path.empty()) {
    auto image = ffmpeg::ReadImageRgba(options_.slate_path);
    auto scaler = ffmpeg::Scaler::Create({width, height});
    if (image.ok() && scaler.ok()) {
      if (auto scaled = (*scaler)->Scale(*image); scaled.ok()) {
        slate_ = std::move(*scaled);
        return slate_;
      }
    }
    logger_->warn("stream {}: slate {}: {}; showing black", stream_, options_.slate_path,
                  image.ok() ? "cannot scale it" : image.error().message());
  }
  Result<Frame> black = Frame::AllocateVideo(width, height, Frame::Layout::kYuv420p);
  if (!black.ok())
    return last_;
  for (int plane = 0; plane < 3; ++plane) {
    const int h = plane ? (height + 1) / 2 : height;
    const int w = plane ? (width + 1) / 2 : width;
    for (int y = 0; y < h; ++y)
      std::memset(black->data(plane) + y * black->linesize(plane), plane ? 128 : 16, w);
  }
  slate_ = std::move(*black);
  return slate_;
}

}  // namespace strait::pipeline
