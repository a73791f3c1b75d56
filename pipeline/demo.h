// DemoPublisher: `strait serve --demo`'s internal synthetic publisher. It publishes a stream as
// an RTMP or SRT connection would — PublishHandler::Check / Publish with the stream's key, then
// OnTrack / OnPacket / OnBytes / OnEnd on the MediaSink it gets — so the whole pipeline (the
// transcode ladder, cards, LL-HLS) runs on it with no encoder outside strait.
//
// The media: a moving test pattern (scrolling colour bars, a bouncing box, a running clock and
// frame counter; demo_pattern.h) encoded with libx264 (veryfast, zerolatency, an IDR every
// `gop_seconds`, aligned with hls.segment_duration) and a 440 Hz tone encoded to AAC, both through
// codecs/ffmpeg, paced in real time: picture n is handed over at start + n / fps.
//
// Cards: DemoPublisher does only the media. The demo's card rotation (sample cards in several
// locales, pinned through pipeline/card_api) hooks into `on_gop`, called on the demo thread at
// the start of every GOP (so every segment), e.g. to show the next card every few segments.
//
// Threads: Start() opens the encoders on the caller's thread (an error there is returned), then
// runs one thread that publishes, generates, encodes and feeds the sink. A refused publish is
// retried every 2 s (logged once). Stop() (idempotent; the destructor calls it) wakes and joins
// that thread, which ends the publish with OnEnd(OK) first; call it before the PublishHandler
// goes away. Owns its encoders and its thread; borrows the handler.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "codecs/clock.h"
#include "codecs/result.h"
#include "transport/ingest.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

struct DemoOptions {
  std::string key;             // the secret key of the stream to publish (never logged)
  std::string stream = "demo";  // its public name, for logs
  int width = 1280;
  int height = 720;
  int fps = 30;
  double gop_seconds = 2.0;  // keyframe interval: hls.segment_duration
  int64_t video_bitrate = 2'500'000;
  int tone_hz = 440;
  int64_t audio_bitrate = 128'000;
  std::shared_ptr<spdlog::logger> logger;
  // Called on the demo thread before the first picture of GOP `gop` (0, 1, 2, ...) is encoded.
  std::function<void(int64_t gop)> on_gop;
};

class DemoPublisher {
 public:
  // `clock` paces the pictures and prints the time in them; it must outlive the publisher.
  static Result<std::unique_ptr<DemoPublisher>> Start(transport::PublishHandler& handler,
                                                      DemoOptions options,
                                                      const Clock& clock);
  ~DemoPublisher();
  DemoPublisher(const DemoPublisher&) = delete;
  DemoPublisher& operator=(const DemoPublisher&) = delete;

  void Stop();

  struct Impl;

 private:
  explicit DemoPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strait::pipeline
