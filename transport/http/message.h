// HTTP request/response values exchanged between the Beast-based server (transport/http/server)
// and the handlers that produce content (HLS delivery, health, metrics). Deliberately free of
// Beast/Asio headers so that handlers stay light to compile.
//
// A Handler is called on a server thread and must answer exactly once through `reply`, either
// before returning or later from any thread (for blocking playlist reloads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strait::transport::http {

struct Request {
  std::string method;  // "GET", "HEAD", ...
  std::string target;  // as received, e.g. "/live/shop1/index.m3u8?_HLS_msn=3"
  std::string path;    // normalized and percent-decoded, always starts with '/'
  std::string query;   // raw query string without '?', may be empty
  std::string peer;    // "ip:port"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // request body, at most ServerOptions::max_body_bytes (POST/PUT)

  // Case-insensitive header lookup; empty if absent.
  std::string_view Header(std::string_view name) const;
  // Value of a query parameter (first occurrence, percent-decoded); empty if absent.
  std::string QueryParam(std::string_view name) const;
  bool HasQueryParam(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type;
  std::string cache_control;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // The body is shared, not copied: a segment held by the store is sent from the same bytes.
  std::shared_ptr<const std::vector<uint8_t>> body;

  static Response Text(int status,
                       std::string_view text,
                       std::string content_type = "text/plain; charset=utf-8");
  static Response Bytes(int status,
                        std::shared_ptr<const std::vector<uint8_t>> bytes,
                        std::string content_type);
};

using Reply = std::function<void(Response)>;
using Handler = std::function<void(const Request&, Reply)>;

}  // namespace strait::transport::http
