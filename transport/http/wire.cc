#include "transport/http/wire.h"

#include <boost/beast/core/string.hpp>

#include <array>
#include <cstdio>
#include <ctime>

namespace strait::transport::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Responses that never carry a body nor, per RFC 9110, a Content-Length (204) or one that
// describes another representation (304).
bool StatusHasNoBody(int status) {
  return status < 200 || status == 204 || status == 304;
}

}  // namespace

std::string HttpDate(std::chrono::system_clock::time_point t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7],
                tm.tm_mday, kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

bool IsSendableHeader(std::string_view name, std::string_view value) {
  if (name.empty())
    return false;
  for (char c : name) {
    if (!IsTokenChar(c))
      return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0')
      return false;
  }
  for (std::string_view owned : {"content-length", "transfer-encoding", "connection", "date",
                                 "server", "keep-alive", "upgrade", "trailer"}) {
    if (beast::iequals(name, owned))
      return false;
  }
  return true;
}

int ToWire(const Response& in, const WireOptions& opts, WireResponse& out) {
  const int status = (in.status >= 100 && in.status <= 599) ? in.status : 500;
  out = WireResponse();
  out.version(opts.version);
  out.result(static_cast<unsigned>(status));
  out.set(bhttp::field::server, "strait");
  out.set(bhttp::field::date, HttpDate(opts.now));
  out.set(bhttp::field::access_control_allow_origin, "*");
  if (!in.content_type.empty() && IsSendableHeader("Content-Type", in.content_type))
    out.set(bhttp::field::content_type, in.content_type);
  if (!in.cache_control.empty() && IsSendableHeader("Cache-Control", in.cache_control))
    out.set(bhttp::field::cache_control, in.cache_control);
  for (const auto& [name, value] : in.headers) {
    if (IsSendableHeader(name, value))
      out.insert(name, value);
  }
  const bool no_body = StatusHasNoBody(status);
  const size_t size = (in.body && !no_body) ? in.body->size() : 0;
  if (!no_body)
    out.content_length(size);
  auto& body = out.body();
  body.more = false;
  if (opts.head || size == 0) {
    body.data = nullptr;
    body.size = 0;
  } else {
    // buffer_body wants a mutable pointer but only reads through it when serializing.
    body.data = const_cast<uint8_t*>(in.body->data());
    body.size = size;
  }
  out.keep_alive(opts.keep_alive);
  return status;
}

Response PreflightResponse() {
  Response r;
  r.status = 204;
  // PATCH for the card API; Authorization named explicitly: the Fetch standard's "*" wildcard
  // does not cover it, and the card API's bearer token travels in it.
  r.headers = {{"Access-Control-Allow-Methods", "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"},
               {"Access-Control-Allow-Headers", "*, Authorization"},
               {"Access-Control-Max-Age", "86400"},
               {"Allow", "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE"}};
  return r;
}

}  // namespace strait::transport::http
