// PlaylistDoc: one rendered playlist as HTTP serves it — the bytes, a strong ETag, and a gzip copy
// with its own ETag — built once per change on the writer's thread and shared by every request
// (blocking reloads woken together send the same bytes without hashing or compressing them again).
// Immutable once built; safe to share across threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strait::transport::hls {

struct PlaylistDoc {
  std::shared_ptr<const std::vector<uint8_t>> body;
  std::string etag;                                  // "\"{fnv64 hex}\""
  std::shared_ptr<const std::vector<uint8_t>> gzip;  // null when not worth it (small) or failed
  std::string gzip_etag;                             // "\"{fnv64 hex}-gz\""
};

std::shared_ptr<const PlaylistDoc> MakePlaylistDoc(std::string_view text);
// A strong validator: FNV-1a 64 of the bytes, quoted.
std::string ETagOf(const std::vector<uint8_t>& bytes);
// gzip (RFC 1952); null if zlib fails.
std::shared_ptr<const std::vector<uint8_t>> Gzip(const std::vector<uint8_t>& in);

}  // namespace strait::transport::hls
