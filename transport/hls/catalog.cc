#include "transport/hls/catalog.h"

namespace strait::transport::hls {

namespace {
RenditionOptions WithDeadlines(RenditionOptions o, std::shared_ptr<Deadlines> d) {
  if (!o.deadlines)
    o.deadlines = std::move(d);
  return o;
}
}  // namespace

Catalog::Catalog(RenditionOptions defaults, HlsVariants variants)
    : deadlines_(std::make_shared<Deadlines>()),
      defaults_(WithDeadlines(std::move(defaults), deadlines_)),
      variants_(variants) {}

std::shared_ptr<Stream> Catalog::Add(const std::string& name, std::optional<HlsVariants> variants) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  if (it != streams_.end())
    return it->second;
  auto stream = std::make_shared<Stream>(name, defaults_, variants.value_or(variants_));
  streams_.emplace(name, stream);
  return stream;
}

std::shared_ptr<Stream> Catalog::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second;
}

bool Catalog::Remove(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = streams_.find(name);
  if (it == streams_.end())
    return false;
  streams_.erase(it);
  return true;
}

std::vector<std::string> Catalog::Names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, stream] : streams_)
    names.push_back(name);
  return names;
}

}  // namespace strait::transport::hls
