#include "transport/hls/http_handler.h"

#include <zlib.h>

#include <charconv>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strait::transport::hls {
namespace {

constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";
constexpr std::string_view kSegmentType = "video/mp2t";
constexpr std::string_view kLivePrefix = "/live/";

http::Response NotFound(std::string_view what) {
  http::Response r = http::Response::Text(404, std::string(what) + "\n");
  r.cache_control = "max-age=1";  // a CDN retries soon: the stream or segment may appear
  return r;
}

// A strong validator for a playlist: FNV-1a 64 of its bytes.
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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

// If-None-Match: "*" or a list of (possibly weak) tags; weak comparison (RFC 9110 13.1.2).
bool NoneMatchHits(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view tag = Trim(header.substr(0, comma));
    if (tag.starts_with("W/"))
      tag.remove_prefix(2);
    if (tag == "*" || tag == etag)
      return true;
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<uint64_t> Number(std::string_view s) {
  uint64_t n = 0;
  if (s.empty() || s.size() > 20)  // from_chars rejects what overflows uint64
    return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size())
    return std::nullopt;
  return n;
}

// One byte range "bytes=A-B", "bytes=A-" or "bytes=-N" (RFC 9110 14.1.2). Anything else (several
// ranges, other units, bad syntax) is ignored: the whole object is sent.
void ApplyRange(std::string_view header, http::Response& r) {
  const uint64_t size = r.body->size();
  header = Trim(header);
  if (!header.starts_with("bytes=") || header.find(',') != std::string_view::npos)
    return;
  header.remove_prefix(6);
  const size_t dash = header.find('-');
  if (dash == std::string_view::npos)
    return;
  const std::string_view a = Trim(header.substr(0, dash)), b = Trim(header.substr(dash + 1));
  uint64_t first = 0, last = size ? size - 1 : 0;
  if (a.empty()) {  // the last N bytes
    const std::optional<uint64_t> n = Number(b);
    if (!n)
      return;
    if (*n == 0)
      first = size;  // unsatisfiable
    else
      first = size > *n ? size - *n : 0;
  } else {
    const std::optional<uint64_t> x = Number(a);
    const std::optional<uint64_t> y = b.empty() ? std::optional<uint64_t>(last) : Number(b);
    if (!x || !y || (*y < *x && *x < size))
      return;
    first = *x;
    last = std::min(*y, last);
  }
  if (first >= size) {
    r.status = 416;
    r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
    r.body = nullptr;
    return;
  }
  r.status = 206;
  r.headers.emplace_back("Content-Range", "bytes " + std::to_string(first) + "-" +
                                              std::to_string(last) + "/" + std::to_string(size));
  r.body = std::make_shared<const std::vector<uint8_t>>(r.body->begin() + first,
                                                        r.body->begin() + last + 1);
}

// True when the Accept-Encoding header accepts gzip (q=0 refuses it).
bool AcceptsGzip(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = Trim(header.substr(0, comma));
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    if (coding == "gzip" || coding == "x-gzip" || coding == "*") {
      const std::string_view params = semi == std::string_view::npos ? "" : item.substr(semi + 1);
      const size_t q = params.find("q=");
      return q == std::string_view::npos ||
             Trim(params.substr(q + 2)).find_first_not_of("0.") != std::string_view::npos;
    }
    if (comma == std::string_view::npos)
      break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// gzip (RFC 1952) of a playlist; null if zlib fails.
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

// Validators, ranges and compression on a 200: ETag, 304 for a matching If-None-Match, 206/416
// for a Range (segments only: playlists are small and change), gzip for playlists when accepted
// (its own ETag: another representation). A segment's URI never names other bytes (media sequence
// numbers are not reused), so its name and size make its tag without hashing it.
http::Response Conditional(const http::Request& request,
                           http::Response r,
                           std::string_view segment_name) {
  if (r.status != 200 || !r.body)
    return r;
  const bool segment = !segment_name.empty();
  const bool gzip =
      !segment && r.body->size() > 200 && AcceptsGzip(request.Header("Accept-Encoding"));
  std::string etag;
  if (segment) {
    etag.append("\"").append(segment_name).append("-");
    etag.append(std::to_string(r.body->size())).append("\"");
    r.headers.emplace_back("Accept-Ranges", "bytes");
  } else {
    etag = ETagOf(*r.body);
    if (gzip)
      etag.insert(etag.size() - 1, "-gz");
    r.headers.emplace_back("Vary", "Accept-Encoding");
  }
  r.headers.emplace_back("ETag", etag);
  if (const std::string_view inm = request.Header("If-None-Match");
      !inm.empty() && NoneMatchHits(inm, etag)) {
    r.status = 304;
    r.body = nullptr;
    return r;
  }
  if (const std::string_view range = request.Header("Range"); segment && !range.empty())
    ApplyRange(range, r);
  if (gzip) {
    if (auto gz = Gzip(*r.body)) {
      r.body = std::move(gz);
      r.headers.emplace_back("Content-Encoding", "gzip");
    } else {
      r.headers.back().second = ETagOf(*r.body);  // sent as is after all
    }
  }
  return r;
}

std::vector<std::string_view> SplitPath(std::string_view rest) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t slash = rest.find('/');
    parts.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos)
      break;
    rest.remove_prefix(slash + 1);
  }
  return parts;
}

// "seg{N}.ts" with N canonical decimal (no sign, no leading zeros, fits in uint64).
std::optional<uint64_t> ParseSegmentName(std::string_view file) {
  if (file.size() < 7 || !file.starts_with("seg") || !file.ends_with(".ts"))
    return std::nullopt;
  const std::string_view digits = file.substr(3, file.size() - 6);
  if (digits.size() > 1 && digits[0] == '0')
    return std::nullopt;
  return Number(digits);
}

bool IsHlsFile(std::string_view file) {
  return file == "master.m3u8" || file == "playlist.m3u8" ||
         (file.starts_with("seg") && file.ends_with(".ts"));
}

http::Response Serve(const Stream& stream, const std::vector<std::string_view>& parts) {
  if (parts.size() == 2) {
    if (parts[1] != "master.m3u8")
      return NotFound("not found");
    auto body = stream.MasterPlaylistBody();
    if (!body)
      return NotFound("stream not live");
    http::Response r = http::Response::Bytes(200, std::move(body), std::string(kPlaylistType));
    r.cache_control = "max-age=2";
    return r;
  }
  const Rendition* rendition = stream.FindRendition(parts[1]);
  if (!rendition)
    return NotFound("unknown rendition");
  if (parts[2] == "playlist.m3u8") {
    auto body = rendition->PlaylistBody();
    if (!body)
      return NotFound("stream not live");
    const bool ended = rendition->ended();
    http::Response r = http::Response::Bytes(200, std::move(body), std::string(kPlaylistType));
    r.cache_control = ended ? "max-age=10" : "max-age=1";
    return r;
  }
  const std::optional<uint64_t> sequence = ParseSegmentName(parts[2]);
  if (!sequence)
    return NotFound("not found");
  auto bytes = rendition->Segment(*sequence);
  if (!bytes)
    return NotFound("segment not found");
  http::Response r = http::Response::Bytes(200, std::move(bytes), std::string(kSegmentType));
  r.cache_control = "public, max-age=31536000, immutable";
  return r;
}

}  // namespace

http::Response HandleHlsRequest(const Catalog& catalog, const http::Request& request) {
  std::string_view path = request.path;
  if (!path.starts_with(kLivePrefix))
    return NotFound("not found");
  path.remove_prefix(kLivePrefix.size());
  const std::vector<std::string_view> parts = SplitPath(path);
  const bool shape_ok = (parts.size() == 2 && parts[1] == "master.m3u8") ||
                        (parts.size() == 3 && !parts[1].empty() && IsHlsFile(parts[2]));
  if (!shape_ok || parts[0].empty())
    return NotFound("not found");
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = http::Response::Text(405, "method not allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  const std::shared_ptr<Stream> stream = catalog.Find(parts[0]);
  if (!stream)
    return NotFound("unknown stream");
  const bool segment = parts.size() == 3 && parts[2] != "playlist.m3u8";
  return Conditional(request, Serve(*stream, parts), segment ? parts[2] : std::string_view());
}

http::Handler MakeHlsHandler(const Catalog& catalog) {
  return [&catalog](const http::Request& request, http::Reply reply) {
    reply(HandleHlsRequest(catalog, request));
  };
}

}  // namespace strait::transport::hls
