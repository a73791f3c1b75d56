#include "pipeline/transcode_file.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <limits>

#include "codecs/clock.h"
#include "codecs/ffmpeg/file_reader.h"
#include "transport/hls/stream.h"

namespace strait::pipeline {

Result<TranscodeSummary> TranscodeFile(const std::string& input,
                                       const std::string& output_dir,
                                       const Config& config,
                                       std::shared_ptr<spdlog::logger> logger,
                                       TranscoderOptions extra) {
  const auto start = std::chrono::steady_clock::now();
  auto reader = ffmpeg::FileReader::Open(input);
  if (!reader.ok())
    return reader.error().Context("transcode");
  std::error_code ec;
  std::filesystem::create_directories(output_dir, ec);
  if (ec)
    return Error("transcode: cannot create " + output_dir + ": " + ec.message());

  // Every segment stays listed (a finished VOD-style playlist) and in memory until the end.
  transport::hls::RenditionOptions ro;
  ro.window_segments = std::numeric_limits<int>::max();
  ro.extra_segments = 0;
  ro.max_bytes = std::numeric_limits<size_t>::max();
  ro.data_dir = output_dir;
  ro.flat_dir = true;
  transport::hls::Stream stream("transcode", ro);

  SystemClock clock;
  TranscoderOptions opts = std::move(extra);
  opts.ladder = config.transcode.ladders.at(config.transcode.ladder);
  opts.encoder = config.transcode.encoder;
  opts.scaler = config.transcode.scaler;
  opts.decoder = config.transcode.decoder;
  opts.segment_duration_s = config.hls.segment_duration_s;
  opts.live = false;
  opts.logger = logger;
  Transcoder transcoder("transcode", stream, clock, opts);

  TranscodeSummary summary;
  double first_s = -1, last_s = -1;
  bool have_video = false;
  Status status = OkStatus();
  for (;;) {
    auto event = (*reader)->Next();
    if (!event.ok()) {
      status = event.error().Context("transcode: " + input);
      break;
    }
    if (auto* t = std::get_if<TrackInfo>(&*event)) {
      have_video = have_video || t->kind == MediaKind::kVideo;
      transcoder.OnTrack(*t);
    } else if (auto* p = std::get_if<Packet>(&*event)) {
      if (p->kind() == (have_video ? MediaKind::kVideo : MediaKind::kAudio)) {
        const double s = p->pts_time().seconds();
        first_s = first_s < 0 ? s : std::min(first_s, s);
        last_s = std::max(last_s, s);
      }
      transcoder.OnPacket(*p);
    } else {
      break;  // end of file
    }
  }
  transcoder.OnEnd(status);  // drains and flushes every encoder
  summary.stats = transcoder.Stats();
  summary.media_seconds = last_s > first_s ? last_s - first_s : 0;
  summary.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!status.ok())
    return status.error();
  for (const auto& [name, rung] : summary.stats.rungs) {
    if (!rung.error.empty())
      return Error("transcode: rendition " + name + ": " + rung.error);
  }
  if (summary.stats.rungs.empty() && !stream.FindRendition("audio"))
    return Error("transcode: " + input + ": nothing to transcode (no decodable video or audio)");
  return summary;
}

}  // namespace strait::pipeline
