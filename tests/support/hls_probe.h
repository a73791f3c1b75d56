// Test support: what a rendition of an HLS output holds, read with ffprobe — for the transcode
// tests, which check resolution, bitrate, keyframe alignment and A/V sync on real output files.
#pragma once

#include <string>
#include <vector>

namespace strait::test {

struct VideoPacket {
  double pts = 0;
  bool key = false;
  int size = 0;
};

struct RenditionProbe {
  int width = 0, height = 0;
  std::string pix_fmt, profile;
  std::vector<std::string> segments;        // file names, playlist order
  std::vector<double> segment_durations;    // EXTINF
  std::vector<double> segment_first_video;  // pts of each segment's first video packet
  std::vector<bool> segment_starts_key;     // ... and whether it is a keyframe
  std::vector<VideoPacket> video;           // all segments, in order
  std::vector<double> audio_pts;            // all segments, in order
  double audio_last_end = 0;                // pts + duration of the last audio packet
  std::string error;                        // non-empty when something could not be read
  std::vector<double> KeyframePts() const;
  double VideoKbps() const;  // video payload bits over the video duration
};

// Reads DIR/playlist.m3u8 and every segment it lists.
RenditionProbe ProbeRendition(const std::string& dir);

}  // namespace strait::test
