// Stream: the HLS state of one public stream name: N renditions (the passthrough "src" or an ABR
// ladder) and the master playlists listing the live ones as "{rendition}/playlist.m3u8": one for
// the CMAF (Low-Latency) renditions and one for the MPEG-TS ones. "master.m3u8" is the CMAF one
// when the stream has CMAF renditions, else the TS one; "master-ts.m3u8" is always the TS one.
// `variants` (per stream, from the config) says which formats each output is packaged in.
//
// Threads: AddRendition is called by the pipeline's control sequence; each rendition has its own
// single writer; readers (HTTP) call the const methods from any thread. The master playlist is
// re-rendered whenever a rendition publishes a segment (on that writer's thread), never per
// request; the same pass keeps the audio renditions' windows covering the video renditions'
// (Rendition::KeepFrom). Renditions are never removed, so a Rendition& stays valid for the Stream's lifetime.
// AddDateRange / EndDateRange come from one pipeline thread (the decode thread) and are forwarded
// to every rendition, each taking that rendition's writer lock briefly.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transport/hls/rendition.h"

namespace strait::transport::hls {

// Which HLS variants a stream's outputs are packaged as.
enum class HlsVariants : uint8_t {
  kLowLatencyCmaf,  // "{out}": CMAF with LL-HLS parts (the default of the app)
  kTs,              // "{out}": MPEG-TS segments
  kBoth,            // "{out}" CMAF and "{out}-ts" MPEG-TS, with separate master playlists
};

class Stream {
 public:
  Stream(std::string name, RenditionOptions defaults, HlsVariants variants = HlsVariants::kTs);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  const std::string& name() const { return name_; }

  // Returns the rendition `name`, creating it (with the stream's default options) if needed. The
  // order of creation is the order in the master playlist.
  Rendition& AddRendition(const std::string& name);
  Rendition& AddRendition(const std::string& name, RenditionOptions options);
  // The renditions one output (a ladder rung, "src", "audio") is packaged into, per the stream's
  // variants: one or two (CMAF + TS), created if needed.
  std::vector<Rendition*> AddOutputs(const std::string& name);
  Rendition* FindRendition(std::string_view name) const;  // null if unknown
  HlsVariants variants() const { return variants_; }
  std::vector<std::string> RenditionNames() const;

  // "master.m3u8"; null when no rendition is live.
  std::shared_ptr<const std::string> MasterPlaylist() const;
  std::shared_ptr<const std::vector<uint8_t>> MasterPlaylistBody() const;  // same, as bytes
  std::shared_ptr<const PlaylistDoc> MasterDocument() const;               // same, for HTTP
  // The master of one format's renditions only ("master-ts.m3u8" for kTs); null when none live.
  std::shared_ptr<const PlaylistDoc> MasterDocument(SegmentFormat format) const;
  bool live() const { return MasterPlaylist() != nullptr; }
  // Within the reconnect grace window after a publish: the latest media time (90 kHz) its
  // renditions reached, for the next publish to continue the timeline from. nullopt otherwise.
  std::optional<int64_t> ContinuationPoint() const;
  // Timed metadata (EXT-X-DATERANGE) in every media playlist of the stream, present renditions
  // and those created while the range is held (the last Rendition::kMaxDateRanges): see
  // Rendition::AddDateRange. `range.start_90k` / `end_90k` are on the packets' media timeline.
  void AddDateRange(DateRange range);
  void EndDateRange(const std::string& id, int64_t end_90k);
  // The publish has video (a transcode graph saw its track): while no video rendition has a
  // segment, an audio-only master is held back — for a few audio segments at most — so a
  // viewer at go-live does not get the sound alone (the audio rendition's first segment came
  // ~180 ms before the first rung's, and players read the master once). Any thread.
  void ExpectVideo(bool yes) { video_expected_.store(yes); }
  // Forgets all segments of all renditions (HTTP answers 404 until the next segment). Call it
  // only while no packager writes to this stream.
  void Clear();

 private:
  void RenderMaster();
  static constexpr uint64_t kMaxSegmentsWaitingForAudio = 3;
  std::vector<RenditionReport> ReportsExcept(const std::string& name) const;
  void WriteMaster(const std::string& file, const std::shared_ptr<const std::string>& text);

  const std::string name_;
  const RenditionOptions defaults_;
  const HlsVariants variants_;
  mutable std::mutex mu_;  // guards renditions_ (the vector, not the renditions) and the masters
  std::vector<std::unique_ptr<Rendition>> renditions_;
  std::deque<DateRange> date_ranges_;                  // for renditions created later
  std::shared_ptr<const std::string> master_text_[2];  // by SegmentFormat
  std::shared_ptr<const PlaylistDoc> master_[2];
  std::mutex render_mu_;  // serializes master renders from several rendition writers
  std::atomic<bool> video_expected_{false};
};

}  // namespace strait::transport::hls
