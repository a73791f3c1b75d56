#include "transport/rtmp/media_ingest.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "codecs/aac/audio_specific_config.h"
#include "codecs/flv/tag.h"
#include "codecs/mpeg_audio/frame_header.h"

namespace strait::transport::rtmp {

namespace {

// Bounds on onMetaData's hints (larger numbers are ignored, not clamped).
constexpr double kMaxHintDimension = 16384;  // pixels
constexpr double kMaxHintFrameRate = 1000;
constexpr double kMaxHintKbps = 10'000'000;  // 10 Gbit/s

// RFC 7845 5.1 identification header: "OpusHead", version, channel count, pre-skip, input sample
// rate, output gain, channel mapping family (and, for a family other than 0, stream count, coupled
// count and one mapping byte a channel).
constexpr size_t kOpusHeadSize = 19;

Status CheckOpusHead(std::span<const uint8_t> h) {
  static constexpr char kMagic[] = "OpusHead";
  if (h.size() < kOpusHeadSize || !std::equal(h.begin(), h.begin() + 8, kMagic))
    return Error("invalid OpusHead");
  if ((h[8] & 0xf0) != 0)  // 5.1.1.1: an incompatible major version
    return Error("OpusHead version " + std::to_string(h[8]));
  const int channels = h[9], family = h[18];
  // 5.1.1.2: family 0 is mono or stereo, family 1 at most 8 channels, any family at least one.
  if (channels == 0 || (family == 0 && channels > 2) || (family == 1 && channels > 8))
    return Error("OpusHead: " + std::to_string(channels) + " channels in mapping family " +
                 std::to_string(family));
  if (family != 0) {
    if (h.size() < kOpusHeadSize + 2 + size_t(channels))
      return Error("OpusHead: truncated channel mapping table");
    const int streams = h[19], coupled = h[20];
    if (streams == 0 || coupled > streams || streams + coupled > 255)
      return Error("OpusHead: bad stream counts");
    for (int c = 0; c < channels; ++c) {
      const int m = h[21 + c];
      if (m != 255 && m >= streams + coupled)
        return Error("OpusHead: channel mapping out of range");
    }
  }
  return OkStatus();
}

bool IsOpusTags(std::span<const uint8_t> p) {
  static constexpr char kMagic[] = "OpusTags";
  return p.size() >= 8 && std::equal(p.begin(), p.begin() + 8, kMagic);
}

// E-RTMP v2: an empty Opus sequence start means a mono/stereo stream without an identification
// header. Two channels, mapping family 0, are what an Opus decoder takes for either.
std::vector<uint8_t> StereoOpusHead() {
  return {'O',  'p',  'u',  's',  'H', 'e', 'a', 'd',
          1,                       // version
          2,                       // channels
          0,    0,                 // pre-skip
          0x80, 0xbb, 0x00, 0x00,  // input sample rate 48000, little endian
          0,    0,                 // output gain
          0};                      // channel mapping family
}

}  // namespace

int64_t TimestampUnwrapper::Unwrap(uint32_t ts) {
  if (!started_) {
    started_ = true;
    value_ = ts;
  } else {
    int64_t step = static_cast<int32_t>(ts - last_);
    // FFmpeg's and OBS's FLV writers keep timestamps to 31 bits (the extended byte & 0x7F), so
    // their clocks go from 0x7FFFFFFF to 0 after 24.8 days: from the last minute of 31 bits to
    // the first, on a clock that never had bit 31, is that wrap (2^31), not a step back of 2^31
    // (a clock reset elsewhere stays a step back, clamped as before).
    if (!bit31_seen_ && last_ >= 0x7fff0000 && ts < 0x00010000)
      step += int64_t{1} << 31;
    value_ += step;
  }
  bit31_seen_ = bit31_seen_ || (ts & 0x80000000) != 0;
  last_ = ts;
  return value_;
}

std::pair<int64_t, int64_t> MediaIngest::MapDts(Track& t, int64_t raw) {
  // As codecs/ts's Timeline: beyond these the clock jumped (interleaving is well within them).
  constexpr int64_t kMaxBackwardMs = 5000, kMaxForwardMs = 10000;
  constexpr int64_t kStepAfterJumpMs = 33;
  int64_t dts = raw + offset_;
  if (latest_dts_ != kNoTimestamp &&
      (dts < latest_dts_ - kMaxBackwardMs || dts > latest_dts_ + kMaxForwardMs)) {
    const int64_t jump = dts - latest_dts_;
    offset_ += latest_dts_ + kStepAfterJumpMs - dts;
    dts = latest_dts_ + kStepAfterJumpMs;
    if (stats_.clock_jumps++ % 100 == 0 && logger_) {
      logger_->warn(
          "{}: the publisher's {} clock jumped {} by {:.3f} s; the timeline goes on "
          "({} jumps)",
          log_name_, t.info.kind == MediaKind::kVideo ? "video" : "audio",
          jump > 0 ? "ahead" : "back", std::abs(jump) / 1000.0, stats_.clock_jumps);
    }
  }
  const int64_t at = dts;
  if (t.last_dts != kNoTimestamp && dts <= t.last_dts) {
    ++stats_.dts_fixups;
    dts = t.last_dts + 1;
  }
  t.last_dts = dts;
  latest_dts_ = latest_dts_ == kNoTimestamp ? dts : std::max(latest_dts_, dts);
  return {at, dts};
}

MediaIngest::MediaIngest(MediaSink& sink, spdlog::logger* logger, std::string log_name)
    : sink_(sink), logger_(logger), log_name_(std::move(log_name)) {
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
  TrackInfo info = track.info;
  info.codec = codec;
  if (codec == CodecId::kOpus && config.empty()) {
    info.extradata = StereoOpusHead();
  } else if (config.empty() && track.info.kind == MediaKind::kAudio && !track.configured) {
    DropAudioBecause("its " + std::string(CodecName(codec)) + " sequence header is empty");
    audio_refused_ = true;
    return OkStatus();
  } else if (config.empty()) {
    return Error(std::string(CodecName(codec)) + " sequence header is empty");
  } else {
    info.extradata.assign(config.begin(), config.end());
  }
  if (codec == CodecId::kAac) {
    auto asc = aac::ParseAudioSpecificConfig(config);
    if (!asc.ok()) {
      // The audio goes, not the publish: the pictures are still good. A configured track keeps
      // its configuration (a damaged repeat of the header changes nothing).
      if (!track.configured) {
        DropAudioBecause("its AAC configuration (AudioSpecificConfig) is unreadable: " +
                         asc.error().message());
        audio_refused_ = true;
      } else if (logger_ && !bad_config_logged_) {
        bad_config_logged_ = true;
        logger_->warn(
            "{}: an unreadable AAC configuration ({}) ignored: the audio goes on as it "
            "was",
            log_name_, asc.error().message());
      }
      return OkStatus();
    }
    info.sample_rate = asc->sample_rate;
    info.channels = asc->channels();
  } else if (codec == CodecId::kOpus) {
    if (Status s = CheckOpusHead(info.extradata); !s.ok()) {
      DropAudioBecause("its Opus identification header is unusable (" + s.error().message() + ")");
      audio_refused_ = true;
      return OkStatus();
    }
    info.sample_rate = 48000;  // Opus always decodes at 48 kHz (RFC 7845 4)
    info.channels = info.extradata[9];
  }
  Announce(track, std::move(info));
  return OkStatus();
}

void MediaIngest::Announce(Track& track, TrackInfo info) {
  // Some encoders repeat the sequence header before every keyframe (and every MP3 frame restates
  // its header): only changes are news.
  if (track.configured && info.codec == track.info.codec &&
      info.extradata == track.info.extradata && info.sample_rate == track.info.sample_rate &&
      info.channels == track.info.channels) {
    return;
  }
  track.info = std::move(info);
  ApplyHints(track);
  track.configured = true;
  sink_.OnTrack(track.info);
}

void MediaIngest::DropAudio(const std::string& format) {
  DropAudioBecause(format + " is not supported (AAC, Opus and MP3 are)");
}

void MediaIngest::DropAudioBecause(const std::string& why) {
  ++stats_.audio_unsupported;
  if (logger_ && !audio_drop_logged_)
    logger_->warn("{}: audio dropped: {}; the publish goes on without it", log_name_, why);
  audio_drop_logged_ = true;
}

void MediaIngest::CountSkippedTracks(uint32_t n) {
  if (n == 0)
    return;
  if (logger_ && stats_.skipped_tracks == 0) {
    logger_->debug("{}: Enhanced RTMP multitrack: track 0 is the stream, other tracks are skipped",
                   log_name_);
  }
  stats_.skipped_tracks += n;
}

Status MediaIngest::OnVideo(uint32_t timestamp, std::span<const uint8_t> body) {
  auto tag = flv::ParseVideoTag(body);
  if (!tag.ok())
    return tag.error().Context("video");
  CountSkippedTracks(tag->skipped_tracks);
  Track& t = video_;
  if (tag->kind == flv::TagKind::kConfig)
    return Configure(t, tag->codec, tag->payload);
  if (tag->kind != flv::TagKind::kFrame)
    return OkStatus();
  if (!t.configured || t.info.codec != tag->codec) {
    ++stats_.dropped_before_config;
    return OkStatus();
  }
  const auto [at, dts] = MapDts(t, t.clock.Unwrap(timestamp));
  const int64_t pts = std::max(dts, at + tag->composition_time_ms);
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
  CountSkippedTracks(tag->skipped_tracks);
  if (tag->kind == flv::TagKind::kUnsupported) {
    DropAudio(tag->format);
    return OkStatus();
  }
  Track& t = audio_;
  if (audio_refused_) {  // audio strait cannot describe: all of it goes
    ++stats_.audio_unsupported;
    return OkStatus();
  }
  if (tag->codec == CodecId::kOpus && tag->kind == flv::TagKind::kConfig &&
      IsOpusTags(tag->payload)) {
    // The comment header, which a 2024 draft of E-RTMP v2 allowed in a sequence start: no
    // configuration (an empty one until an OpusHead comes).
    if (t.configured && t.info.codec == CodecId::kOpus)
      return OkStatus();
    return Configure(t, tag->codec, {});
  }
  if (tag->codec == CodecId::kOpus && tag->kind == flv::TagKind::kInfo &&
      tag->payload.size() >= 2 && tag->payload[1] > 2 && t.configured &&
      t.info.extradata == StereoOpusHead()) {
    // MultichannelConfig (channel order, channel count, ...) of more than two channels with no
    // OpusHead: its packets hold several Opus streams, which a stereo header cannot describe.
    DropAudioBecause("Opus with " + std::to_string(tag->payload[1]) +
                     " channels and no OpusHead cannot be described");
    audio_refused_ = true;
    return OkStatus();
  }
  if (tag->codec == CodecId::kMp3 && (!t.configured || t.info.codec != CodecId::kMp3)) {
    if (tag->kind != flv::TagKind::kFrame)
      return OkStatus();  // an E-RTMP '.mp3' sequence start or end: nothing to configure
    // No sequence header: the first frame's header is the configuration, as in the TS ingest
    // (later frames are passed on as they are: a damaged header does not reconfigure the track).
    if (auto header = mpeg_audio::ParseFrameHeader(tag->payload)) {
      if (header->layer != 3) {
        DropAudio("MPEG audio layer " + std::to_string(header->layer));
        return OkStatus();
      }
      TrackInfo info = t.info;
      info.codec = CodecId::kMp3;
      info.extradata.clear();
      info.sample_rate = header->sample_rate;
      info.channels = header->channels;
      Announce(t, std::move(info));
    }
  }
  if (tag->kind == flv::TagKind::kConfig)
    return Configure(t, tag->codec, tag->payload);
  if (tag->kind != flv::TagKind::kFrame)
    return OkStatus();
  if (!t.configured || t.info.codec != tag->codec) {
    ++stats_.dropped_before_config;
    return OkStatus();
  }
  const int64_t dts = MapDts(t, t.clock.Unwrap(timestamp)).second;
  ++stats_.audio_packets;
  sink_.OnPacket(Packet(t.info.id, MediaKind::kAudio, tag->codec,
                        std::vector<uint8_t>(tag->payload.begin(), tag->payload.end()), dts, dts,
                        kMillis, true));
  return OkStatus();
}

}  // namespace strait::transport::rtmp
