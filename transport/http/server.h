// Server: strait's HTTP/1.1 origin listener (Boost.Beast underneath, kept out of this header).
// Accepts TCP connections on a Boost.Asio io_context, parses requests, normalizes their targets
// (path.h; a bad one is answered 400 without calling the Handler), answers CORS preflights
// (OPTIONS) itself and hands every other request, whatever its method, to the Handler. It adds
// Server, Date, Content-Length and Access-Control-Allow-Origin to every response, strips the body
// of HEAD responses, keeps connections alive (HTTP/1.1 default, HTTP/1.0 on request), answers
// pipelined requests in order, and protects itself: 431 for oversized headers, 413 for oversized
// bodies, 429 when a connection exceeds its request rate (each followed by a close), timeouts
// for idle and slow (slowloris) clients, and a cap on open connections (extra ones are closed at
// once).
//
// Threads: the io_context may be run by any number of threads. Each connection runs on its own
// strand; the Handler is called on that strand, so calls for different connections may overlap.
// The Handler answers through `reply` exactly once, at once or later from any thread; the write
// is posted back onto the connection's strand, and dropped silently if the connection has closed
// meanwhile (later calls of the same reply are ignored). A connection waits for the reply of its
// current request before reading the next one. Response bodies are written from the shared bytes
// without a copy; the Response keeps them alive until the write completes.
// Lifetime: the io_context must outlive the Server and every pending `reply` (calling a reply
// after the io_context is destroyed is undefined). The Handler is owned by the server and lives
// until its last connection is gone. Stop() (also run by the destructor) closes the listener and
// every connection asynchronously; Start, port, stats and Stop may be called from any thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "codecs/clock.h"
#include "codecs/result.h"
#include "transport/http/message.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace strait::transport::http {

struct ServerOptions {
  std::string listen = "0.0.0.0:8080";  // "host:port", "[v6]:port"; port 0 = ephemeral
  size_t max_connections = 1024;        // more are accepted and closed at once
  // From one source address (so that one client cannot hold them all); 0: no cap. Keep it well
  // above what a CDN shield or a big NAT opens to an origin.
  size_t max_connections_per_ip = 1024;
  size_t max_header_bytes = 8192;       // request line + headers; more → 431 and close
  size_t max_body_bytes = 1 << 20;      // more → 413 and close
  // The body of the server's own refusals (413, 429, 431; a malformed request's 400) of a request
  // whose target it has read, e.g. the control API's JSON errors under its path. `why` says what
  // was over which limit ("request body over 1048576 bytes"). Null, or nullopt: plain text. Called
  // on the connection's strand.
  std::function<
      std::optional<Response>(int status, std::string_view target, const std::string& why)>
      refusal;
  // Per-connection token bucket: refills at this rate, holds up to `request_burst` requests.
  // Over it → 429 with Retry-After, then close. <= 0 disables the limit.
  double max_requests_per_second = 50;
  double request_burst = 100;
  std::chrono::milliseconds idle_timeout{30000};     // waiting for a request; also each write
  std::chrono::milliseconds request_timeout{10000};  // first byte to complete request
  std::shared_ptr<spdlog::logger> logger;            // null: spdlog's default logger
  const Clock* clock = nullptr;  // for rate limits and Date; null: the system clock. Must outlive
                                 // the server's connections.
};

// Counters, updated by the connections' strands, readable from any thread.
class Stats {
 public:
  static constexpr int kMinStatus = 100;
  static constexpr int kMaxStatus = 599;

  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_total{0};    // accepted, refused ones included
  std::atomic<uint64_t> connections_refused{0};  // closed at once: over max_connections
  std::atomic<uint64_t> connections_refused_per_ip{0};  // closed at once: over the per-IP cap
  std::atomic<uint64_t> bytes_sent{0};           // response bytes written, headers included

  // Counts one response; codes outside [kMinStatus, kMaxStatus] count as 500.
  void CountResponse(int status);
  uint64_t Requests(int status) const;  // responses sent with this status
  uint64_t TotalRequests() const;
  std::map<int, uint64_t> RequestsByStatus() const;  // only codes seen at least once

 private:
  std::array<std::atomic<uint64_t>, kMaxStatus - kMinStatus + 1> by_status_{};
};

class Server {
 public:
  // Binds and listens, then accepts on `io`. Errors: bad listen address, bind/listen failure.
  static Result<std::unique_ptr<Server>> Start(boost::asio::io_context& io,
                                               ServerOptions opts,
                                               Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  // Closes the listener and all connections (asynchronously, see above). Idempotent.
  void Stop();
  const Stats& stats() const;

  struct State;  // shared with the connections; defined in connection.h

 private:
  Server(std::shared_ptr<State> state, uint16_t port) : state_(std::move(state)), port_(port) {}

  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace strait::transport::http
