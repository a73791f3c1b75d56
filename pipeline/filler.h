// Filler: what a transcode graph shows while its publisher is away (the reconnect grace window),
// like a broadcast encoder on input loss: the last picture repeated for `hold_last`, then the
// slate (an image from the config, else black), at the source frame rate and paced by the wall
// clock, so the renditions keep growing and players keep playing; and silence on each audio
// rendition, encoded with the same parameters as the real audio so no discontinuity is needed.
//
// Threads: none of its own; the graph's decode thread calls it. Owns its silence encoders and the
// slate picture; holds a reference to the last real picture.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "codecs/frame.h"
#include "codecs/media_time.h"
#include "codecs/packet.h"
#include "codecs/track.h"

namespace spdlog {
class logger;
}
namespace strait::ffmpeg {
class AudioTranscoder;
}

namespace strait::pipeline {

struct FillerOptions {
  std::chrono::milliseconds hold_last{2000};  // repeat the last picture this long, then the slate
  std::string slate_path;                     // PNG/JPEG; empty = a black picture
};

// One audio rendition to keep fed with silence while the publisher is away.
struct SilenceOut {
  TrackInfo track;  // the rendition's track (codec, rate, channels, extradata)
  int64_t end = 0;  // end of its last real packet, 1/sample_rate ticks
  std::function<void(const Packet&)> write;
};

class Filler {
 public:
  using Clock = std::chrono::steady_clock;
  Filler(FillerOptions options, std::shared_ptr<spdlog::logger> logger, std::string stream);
  ~Filler();

  // Starts after the last real picture `last` (may be empty: no video), whose successor is due at
  // `next_pts` (in `timebase`), one picture every `frame_ticks`; `audio` lists the audio
  // renditions to fill. Pictures and silence are due as the wall clock advances from `now`.
  // `why` starts its log line ("publisher away").
  void Begin(Frame last,
             int64_t next_pts,
             int64_t frame_ticks,
             Timebase timebase,
             std::vector<SilenceOut> audio,
             Clock::time_point now,
             const std::string& why = "publisher away");
  bool active() const { return active_; }
  // Hands out the pictures due by `now` (through `picture`) and writes the silence up to them.
  void Run(Clock::time_point now, const std::function<void(Frame)>& picture);
  // When the next picture is due (to sleep until).
  Clock::time_point next_due() const;
  // Stops: flushes the silence; returns the media time (90 kHz) where real media may continue.
  int64_t End();

 private:
  Frame Slate(int width, int height);
  void WriteSilence(int64_t until_90k);

  const FillerOptions options_;
  std::shared_ptr<spdlog::logger> logger_;
  const std::string stream_;
  bool active_ = false;
  Frame last_;
  Frame slate_;
  int64_t next_pts_ = 0;
  int64_t frame_ticks_ = 1;
  Timebase timebase_;
  Clock::time_point start_;
  int64_t start_pts_ = 0;
  struct Audio {
    SilenceOut out;
    std::unique_ptr<ffmpeg::AudioTranscoder> encoder;
    int64_t fed = 0;  // samples given to the encoder, from out.end on
  };
  std::vector<Audio> audio_;
};

}  // namespace strait::pipeline
