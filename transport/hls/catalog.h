// Catalog: thread-safe map from public stream name to its HLS Stream, so the HTTP handler can
// resolve /live/{name}/... The pipeline registers every configured stream at start (they exist,
// and answer 404, even when not live) and may add or remove dynamic ones later. It also owns the
// timer that answers held (blocking) requests that time out.
//
// Threads: every method is safe from any thread. Streams are shared_ptr-held so that an HTTP
// request that found a stream keeps it alive while the pipeline removes it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "transport/hls/deadlines.h"
#include "transport/hls/stream.h"

namespace strait::transport::hls {

class Catalog {
 public:
  // Streams get the catalog's timer for their reconnect grace windows.
  explicit Catalog(RenditionOptions defaults = {}, HlsVariants variants = HlsVariants::kTs);

  // Returns the stream `name`, creating it if needed (with the catalog's default options; its
  // own variants when given).
  std::shared_ptr<Stream> Add(const std::string& name,
                              std::optional<HlsVariants> variants = std::nullopt);
  std::shared_ptr<Stream> Find(std::string_view name) const;  // null if unknown
  bool Remove(std::string_view name);
  std::vector<std::string> Names() const;
  Deadlines& deadlines() const { return *deadlines_; }

 private:
  const std::shared_ptr<Deadlines> deadlines_;  // shared with the streams' renditions
  const RenditionOptions defaults_;
  const HlsVariants variants_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Stream>, std::less<>> streams_;
};

}  // namespace strait::transport::hls
