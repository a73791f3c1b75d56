// Packager: turns one publish's tracks and packets into segments for one Rendition: MPEG-TS
// segments (codecs/ts), or for a CMAF rendition an init segment plus fMP4 segments cut into
// Low-Latency parts (codecs/mp4) — a part closes before the next sample would take it past the
// part target; a part that starts with a keyframe is independent.
//
// Sans-IO and single-threaded: the pipeline calls it from the publisher's MediaSink thread; it
// hands completed segments and parts to the Rendition (which publishes them to HTTP readers). It
// owns its muxer; it borrows the Rendition and Clock, which must outlive it.
//
// Start: it buffers packets (bounded) until it knows the tracks: video config seen AND (audio
// config seen OR expect_audio == false OR `audio_wait` of video passed without audio config).
// Audio-only streams start after `audio_wait` of audio without video config (or at once when
// expect_video == false). Output starts at the first video keyframe.
// Cuts: at a video keyframe once the segment reached the target duration; audio-only on time.
// Program date time: the wall time of the publish's first sample (from the Clock) plus media time,
// from a WallAnchor the packagers of one publish's renditions share (PackagerOptions::anchor). A
// segment (part) is dated by its first picture's presentation time, so a copied B-picture
// source's segment and an encoded rung's for the same keyframe carry the same date.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "codecs/clock.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"
#include "transport/hls/rendition.h"
#include "transport/hls/wall_anchor.h"

namespace strait::ts {
class TsMuxer;
}
namespace strait::mp4 {
class CmafWriter;
}

namespace strait::transport::hls {

struct PackagerOptions {
  double target_duration_s = 2.0;
  bool expect_video = true;
  bool expect_audio = true;
  std::chrono::milliseconds audio_wait{1000};  // media time to wait for a missing track config
  size_t max_buffered_packets = 2048;          // before start; beyond it, start anyway
  // Encoders often send their first packet late and the queued ones in a burst: until the first
  // date is published (the first part, ~0.33 s in, or segment, of any rendition of the publish)
  // the wall-clock mapping moves back, by at most this much, so that no sample seen by then is
  // stamped later than it arrived; from then on dates stay as published (samples of a burst still
  // arriving may be dated up to this much after their arrival). 0: program date time = first
  // packet's arrival + media time.
  std::chrono::milliseconds max_arrival_anchor{500};
  // The publish's media-time → wall-time mapping, shared with the packagers of the stream's other
  // renditions (one date for one media time in every playlist). Null: this packager (and its
  // mirrors) keep one of their own, with max_arrival_anchor.
  std::shared_ptr<WallAnchor> anchor;
};

struct PackagerStats {
  bool started = false;  // muxing (tracks known)
  uint64_t packets_in = 0;
  uint64_t packets_dropped = 0;  // before the first keyframe, unknown track, buffer overflow
  uint64_t segments = 0;         // produced by this publish
};

class Packager {
 public:
  Packager(Rendition& out, const Clock& clock, PackagerOptions options = {});
  // The same packets into several renditions (Stream::AddOutputs: CMAF and TS): the first is
  // packaged by this object, each other one by a mirror Packager fed the same calls. Stats and
  // rendition() are the first one's. `outs` must not be empty.
  Packager(const std::vector<Rendition*>& outs, const Clock& clock, PackagerOptions options = {});
  ~Packager();
  Packager(const Packager&) = delete;
  Packager& operator=(const Packager&) = delete;

  // A track's configuration (MediaSink::OnTrack). A changed configuration of a running track cuts
  // the segment and restarts the muxer (a new init segment for CMAF; no discontinuity: the
  // timeline continues, see Rendition::ChangeVariant); the video track's cut waits for the new
  // configuration's first keyframe, where the closed segment then ends (its last picture lasts
  // until then: no hole), and its pictures before that keyframe are dropped. A track added to a
  // running muxer restarts it with a discontinuity (the tracks changed).
  Status AddTrack(const TrackInfo& track);
  // One packet (MediaSink::OnPacket). Errors are per packet; the packager stays usable. A
  // decode time at or before the track's last is raised just past it (see last_dts_).
  Status Write(const Packet& in);
  // The publish ended (MediaSink::OnEnd): flushes the last partial segment and marks the playlist
  // with EXT-X-ENDLIST (after the rendition's reconnect grace window unless `end_now`). Further
  // Writes are ignored until Restart().
  Status Finish(bool end_now = false);
  // A new publish of the same stream on the same Rendition: forgets tracks and timing; media
  // sequence numbers continue and the next segment carries EXT-X-DISCONTINUITY. (Creating a new
  // Packager on the same Rendition is equivalent.)
  void Restart();

  const PackagerStats& stats() const { return stats_; }
  Rendition& rendition() { return out_; }

 private:
  bool ReadyToStart() const;
  Status Start();
  Status Mux(const Packet& packet);
  Status CloseSegment(int64_t end_ts);  // end_ts: 90 kHz, the first sample of the next segment
  Status ClosePart(int64_t end_ts);     // CMAF: flushes the buffered samples as one part
  std::optional<PartData> TakePart(int64_t end_ts);  // ... and returns it, unpublished
  // The date published for media time `ts` (fixes the shared anchor: WallAnchor::Date).
  std::chrono::system_clock::time_point Date(int64_t ts);
  // Starts the segment `packet` (dts `ts`, its pts − dts `pts_delay`) opens.
  void OpenSegment(const Packet& packet, bool is_video, int64_t ts, int64_t pts_delay);
  // Whether a segment opened by `packet` decodes on its own: not at an H.264 keyframe that is no
  // IDR (an open GOP's recovery-point I picture, whose followers may name older pictures).
  bool OpensIndependently(const Packet& packet, bool is_video) const;
  // Closes the open segment (ending at end_ts, the next sample's start; kNoTimestamp or one not
  // after the last sample: the last sample's end, estimated from the one before) and the muxer.
  Status StopMuxer(int64_t end_ts = kNoTimestamp);
  // A running track's new configuration: closes the segment at end_ts, restarts the muxer.
  Status ChangeConfig(const TrackInfo& track, int64_t end_ts);
  void SetTrackConfig(const TrackInfo& track);  // replaces the track's entry in tracks_
  void ApplyPendingConfig();                    // into tracks_, without a cut of its own
  VariantInfo BuildVariant() const;
  const TrackInfo* FindTrack(uint32_t id) const;
  int64_t PendingSpanMs(MediaKind kind) const;

  Rendition& out_;
  std::vector<std::unique_ptr<Packager>> mirrors_;
  const Clock& clock_;
  const PackagerOptions options_;

  std::vector<TrackInfo> tracks_;
  std::deque<Packet> pending_;  // before start
  const bool cmaf_;
  std::unique_ptr<ts::TsMuxer> muxer_;            // TS
  std::unique_ptr<mp4::CmafWriter> cmaf_writer_;  // CMAF
  bool muxing_ = false;                           // one of them is open
  PackagerStats stats_;
  bool finished_ = false;
  bool seen_keyframe_ = false;
  std::optional<uint32_t> video_track_;  // the track segments are cut on
  // Every video codec string this publish has muxed, first seen first: a configuration change (a
  // passthrough's encoded stretch, a new level after a size change) keeps the earlier ones in
  // CODECS, which lists each format the variant has (RFC 8216bis 4.4.6.2).
  std::vector<std::string> video_codecs_;
  bool codec_added_ = false;  // by the last Start(); taken back if no picture follows
  bool continuing_ = false;   // the next Start() is a configuration change of a running publish
  // The video track's new configuration, waiting for its first keyframe (AddTrack).
  std::optional<TrackInfo> pending_config_;
  // Decode timestamps rise strictly per track, as the muxers need: one at or before the last (a
  // passthrough's switch onto an open GOP's keyframe, which carries more pts − dts delay; a
  // publisher's slip) is raised to just after it, where that keeps it at or before its pts; else
  // the packet is dropped with an error. 90 kHz, by track id; a new publish starts afresh.
  std::vector<std::pair<uint32_t, int64_t>> last_dts_;
  Result<Packet> WithRisingDts(const Packet& packet);
  // TS: the timed ID3 stream of renditions with video (Rendition::TakeInbandEvents).
  static constexpr uint32_t kId3TrackId = 0xffffff00;
  int64_t last_id3_ts_ = kNoTimestamp;  // 90 kHz
  void WriteTsEvents(int64_t ts);

  // Maps media time to wall time (options_.anchor, or one of its own: own_anchor_).
  std::shared_ptr<WallAnchor> anchor_;
  bool own_anchor_ = false;

  // The open segment, 90 kHz.
  bool segment_open_ = false;
  int64_t segment_start_ = 0;  // its first packet's dts
  int64_t pts_delay_ = 0;      // its first picture's pts − dts: dates are of presentation times
  bool segment_independent_ = true;  // opened by an IDR (or not H.264): SegmentData::independent
  int64_t last_ts_ = 0;     // dts of the last packet of the clock track (video, else audio)
  int64_t last_delta_ = 0;  // its frame duration, to end the last segment
  int64_t next_cut_ = 0;    // audio-only: the next grid point (segment start + k x target)
  int segment_frames_ = 0;
  // CMAF: the part in progress.
  int64_t part_start_ = 0;
  int part_frames_ = 0;
};

}  // namespace strait::transport::hls
