#include "transport/hls/stream.h"

#include <fstream>

namespace strait::transport::hls {

Stream::Stream(std::string name, RenditionOptions defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {}

Rendition& Stream::AddRendition(const std::string& name) {
  return AddRendition(name, defaults_);
}

Rendition& Stream::AddRendition(const std::string& name, RenditionOptions options) {
  std::lock_guard lock(mu_);
  for (const auto& r : renditions_) {
    if (r->name() == name)
      return *r;
  }
  renditions_.push_back(
      std::make_unique<Rendition>(name_, name, std::move(options), [this] { RenderMaster(); }));
  return *renditions_.back();
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

std::shared_ptr<const std::string> Stream::MasterPlaylist() const {
  std::lock_guard lock(mu_);
  return master_;
}

std::shared_ptr<const std::vector<uint8_t>> Stream::MasterPlaylistBody() const {
  std::lock_guard lock(mu_);
  return master_body_;
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
  // Audio-only renditions beside video-only ones form an audio group; anything else is listed
  // as variants of their own.
  std::vector<VariantInfo> variants, video_only, audio_only;
  for (Rendition* r : all) {
    if (std::optional<VariantInfo> v = r->Variant()) {
      if (v->has_video && !v->has_audio)
        video_only.push_back(*v);
      else if (!v->has_video && v->has_audio)
        audio_only.push_back(*v);
      variants.push_back(std::move(*v));
    }
  }
  const bool grouped = !audio_only.empty() && !video_only.empty() &&
                       video_only.size() + audio_only.size() == variants.size();
  std::shared_ptr<const std::string> text;
  std::shared_ptr<const std::vector<uint8_t>> body;
  if (!variants.empty()) {
    text = std::make_shared<const std::string>(
        grouped ? RenderMasterPlaylist(video_only, audio_only) : RenderMasterPlaylist(variants));
    body = std::make_shared<const std::vector<uint8_t>>(text->begin(), text->end());
  }
  {
    std::lock_guard lock(mu_);
    if ((master_ == nullptr) == (text == nullptr) && (!text || *master_ == *text))
      return;
    master_ = text;
    master_body_ = body;
  }
  if (defaults_.observer)
    defaults_.observer->OnObject(name_ + "/master.m3u8", body);
  if (!defaults_.data_dir.empty()) {
    // Best effort, like the media playlists: memory is the source of truth for HTTP.
    const std::filesystem::path dir =
        defaults_.flat_dir ? defaults_.data_dir : defaults_.data_dir / "live" / name_;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (!text) {
      std::filesystem::remove(dir / "master.m3u8", ec);
      return;
    }
    {
      std::ofstream out(dir / "master.m3u8.tmp", std::ios::binary | std::ios::trunc);
      out << *text;
    }
    std::filesystem::rename(dir / "master.m3u8.tmp", dir / "master.m3u8", ec);
  }
}

}  // namespace strait::transport::hls
