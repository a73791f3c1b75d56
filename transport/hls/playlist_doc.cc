#include "transport/hls/playlist_doc.h"

#include <zlib.h>

#include <cstdio>

namespace strait::transport::hls {

std::string ETagOf(const std::vector<uint8_t>& bytes) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 1099511628211ull;
  }
  char out[24];
  std::snprintf(out, sizeof(out), "\"%016llx\"", static_cast<unsigned long long>(h));
  return out;
}

std::shared_ptr<const std::vector<uint8_t>> Gzip(const std::vector<uint8_t>& in) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return nullptr;
  std::vector<uint8_t> out(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END)
    return nullptr;
  out.resize(n);
  return std::make_shared<const std::vector<uint8_t>>(std::move(out));
}

std::shared_ptr<const PlaylistDoc> MakePlaylistDoc(std::string_view text) {
  auto doc = std::make_shared<PlaylistDoc>();
  doc->body = std::make_shared<const std::vector<uint8_t>>(text.begin(), text.end());
  doc->etag = ETagOf(*doc->body);
  if (text.size() > 200) {  // smaller ones gain nothing
    doc->gzip = Gzip(*doc->body);
    if (doc->gzip) {
      doc->gzip_etag = doc->etag;
      doc->gzip_etag.insert(doc->gzip_etag.size() - 1, "-gz");
    }
  }
  return doc;
}

}  // namespace strait::transport::hls
