// Internal to the HTTP server: turns a Handler's Response into the Beast message that goes on
// the wire, adding the headers every response gets (Server, Date, CORS, Content-Length,
// Connection) and refusing handler headers that could split the response. Also the server's own
// answers (CORS preflight). Pure functions on values; called on a connection's strand.
#pragma once

#include <boost/beast/http.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "transport/http/message.h"

namespace strait::transport::http {

using WireResponse = boost::beast::http::response<boost::beast::http::buffer_body>;

struct WireOptions {
  unsigned version = 11;  // of the request: 10 or 11
  bool keep_alive = true;
  bool head = false;  // answer to HEAD: all headers, Content-Length of the body, no body
  std::chrono::system_clock::time_point now;
};

// Fills `out` from `in`. The body is not copied: `out` points into *in.body, which the caller
// must keep alive until `out` is written. Returns the status code used (an out-of-range one
// becomes 500).
int ToWire(const Response& in, const WireOptions& opts, WireResponse& out);

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"; independent of the C locale.
std::string HttpDate(std::chrono::system_clock::time_point t);

// True if a handler header may be sent: a token name, no CR/LF/NUL in the value, and not one
// of the framing headers the server owns (Content-Length, Transfer-Encoding, Connection, ...).
bool IsSendableHeader(std::string_view name, std::string_view value);

// The server's own answer to OPTIONS (CORS preflight): 204 with the Access-Control-* headers.
Response PreflightResponse();

}  // namespace strait::transport::http
