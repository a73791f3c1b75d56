// The TsDemuxer's per-stream half: picks the tracks (first supported video = 0, first supported
// audio = 1, the rest discarded), keeps one 90 kHz timeline for them (33-bit unwrap, missing dts
// filled, per-track monotonic dts), and turns libavformat packets into strait events: Annex B
// video to length-prefixed NAL units with avcC / hvcC, ADTS to raw AAC with an
// AudioSpecificConfig, Opus / MP3 as they come. A TrackInfo is queued before a track's first packet
// and whenever its codec configuration changes.
// Internal to codecs/ts; used only by TsDemuxer on its one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "codecs/ffmpeg/deleters.h"
#include "codecs/packet.h"
#include "codecs/result.h"
#include "codecs/track.h"
#include "codecs/ts/annexb.h"

namespace strait::ts {

using DemuxEvent = std::variant<TrackInfo, Packet>;

// One timeline for all tracks: 33-bit PTS/DTS unwrapped, large jumps (encoder restarts) folded
// into an offset so that the output keeps moving forward.
class Timeline {
 public:
  // Maps a packet's raw timestamps (either may be AV_NOPTS_VALUE, not both) for a track whose
  // last output dts is `track_last_dts` (kNoTimestamp if none). Returns {pts, dts}, dts above
  // track_last_dts and pts >= dts.
  std::pair<int64_t, int64_t> Map(int64_t pts, int64_t dts, int64_t track_last_dts);

 private:
  int64_t Unwrap(int64_t ts, int64_t near) const;

  int64_t last_raw_ = kNoTimestamp;  // last unwrapped input dts
  int64_t last_out_ = kNoTimestamp;  // last output dts, any track
  int64_t offset_ = 0;
};

class StreamMapper {
 public:
  // Looks at streams libavformat has added (streams appear when a PMT is parsed) and assigns
  // tracks; discards the others. An error when every stream is known and none is supported.
  Status Update(AVFormatContext* format);
  bool any_usable() const { return video_.stream >= 0 || audio_.stream >= 0; }
  // Whether libavformat knows a stream Update would take (it may have parsed a PMT that Update
  // has not seen yet). Read-only; safe from inside libavformat's read callback.
  static bool HasSupportedStream(const AVFormatContext* format);

  // Appends the events for one packet. Packets of other streams are ignored.
  Status Process(const AVStream& stream, const AVPacket& pkt, std::vector<DemuxEvent>& out);

 private:
  struct Track {
    int stream = -1;
    TrackInfo info;
    bool announced = false;
    int64_t last_dts = kNoTimestamp;
    int64_t frame_ticks = 3000;      // video: the last dts step, for untimed access units
    int64_t anchor = kNoTimestamp;   // audio: the last timestamp the stream carried
    int64_t anchor_samples = 0;      // audio: samples emitted since the anchor
    std::vector<Nal> vps, sps, pps;  // video: the parameter sets in use
  };

  Status ProcessVideo(Track& t,
                      std::span<const uint8_t> data,
                      int64_t pts,
                      int64_t dts,
                      std::vector<DemuxEvent>& out);
  Status UpdateVideoConfig(Track& t,
                           std::vector<Nal> vps,
                           std::vector<Nal> sps,
                           std::vector<Nal> pps,
                           std::vector<DemuxEvent>& out);
  void ProcessAac(Track& t, std::span<const uint8_t> data, std::vector<DemuxEvent>& out);
  Status ProcessOther(Track& t,
                      const AVStream& st,
                      std::span<const uint8_t> data,
                      std::vector<DemuxEvent>& out);
  // Audio: the anchor (last packet timestamp) plus the samples since, as 90 kHz ticks.
  int64_t NextAudioTs(Track& t, int samples);
  void Announce(Track& t, std::vector<DemuxEvent>& out);

  Track video_, audio_;
  Timeline timeline_;
  std::vector<bool> classified_;  // per stream index
  std::string first_unsupported_;
};

}  // namespace strait::ts
