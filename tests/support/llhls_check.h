// Test support: an HLS playlist parser and conformance checker for what strait serves — media
// playlists per RFC 8216bis (HLS 2nd edition, protocol version 9+, Low-Latency HLS with parts,
// preload hints, delta updates and rendition reports; plain TS playlists too) and, loosely, master
// playlists. Tests fetch playlists over HTTP and hand the text here; nothing here does I/O.
//
// Parsing is strict on syntax (a malformed known tag or attribute list is an error) and ignores
// unknown tags, as the spec asks of clients. Semantic rules (durations, hold-backs, versions...)
// are reported by CheckMediaPlaylist as readable violations so one test shows them all at once.
// PlaylistHistory checks the rules that span successive fetches of one rendition.
// Pure functions and plain values; PlaylistHistory is single-threaded like the test that owns it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strait::test {

// One attribute of an RFC 8216 4.2 attribute-list. `text` is the value with the quotes of a
// quoted-string removed; `quoted` says whether it was one.
struct AttributeValue {
  std::string text;
  bool quoted = false;
};
using AttributeList = std::map<std::string, AttributeValue, std::less<>>;

// Parses `NAME=value,NAME="quoted, with commas",...` into `out`. Returns "" on success, else what
// is wrong (bad name, unterminated quote, whitespace or a quote in an unquoted value, duplicate
// name, stray characters after a quoted value).
std::string ParseAttributeList(std::string_view text, AttributeList* out);

struct LlPart {
  double duration = 0;
  std::string uri;
  bool independent = false;
  bool gap = false;
};

struct LlSegment {
  uint64_t msn = 0;
  double duration = 0;  // EXTINF
  std::string uri;
  std::vector<LlPart> parts;  // empty once the server has dropped them (or for non-LL playlists)
  bool discontinuity = false;
  bool gap = false;                              // EXT-X-GAP
  std::optional<std::string> program_date_time;  // raw text; CheckMediaPlaylist validates it
};

struct LlPlaylist {
  bool starts_with_extm3u = false;
  int version = 0;          // 0: no EXT-X-VERSION
  int target_duration = 0;  // 0: no EXT-X-TARGETDURATION
  uint64_t media_sequence = 0;
  uint64_t discontinuity_sequence = 0;
  std::string playlist_type;          // EXT-X-PLAYLIST-TYPE (EVENT, VOD) or ""
  std::optional<double> part_target;  // EXT-X-PART-INF
  bool can_block_reload = false;      // EXT-X-SERVER-CONTROL ...
  std::optional<double> part_hold_back, can_skip_until, hold_back;
  std::optional<std::string> map_uri;  // the first EXT-X-MAP
  bool has_skip = false;               // EXT-X-SKIP present (a delta update)
  uint64_t skipped_segments = 0;
  std::vector<LlSegment> segments;    // complete segments, oldest first
  std::vector<LlPart> pending_parts;  // parts of the segment in progress (msn next_msn())
  // Tags seen after the last complete segment, belonging to the segment in progress.
  bool pending_discontinuity = false;
  std::optional<std::string> pending_program_date_time;
  std::optional<std::string> preload_hint_uri;  // the TYPE=PART hint if any, else the MAP one
  std::string preload_hint_type;
  struct Report {
    std::string uri;
    std::optional<uint64_t> last_msn, last_part;
  };
  std::vector<Report> rendition_reports;
  bool ended = false;  // EXT-X-ENDLIST

  // MSN of the segment in progress: the one after the last complete (listed or skipped) segment.
  uint64_t next_msn() const;
};

struct ParseResult {
  LlPlaylist playlist;
  std::string error;  // "" on success, else "line N: what is wrong"
  bool ok() const { return error.empty(); }
};

// Parses a media playlist. Also fails on master-playlist tags and on URI lines with no EXTINF.
ParseResult ParseMediaPlaylist(std::string_view text);

struct CheckOptions {
  // Every segment starts with a keyframe, so the first part of each segment must be INDEPENDENT.
  bool segments_start_with_keyframes = false;
  // The playlist is meant to be Low-Latency: parts, EXT-X-PART-INF and CAN-BLOCK-RELOAD=YES are
  // required rather than merely checked when present.
  bool require_low_latency = false;
};

// Checks the RFC 8216bis rules that one playlist can show; returns the violations (empty = ok).
std::vector<std::string> CheckMediaPlaylist(const LlPlaylist& p, const CheckOptions& opts = {});

// Successive fetches of one rendition's playlist, in fetch order. Each Add returns the violations
// that this fetch shows against the earlier ones: media sequence, next MSN or discontinuity
// sequence going backwards, a segment or part whose URI or duration changed for the same MSN, and
// a preload hint that a later fetch contradicts (another part took the hinted place).
class PlaylistHistory {
 public:
  std::vector<std::string> Add(const LlPlaylist& p);

 private:
  struct Seen {
    std::string uri;
    double duration = 0;
  };
  struct Hint {
    std::string uri;
    uint64_t msn = 0;    // the hinted part is part `index` of this MSN ...
    uint64_t index = 0;  // ... or, if that segment ends before it, part 0 of msn + 1
    int fetch = 0;
  };
  void Record(const LlPlaylist& p, std::vector<std::string>* out);
  void ResolveHints(uint64_t next_msn, std::vector<std::string>* out);

  int fetches_ = 0;
  std::optional<uint64_t> media_sequence_, next_msn_, discontinuity_sequence_;
  std::optional<int> target_duration_;
  size_t pending_parts_ = 0;
  std::map<uint64_t, Seen> segments_;
  std::map<std::pair<uint64_t, uint64_t>, Seen> parts_;  // (msn, index)
  std::map<uint64_t, uint64_t> part_counts_;             // msn -> parts of the complete segment
  std::vector<Hint> hints_;
};

struct MasterVariant {
  std::map<std::string, std::string> attrs;  // EXT-X-STREAM-INF, quotes removed
  std::string uri;
};

struct MasterPlaylist {
  std::vector<MasterVariant> variants;
  std::vector<std::map<std::string, std::string>> media;  // EXT-X-MEDIA, quotes removed
  std::string error;                                      // "" on success
};

// Parses a master (multivariant) playlist: EXT-X-STREAM-INF (BANDWIDTH required) each followed
// by its URI line, and EXT-X-MEDIA. Fails on media-playlist tags and malformed attribute lists.
MasterPlaylist ParseMasterPlaylist(std::string_view text);

}  // namespace strait::test
