// Rendition: one HLS rendition of a stream (e.g. "src", later "720p"): the sliding playlist window,
// the bounded in-memory segment store, the rendered media playlist and the measured bitrate.
// Optionally mirrors segments and the playlist under {data_dir}/live/{stream}/{rendition}/.
//
// Threads: one writer (the Packager feeding it, on the publisher's thread) calls the writer
// methods; any number of HTTP threads call the reader methods concurrently. The mutex is held only
// to copy or swap shared_ptrs, never while muxing, rendering or writing files, so readers never
// block on the publisher. Segment bytes and playlists are immutable once published and are sent by
// HTTP straight from the shared buffers.
//
// Owned by its Stream; lives as long as the Stream.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "codecs/result.h"
#include "transport/hls/output_observer.h"
#include "transport/hls/playlist.h"

namespace strait::transport::hls {

struct RenditionOptions {
  size_t window_segments = 6;     // segments listed in the media playlist
  size_t extra_segments = 2;      // kept after leaving the window, for viewers still downloading
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
  // at start (tenths of a second since the epoch), which outruns any real segment rate.
  uint64_t first_sequence = 0;
};

// A completed segment, handed over by the Packager.
struct SegmentData {
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  double duration_s = 0;
  std::chrono::system_clock::time_point program_date_time;
  int video_frames = 0;  // for the measured frame rate
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
  int64_t peak_bps = 0;     // max over the window of segment bits / duration
  int64_t average_bps = 0;  // window bits / window duration
  double frame_rate = 0;    // measured over the window; 0 when audio-only
  int target_duration_s = 0;
};

class Rendition {
 public:
  // `on_change` runs on the writer thread after each published change (the Stream re-renders the
  // master playlist from it).
  Rendition(std::string stream_name,
            std::string name,
            RenditionOptions options,
            std::function<void()> on_change);
  Rendition(const Rendition&) = delete;
  Rendition& operator=(const Rendition&) = delete;

  const std::string& name() const { return name_; }
  const std::string& stream_name() const { return stream_name_; }

  // ---- Writer side (one thread) ----
  // A publish starts: the variant (codecs, resolution) is set; if segments were already produced,
  // the next segment carries EXT-X-DISCONTINUITY and any EXT-X-ENDLIST is dropped.
  void BeginPublish(VariantInfo variant);
  // Appends a completed segment, slides the window, re-renders the playlist. A data-dir write
  // failure is returned but the segment is still served from memory.
  Status AddSegment(SegmentData segment);
  // The publish ended: the playlist gets EXT-X-ENDLIST (it stays served until the next publish).
  void EndPublish();
  // Forgets every segment (HTTP answers 404 afterwards); sequence numbers keep counting.
  // Writer side too: call it from the thread that feeds the packager (or when none runs).
  void Clear();

  // ---- Reader side (any thread) ----
  std::shared_ptr<const std::string> Playlist() const;  // null when not live
  // The same playlist as bytes, for HTTP bodies (built once per change, shared by all requests).
  std::shared_ptr<const std::vector<uint8_t>> PlaylistBody() const;
  std::shared_ptr<const std::vector<uint8_t>> Segment(uint64_t sequence) const;  // null if gone
  std::optional<VariantInfo> Variant() const;  // with measured bandwidth; nullopt when not live
  bool ended() const;
  RenditionStats Stats() const;

 private:
  struct Held {
    uint64_t sequence;
    std::shared_ptr<const std::vector<uint8_t>> bytes;
  };
  struct WindowEntry {
    SegmentEntry entry;
    int video_frames = 0;
  };

  // Renders the window and swaps it in for readers, with `added` appended to the store.
  Status Publish(const SegmentData* added, uint64_t sequence);
  RenditionStats ComputeStats() const;
  Status WriteFiles(const SegmentData& segment,
                    uint64_t sequence,
                    const std::vector<uint64_t>& dropped,
                    const std::string& playlist);
  std::filesystem::path Dir() const;

  const std::string stream_name_;
  const std::string name_;
  const RenditionOptions options_;
  const std::function<void()> on_change_;

  // Writer-only state (one writer thread, no lock).
  std::deque<WindowEntry> window_;
  std::optional<VariantInfo> base_variant_;  // from BeginPublish
  uint64_t next_sequence_;
  uint64_t discontinuity_sequence_ = 0;
  bool pending_discontinuity_ = false;
  bool writer_ended_ = false;
  int target_duration_s_ = 0;
  uint64_t segments_total_ = 0;
  uint64_t bytes_total_ = 0;

  // Shared with readers, guarded by mu_.
  mutable std::mutex mu_;
  std::deque<Held> held_;
  size_t bytes_held_ = 0;
  std::shared_ptr<const std::string> playlist_;
  std::shared_ptr<const std::vector<uint8_t>> playlist_body_;
  std::optional<VariantInfo> variant_;
  RenditionStats stats_;
};

}  // namespace strait::transport::hls
