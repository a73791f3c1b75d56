#include "transport/hls/packager.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "codecs/codec_string.h"
#include "codecs/mp4/cmaf_writer.h"
#include "codecs/ts/annexb.h"
#include "codecs/ts/ts_muxer.h"

namespace strait::transport::hls {
namespace {

constexpr int64_t kTicksPerSecond = 90000;

int64_t To90k(int64_t ts, Timebase tb) {
  return Rescale(ts, tb, kMpegTs);
}

bool SameConfig(const TrackInfo& a, const TrackInfo& b) {
  return a.codec == b.codec && a.extradata == b.extradata && a.timebase == b.timebase;
}

}  // namespace

Packager::Packager(Rendition& out, const Clock& clock, PackagerOptions options)
    : out_(out),
      clock_(clock),
      options_(options),
      cmaf_(out.format() == SegmentFormat::kCmaf),
      anchor_(options.anchor),
      own_anchor_(options.anchor == nullptr) {
  if (!anchor_)
    anchor_ = std::make_shared<WallAnchor>(options.max_arrival_anchor);
}

Packager::Packager(const std::vector<Rendition*>& outs, const Clock& clock, PackagerOptions options)
    : Packager(*outs.front(), clock, options) {
  options.anchor = anchor_;  // the mirrors date their segments as this one does
  for (size_t i = 1; i < outs.size(); ++i)
    mirrors_.push_back(std::make_unique<Packager>(*outs[i], clock, options));
}

Packager::~Packager() {
  if (!finished_ && muxing_)
    (void)Finish();
}

const TrackInfo* Packager::FindTrack(uint32_t id) const {
  for (const TrackInfo& t : tracks_) {
    if (t.id == id)
      return &t;
  }
  return nullptr;
}

Status Packager::AddTrack(const TrackInfo& track) {
  for (auto& m : mirrors_)
    (void)m->AddTrack(track);  // its errors repeat this one's
  if (finished_)
    return Error("hls: AddTrack after Finish (call Restart)");
  if (track.kind != MediaKind::kVideo && track.kind != MediaKind::kAudio) {
    return Error("hls: unsupported track kind");
  }
  for (TrackInfo& existing : tracks_) {
    if (existing.id != track.id)
      continue;
    const bool pending_here = pending_config_ && pending_config_->id == track.id;
    if (SameConfig(existing, track)) {
      if (pending_here)
        pending_config_.reset();  // back to the configuration in use before any new picture
      return OkStatus();          // a repeated sequence header
    }
    if (pending_here && SameConfig(*pending_config_, track))
      return OkStatus();
    // A new configuration mid-stream: the segment is cut and the muxer restarted at a keyframe.
    // The timeline goes on (same tracks, timestamps continuing): no discontinuity. The video
    // track's change waits for its first keyframe (Write), so that the open segment ends where
    // that keyframe starts: pictures dropped before the change (a rung behind realtime, the end
    // of a passthrough's encoded stretch) then leave no hole in the timeline.
    if (muxing_ && segment_open_ && video_track_ && track.id == *video_track_) {
      pending_config_ = track;
      return OkStatus();
    }
    return ChangeConfig(track, kNoTimestamp);
  }
  ApplyPendingConfig();  // a new track restarts the muxer anyway
  tracks_.push_back(track);
  if (track.kind == MediaKind::kVideo && !video_track_)
    video_track_ = track.id;
  if (muxing_) {
    // A track that appears after muxing began (audio later than `audio_wait`): restart the muxer
    // so that the PMT lists it.
    if (Status s = StopMuxer(); !s)
      return s;
  }
  return !muxing_ && ReadyToStart() ? Start() : OkStatus();
}

Status Packager::ChangeConfig(const TrackInfo& track, int64_t end_ts) {
  continuing_ = muxing_;
  if (Status s = StopMuxer(end_ts); !s)
    return s;
  SetTrackConfig(track);
  return ReadyToStart() ? Start() : OkStatus();
}

void Packager::SetTrackConfig(const TrackInfo& track) {
  for (TrackInfo& existing : tracks_) {
    if (existing.id == track.id)
      existing = track;
  }
  if (track.kind == MediaKind::kVideo)
    video_track_ = track.id;
}

void Packager::ApplyPendingConfig() {
  if (pending_config_)
    SetTrackConfig(*std::exchange(pending_config_, std::nullopt));
}

int64_t Packager::PendingSpanMs(MediaKind kind) const {
  const Packet* first = nullptr;
  const Packet* last = nullptr;
  for (const Packet& p : pending_) {
    if (p.kind() != kind)
      continue;
    if (!first)
      first = &p;
    last = &p;
  }
  if (!first)
    return 0;
  return Rescale(last->dts(), last->timebase(), kMillis) -
         Rescale(first->dts(), first->timebase(), kMillis);
}

bool Packager::ReadyToStart() const {
  bool video = false, audio = false;
  for (const TrackInfo& t : tracks_) {
    video |= t.kind == MediaKind::kVideo;
    audio |= t.kind == MediaKind::kAudio;
  }
  if (!video && !audio)
    return false;
  if (pending_.size() >= options_.max_buffered_packets)
    return true;
  const int64_t wait_ms = options_.audio_wait.count();
  if (video) {
    return audio || !options_.expect_audio || PendingSpanMs(MediaKind::kVideo) >= wait_ms;
  }
  return !options_.expect_video || PendingSpanMs(MediaKind::kAudio) >= wait_ms;
}

VariantInfo Packager::BuildVariant() const {
  VariantInfo v;
  std::string codecs_video, codecs_audio;
  for (const TrackInfo& t : tracks_) {
    Result<std::string> codec = CodecString(t);
    if (t.kind == MediaKind::kVideo) {
      v.has_video = true;
      if (codec.ok())
        codecs_video = *codec;
      v.width = t.width;
      v.height = t.height;
      v.frame_rate = t.frame_rate;
      if (t.codec == CodecId::kH264) {
        if (auto c = h264::ParseAvcConfig(t.extradata); c.ok()) {
          v.width = c->first_sps.width;
          v.height = c->first_sps.height;
          if (v.frame_rate <= 0)
            v.frame_rate = c->first_sps.frame_rate;
        }
      } else if (t.codec == CodecId::kHevc) {
        if (auto c = hevc::ParseHevcConfig(t.extradata); c.ok() && c->width > 0) {
          v.width = c->width;
          v.height = c->height;
        }
      }
    } else if (t.kind == MediaKind::kAudio) {
      v.has_audio = true;
      v.channels = t.channels;
      if (codec.ok())
        codecs_audio = *codec;
    }
  }
  // Every format this publish has had, first seen first (Start() adds the current one): a
  // stable string, so the master playlist does not change at each switch back.
  for (const std::string& c : video_codecs_)
    v.codecs += (v.codecs.empty() ? "" : ",") + c;
  if (video_codecs_.empty())
    v.codecs = codecs_video;
  if (!codecs_audio.empty())
    v.codecs += (v.codecs.empty() ? "" : ",") + codecs_audio;
  v.frame_rate = std::round(v.frame_rate * 1000.0) / 1000.0;
  return v;
}

Result<Packet> Packager::WithRisingDts(const Packet& packet) {
  auto last = std::find_if(last_dts_.begin(), last_dts_.end(),
                           [&](const auto& t) { return t.first == packet.track_id(); });
  if (last == last_dts_.end())
    last = last_dts_.insert(last_dts_.end(), {packet.track_id(), kNoTimestamp});
  const Timebase tb = packet.timebase();
  Packet out = packet;
  if (last->second != kNoTimestamp && To90k(packet.dts(), tb) <= last->second) {
    int64_t raised = Rescale(last->second + 1, kMpegTs, tb);
    while (To90k(raised, tb) <= last->second)
      ++raised;
    if (packet.pts() != kNoTimestamp && raised > packet.pts())
      return Error("hls " + out_.stream_name() + "/" + out_.name() + ": track " +
                   std::to_string(packet.track_id()) + ": decode time " +
                   std::to_string(packet.dts()) + " not after the last one; packet dropped");
    out = packet.WithTimestamps(packet.pts(), raised);
  }
  last->second = To90k(out.dts(), tb);
  return out;
}

Status Packager::Start() {
  if (codec_added_ && !seen_keyframe_)
    video_codecs_.pop_back();  // the last configuration never had a picture muxed
  codec_added_ = false;
  if (const TrackInfo* video = video_track_ ? FindTrack(*video_track_) : nullptr) {
    Result<std::string> codec = CodecString(*video);
    if (codec.ok() &&
        std::find(video_codecs_.begin(), video_codecs_.end(), *codec) == video_codecs_.end()) {
      video_codecs_.push_back(*codec);
      codec_added_ = true;
    }
  }
  if (cmaf_) {
    Result<std::unique_ptr<mp4::CmafWriter>> writer = mp4::CmafWriter::Create(tracks_);
    if (!writer) {
      pending_.clear();
      return writer.error().Context("hls " + out_.stream_name() + "/" + out_.name());
    }
    cmaf_writer_ = std::move(*writer);
    out_.SetInit(cmaf_writer_->InitSegment());
  } else {
    // Renditions with pictures carry the stream's timed metadata in band: an ID3 stream.
    std::vector<TrackInfo> mux_tracks = tracks_;
    if (video_track_) {
      TrackInfo id3;
      id3.id = kId3TrackId;
      id3.kind = MediaKind::kData;
      id3.codec = CodecId::kTimedId3;
      id3.timebase = kMpegTs;
      mux_tracks.push_back(id3);
    }
    last_id3_ts_ = kNoTimestamp;
    Result<std::unique_ptr<ts::TsMuxer>> muxer = ts::TsMuxer::Create(mux_tracks);
    if (!muxer) {
      pending_.clear();
      return muxer.error().Context("hls " + out_.stream_name() + "/" + out_.name());
    }
    muxer_ = std::move(*muxer);
  }
  muxing_ = true;
  stats_.started = true;
  seen_keyframe_ = false;
  segment_open_ = false;
  if (continuing_)
    out_.ChangeVariant(BuildVariant());
  else
    out_.BeginPublish(BuildVariant());
  continuing_ = false;
  std::deque<Packet> pending;
  pending.swap(pending_);
  Status status;
  for (const Packet& p : pending) {
    if (Status s = Mux(p); !s && status)
      status = s;
  }
  return status;
}

Status Packager::Write(const Packet& in) {
  for (auto& m : mirrors_)
    (void)m->Write(in);
  ++stats_.packets_in;
  if (finished_ || !FindTrack(in.track_id()) || in.dts() == kNoTimestamp) {
    ++stats_.packets_dropped;
    return OkStatus();
  }
  Result<Packet> rising = WithRisingDts(in);
  if (!rising.ok()) {
    ++stats_.packets_dropped;
    return rising.error();
  }
  const Packet& packet = *rising;
  if (pending_config_ && packet.track_id() == pending_config_->id) {
    // The new configuration's pictures before its first keyframe cannot be decoded; from that
    // keyframe on it replaces the old one (see AddTrack).
    if (!packet.keyframe()) {
      ++stats_.packets_dropped;
      return OkStatus();
    }
    const TrackInfo track = *std::exchange(pending_config_, std::nullopt);
    if (Status s = ChangeConfig(track, To90k(packet.dts(), packet.timebase())); !s)
      return s;
  }
  // Until the first date is published (this one's or a sibling's), no sample is stamped later
  // than it arrived (program date time and prft do not run ahead of the wall clock after an
  // encoder's start-up burst).
  if (stats_.segments == 0)
    anchor_->Observe(To90k(packet.dts(), packet.timebase()), clock_.WallNow());
  if (muxing_)
    return Mux(packet);
  pending_.push_back(packet);
  if (ReadyToStart())
    return Start();
  return OkStatus();
}

Status Packager::Mux(const Packet& packet) {
  const int64_t ts = To90k(packet.dts(), packet.timebase());
  const bool is_video = video_track_ && packet.track_id() == *video_track_;
  if (video_track_ && FindTrack(*video_track_) && !seen_keyframe_) {
    if (!is_video || !packet.keyframe()) {
      ++stats_.packets_dropped;  // a segment must start with a keyframe
      return OkStatus();
    }
    seen_keyframe_ = true;
  }
  const bool clock_track = is_video || !video_track_;
  const int64_t target = static_cast<int64_t>(options_.target_duration_s * kTicksPerSecond);
  bool new_segment = !segment_open_;
  // Its first picture's reorder delay (pts − dts; B-pictures), for the segment's program date
  // time: the date of its first presentation, as players place it (CMAF's tfdt is that too).
  const int64_t pts_delay =
      is_video ? std::max<int64_t>(To90k(packet.pts(), packet.timebase()) - ts, 0) : 0;
  if (!segment_open_) {
    OpenSegment(packet, is_video, ts, pts_delay);
    last_ts_ = ts;
    last_delta_ = 0;
    next_cut_ = ts + target;
  } else if (clock_track && !is_video) {
    // Audio only: cut at the frame nearest each multiple of the target from the start, so the
    // boundaries stay on the grid the video renditions of the same stream cut on (no drift from
    // 1024-sample frames).
    if (ts + last_delta_ / 2 >= next_cut_) {
      if (Status s = CloseSegment(ts); !s)
        return s;
      OpenSegment(packet, is_video, ts, pts_delay);
      new_segment = true;
      while (next_cut_ <= ts + last_delta_ / 2)
        next_cut_ += target;
    }
  } else if (clock_track && packet.keyframe()) {
    // A keyframe up to one picture short of the target cuts: the ladder forces its IDRs at the
    // first picture on or after each multiple of the target, so with 29.97 fps in milliseconds
    // (or the slate's whole-tick pictures) a segment can be up to a picture short of it; waiting
    // for the next keyframe made a 4 s segment and changed TARGETDURATION (RFC 8216 4.4.3.1). The
    // picture is the last one's duration, at least 1 ms and at most a tenth of the target (a
    // hole before the keyframe is no picture).
    const int64_t slack = std::clamp<int64_t>(ts - last_ts_, 90, target / 10);
    if (ts - segment_start_ >= target - slack) {
      if (Status s = CloseSegment(ts); !s)
        return s;
      OpenSegment(packet, is_video, ts, pts_delay);
      new_segment = true;
    }
  }
  if (cmaf_ && clock_track) {
    // A part closes before the next sample would take it past the part target (the next frame
    // duration estimated as the longer of the last two, which covers millisecond jitter), so no
    // part is longer than PART-TARGET.
    const int64_t part_target = std::llround(out_.part_target_s() * kTicksPerSecond);
    if (new_segment) {
      part_start_ = ts;
      part_frames_ = 0;
    } else if (ts - part_start_ + std::max<int64_t>(ts - last_ts_, last_delta_) > part_target &&
               ts > part_start_) {
      if (Status s = ClosePart(ts); !s)
        return s;
      part_start_ = ts;
      part_frames_ = 0;
    }
  }
  if (clock_track) {
    if (ts > last_ts_)
      last_delta_ = ts - last_ts_;
    last_ts_ = std::max(last_ts_, ts);
  }
  if (is_video) {
    ++segment_frames_;
    ++part_frames_;
  }
  if (!cmaf_ && is_video)
    WriteTsEvents(ts);
  if (Status s = cmaf_ ? cmaf_writer_->Add(packet) : muxer_->Write(packet); !s) {
    ++stats_.packets_dropped;
    return s.error().Context("hls " + out_.stream_name() + "/" + out_.name());
  }
  return OkStatus();
}

void Packager::WriteTsEvents(int64_t ts) {
  // The ranges starting (or ending) at this picture or before it, each once, as ID3 PES packets
  // just before it (its segment); a range already over is skipped. PES timestamps stay increasing.
  for (mp4::EventMessage& e : out_.TakeInbandEvents(ts, ts + 1)) {
    int64_t at = static_cast<int64_t>(e.presentation_time);
    if (last_id3_ts_ != kNoTimestamp && at <= last_id3_ts_)
      at = last_id3_ts_ + 1;
    last_id3_ts_ = at;
    const Packet id3(kId3TrackId, MediaKind::kData, CodecId::kTimedId3, std::move(e.message_data),
                     at, at, kMpegTs, true);
    if (Status s = muxer_->Write(id3); !s)
      ++stats_.packets_dropped;
  }
}

void Packager::OpenSegment(const Packet& packet, bool is_video, int64_t ts, int64_t pts_delay) {
  segment_open_ = true;
  segment_start_ = ts;
  pts_delay_ = pts_delay;
  segment_independent_ = OpensIndependently(packet, is_video);
  segment_frames_ = 0;
}

bool Packager::OpensIndependently(const Packet& packet, bool is_video) const {
  if (!is_video || packet.codec() != CodecId::kH264)
    return true;
  const TrackInfo* track = FindTrack(packet.track_id());
  return ts::H264AuMayStartDecoding(packet.data(), track
                                                       ? std::span<const uint8_t>(track->extradata)
                                                       : std::span<const uint8_t>());
}

std::chrono::system_clock::time_point Packager::Date(int64_t ts) {
  return anchor_->Date(ts);
}

std::optional<PartData> Packager::TakePart(int64_t end_ts) {
  if (cmaf_writer_->empty())
    return std::nullopt;
  // Timed metadata in band rides with the pictures (an audio rendition of the same stream would
  // hand players every event twice).
  const std::vector<mp4::EventMessage> events =
      video_track_ ? out_.TakeInbandEvents(part_start_, end_ts) : std::vector<mp4::EventMessage>{};
  const std::chrono::system_clock::time_point date = Date(part_start_ + pts_delay_);
  mp4::Chunk chunk = cmaf_writer_->Flush(MediaTime{end_ts, kMpegTs}, date, events);
  PartData part;
  part.duration_s =
      static_cast<double>(std::max<int64_t>(end_ts - part_start_, 0)) / kTicksPerSecond;
  part.independent = chunk.independent;
  part.program_date_time = date;
  part.video_frames = part_frames_;
  part.media_start_90k = part_start_ + pts_delay_;
  part.segment_independent = segment_independent_;
  part.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(chunk.bytes));
  return part;
}

Status Packager::ClosePart(int64_t end_ts) {
  std::optional<PartData> part = TakePart(end_ts);
  return part ? out_.AddPart(std::move(*part)) : OkStatus();
}

Status Packager::CloseSegment(int64_t end_ts) {
  segment_open_ = false;
  SegmentData segment;
  segment.duration_s =
      static_cast<double>(std::max<int64_t>(end_ts - segment_start_, 0)) / kTicksPerSecond;
  segment.video_frames = segment_frames_;
  segment.media_end_90k = end_ts;
  segment.media_start_90k = segment_start_ + pts_delay_;
  segment.independent = segment_independent_;
  std::optional<PartData> last_part;
  if (cmaf_) {
    last_part = TakePart(end_ts);
    if (!last_part && !out_.has_open_parts())
      return OkStatus();
  } else {
    std::vector<uint8_t> bytes = muxer_->TakeBytes();
    if (bytes.empty())
      return OkStatus();
    segment.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  }
  ++stats_.segments;
  segment.program_date_time = Date(segment_start_ + pts_delay_);
  return out_.AddSegment(std::move(segment), std::move(last_part));
}

Status Packager::StopMuxer(int64_t end_ts) {
  if (!muxing_)
    return OkStatus();
  Status status = muxer_ ? muxer_->Finish() : OkStatus();
  if (segment_open_) {
    if (end_ts == kNoTimestamp || end_ts <= last_ts_)
      end_ts = last_ts_ + last_delta_;
    if (Status s = CloseSegment(end_ts); !s && status)
      status = s;
  }
  muxer_.reset();
  cmaf_writer_.reset();
  muxing_ = false;
  return status;
}

Status Packager::Finish(bool end_now) {
  for (auto& m : mirrors_)
    (void)m->Finish(end_now);
  if (finished_)
    return OkStatus();
  Status status;
  if (!muxing_ && !pending_.empty() && !tracks_.empty())
    status = Start();  // flush what we have
  if (Status s = StopMuxer(); !s && status)
    status = s;
  pending_.clear();
  pending_config_.reset();
  finished_ = true;
  out_.EndPublish(end_now);
  return status;
}

void Packager::Restart() {
  (void)Finish();
  tracks_.clear();
  pending_.clear();
  video_track_.reset();
  video_codecs_.clear();
  codec_added_ = false;
  continuing_ = false;
  last_dts_.clear();
  finished_ = false;
  seen_keyframe_ = false;
  if (own_anchor_)
    anchor_->Reset();
  segment_open_ = false;
  stats_ = PackagerStats{};
  for (auto& m : mirrors_)
    m->Restart();  // after Finish() above ended them too
}

}  // namespace strait::transport::hls
