// TranscodeConfig: the ABR ladder settings (`transcode:` in the YAML) and the rule that turns a
// ladder into the rungs for one source (ResolveLadder). Plain values, parsed once at start-up.
//
//   transcode:
//     enabled: true          # live streams get the ladder; false = the source only ("src")
//     encoder: auto          # auto (NVENC when it opens, else x264) | x264 | nvenc
//     scaler: cpu            # cpu (swscale) | cuda (GPU resize, CPU fallback logged)
//     decoder: cpu           # cpu | cuda (NVDEC, CPU fallback logged)
//     ladder: default        # the ladder streams use unless they name their own
//     ladders:
//       default:
//         - {name: 720p, height: 720, bitrate_kbps: 2500}
//         - {name: 480p, height: 480, bitrate_kbps: 1200}
//         - {name: 360p, height: 360, bitrate_kbps: 700}
//       shop:
//         - {name: src, passthrough: true}
//         - {name: 540p, height: 540, bitrate_kbps: 1800, max_fps: 30, preset: faster}
#pragma once

#include <map>
#include <string>
#include <vector>

#include "codecs/result.h"

namespace YAML {
class Node;
}

namespace strait::pipeline {

struct RungConfig {
  std::string name;  // rendition name in URLs: 1-32 of A-Z a-z 0-9 - _ .
  // The source as published, copied — except while a card is on or the publisher is away: then
  // its pictures are encoded at the source's size and rate (bitrate_kbps: 0 = the copied
  // source's measured bitrate). At most one per ladder; height and max_fps do not apply.
  bool passthrough = false;
  int height = 0;                // output height; the width follows the source aspect ratio (even)
  double max_fps = 30;           // frames above this rate are dropped (0 = the source rate)
  int bitrate_kbps = 0;          // target (VBV average)
  int maxrate_kbps = 0;          // 0 = bitrate
  int bufsize_kbps = 0;          // 0 = 2 x maxrate
  std::string profile = "high";  // baseline, main, high
  std::string preset = "veryfast";  // x264 preset (NVENC: mapped to p1-p7)
};

struct TranscodeConfig {
  bool enabled = true;
  std::string encoder = "auto";  // auto | x264 | nvenc
  std::string scaler = "cpu";    // cpu (swscale) | cuda (strait's kernel; falls back to cpu)
  std::string decoder = "cpu";   // cpu | cuda (NVDEC; falls back to cpu)
  // Also an Opus (libopus, 48 kHz) audio rendition "audio-opus", encoded once, for the CMAF
  // (LL-HLS) variants: its own audio group in the master, beside the AAC one.
  bool opus = false;
  // While a publisher is away (hls.reconnect_grace): the last picture for `slate_after` seconds,
  // then `slate` (a PNG/JPEG; empty = black).
  std::string slate;
  double slate_after_s = 2.0;
  // A publisher still connected that sends no media for this long (a stalled uplink: OBS drops
  // frames while its connection is congested) gets the same filler until media comes back, so
  // the renditions go on in real time; 0 = off (the playlists wait, and the gap makes one long
  // segment).
  double input_loss_s = 1.5;
  std::string ladder = "default";
  std::map<std::string, std::vector<RungConfig>> ladders;  // always has "default"
};

// 720p 2.5 Mb/s, 480p 1.2 Mb/s, 360p 0.7 Mb/s, 30 fps max, x264 veryfast.
std::vector<RungConfig> DefaultLadder();
TranscodeConfig DefaultTranscodeConfig();

// One rung as it will run for a given source.
struct RungPlan {
  RungConfig config;
  int width = 0;  // 0 for passthrough
  int height = 0;
};

// The rungs for a source of `width`x`height`: rungs taller than the source are skipped (a ladder
// with none left keeps its smallest rung at the source height); widths keep the aspect ratio,
// rounded to the nearest even number.
std::vector<RungPlan> ResolveLadder(const std::vector<RungConfig>& ladder, int width, int height);

namespace yaml {
class Reader;
}
// Parses the `transcode:` mapping into `out` (defaults kept for missing keys).
Status ParseTranscode(yaml::Reader& r, const YAML::Node& node, TranscodeConfig& out);

}  // namespace strait::pipeline
