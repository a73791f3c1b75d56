// HLS playlist rendering: pure functions from plain structs to the playlist text, so they are
// golden-tested with no threads, no clock and no muxer. The Rendition and Stream call them once per
// completed segment and publish the result as an immutable shared string.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace strait::transport::hls {

struct SegmentEntry {
  uint64_t sequence = 0;  // media sequence number; URI is "seg{sequence}.ts"
  double duration_s = 0;
  bool discontinuity = false;  // EXT-X-DISCONTINUITY before this segment
  std::chrono::system_clock::time_point program_date_time;  // wall time of the first sample
  uint64_t bytes = 0;
};

struct MediaPlaylist {
  int target_duration_s = 2;            // EXT-X-TARGETDURATION (already ceil'ed by the caller)
  uint64_t discontinuity_sequence = 0;  // discontinuities that slid out of the window
  bool ended = false;                   // EXT-X-ENDLIST
  std::vector<SegmentEntry> segments;   // the window, oldest first; media sequence = front()
};

// One rendition as listed in the master playlist.
struct VariantInfo {
  std::string uri;                // relative, e.g. "src/playlist.m3u8"
  int64_t bandwidth = 0;          // peak bits/s
  int64_t average_bandwidth = 0;  // 0 = omit
  int width = 0;                  // 0 = omit RESOLUTION
  int height = 0;
  double frame_rate = 0;   // 0 = omit FRAME-RATE
  std::string codecs;      // RFC 6381, e.g. "avc1.64001f,mp4a.40.2"; empty = omit
  bool has_video = false;  // false: an audio-only rendition
  bool has_audio = false;  // the rendition's own segments carry audio
  int channels = 0;        // of its audio, 0 = unknown
};

std::string RenderMediaPlaylist(const MediaPlaylist& playlist);
// Every rendition a variant of its own (STREAM-INF).
std::string RenderMasterPlaylist(std::span<const VariantInfo> variants);
// Video-only variants sharing the audio-only renditions `audio` as one audio group "audio"
// (EXT-X-MEDIA, the first is DEFAULT): each variant's BANDWIDTH / AVERAGE-BANDWIDTH add the
// largest audio rendition's, and its CODECS list the audio codec too (RFC 8216bis 4.4.6.2).
std::string RenderMasterPlaylist(std::span<const VariantInfo> video,
                                 std::span<const VariantInfo> audio);

// "2025-11-28T00:00:00.000Z"
std::string FormatIso8601Millis(std::chrono::system_clock::time_point t);

}  // namespace strait::transport::hls
