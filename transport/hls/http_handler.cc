#include "transport/hls/http_handler.h"

#include <charconv>
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
  return http::Response::Text(404, std::string(what) + "\n");
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
  if (digits.empty() || digits.size() > 20 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size())
    return std::nullopt;
  return n;
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
  return Serve(*stream, parts);
}

http::Handler MakeHlsHandler(const Catalog& catalog) {
  return [&catalog](const http::Request& request, http::Reply reply) {
    reply(HandleHlsRequest(catalog, request));
  };
}

}  // namespace strait::transport::hls
