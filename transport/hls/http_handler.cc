#include "transport/hls/http_handler.h"

#include <atomic>
#include <charconv>
#include <cstdio>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strait::transport::hls {
namespace {

constexpr std::string_view kPlaylistType = "application/vnd.apple.mpegurl";
constexpr std::string_view kSegmentType = "video/mp2t";
constexpr std::string_view kMp4Type = "video/mp4";
constexpr std::string_view kAudioMp4Type = "audio/mp4";  // an audio-only rendition's (RFC 4337)
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kLivePrefix = "/live/";

http::Response NotFound(std::string_view what) {
  http::Response r = http::Response::Text(404, std::string(what) + "\n");
  r.cache_control = "max-age=1";  // a CDN retries soon: the stream or segment may appear
  return r;
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

// Validators, ranges and compression on a 200: ETag, 304 for a matching If-None-Match, 206/416
// for a Range (media only: playlists are small and change), gzip for playlists when accepted
// (its own ETag: another representation). A media URI never names other bytes (sequence numbers
// are not reused), so its name and size make its tag without hashing it.
http::Response ConditionalMedia(const http::Request& request,
                                http::Response r,
                                std::string_view name) {
  if (r.status != 200 || !r.body)
    return r;
  std::string etag;
  etag.append("\"").append(name).append("-").append(std::to_string(r.body->size())).append("\"");
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.headers.emplace_back("ETag", etag);
  if (const std::string_view inm = request.Header("If-None-Match");
      !inm.empty() && NoneMatchHits(inm, etag)) {
    r.status = 304;
    r.body = nullptr;
    return r;
  }
  if (const std::string_view range = request.Header("Range"); !range.empty())
    ApplyRange(range, r);
  return r;
}

http::Response PlaylistResponse(const http::Request& request,
                                const PlaylistDoc& doc,
                                std::string cache_control) {
  const bool gzip = doc.gzip && AcceptsGzip(request.Header("Accept-Encoding"));
  http::Response r =
      http::Response::Bytes(200, gzip ? doc.gzip : doc.body, std::string(kPlaylistType));
  r.cache_control = std::move(cache_control);
  const std::string& etag = gzip ? doc.gzip_etag : doc.etag;
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.headers.emplace_back("ETag", etag);
  if (gzip)
    r.headers.emplace_back("Content-Encoding", "gzip");
  if (const std::string_view inm = request.Header("If-None-Match");
      !inm.empty() && NoneMatchHits(inm, etag)) {
    r.status = 304;
    r.body = nullptr;
  }
  return r;
}

http::Response BadRequest(std::string_view what) {
  http::Response r = http::Response::Text(400, std::string(what) + "\n");
  r.cache_control = "no-store";
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

// Canonical decimal: no sign, no leading zeros, fits in uint64.
std::optional<uint64_t> Canonical(std::string_view digits) {
  if (digits.size() > 1 && digits[0] == '0')
    return std::nullopt;
  return Number(digits);
}

// "{prefix}{N}{suffix}" with N canonical.
std::optional<uint64_t> NumberedName(std::string_view file,
                                     std::string_view prefix,
                                     std::string_view suffix) {
  if (file.size() <= prefix.size() + suffix.size() || !file.starts_with(prefix) ||
      !file.ends_with(suffix))
    return std::nullopt;
  return Canonical(file.substr(prefix.size(), file.size() - prefix.size() - suffix.size()));
}

// "part{N}.{i}.m4s"
std::optional<std::pair<uint64_t, uint64_t>> ParsePartName(std::string_view file) {
  if (!file.starts_with("part") || !file.ends_with(".m4s"))
    return std::nullopt;
  const std::string_view mid = file.substr(4, file.size() - 8);
  const size_t dot = mid.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  const auto n = Canonical(mid.substr(0, dot)), i = Canonical(mid.substr(dot + 1));
  if (!n || !i)
    return std::nullopt;
  return std::make_pair(*n, *i);
}

bool IsHlsFile(std::string_view file) {
  return file == "playlist.m3u8" || (file.starts_with("seg") && file.ends_with(".ts")) ||
         ((file.starts_with("seg") || file.starts_with("part")) && file.ends_with(".m4s")) ||
         (file.starts_with("init") && file.ends_with(".mp4"));
}

// A request that may wait for the packager (blocking playlist reload, preload-hint part). Either
// the rendition's writer wakes it or the catalog's timer times it out; whichever comes first
// answers (`done`), the other does nothing.
struct Hold {
  http::Request request;
  http::Reply reply;
  std::shared_ptr<Stream> stream;  // keeps the rendition alive
  Rendition* rendition = nullptr;
  const Catalog* catalog = nullptr;
  std::function<http::Response()> answer;  // built when woken
  std::atomic<bool> done{false};
  std::atomic<uint64_t> timer{0};
};

void AnswerHeld(const std::shared_ptr<Hold>& hold) {
  if (hold->done.exchange(true))
    return;
  if (const uint64_t t = hold->timer.load())
    hold->catalog->deadlines().Cancel(t);
  hold->reply(hold->answer());
}

// Answers now, or holds the request until (msn, part) exists or the hold times out (503). Too
// far ahead: a blocking playlist request gets 400 (RFC 8216bis 6.2.5.2), a part that cannot come
// soon 404 (6.2.6: "Not Found" for what the server cannot find and no preload hint names).
enum class Awaiting { kPlaylist, kPart };
void AwaitThen(const Catalog& catalog,
               std::shared_ptr<Stream> stream,
               Rendition& rendition,
               const http::Request& request,
               http::Reply reply,
               uint64_t msn,
               std::optional<uint64_t> part,
               Awaiting what,
               std::function<http::Response()> answer) {
  // Everything the wake needs is set before the waiter is registered: the writer may wake it
  // before Await returns.
  auto hold = std::make_shared<Hold>();
  hold->request = request;
  hold->reply = std::move(reply);
  hold->stream = std::move(stream);
  hold->rendition = &rendition;
  hold->catalog = &catalog;
  hold->answer = std::move(answer);
  uint64_t id = 0;
  switch (rendition.Await(
      msn, part, [hold] { AnswerHeld(hold); }, &id)) {
    case AwaitResult::kReady:
      hold->reply(hold->answer());
      return;
    case AwaitResult::kNotLive:
      hold->reply(NotFound("stream not live"));
      return;
    case AwaitResult::kTooFar:
      hold->reply(what == Awaiting::kPart
                      ? NotFound("not found")
                      : BadRequest("_HLS_msn/_HLS_part too far ahead of the live edge"));
      return;
    case AwaitResult::kWaiting:
      break;
  }
  // If the writer woke it meanwhile, the timer is cancelled here (AnswerHeld saw no timer yet).
  const uint64_t t =
      catalog.deadlines().Schedule(Deadlines::Clock::now() + rendition.HoldTimeout(), [hold, id] {
        if (hold->done.exchange(true))
          return;
        hold->rendition->CancelWait(id);
        http::Response r = http::Response::Text(503, "not available in time\n");
        r.cache_control = "no-store";
        hold->reply(std::move(r));
      });
  hold->timer.store(t);
  if (hold->done.load())
    catalog.deadlines().Cancel(t);
}

std::optional<uint64_t> QueryNumber(const http::Request& request, std::string_view name) {
  return Number(request.QueryParam(name));
}

void ServeMediaPlaylist(const Catalog& catalog,
                        std::shared_ptr<Stream> stream,
                        Rendition& rendition,
                        const http::Request& request,
                        http::Reply reply) {
  const bool has_msn = request.HasQueryParam("_HLS_msn");
  const bool has_part = request.HasQueryParam("_HLS_part");
  const std::string skip = request.QueryParam("_HLS_skip");
  const bool ll = rendition.format() == SegmentFormat::kCmaf;
  // RFC 8216bis 6.2.5.1: _HLS_skip is ignored once the playlist has EXT-X-ENDLIST. v2 (skip date
  // ranges too) is for servers that offer CAN-SKIP-DATERANGES, which this one does not: such a
  // request gets the whole playlist (a YES delta would keep date ranges a v2 one must drop).
  if (ll && !skip.empty() && skip != "YES" && skip != "v2" && !rendition.ended())
    return reply(BadRequest("_HLS_skip must be YES or v2"));
  const bool delta = ll && skip == "YES";
  auto answer = [&rendition, request, delta, blocking = has_msn && ll] {
    const std::shared_ptr<const PlaylistDoc> doc = rendition.Document(delta && !rendition.ended());
    if (!doc)
      return NotFound("stream not live");
    // Blocking responses name one moment of the playlist (their URL carries the position): a CDN
    // may keep them a few seconds. Plain reloads must stay fresh. An ended playlist is final
    // until the stream is published again (its URLs are the stream's): kept a little longer.
    std::string cc = rendition.ended() ? "max-age=2" : blocking ? "public, max-age=6" : "max-age=1";
    return PlaylistResponse(request, *doc, std::move(cc));
  };
  // An ended playlist ignores the directives (6.2.5.2), malformed ones too.
  if (!ll || (!has_msn && !has_part) || rendition.ended())
    return reply(answer());
  const std::optional<uint64_t> msn = QueryNumber(request, "_HLS_msn");
  const std::optional<uint64_t> part = has_part ? QueryNumber(request, "_HLS_part") : std::nullopt;
  if (!has_msn || !msn || (has_part && !part))
    return reply(BadRequest("bad _HLS_msn/_HLS_part (RFC 8216bis 6.2.5.2)"));
  AwaitThen(catalog, std::move(stream), rendition, request, std::move(reply), *msn, part,
            Awaiting::kPlaylist, std::move(answer));
}

void ServeRendition(const Catalog& catalog,
                    std::shared_ptr<Stream> stream,
                    Rendition& rendition,
                    std::string_view file,
                    const http::Request& request,
                    http::Reply reply) {
  if (file == "playlist.m3u8")
    return ServeMediaPlaylist(catalog, std::move(stream), rendition, request, std::move(reply));
  const bool cmaf = rendition.format() == SegmentFormat::kCmaf;
  auto media = [request, name = std::string(file)](
                   std::shared_ptr<const std::vector<uint8_t>> bytes, std::string_view type) {
    if (!bytes)
      return NotFound("not found");
    http::Response r = http::Response::Bytes(200, std::move(bytes), std::string(type));
    r.cache_control = kImmutable;
    return ConditionalMedia(request, std::move(r), name);
  };
  if (!cmaf) {
    const std::optional<uint64_t> n = NumberedName(file, "seg", ".ts");
    return reply(n ? media(rendition.Segment(*n), kSegmentType) : NotFound("not found"));
  }
  const std::string_view mp4 = rendition.AudioOnly() ? kAudioMp4Type : kMp4Type;
  if (const auto n = NumberedName(file, "seg", ".m4s"))
    return reply(media(rendition.Segment(*n), mp4));
  if (const auto n = NumberedName(file, "init", ".mp4"))
    return reply(media(rendition.Init(*n), mp4));
  const auto part = ParsePartName(file);
  if (!part)
    return reply(NotFound("not found"));
  if (auto bytes = rendition.Part(part->first, part->second))
    return reply(media(std::move(bytes), mp4));
  // Not there (yet): a part the playlist's preload hint names is held until it is complete.
  AwaitThen(catalog, std::move(stream), rendition, request, std::move(reply), part->first,
            part->second, Awaiting::kPart, [media, &rendition, part = *part, mp4] {
              return media(rendition.Part(part.first, part.second), mp4);
            });
}

}  // namespace

void ServeHls(const Catalog& catalog, const http::Request& request, http::Reply reply) {
  std::string_view path = request.path;
  if (!path.starts_with(kLivePrefix))
    return reply(NotFound("not found"));
  path.remove_prefix(kLivePrefix.size());
  const std::vector<std::string_view> parts = SplitPath(path);
  const bool master =
      parts.size() == 2 && (parts[1] == "master.m3u8" || parts[1] == "master-ts.m3u8");
  const bool shape_ok = master || (parts.size() == 3 && !parts[1].empty() && IsHlsFile(parts[2]));
  if (!shape_ok || parts[0].empty())
    return reply(NotFound("not found"));
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = http::Response::Text(405, "method not allowed\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return reply(std::move(r));
  }
  std::shared_ptr<Stream> stream = catalog.Find(parts[0]);
  if (!stream)
    return reply(NotFound("unknown stream"));
  if (master) {
    const std::shared_ptr<const PlaylistDoc> doc = parts[1] == "master.m3u8"
                                                       ? stream->MasterDocument()
                                                       : stream->MasterDocument(SegmentFormat::kTs);
    if (!doc)
      return reply(NotFound("stream not live"));
    return reply(PlaylistResponse(request, *doc, "max-age=1"));
  }
  Rendition* rendition = stream->FindRendition(parts[1]);
  if (!rendition)
    return reply(NotFound("unknown rendition"));
  ServeRendition(catalog, std::move(stream), *rendition, parts[2], request, std::move(reply));
}

http::Response HandleHlsRequest(const Catalog& catalog, const http::Request& request) {
  auto promise = std::make_shared<std::promise<http::Response>>();
  std::future<http::Response> answer = promise->get_future();
  ServeHls(catalog, request, [promise](http::Response r) { promise->set_value(std::move(r)); });
  return answer.get();
}

http::Handler MakeHlsHandler(const Catalog& catalog) {
  return [&catalog](const http::Request& request, http::Reply reply) {
    ServeHls(catalog, request, std::move(reply));
  };
}

}  // namespace strait::transport::hls
