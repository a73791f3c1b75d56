// TranscodeFile: `strait transcode IN OUTDIR` — the live transcode graph (transcoder.h) run on a
// file with no network, as fast as the machine allows (file mode: backpressure, nothing dropped),
// writing the HLS output to OUTDIR: master.m3u8 and {rung}/playlist.m3u8 + segments, every
// playlist ending with EXT-X-ENDLIST. Used by tests and benchmarks.
//
// Threads: runs on the caller's thread (reading and demuxing) plus the graph's threads; returns
// when every encoder is flushed and every file written.
#pragma once

#include <memory>
#include <string>

#include "codecs/result.h"
#include "pipeline/config.h"
#include "pipeline/transcoder.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

struct TranscodeSummary {
  double media_seconds = 0;  // of video (else audio) read from the input
  double wall_seconds = 0;
  TranscoderStats stats;
};

// The ladder is config.transcode's default ladder; hls.segment_duration sets segments and GOPs.
Result<TranscodeSummary> TranscodeFile(const std::string& input,
                                       const std::string& output_dir,
                                       const Config& config,
                                       std::shared_ptr<spdlog::logger> logger,
                                       TranscoderOptions extra = {});

}  // namespace strait::pipeline
