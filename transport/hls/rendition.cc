#include "transport/hls/rendition.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <system_error>

namespace strait::transport::hls {
namespace {

Status WriteFileAtomically(const std::filesystem::path& path, const void* data, size_t size) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return Error("cannot open " + tmp.string());
    out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out)
      return Error("cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return Error("cannot rename " + tmp.string() + ": " + ec.message());
  return OkStatus();
}

std::string SegmentName(uint64_t sequence) {
  return "seg" + std::to_string(sequence) + ".ts";
}

}  // namespace

Rendition::Rendition(std::string stream_name,
                     std::string name,
                     RenditionOptions options,
                     std::function<void()> on_change)
    : stream_name_(std::move(stream_name)),
      name_(std::move(name)),
      options_(std::move(options)),
      on_change_(std::move(on_change)),
      next_sequence_(options_.first_sequence) {}

void Rendition::BeginPublish(VariantInfo variant) {
  variant.uri = name_ + "/playlist.m3u8";
  base_variant_ = std::move(variant);
  if (segments_total_ > 0)
    pending_discontinuity_ = true;
  writer_ended_ = false;
  if (!window_.empty())
    (void)Publish(nullptr, 0);
}

void Rendition::EndPublish() {
  writer_ended_ = true;
  if (!window_.empty())
    (void)Publish(nullptr, 0);
}

void Rendition::Clear() {
  window_.clear();
  writer_ended_ = false;
  pending_discontinuity_ = segments_total_ > 0;
  (void)Publish(nullptr, 0);
}

Status Rendition::AddSegment(SegmentData segment) {
  if (!segment.bytes)
    return Error("hls: segment without bytes");
  const uint64_t sequence = next_sequence_++;
  WindowEntry w;
  w.entry.sequence = sequence;
  w.entry.duration_s = segment.duration_s;
  w.entry.discontinuity = pending_discontinuity_;
  w.entry.program_date_time = segment.program_date_time;
  w.entry.bytes = segment.bytes->size();
  w.video_frames = segment.video_frames;
  pending_discontinuity_ = false;
  window_.push_back(w);
  while (window_.size() > std::max<size_t>(options_.window_segments, 1)) {
    if (window_.front().entry.discontinuity)
      ++discontinuity_sequence_;
    window_.pop_front();
  }
  // Rounded to the millisecond as written in EXTINF, so 2.0004 s does not advertise 3.
  const int64_t ms = std::llround(segment.duration_s * 1000.0);
  target_duration_s_ = std::max<int>(target_duration_s_, static_cast<int>((ms + 999) / 1000));
  ++segments_total_;
  bytes_total_ += segment.bytes->size();
  if (Status s = Publish(&segment, sequence); !s) {
    return s.error().Context("hls " + stream_name_ + "/" + name_ + ": data dir");
  }
  return OkStatus();
}

RenditionStats Rendition::ComputeStats() const {
  RenditionStats s;
  s.live = !window_.empty();
  s.ended = writer_ended_ && s.live;
  s.media_sequence = window_.empty() ? next_sequence_ : window_.front().entry.sequence;
  s.next_sequence = next_sequence_;
  s.segments_total = segments_total_;
  s.bytes_total = bytes_total_;
  s.target_duration_s = target_duration_s_;
  double total_s = 0, total_bits = 0, frames = 0;
  for (const WindowEntry& w : window_) {
    const double bits = static_cast<double>(w.entry.bytes) * 8.0;
    if (w.entry.duration_s > 0) {
      s.peak_bps = std::max<int64_t>(s.peak_bps, std::llround(bits / w.entry.duration_s));
    }
    total_s += w.entry.duration_s;
    total_bits += bits;
    frames += w.video_frames;
  }
  if (total_s > 0) {
    s.average_bps = std::llround(total_bits / total_s);
    s.frame_rate = std::round(frames / total_s * 1000.0) / 1000.0;
  }
  return s;
}

Status Rendition::Publish(const SegmentData* added, uint64_t sequence) {
  std::shared_ptr<const std::string> text;
  std::shared_ptr<const std::vector<uint8_t>> body;
  std::optional<VariantInfo> variant;
  if (!window_.empty()) {
    MediaPlaylist p;
    p.target_duration_s = std::max(target_duration_s_, 1);
    p.discontinuity_sequence = discontinuity_sequence_;
    p.ended = writer_ended_;
    for (const WindowEntry& w : window_)
      p.segments.push_back(w.entry);
    auto rendered = std::make_shared<const std::string>(RenderMediaPlaylist(p));
    body = std::make_shared<const std::vector<uint8_t>>(rendered->begin(), rendered->end());
    text = std::move(rendered);
  }
  RenditionStats stats = ComputeStats();
  if (stats.live && base_variant_) {
    variant = base_variant_;
    variant->bandwidth = stats.peak_bps;
    variant->average_bandwidth = stats.average_bps;
    if (variant->frame_rate <= 0 && variant->width > 0)
      variant->frame_rate = stats.frame_rate;
  }
  std::vector<uint64_t> dropped;
  Status status;
  {
    std::lock_guard lock(mu_);
    if (added) {
      held_.push_back({sequence, added->bytes});
      bytes_held_ += added->bytes->size();
    }
    const size_t max_held = std::max<size_t>(options_.window_segments, 1) + options_.extra_segments;
    while (!held_.empty() &&
           (held_.size() > max_held || (bytes_held_ > options_.max_bytes && held_.size() > 1) ||
            window_.empty())) {
      bytes_held_ -= held_.front().bytes->size();
      dropped.push_back(held_.front().sequence);
      held_.pop_front();
    }
    stats.segments_held = held_.size();
    stats.bytes_held = bytes_held_;
    playlist_ = std::move(text);
    playlist_body_ = std::move(body);
    variant_ = std::move(variant);
    stats_ = stats;
  }
  if (!options_.data_dir.empty()) {
    static const SegmentData kNone;
    const std::string playlist = playlist_ ? *Playlist() : std::string();
    status = WriteFiles(added ? *added : kNone, added ? sequence : 0, dropped, playlist);
  }
  if (options_.observer) {
    const std::string dir = stream_name_ + "/" + name_ + "/";
    if (added)
      options_.observer->OnObject(dir + SegmentName(sequence), added->bytes);
    options_.observer->OnObject(dir + "playlist.m3u8", PlaylistBody());
    for (uint64_t seq : dropped)
      options_.observer->OnObject(dir + SegmentName(seq), nullptr);
  }
  if (on_change_)
    on_change_();
  return status;
}

std::filesystem::path Rendition::Dir() const {
  return options_.flat_dir ? options_.data_dir / name_
                           : options_.data_dir / "live" / stream_name_ / name_;
}

Status Rendition::WriteFiles(const SegmentData& segment,
                             uint64_t sequence,
                             const std::vector<uint64_t>& dropped,
                             const std::string& playlist) {
  const std::filesystem::path dir = Dir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Error("hls: cannot create " + dir.string() + ": " + ec.message());
  Status status;
  if (segment.bytes) {
    status = WriteFileAtomically(dir / SegmentName(sequence), segment.bytes->data(),
                                 segment.bytes->size());
  }
  if (playlist.empty()) {
    std::filesystem::remove(dir / "playlist.m3u8", ec);
  } else if (Status s =
                 WriteFileAtomically(dir / "playlist.m3u8", playlist.data(), playlist.size());
             !s && status) {
    status = s;
  }
  for (uint64_t seq : dropped)
    std::filesystem::remove(dir / SegmentName(seq), ec);
  return status;
}

std::shared_ptr<const std::string> Rendition::Playlist() const {
  std::lock_guard lock(mu_);
  return playlist_;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::PlaylistBody() const {
  std::lock_guard lock(mu_);
  return playlist_body_;
}

std::shared_ptr<const std::vector<uint8_t>> Rendition::Segment(uint64_t sequence) const {
  std::lock_guard lock(mu_);
  for (const Held& h : held_) {
    if (h.sequence == sequence)
      return h.bytes;
  }
  return nullptr;
}

std::optional<VariantInfo> Rendition::Variant() const {
  std::lock_guard lock(mu_);
  return variant_;
}

bool Rendition::ended() const {
  std::lock_guard lock(mu_);
  return stats_.ended;
}

RenditionStats Rendition::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace strait::transport::hls
