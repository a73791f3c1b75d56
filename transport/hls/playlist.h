// HLS playlist rendering: pure functions from plain structs to the playlist text, so they are
// golden-tested with no threads, no clock and no muxer. The Rendition and Stream call them once per
// completed segment and publish the result as an immutable shared string.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace strait::transport::hls {

// The two segment formats: MPEG-TS (plain HLS, "seg{N}.ts") and CMAF fMP4 with Low-Latency parts
// ("init{K}.mp4", "seg{N}.m4s", "part{N}.{i}.m4s").
enum class SegmentFormat : uint8_t { kTs, kCmaf };

// A partial segment (LL-HLS): URI "part{sequence}.{index}.m4s".
struct PartEntry {
  double duration_s = 0;
  bool independent = false;  // starts with a keyframe (INDEPENDENT=YES)
  uint64_t bytes = 0;
};

struct SegmentEntry {
  uint64_t sequence = 0;  // media sequence number; URI is "seg{sequence}.ts" / ".m4s"
  double duration_s = 0;
  bool discontinuity = false;  // EXT-X-DISCONTINUITY before this segment
  std::chrono::system_clock::time_point program_date_time;  // wall time of the first sample
  uint64_t bytes = 0;
  uint64_t init_id = 0;          // CMAF: its EXT-X-MAP is "init{init_id}.mp4"
  std::vector<PartEntry> parts;  // CMAF: its parts (listed only for the last segments)
  // Decodable without the segments before it. False for a copied open-GOP H.264 source: its
  // keyframes are recovery-point I pictures, whose following pictures may name older ones.
  bool independent = true;
};

// EXT-X-RENDITION-REPORT for a sibling rendition: "../{name}/playlist.m3u8".
struct RenditionReport {
  std::string name;
  uint64_t last_msn = 0;   // its segment in progress (or last segment)
  uint64_t last_part = 0;  // its last complete part in that segment
};

// The Low-Latency HLS part of a CMAF media playlist (RFC 8216bis 4.4.3.7 - 4.4.5.3).
struct LowLatency {
  double part_target_s = 0.334;   // EXT-X-PART-INF:PART-TARGET
  double part_hold_back_s = 1.0;  // EXT-X-SERVER-CONTROL:PART-HOLD-BACK (>= 2x part target)
  double can_skip_until_s = 0;    // CAN-SKIP-UNTIL; 0 = no delta updates
  // Parts are listed only for segments that end within this much of the live edge.
  double parts_window_s = 6.0;
  uint64_t open_sequence = 0;       // the segment in progress
  uint64_t open_init_id = 0;        // its EXT-X-MAP
  bool open_discontinuity = false;  // EXT-X-DISCONTINUITY before its parts
  std::chrono::system_clock::time_point open_program_date_time;
  std::vector<PartEntry> open_parts;  // its parts so far
  std::vector<RenditionReport> reports;
};

// EXT-X-DATERANGE (RFC 8216bis 4.4.5.1), already resolved to wall times by the Rendition. The
// renderer makes any values valid: quoted strings lose '"' (-> '\''), CR and LF (-> ' '); client
// attribute names are upper-cased, other characters than [A-Z0-9-] become '-', "X-" is prefixed
// when missing, and a name repeated after that is dropped.
struct DateRangeEntry {
  std::string id;                                               // ID
  std::string class_name;                                       // CLASS; empty = omit
  std::chrono::system_clock::time_point start;                  // START-DATE
  std::optional<std::chrono::system_clock::time_point> end;     // END-DATE (>= start)
  std::vector<std::pair<std::string, std::string>> attributes;  // X-... as quoted strings
};

struct MediaPlaylist {
  int target_duration_s = 2;            // EXT-X-TARGETDURATION (the caller rounds: Rendition)
  uint64_t discontinuity_sequence = 0;  // discontinuities that slid out of the window
  bool ended = false;                   // EXT-X-ENDLIST
  std::vector<SegmentEntry> segments;   // the window, oldest first; media sequence = front()
  SegmentFormat format = SegmentFormat::kTs;
  // EXT-X-INDEPENDENT-SEGMENTS: every segment listed, and the one in progress, is independent.
  bool independent_segments = true;
  std::optional<LowLatency> low_latency;  // CMAF: parts, preload hint, server control
  // A delta update (_HLS_skip=YES): the first `skip_segments` segments are replaced by
  // EXT-X-SKIP. The caller keeps it within CAN-SKIP-UNTIL.
  size_t skip_segments = 0;
  // Listed just before the first listed segment (after EXT-X-SKIP and its EXT-X-MAP), so delta
  // updates carry them all (SERVER-CONTROL does not offer CAN-SKIP-DATERANGES).
  std::vector<DateRangeEntry> date_ranges;
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
  // Its media playlist says EXT-X-INDEPENDENT-SEGMENTS; the master says it only when all do.
  bool independent = true;
};

std::string RenderMediaPlaylist(const MediaPlaylist& playlist);
// How many of the oldest segments a delta update may skip: those that start more than
// CAN-SKIP-UNTIL before the end of the playlist (RFC 8216bis 6.2.5.1).
size_t SkippableSegments(const MediaPlaylist& playlist);
// URIs, relative to the rendition's playlist.
std::string SegmentUri(SegmentFormat format, uint64_t sequence);
std::string PartUri(uint64_t sequence, size_t index);
std::string InitUri(uint64_t init_id);
// Every rendition a variant of its own (STREAM-INF).
std::string RenderMasterPlaylist(std::span<const VariantInfo> variants);
// Video-only variants sharing the audio-only renditions `audio` as audio groups (EXT-X-MEDIA, the
// first of each is DEFAULT): "audio" for AAC, "audio-opus" for Opus; the video variants are
// listed once per group. Each variant's BANDWIDTH / AVERAGE-BANDWIDTH add its group's largest
// audio rendition's, and its CODECS list that audio codec too (RFC 8216bis 4.4.6.2).
std::string RenderMasterPlaylist(std::span<const VariantInfo> video,
                                 std::span<const VariantInfo> audio);

// "2025-11-28T00:00:00.000Z"
std::string FormatIso8601Millis(std::chrono::system_clock::time_point t);

}  // namespace strait::transport::hls
