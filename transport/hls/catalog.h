// Catalog: thread-safe map from public stream name to its HLS Stream, so the HTTP handler can
// resolve /live/{name}/... The pipeline registers every configured stream at start (they exist,
// and answer 404, even when not live) and may add or remove dynamic ones later.
//
// Threads: every method is safe from any thread. Streams are shared_ptr-held so that an HTTP
// request that found a stream keeps it alive while the pipeline removes it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "transport/hls/stream.h"

namespace strait::transport::hls {

class Catalog {
 public:
  explicit Catalog(RenditionOptions defaults = {}) : defaults_(std::move(defaults)) {}

  // Returns the stream `name`, creating it if needed (with the catalog's default options).
  std::shared_ptr<Stream> Add(const std::string& name);
  std::shared_ptr<Stream> Find(std::string_view name) const;  // null if unknown
  bool Remove(std::string_view name);
  std::vector<std::string> Names() const;

 private:
  const RenditionOptions defaults_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Stream>, std::less<>> streams_;
};

}  // namespace strait::transport::hls
