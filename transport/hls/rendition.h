// Rendition: one HLS rendition of a stream (e.g. "src", "720p"): the sliding playlist window,
// the bounded in-memory segment store, the rendered media playlist and the measured bitrate.
// Two formats: MPEG-TS segments (plain HLS), or CMAF (an init segment, fMP4 segments cut into
// Low-Latency parts, playlists with parts, preload hint, rendition reports and delta updates,
// and blocking reloads: Await() holds a request until a part exists, woken by the writer).
// Optionally mirrors segments and the playlist under {data_dir}/live/{stream}/{rendition}/.
// Timed metadata: date ranges given on the media timeline are listed as EXT-X-DATERANGE once the
// media they start in is published, at this rendition's own program date time for that instant.
//
// Threads: one writer (the Packager feeding it, on the publisher's thread) calls the writer
// methods; any number of HTTP threads call the reader methods concurrently. AddDateRange and
// EndDateRange may come from one more thread (the pipeline's): they take the writer lock. The mutex
// is held only to copy or swap shared_ptrs, never while muxing, rendering or writing files, so
// readers never block on the publisher. Segment bytes and playlists are immutable once published
// and are sent by HTTP straight from the shared buffers.
//
// Owned by its Stream; lives as long as the Stream.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codecs/media_time.h"
#include "codecs/mp4/cmaf_writer.h"
#include "codecs/result.h"
#include "transport/hls/deadlines.h"
#include "transport/hls/output_observer.h"
#include "transport/hls/playlist.h"
#include "transport/hls/playlist_doc.h"

namespace strait::transport::hls {

struct RenditionOptions {
  size_t window_segments = 6;     // segments listed in the media playlist
  // Kept after leaving the window, for viewers still downloading (the App keeps window + 1: RFC
  // 8216 6.2.2).
  size_t extra_segments = 2;
  size_t max_bytes = 512u << 20;  // cap on segment bytes held in memory (oldest dropped first)
  // When set, segments and playlists are also written (write-then-rename) under
  // {data_dir}/live/{stream}/{rendition}/ and deleted as they leave the store.
  std::filesystem::path data_dir;
  // Write under {data_dir}/{rendition}/ (and the master at {data_dir}/master.m3u8) instead: one
  // stream's output in a directory of its own (`strait transcode IN OUTDIR`).
  bool flat_dir = false;
  // Told about every segment and playlist written or removed (push publishing); null = none.
  std::shared_ptr<OutputObserver> observer;
  // The media sequence number of the first segment. Segment URIs carry it and are cached as
  // immutable, so a server restart must not reuse numbers: the App derives it from the wall clock
  // at start (half seconds since 2025: pipeline::SequenceFromWallClock), which outruns any
  // segment rate hls.segment_duration allows.
  uint64_t first_sequence = 0;
  SegmentFormat format = SegmentFormat::kTs;
  double segment_target_s = 2.0;  // the packager's target: first TARGETDURATION, hold timeouts
  double part_target_s = 0.334;   // CMAF: EXT-X-PART-INF:PART-TARGET
  // When a publish ends, the playlist stays live (no EXT-X-ENDLIST) this long, so a publisher
  // that reconnects continues the same timeline (ContinuationPoint) without a discontinuity when
  // its codec parameters are unchanged. 0, or no `deadlines`, ends the playlist at once.
  std::chrono::milliseconds reconnect_grace{0};
  std::shared_ptr<Deadlines> deadlines;  // runs the end of the grace window (and the trim)
  // After the playlist ended (EXT-X-ENDLIST), when the parts and segments it does not list go
  // (from memory, the data dir and push targets). Negative: 7 target durations, the time parts
  // stay after leaving a live playlist. Needs `deadlines`.
  std::chrono::milliseconds ended_trim_delay{-1};
};

// A completed CMAF part, handed over by the Packager.
struct PartData {
  std::shared_ptr<const std::vector<uint8_t>> bytes;  // moof + mdat (+ prft)
  double duration_s = 0;
  bool independent = false;
  std::chrono::system_clock::time_point program_date_time;  // of its first sample
  int video_frames = 0;
  int64_t media_start_90k = kNoTimestamp;  // its first sample on the media timeline
  bool segment_independent = true;  // its segment's SegmentData::independent (read at part 0)
};

// Timed metadata (EXT-X-DATERANGE) on the media timeline: the 90 kHz timestamps of the packets
// the packagers receive (on every rung: the transcoder's output derives from source PTS), so each
// rendition lists it at the program date time of that instant in its own mapping.
struct DateRange {
  std::string id;                  // ID, unique per stream ("card-sneakers-3"); required
  std::string class_name;          // CLASS ("com.strait.card"); empty = omit
  int64_t start_90k = 0;           // media time of the first frame it covers
  std::optional<int64_t> end_90k;  // the first frame it no longer covers (EndDateRange)
  // Client attributes in order, e.g. {"X-TITLE", "Red sneakers"}, rendered as quoted strings
  // (names and values are made valid, see DateRangeEntry).
  std::vector<std::pair<std::string, std::string>> attributes;
};

// Where a blocking request stands (RFC 8216bis 6.2.5.2).
enum class AwaitResult {
  kReady,    // the playlist already holds the segment / part: answer now
  kWaiting,  // registered: `wake` runs once it does (or when the publish ends)
  kTooFar,   // more than the spec allows ahead of the live edge: 400
  kNotLive,  // nothing to wait on: 404
};

// A completed segment, handed over by the Packager.
struct SegmentData {
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  double duration_s = 0;
  std::chrono::system_clock::time_point program_date_time;
  int video_frames = 0;                    // for the measured frame rate
  int64_t media_end_90k = kNoTimestamp;    // end of its last sample on the media timeline
  int64_t media_start_90k = kNoTimestamp;  // its first sample (TS: maps date ranges)
  // Decodable without earlier segments (SegmentEntry::independent).
  bool independent = true;
};

struct RenditionStats {
  bool live = false;            // has a playlist to serve
  bool ended = false;           // playlist carries EXT-X-ENDLIST
  uint64_t media_sequence = 0;  // first sequence number in the window
  uint64_t next_sequence = 0;   // number the next segment will get
  uint64_t segments_total = 0;  // segments ever added
  uint64_t bytes_total = 0;
  size_t segments_held = 0;  // in the memory store (window + extras)
  size_t bytes_held = 0;
  int64_t peak_bps = 0;     // max of segment bits / duration since the publish began
  int64_t average_bps = 0;  // window bits / window duration
  double frame_rate = 0;    // measured over the window; 0 when audio-only
  int target_duration_s = 0;
  // Program date time of the window's first segment; nullopt while the window is empty.
  std::optional<std::chrono::system_clock::time_point> window_start;
};

class Rendition {
 public:
  // `on_change` runs on the writer thread after each published change (the Stream re-renders the
  // master playlist from it).
  // `reports` (CMAF, may be null) gives the sibling renditions' reports at each render.
  Rendition(std::string stream_name,
            std::string name,
            RenditionOptions options,
            std::function<void()> on_change,
            std::function<std::vector<RenditionReport>()> reports = nullptr);
  ~Rendition();
  Rendition(const Rendition&) = delete;
  Rendition& operator=(const Rendition&) = delete;

  const std::string& name() const { return name_; }
  const std::string& stream_name() const { return stream_name_; }

  // ---- Writer side (one thread) ----
  // A publish starts: the variant (codecs, resolution) is set; if segments were already produced,
  // the next segment carries EXT-X-DISCONTINUITY and any EXT-X-ENDLIST is dropped.
  void BeginPublish(VariantInfo variant);
  // The same publish goes on in a new configuration (a passthrough switching between the copied
  // source and encoded pictures, an encoder reopened): the variant changes, the timeline does not,
  // so no EXT-X-DISCONTINUITY. Renditions of one stream must share discontinuity sequence numbers
  // (RFC 8216bis 6.2.4: matching content, matching numbers); one only this rendition had would
  // stall players that line up the audio rendition by it (hls.js, ExoPlayer). A new init segment
  // (SetInit) still gets its EXT-X-MAP.
  void ChangeVariant(VariantInfo variant);
  // Appends a completed segment, slides the window, re-renders the playlist. A data-dir write
  // failure is returned but the segment is still served from memory. CMAF: `bytes` may be null:
  // the segment is its parts (AddPart, then `last_part`) concatenated. The last part and the
  // segment are published together, so no playlist ever hints a part that will not exist.
  Status AddSegment(SegmentData segment, std::optional<PartData> last_part = std::nullopt);
  // CMAF: the init segment for the segments from the next one on (new tracks or configuration).
  void SetInit(std::shared_ptr<const std::vector<uint8_t>> init);
  // CMAF: appends a part to the segment in progress and publishes it (playlist, waiters).
  Status AddPart(PartData part);
  // The publish ended: the playlist gets EXT-X-ENDLIST (it stays served until the next publish),
  // after the reconnect grace window when there is one (unless `at_once`).
  void EndPublish(bool at_once = false);
  // Another rendition of the stream lists media back to `t` (program date time): this one keeps
  // its segments that end after `t` (by more than kKeepFromSlack) in its window, beyond
  // window_segments, up to twice as many. The Stream sets it on audio-only renditions from its
  // video renditions' windows, so a player starting at the start of a video playlist (a stream
  // that ended, a seek to the start of the window) finds the audio there too: audio segments
  // cut on their own clock and published ahead of the transcoded video, and a last short audio
  // segment, otherwise slid the audio window a segment past the video's. Any thread.
  void KeepFrom(std::chrono::system_clock::time_point t);
  static constexpr std::chrono::milliseconds kKeepFromSlack{100};  // hls.js's maxBufferHole
  // Forgets every segment (HTTP answers 404 afterwards); sequence numbers keep counting.
  // Writer side too: call it from the thread that feeds the packager (or when none runs).
  void Clear();

  // ---- Timed metadata (any one thread besides the writer; takes the writer lock) ----
  // Listed as EXT-X-DATERANGE; renditions with video also carry them in band (below).
  // Lists `range` from the publish of the segment or part holding start_90k on (at once when that
  // is already published; a start before this rendition's first media maps by extrapolation). An
  // ID already held is ignored: a range's attributes never change (an update is a new ID). At
  // most kMaxDateRanges are held (the oldest dropped); a range is dropped once its END-DATE is
  // before the first segment of the window. An open range stays while it is open.
  void AddDateRange(DateRange range);
  // Gives the range `id` its end (the first frame it no longer covers); END-DATE is listed once
  // that media time is published. Unknown IDs and ranges already ended are ignored.
  void EndDateRange(const std::string& id, int64_t end_90k);
  static constexpr size_t kMaxDateRanges = 64;
  // Writer side: the same ranges in band, for the media [start_90k, end_90k) about to be written
  // (a CMAF part; TS: one picture): an ID3 tag as an `emsg` (id3::kEmsgScheme; TS writes the
  // message_data as a timed ID3 PES) for each range start and each end before end_90k not written
  // yet (a range already over by start_90k is skipped), each once. The tag's
  // one TXXX frame: description = the range's CLASS, value = JSON {"event": "start"|"end", "id",
  // "start"/"end" (media seconds), and the X- attributes by name}.
  std::vector<mp4::EventMessage> TakeInbandEvents(int64_t start_90k, int64_t end_90k);

  // ---- Reader side (any thread) ----
  std::shared_ptr<const std::string> Playlist() const;  // null when not live
  // The same playlist as bytes, for HTTP bodies (built once per change, shared by all requests).
  std::shared_ptr<const std::vector<uint8_t>> PlaylistBody() const;
  // The full playlist, or the delta update (_HLS_skip) when one would skip anything.
  std::shared_ptr<const PlaylistDoc> Document(bool delta) const;
  std::shared_ptr<const std::vector<uint8_t>> Segment(uint64_t sequence) const;  // null if gone
  std::shared_ptr<const std::vector<uint8_t>> Part(uint64_t sequence, uint64_t index) const;
  std::shared_ptr<const std::vector<uint8_t>> Init(uint64_t init_id) const;
  // Blocking reload: waits until segment `msn` is complete, or with `part`, until that part of
  // segment `msn` exists (a part index past the segment's last part means part 0 of the next).
  // `wake` runs once on the writer's thread, without locks held; it must not block. `*id`
  // receives the handle for CancelWait.
  AwaitResult Await(uint64_t msn,
                    std::optional<uint64_t> part,
                    std::function<void()> wake,
                    uint64_t* id);
  void CancelWait(uint64_t id);
  size_t waiting() const;
  // EXT-X-RENDITION-REPORT of this rendition; nullopt when it has no parts to report.
  std::optional<RenditionReport> Report() const;
  SegmentFormat format() const { return options_.format; }
  double part_target_s() const { return options_.part_target_s; }
  bool has_open_parts() const { return !open_parts_.empty(); }  // writer side
  // How long a blocking request may be held: 3 target durations (then 503).
  std::chrono::milliseconds HoldTimeout() const;
  std::optional<VariantInfo> Variant() const;  // with measured bandwidth; nullopt when not live
  // An audio-only publish began here and its first segment is not out yet: the master playlist
  // waits for it before listing video-only renditions (a player reads the master once: one
  // listing them without their audio group would play silent).
  bool AudioPending() const;
  // The publish has audio and no video (its CMAF objects are audio/mp4).
  bool AudioOnly() const;
  bool ended() const;
  RenditionStats Stats() const;
  // Within the reconnect grace window after a publish ended: where its media timeline ended
  // (90 kHz), for the next publish to continue from. nullopt otherwise.
  std::optional<int64_t> ContinuationPoint() const;

 private:
  // The end of a publish: ENDLIST published, the trim scheduled (writer lock held).
  void PublishEnd();
  void TrimEnded();
  void ClearLocked();  // Clear with writer_mu_ held; publishes nothing
  struct Held {
    uint64_t sequence;
    std::shared_ptr<const std::vector<uint8_t>> bytes;
    double duration_s = 0;
  };
  struct HeldPart {
    uint64_t sequence;
    uint64_t index;
    std::shared_ptr<const std::vector<uint8_t>> bytes;
  };
  struct Waiter {
    uint64_t msn;
    std::optional<uint64_t> part;
    std::function<void()> wake;
  };
  // What blocking requests are checked against, as last published.
  struct Position {
    bool live = false;
    bool ended = false;
    uint64_t open = 0;                                      // the segment in progress
    uint64_t open_parts = 0;                                // its parts so far
    int target_duration_s = 0;                              // the playlist's TARGETDURATION
    std::deque<std::pair<uint64_t, uint64_t>> part_counts;  // complete segments in the window
  };
  struct Added {  // what one Publish adds
    const SegmentData* segment = nullptr;
    uint64_t sequence = 0;
    const PartData* part = nullptr;
    uint64_t part_index = 0;
  };
  struct WindowEntry {
    SegmentEntry entry;
    int video_frames = 0;
  };
  // Published media: a CMAF part or a TS segment, for mapping media time to program date time.
  struct MediaSpan {
    int64_t start_90k = 0;
    int64_t end_90k = 0;
    std::chrono::system_clock::time_point program_date_time;
  };
  struct HeldRange {
    DateRange range;
    std::optional<std::chrono::system_clock::time_point> start, end;  // once resolved
    bool start_in_band = false, end_in_band = false;  // written as emsg (TakeInbandEvents)
  };

  // Renders the window and swaps it in for readers, with `added` appended to the store.
  Status Publish(const Added& added);
  MediaPlaylist BuildPlaylist() const;
  Status OpenPart(const PartData& part);  // appends to the segment in progress, unpublished
  RenditionStats ComputeStats() const;
  Status WriteFiles(const Added& added,
                    const std::vector<std::string>& dropped,
                    const std::string& playlist);
  void Notify(const Added& added, const std::vector<std::string>& dropped);
  void WakeWaiters(Position position);
  static bool Reached(const Position& at, uint64_t msn, std::optional<uint64_t> part);
  std::filesystem::path Dir() const;
  // EXT-X-TARGETDURATION: the longest segment so far, at least the configured target (writer).
  int TargetDuration() const;
  // The highest bit rate of the runs of window_ segments ending at window_[end] (RFC 8216bis
  // 4.4.6.2). Writer state.
  int64_t RunPeak(size_t end) const;

  const std::string stream_name_;
  const std::string name_;
  const RenditionOptions options_;
  const std::function<void()> on_change_;
  const std::function<std::vector<RenditionReport>()> reports_;

  void FinishEnd();  // the grace window passed: EXT-X-ENDLIST
  void AddSpan(int64_t start_90k, int64_t end_90k, std::chrono::system_clock::time_point pdt);
  std::optional<std::chrono::system_clock::time_point> MapMediaTime(int64_t ts) const;
  // Resolves what the published media now covers and drops what left the window; true when the
  // listed date ranges changed.
  bool ResolveDateRanges();

  // The writer side is one packager at a time, plus the grace timer: writer_mu_ serializes them
  // (never contended in steady state). Lock order: writer_mu_, then mu_ / wait_mu_.
  std::mutex writer_mu_;
  // Cleared by the destructor under its mutex, so a grace timer that fires late does nothing.
  struct Alive {
    std::mutex mu;
    bool alive = true;
  };
  std::shared_ptr<Alive> alive_ = std::make_shared<Alive>();
  uint64_t grace_timer_ = 0;
  bool paused_ = false;       // publish ended, within the grace window
  bool init_changed_ = true;  // SetInit since BeginPublish brought other bytes
  int64_t timeline_end_90k_ = kNoTimestamp;
  int64_t publish_peak_bps_ = 0;  // the highest segment bit rate since the publish began

  // KeepFrom's time (system_clock microseconds since the epoch); INT64_MIN: none.
  std::atomic<int64_t> keep_from_us_{INT64_MIN};
  // Whether the window's first segment is still wanted (KeepFrom), its size being `size`.
  bool KeepFront(size_t size) const;

  // Writer-only state (under writer_mu_).
  std::deque<WindowEntry> window_;
  std::optional<VariantInfo> base_variant_;  // from BeginPublish
  uint64_t next_sequence_;
  uint64_t discontinuity_sequence_ = 0;
  bool pending_discontinuity_ = false;
  bool writer_ended_ = false;
  // Ended, and the parts and the segments not listed by the final playlist had their time for
  // late readers: gone from memory, the data dir and the push targets (TrimEnded).
  bool trimmed_ = false;
  int target_duration_s_ = 0;
  uint64_t segments_total_ = 0;
  uint64_t bytes_total_ = 0;
  // CMAF writer state: the segment in progress and the init segment.
  std::vector<PartEntry> open_parts_;
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> open_bytes_;
  std::chrono::system_clock::time_point open_pdt_;
  int open_frames_ = 0;
  bool open_discontinuity_ = false;
  bool open_independent_ = true;
  uint64_t init_id_ = 0;
  std::shared_ptr<const std::vector<uint8_t>> init_;
  bool init_announced_ = true;  // told the observer / data dir
  // Timed metadata: the published media of the window (oldest first) and the ranges.
  std::deque<MediaSpan> spans_;
  std::deque<HeldRange> ranges_;
  uint64_t next_event_id_ = 0;  // emsg ids, per rendition (writer_mu_)

  // Shared with readers, guarded by mu_.
  mutable std::mutex mu_;
  std::deque<Held> held_;
  size_t bytes_held_ = 0;
  std::shared_ptr<const std::string> playlist_;
  std::shared_ptr<const std::vector<uint8_t>> playlist_body_;
  std::shared_ptr<const PlaylistDoc> full_doc_;
  std::shared_ptr<const PlaylistDoc> delta_doc_;  // null: nothing to skip
  std::deque<HeldPart> held_parts_;
  std::deque<std::pair<uint64_t, std::shared_ptr<const std::vector<uint8_t>>>> held_inits_;
  std::optional<RenditionReport> report_;
  std::optional<int64_t> continuation_;  // timeline end while paused
  std::optional<VariantInfo> variant_;
  bool audio_only_ = false;  // the publish's variant, from BeginPublish / ChangeVariant
  RenditionStats stats_;

  // Blocking requests, guarded by wait_mu_ (never held with mu_).
  mutable std::mutex wait_mu_;
  Position position_;
  std::map<uint64_t, Waiter> waiters_;
  uint64_t next_wait_id_ = 1;
};

}  // namespace strait::transport::hls
