#include "transport/rtmp/media_ingest.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/flv/tag.h"

namespace strait::transport::rtmp {

namespace {

// Bounds on onMetaData's hints (larger numbers are ignored, not clamped).
constexpr double kMaxHintDimension = 16384;  // pixels
constexpr double kMaxHintFrameRate = 1000;
constexpr double kMaxHintKbps = 10'000'000;  // 10 Gbit/s

}  // namespace

int64_t TimestampUnwrapper::Unwrap(uint32_t ts) {
  if (!started_) {
    started_ = true;
    value_ = ts;
  } else {
    int64_t step = static_cast<int32_t>(ts - last_);
    // FFmpeg's and OBS's FLV writers keep timestamps to 31 bits (the extended byte & 0x7F), so
    // their clocks go from 0x7FFFFFFF to 0 after 24.8 days: from near the top of 31 bits to near
    // 0, on a clock that never had bit 31, is that wrap (2^31), not a step back of 2^31.
    if (!bit31_seen_ && last_ >= 0x70000000 && ts < 0x10000000)
      step += int64_t{1} << 31;
    value_ += step;
  }
  bit31_seen_ = bit31_seen_ || (ts & 0x80000000) != 0;
  last_ = ts;
  return value_;
}

MediaIngest::MediaIngest(MediaSink& sink) : sink_(sink) {
  video_.info.id = 0;
  video_.info.kind = MediaKind::kVideo;
  audio_.info.id = 1;
  audio_.info.kind = MediaKind::kAudio;
}

void MediaIngest::OnMetaData(const amf0::Value& meta) {
  // The publisher's word, as hints: a number that is not finite, not positive or over `max` (a
  // 1e300 width would not even convert to int) counts as absent.
  auto number = [&](const char* key, double max) {
    const double v = meta.GetNumber(key).value_or(0);
    return std::isfinite(v) && v > 0 && v <= max ? v : 0.0;
  };
  width_ = static_cast<int>(number("width", kMaxHintDimension));
  height_ = static_cast<int>(number("height", kMaxHintDimension));
  frame_rate_ = number("framerate", kMaxHintFrameRate);
  if (frame_rate_ == 0)
    frame_rate_ = number("fps", kMaxHintFrameRate);
  // kbit/s in FLV
  video_bitrate_ = static_cast<int64_t>(number("videodatarate", kMaxHintKbps) * 1000);
  audio_bitrate_ = static_cast<int64_t>(number("audiodatarate", kMaxHintKbps) * 1000);
  // videocodecid (7, 12 or a FourCC string) only says what is coming; the sequence header decides.
  for (Track* t : {&video_, &audio_}) {
    if (!t->configured)
      continue;
    const TrackInfo before = t->info;
    ApplyHints(*t);
    if (before.width != t->info.width || before.height != t->info.height ||
        before.frame_rate != t->info.frame_rate || before.bitrate != t->info.bitrate) {
      sink_.OnTrack(t->info);
    }
  }
}

void MediaIngest::ApplyHints(Track& track) {
  if (track.info.kind == MediaKind::kVideo) {
    if (width_ > 0 && height_ > 0) {
      track.info.width = width_;
      track.info.height = height_;
    }
    if (frame_rate_ > 0)
      track.info.frame_rate = frame_rate_;
    if (video_bitrate_ > 0)
      track.info.bitrate = video_bitrate_;
  } else if (audio_bitrate_ > 0) {
    track.info.bitrate = audio_bitrate_;
  }
}

Status MediaIngest::Configure(Track& track, CodecId codec, std::span<const uint8_t> config) {
  if (config.empty())
    return Error(std::string(CodecName(codec)) + " sequence header is empty");
  TrackInfo info = track.info;
  info.codec = codec;
  info.extradata.assign(config.begin(), config.end());
  if (codec == CodecId::kAac) {
    auto asc = aac::ParseAudioSpecificConfig(config);
    if (!asc.ok())
      return asc.error();
    info.sample_rate = asc->sample_rate;
    info.channels = asc->channels();
  }
  // Some encoders repeat the sequence header before every keyframe: only changes are news.
  if (track.configured && info.codec == track.info.codec &&
      info.extradata == track.info.extradata) {
    return OkStatus();
  }
  track.info = std::move(info);
  ApplyHints(track);
  track.configured = true;
  sink_.OnTrack(track.info);
  return OkStatus();
}

Status MediaIngest::OnVideo(uint32_t timestamp, std::span<const uint8_t> body) {
  auto tag = flv::ParseVideoTag(body);
  if (!tag.ok())
    return tag.error().Context("video");
  Track& t = video_;
  if (tag->kind == flv::TagKind::kConfig)
    return Configure(t, tag->codec, tag->payload);
  if (tag->kind != flv::TagKind::kFrame)
    return OkStatus();
  if (!t.configured || t.info.codec != tag->codec) {
    ++stats_.dropped_before_config;
    return OkStatus();
  }
  const int64_t raw = t.clock.Unwrap(timestamp);
  int64_t dts = raw;
  if (t.last_dts != kNoTimestamp && dts < t.last_dts) {
    ++stats_.dts_fixups;
    dts = t.last_dts;
  }
  t.last_dts = dts;
  const int64_t pts = std::max(dts, raw + tag->composition_time_ms);
  ++stats_.video_packets;
  sink_.OnPacket(Packet(t.info.id, MediaKind::kVideo, tag->codec,
                        std::vector<uint8_t>(tag->payload.begin(), tag->payload.end()), pts, dts,
                        kMillis, tag->keyframe));
  return OkStatus();
}

Status MediaIngest::OnAudio(uint32_t timestamp, std::span<const uint8_t> body) {
  auto tag = flv::ParseAudioTag(body);
  if (!tag.ok())
    return tag.error().Context("audio");
  Track& t = audio_;
  if (tag->kind == flv::TagKind::kConfig)
    return Configure(t, tag->codec, tag->payload);
  if (tag->kind != flv::TagKind::kFrame)
    return OkStatus();
  if (!t.configured) {
    ++stats_.dropped_before_config;
    return OkStatus();
  }
  int64_t dts = t.clock.Unwrap(timestamp);
  if (t.last_dts != kNoTimestamp && dts < t.last_dts) {
    ++stats_.dts_fixups;
    dts = t.last_dts;
  }
  t.last_dts = dts;
  ++stats_.audio_packets;
  sink_.OnPacket(Packet(t.info.id, MediaKind::kAudio, tag->codec,
                        std::vector<uint8_t>(tag->payload.begin(), tag->payload.end()), dts, dts,
                        kMillis, true));
  return OkStatus();
}

}  // namespace strait::transport::rtmp
