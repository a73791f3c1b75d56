#include "transport/srt/streamid.h"

#include "transport/http/path.h"

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace strait::transport::srt {

namespace {

constexpr std::string_view kAccessControlPrefix = "#!::";

struct Failure {
  StreamIdProblem problem;
  std::string message;
};

// A parse step either yields T or a classified failure.
template <typename T>
using Step = std::variant<T, Failure>;

bool IsControl(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// Percent-decodes once ("%2523" becomes "%23", not "#"); '+' stays '+'.
Step<std::string> DecodeOnce(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    const int hi = i + 2 < in.size() ? http::HexDigitValue(in[i + 1]) : -1;
    const int lo = hi >= 0 ? http::HexDigitValue(in[i + 2]) : -1;
    if (lo < 0)
      return Failure{StreamIdProblem::kMalformed, "bad percent escape"};
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool IsAppChar(char c) {
  return IsKeyChar(c) || c == '/';
}

// Splits "live/KEY" into app and key and checks both.
std::optional<Failure> SplitResource(std::string resource, StreamId* id) {
  if (!resource.empty() && resource.front() == '/')
    resource.erase(0, 1);
  const size_t slash = resource.rfind('/');
  id->app = slash == std::string::npos ? "" : resource.substr(0, slash);
  id->key = slash == std::string::npos ? resource : resource.substr(slash + 1);
  id->resource = std::move(resource);
  if (id->key.empty())
    return Failure{StreamIdProblem::kNoKey, "no stream key in the resource"};
  for (char c : id->key) {
    if (!IsKeyChar(c))
      return Failure{StreamIdProblem::kMalformed, "stream key has characters outside A-Za-z0-9-_."};
  }
  if (id->key == "." || id->key == "..")
    return Failure{StreamIdProblem::kMalformed, "stream key is a dot segment"};
  if (id->app.empty())
    return slash == std::string::npos
               ? std::nullopt
               : std::optional<Failure>(Failure{StreamIdProblem::kMalformed, "empty app"});
  size_t start = 0;
  while (start <= id->app.size()) {
    size_t end = id->app.find('/', start);
    if (end == std::string::npos)
      end = id->app.size();
    const std::string_view seg = std::string_view(id->app).substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..")
      return Failure{StreamIdProblem::kMalformed, "empty or dot segment in the app"};
    start = end + 1;
  }
  for (char c : id->app) {
    if (!IsAppChar(c))
      return Failure{StreamIdProblem::kMalformed, "app has characters outside A-Za-z0-9-_./"};
  }
  return std::nullopt;
}

// "r=live/KEY,m=publish,u=alice": the part after "#!::".
std::optional<Failure> ParseAccessControl(std::string_view body, StreamId* id) {
  std::optional<std::string> resource, mode;
  std::string* fields[] = {&id->user, &id->session, &id->host, &id->type};
  bool seen[4] = {};
  while (!body.empty()) {
    const size_t comma = body.find(',');
    const std::string_view item = body.substr(0, comma);
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0)
      return Failure{StreamIdProblem::kMalformed, "access control item without key=value"};
    const std::string_view k = item.substr(0, eq);
    const std::string value(item.substr(eq + 1));
    const size_t field = std::string_view("ushtrm").find(k);
    if (k.size() != 1 || field == std::string_view::npos)
      continue;  // unknown keys are ignored, as the SRT access control spec asks
    std::optional<std::string>* opt = field == 4 ? &resource : field == 5 ? &mode : nullptr;
    if ((opt && opt->has_value()) || (!opt && std::exchange(seen[field], true)))
      return Failure{StreamIdProblem::kMalformed, "repeated access control key " + std::string(k)};
    if (opt)
      *opt = value;
    else
      *fields[field] = value;
  }
  // The SRT access control spec: "m ... request (default), publish, bidirectional".
  if (!mode || *mode == "request") {
    id->mode = StreamMode::kRequest;
  } else if (*mode != "publish") {
    return Failure{StreamIdProblem::kBadMode, "unsupported mode m=" + *mode};
  }
  if (!id->type.empty() && id->type != "stream")
    return Failure{StreamIdProblem::kBadType, "unsupported type t=" + id->type};
  if (!resource || resource->empty())
    return Failure{StreamIdProblem::kNoKey, "no resource (r=) in the access control streamid"};
  return SplitResource(std::move(*resource), id);
}

// "live/KEY" or "live/KEY:USER:PASS" (MediaMTX credentials): the part after "publish:"/"read:".
std::optional<Failure> ParseMediaMtx(std::string_view body, StreamId* id) {
  const size_t colon = body.find(':');
  if (colon != std::string_view::npos) {
    const std::string_view creds = body.substr(colon + 1);
    const size_t sep = creds.find(':');
    if (sep == std::string_view::npos || creds.find(':', sep + 1) != std::string_view::npos)
      return Failure{StreamIdProblem::kMalformed, "expected PATH:USER:PASS"};
    id->user = std::string(creds.substr(0, sep));
    id->session = std::string(creds.substr(sep + 1));
    body = body.substr(0, colon);
  }
  return SplitResource(std::string(body), id);
}

Step<StreamId> Parse(std::string_view raw, size_t max_bytes) {
  if (raw.size() > max_bytes)
    return Failure{StreamIdProblem::kMalformed,
                   "longer than " + std::to_string(max_bytes) + " bytes"};
  auto decoded = DecodeOnce(raw);
  if (auto* f = std::get_if<Failure>(&decoded))
    return std::move(*f);
  const std::string& s = std::get<std::string>(decoded);
  for (char c : s) {
    if (IsControl(static_cast<unsigned char>(c)))
      return Failure{StreamIdProblem::kMalformed, "control byte"};
  }
  if (s.empty())
    return Failure{StreamIdProblem::kNoKey, "empty streamid"};
  StreamId id;
  std::optional<Failure> failure;
  const std::string_view v(s);
  if (v.starts_with(kAccessControlPrefix)) {
    failure = ParseAccessControl(v.substr(kAccessControlPrefix.size()), &id);
  } else if (v.starts_with("publish:")) {
    failure = ParseMediaMtx(v.substr(8), &id);
  } else if (v.starts_with("read:")) {
    id.mode = StreamMode::kRequest;
    failure = ParseMediaMtx(v.substr(5), &id);
  } else {
    failure = SplitResource(s, &id);
  }
  if (failure)
    return std::move(*failure);
  return id;
}

}  // namespace

bool IsKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

Result<StreamId> ParseStreamId(std::string_view raw, StreamIdProblem* problem, size_t max_bytes) {
  auto step = Parse(raw, max_bytes);
  if (auto* f = std::get_if<Failure>(&step)) {
    if (problem)
      *problem = f->problem;
    return Error("streamid: " + f->message);
  }
  if (problem)
    *problem = StreamIdProblem::kNone;
  return std::get<StreamId>(std::move(step));
}

}  // namespace strait::transport::srt
