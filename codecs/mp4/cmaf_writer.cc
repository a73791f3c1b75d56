#include "codecs/mp4/cmaf_writer.h"

#include <cassert>
#include <limits>
#include <string>

#include "codecs/mp4/box_writer.h"

namespace strait::mp4 {

namespace {

// A chunk's mdat stays far below what trun's signed 32-bit data_offset can address.
constexpr size_t kMaxChunkPayload = size_t{1} << 30;

// tfhd: default-base-is-moof (data offsets count from the start of the moof).
constexpr uint32_t kTfhdDefaultBaseIsMoof = 0x020000;
// trun: data-offset, sample-duration, -size, -flags, -composition-time-offset present.
constexpr uint32_t kTrunFlags = 0x000001 | 0x000100 | 0x000200 | 0x000400;
constexpr uint32_t kTrunCompositionOffsets = 0x000800;
// Sample flags (ISO 14496-12 8.8.3.1): sample_depends_on 2 (an I picture) for sync samples;
// sample_depends_on 1 plus sample_is_non_sync_sample for the rest.
constexpr uint32_t kSyncSampleFlags = 0x02000000;
constexpr uint32_t kNonSyncSampleFlags = 0x01010000;

constexpr size_t kPrftSize = 32;  // v1: header, reference_track_ID, ntp_timestamp, media_time
constexpr size_t kMfhdSize = 16;
constexpr size_t kTrafFixedSize = 8 + 16 + 20 + 20;  // traf, tfhd, tfdt v1, trun up to data_offset

// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
constexpr int64_t kNtpUnixOffset = 2208988800;

uint64_t NtpTimestamp(std::chrono::system_clock::time_point t) {
  const int64_t ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  int64_t seconds = ns / 1'000'000'000;
  int64_t rest = ns % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  const uint64_t fraction = (static_cast<uint64_t>(rest) << 32) / 1'000'000'000;
  return (static_cast<uint64_t>(seconds + kNtpUnixOffset) << 32) | fraction;
}

}  // namespace

CmafWriter::CmafWriter(InitSegmentData init)
    : init_(std::make_shared<const std::vector<uint8_t>>(std::move(init.bytes))) {
  for (const TrackLayout& layout : init.tracks) {
    Track t;
    t.layout = layout;
    tracks_.push_back(std::move(t));
  }
}

CmafWriter::~CmafWriter() = default;

Result<std::unique_ptr<CmafWriter>> CmafWriter::Create(std::span<const TrackInfo> tracks) {
  auto init = BuildInitSegment(tracks);
  if (!init.ok())
    return init.error();
  return std::unique_ptr<CmafWriter>(new CmafWriter(std::move(*init)));
}

Status CmafWriter::Add(const Packet& packet) {
  Track* track = nullptr;
  for (Track& t : tracks_) {
    if (t.layout.source_id == packet.track_id()) {
      track = &t;
      break;
    }
  }
  if (!track)
    return Error("cmaf: unknown track id " + std::to_string(packet.track_id()));
  auto fail = [&](const std::string& what) {
    return Error("cmaf: track " + std::to_string(packet.track_id()) + ": " + what);
  };
  if (packet.size() == 0)
    return fail("empty payload");
  if (packet.dts() == kNoTimestamp)
    return fail("no dts");
  const Timebase tb = packet.timebase();
  if (tb.num <= 0 || tb.den <= 0)
    return fail("invalid timebase");
  if (payload_bytes_ + packet.size() > kMaxChunkPayload)
    return fail("more than 1 GiB buffered in one chunk");
  const Timebase scale = track->layout.timescale;
  const int64_t dts = Rescale(packet.dts(), tb, scale);
  if (dts < 0)
    return fail("negative dts " + std::to_string(dts));
  if (track->last_dts != kNoTimestamp && dts <= track->last_dts) {
    return fail("dts " + std::to_string(dts) + " not after " + std::to_string(track->last_dts) +
                " (timescale " + std::to_string(scale.den) + ")");
  }
  const int64_t offset = packet.pts() == kNoTimestamp ? 0 : Rescale(packet.pts(), tb, scale) - dts;
  if (offset < std::numeric_limits<int32_t>::min() || offset > std::numeric_limits<int32_t>::max())
    return fail("pts - dts out of range");
  if (track->layout.video && track->decode_shift == kNoTimestamp)
    track->decode_shift = std::max<int64_t>(0, offset);
  track->samples.push_back(Sample{packet.shared_payload(), dts, static_cast<int32_t>(offset),
                                  !track->layout.video || packet.keyframe()});
  track->last_dts = dts;
  ++buffered_;
  payload_bytes_ += packet.size();
  return OkStatus();
}

int64_t CmafWriter::Shift(const Track& track) {
  return track.decode_shift == kNoTimestamp ? 0 : track.decode_shift;
}

int64_t CmafWriter::SampleDuration(const Track& track, size_t i, int64_t next_video_dts) const {
  const std::vector<Sample>& s = track.samples;
  if (i + 1 < s.size())
    return s[i + 1].dts - s[i].dts;
  if (track.layout.video && next_video_dts != kNoTimestamp && next_video_dts > s[i].dts)
    return next_video_dts - s[i].dts;
  if (i > 0)
    return s[i].dts - s[i - 1].dts;
  return track.last_duration > 0 ? track.last_duration : track.layout.default_duration;
}

size_t CmafWriter::ChunkSize(bool prft, std::span<const EventMessage> events) const {
  size_t size = (prft ? kPrftSize : 0) + 8 + kMfhdSize + 8 + payload_bytes_;
  for (const EventMessage& e : events)  // header, timescale .. id, two C strings, data
    size += 12 + 4 + 8 + 4 + 4 + e.scheme_id_uri.size() + 1 + e.value.size() + 1 +
            e.message_data.size();
  for (const Track& t : tracks_) {
    if (!t.samples.empty())
      size += kTrafFixedSize + t.samples.size() * (t.layout.video ? 16 : 12);
  }
  return size;
}

Chunk CmafWriter::Flush(std::optional<MediaTime> next_video_dts,
                        std::optional<std::chrono::system_clock::time_point> wall_clock,
                        std::span<const EventMessage> events) {
  Chunk chunk;
  if (buffered_ == 0)
    return chunk;
  ++sequence_;
  const int64_t next_video_90k = next_video_dts && next_video_dts->valid() &&
                                         next_video_dts->timebase.num > 0 &&
                                         next_video_dts->timebase.den > 0
                                     ? next_video_dts->In(kMpegTs).value
                                     : kNoTimestamp;
  const bool prft = wall_clock && !tracks_[0].samples.empty();
  const size_t total = ChunkSize(prft, events);
  chunk.bytes.reserve(total);
  BoxWriter w(chunk.bytes);

  if (prft) {
    const size_t box = w.BeginFull("prft", 1, 0);
    w.U32(tracks_[0].layout.file_id);
    w.U64(NtpTimestamp(*wall_clock));
    w.U64(static_cast<uint64_t>(tracks_[0].samples[0].dts + Shift(tracks_[0])));
    w.End(box);
  }
  for (const EventMessage& e : events) {
    const size_t box = w.BeginFull("emsg", 1, 0);
    w.U32(e.timescale);
    w.U64(e.presentation_time);
    w.U32(e.event_duration);
    w.U32(e.id);
    w.Bytes(
        {reinterpret_cast<const uint8_t*>(e.scheme_id_uri.c_str()), e.scheme_id_uri.size() + 1});
    w.Bytes({reinterpret_cast<const uint8_t*>(e.value.c_str()), e.value.size() + 1});
    w.Bytes(e.message_data);
    w.End(box);
  }

  const size_t moof = w.Begin("moof");
  const size_t mfhd = w.BeginFull("mfhd", 0, 0);
  w.U32(sequence_);
  w.End(mfhd);
  size_t data_offset_at[kMaxTracks] = {};
  bool first_video_seen = false;
  chunk.independent = true;
  for (size_t k = 0; k < tracks_.size(); ++k) {
    Track& t = tracks_[k];
    if (t.samples.empty())
      continue;
    const bool video = t.layout.video;
    if (chunk.samples == 0)
      chunk.start_dts_90k = Rescale(t.samples[0].dts, t.layout.timescale, kMpegTs);
    if (video && !first_video_seen) {
      chunk.independent = t.samples[0].sync;
      first_video_seen = true;
    }
    chunk.samples += static_cast<int>(t.samples.size());

    const size_t traf = w.Begin("traf");
    const size_t tfhd = w.BeginFull("tfhd", 0, kTfhdDefaultBaseIsMoof);
    w.U32(t.layout.file_id);
    w.End(tfhd);
    const int64_t shift = Shift(t);
    const size_t tfdt = w.BeginFull("tfdt", 1, 0);
    w.U64(static_cast<uint64_t>(t.samples[0].dts + shift));
    w.End(tfdt);
    // Audio samples all start at their dts: no composition offsets.
    const size_t trun = w.BeginFull("trun", 1, kTrunFlags | (video ? kTrunCompositionOffsets : 0));
    w.U32(static_cast<uint32_t>(t.samples.size()));
    data_offset_at[k] = w.size();
    w.U32(0);  // patched once the moof size is known
    const int64_t next = video ? next_video_90k : kNoTimestamp;
    int64_t duration = 0;
    for (size_t i = 0; i < t.samples.size(); ++i) {
      const Sample& s = t.samples[i];
      duration = SampleDuration(t, i, next);
      w.U32(static_cast<uint32_t>(duration));
      w.U32(static_cast<uint32_t>(s.payload->size()));
      w.U32(s.sync ? kSyncSampleFlags : kNonSyncSampleFlags);
      if (video)
        w.U32(static_cast<uint32_t>(static_cast<int32_t>(s.composition_offset - shift)));
    }
    t.last_duration = duration;
    w.End(trun);
    w.End(traf);
  }
  w.End(moof);

  const size_t mdat = w.Begin("mdat");
  for (size_t k = 0; k < tracks_.size(); ++k) {
    Track& t = tracks_[k];
    if (t.samples.empty())
      continue;
    w.PatchU32(data_offset_at[k], static_cast<uint32_t>(w.size() - moof));
    for (const Sample& s : t.samples)
      w.Bytes(*s.payload);  // the one copy of the payload
    t.samples.clear();      // keeps the capacity for the next chunk; drops the payload references
  }
  w.End(mdat);
  assert(chunk.bytes.size() == total);
  (void)total;
  buffered_ = 0;
  payload_bytes_ = 0;
  return chunk;
}

}  // namespace strait::mp4
