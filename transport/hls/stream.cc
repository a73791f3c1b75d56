#include "transport/hls/stream.h"

#include <algorithm>
#include <fstream>

namespace strait::transport::hls {

Stream::Stream(std::string name, RenditionOptions defaults, HlsVariants variants)
    : name_(std::move(name)), defaults_(std::move(defaults)), variants_(variants) {}

std::vector<Rendition*> Stream::AddOutputs(const std::string& name) {
  RenditionOptions o = defaults_;
  std::vector<Rendition*> out;
  if (variants_ != HlsVariants::kTs) {
    o.format = SegmentFormat::kCmaf;
    out.push_back(&AddRendition(name, o));
  }
  if (variants_ != HlsVariants::kLowLatencyCmaf) {
    o.format = SegmentFormat::kTs;
    out.push_back(&AddRendition(variants_ == HlsVariants::kBoth ? name + "-ts" : name, o));
  }
  return out;
}

std::vector<RenditionReport> Stream::ReportsExcept(const std::string& name) const {
  std::vector<RenditionReport> out;
  std::lock_guard lock(mu_);
  for (const auto& r : renditions_) {
    if (r->name() == name || r->format() != SegmentFormat::kCmaf)
      continue;
    if (std::optional<RenditionReport> report = r->Report())
      out.push_back(std::move(*report));
  }
  return out;
}

Rendition& Stream::AddRendition(const std::string& name) {
  return AddRendition(name, defaults_);
}

Rendition& Stream::AddRendition(const std::string& name, RenditionOptions options) {
  std::lock_guard lock(mu_);
  for (const auto& r : renditions_) {
    if (r->name() == name)
      return *r;
  }
  std::function<std::vector<RenditionReport>()> reports;
  if (options.format == SegmentFormat::kCmaf)
    reports = [this, name] { return ReportsExcept(name); };
  auto rendition = std::make_unique<Rendition>(
      name_, name, std::move(options), [this] { RenderMaster(); }, std::move(reports));
  // Under mu_, but safe: nothing else holds the new rendition's writer lock, and with nothing
  // published it does not publish (which would call back into the Stream).
  for (const DateRange& range : date_ranges_)
    rendition->AddDateRange(range);
  renditions_.push_back(std::move(rendition));
  return *renditions_.back();
}

void Stream::AddDateRange(DateRange range) {
  std::vector<Rendition*> all;
  {
    std::lock_guard lock(mu_);
    if (range.id.empty())
      return;
    for (const DateRange& r : date_ranges_) {
      if (r.id == range.id)
        return;
    }
    date_ranges_.push_back(range);
    if (date_ranges_.size() > Rendition::kMaxDateRanges)
      date_ranges_.pop_front();
    for (const auto& r : renditions_)
      all.push_back(r.get());
  }
  // Outside mu_: a rendition that publishes calls back into the Stream (master, reports).
  for (Rendition* r : all)
    r->AddDateRange(range);
}

void Stream::EndDateRange(const std::string& id, int64_t end_90k) {
  std::vector<Rendition*> all;
  {
    std::lock_guard lock(mu_);
    for (DateRange& r : date_ranges_) {
      if (r.id == id && !r.end_90k)
        r.end_90k = end_90k;
    }
    for (const auto& r : renditions_)
      all.push_back(r.get());
  }
  for (Rendition* r : all)
    r->EndDateRange(id, end_90k);
}

Rendition* Stream::FindRendition(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const auto& r : renditions_) {
    if (r->name() == name)
      return r.get();
  }
  return nullptr;
}

std::vector<std::string> Stream::RenditionNames() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& r : renditions_)
    names.push_back(r->name());
  return names;
}

namespace {
size_t Index(SegmentFormat f) {
  return f == SegmentFormat::kCmaf ? 1 : 0;
}
}  // namespace

std::shared_ptr<const std::string> Stream::MasterPlaylist() const {
  std::lock_guard lock(mu_);
  return master_text_[1] ? master_text_[1] : master_text_[0];
}

std::shared_ptr<const std::vector<uint8_t>> Stream::MasterPlaylistBody() const {
  const std::shared_ptr<const PlaylistDoc> doc = MasterDocument();
  return doc ? doc->body : nullptr;
}

std::shared_ptr<const PlaylistDoc> Stream::MasterDocument() const {
  std::lock_guard lock(mu_);
  return master_[1] ? master_[1] : master_[0];
}

std::shared_ptr<const PlaylistDoc> Stream::MasterDocument(SegmentFormat format) const {
  std::lock_guard lock(mu_);
  return master_[Index(format)];
}

std::optional<int64_t> Stream::ContinuationPoint() const {
  std::optional<int64_t> out;
  std::lock_guard lock(mu_);
  for (const auto& r : renditions_) {
    if (const std::optional<int64_t> at = r->ContinuationPoint())
      out = std::max(out.value_or(*at), *at);
  }
  return out;
}

void Stream::Clear() {
  std::vector<Rendition*> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : renditions_)
      all.push_back(r.get());
  }
  for (Rendition* r : all)
    r->Clear();
}

void Stream::RenderMaster() {
  std::lock_guard render_lock(render_mu_);
  std::vector<Rendition*> all;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : renditions_)
      all.push_back(r.get());
  }
  std::shared_ptr<const std::string> texts[2];
  bool hold[2] = {false, false};
  for (const SegmentFormat format : {SegmentFormat::kTs, SegmentFormat::kCmaf}) {
    // Audio-only renditions beside video-only ones form an audio group; anything else is listed
    // as variants of their own.
    std::vector<VariantInfo> variants, video_only, audio_only;
    std::vector<Rendition*> audio_renditions;
    std::optional<std::chrono::system_clock::time_point> video_start;  // earliest window start
    bool audio_pending = false;
    uint64_t video_segments = 0, audio_segments = 0;
    for (Rendition* r : all) {
      if (r->format() != format)
        continue;
      audio_pending |= r->AudioPending();
      if (std::optional<VariantInfo> v = r->Variant()) {
        if (v->has_video) {
          const RenditionStats stats = r->Stats();
          if (stats.window_start && (!video_start || *stats.window_start < *video_start))
            video_start = stats.window_start;
          if (!v->has_audio) {
            video_only.push_back(*v);
            video_segments = std::max(video_segments, stats.segments_total);
          }
        } else if (v->has_audio) {
          audio_only.push_back(*v);
          audio_renditions.push_back(r);
          audio_segments = std::max(audio_segments, r->Stats().segments_total);
        }
        variants.push_back(std::move(*v));
      }
    }
    // The audio group covers what the video renditions list (see Rendition::KeepFrom).
    if (video_start) {
      for (Rendition* r : audio_renditions)
        r->KeepFrom(*video_start);
    }
    // Video-only renditions wait for their audio group: the master is what it was (none at the
    // start of a publish) until the audio rendition's first segment — for a few segments at
    // most (an audio track that never sends a frame must not keep the stream off the air).
    if (audio_pending && audio_only.empty() && !video_only.empty() &&
        video_segments < kMaxSegmentsWaitingForAudio) {
      hold[Index(format)] = true;
      continue;
    }
    // The same the other way: audio alone while the video renditions (created at the first
    // decoded picture) have no segment yet.
    if (video_expected_.load() && video_only.empty() && !audio_only.empty() &&
        audio_only.size() == variants.size() && audio_segments < kMaxSegmentsWaitingForAudio) {
      hold[Index(format)] = true;
      continue;
    }
    const bool grouped = !audio_only.empty() && !video_only.empty() &&
                         video_only.size() + audio_only.size() == variants.size();
    if (!variants.empty()) {
      texts[Index(format)] = std::make_shared<const std::string>(
          grouped ? RenderMasterPlaylist(video_only, audio_only) : RenderMasterPlaylist(variants));
    }
  }
  auto same = [](const std::shared_ptr<const std::string>& a,
                 const std::shared_ptr<const std::string>& b) {
    return (a == nullptr) == (b == nullptr) && (!a || *a == *b);
  };
  bool changed[2] = {false, false};
  bool primary_changed = false;
  {
    std::lock_guard lock(mu_);
    const bool had_cmaf = master_text_[1] != nullptr;
    for (size_t i = 0; i < 2; ++i) {
      if (hold[i])
        texts[i] = master_text_[i];
      if (same(master_text_[i], texts[i]))
        continue;
      changed[i] = true;
      master_text_[i] = texts[i];
      master_[i] = texts[i] ? MakePlaylistDoc(*texts[i]) : nullptr;
    }
    primary_changed =
        changed[1] || (changed[0] && !master_text_[1]) || had_cmaf != (master_text_[1] != nullptr);
  }
  const bool cmaf = texts[1] != nullptr;
  if (primary_changed)
    WriteMaster("master.m3u8", cmaf ? texts[1] : texts[0]);
  if (changed[0] && (cmaf || variants_ == HlsVariants::kBoth))
    WriteMaster("master-ts.m3u8", texts[0]);
}

void Stream::WriteMaster(const std::string& file, const std::shared_ptr<const std::string>& text) {
  if (defaults_.observer) {
    defaults_.observer->OnObject(
        name_ + "/" + file,
        text ? std::make_shared<const std::vector<uint8_t>>(text->begin(), text->end()) : nullptr);
  }
  if (defaults_.data_dir.empty())
    return;
  // Best effort, like the media playlists: memory is the source of truth for HTTP.
  const std::filesystem::path dir =
      defaults_.flat_dir ? defaults_.data_dir : defaults_.data_dir / "live" / name_;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!text) {
    std::filesystem::remove(dir / file, ec);
    return;
  }
  {
    std::ofstream out(dir / (file + ".tmp"), std::ios::binary | std::ios::trunc);
    out << *text;
  }
  std::filesystem::rename(dir / (file + ".tmp"), dir / file, ec);
}

}  // namespace strait::transport::hls
