// Server: strait's RTMP ingest listener. Accepts TCP connections on a Boost.Asio io_context and
// runs one Session (handshake, chunk stream, commands, media) per connection; publishes are
// authorised by the PublishHandler and fed to the MediaSink it returns.
//
// Threads: the io_context may be run by any number of threads. Each connection runs on its own
// strand, so its MediaSink is called by one thread at a time; PublishHandler::Publish may be
// called concurrently from different connections. Start, port, Stop and connection_count may be
// called from any thread.
// Lifetime: the io_context and the PublishHandler must outlive the Server and every handler it
// has queued (destroy the Server, then stop or keep running the io_context until it runs out of
// work; destroying the io_context is also fine). Stop() (also run by the destructor) closes the
// listener and every connection asynchronously; each open publish then gets exactly one
// MediaSink::OnEnd with an error, when its connection's strand runs the close, or when the
// connection is destroyed if the io_context never runs again.
// Every closed connection logs one line saying why. Stream keys are never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "codecs/result.h"
#include "transport/ingest.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace strait::transport::rtmp {

struct ServerOptions {
  std::string listen = "0.0.0.0:1935";  // "host:port", "[v6]:port"; port 0 = ephemeral
  size_t max_connections = 256;         // more are accepted and closed at once
  size_t max_connections_per_ip = 16;   // from one source address (SRT: max_callers_per_ip)
  std::chrono::milliseconds handshake_timeout{10000};  // TCP accept until handshake done
  // TCP accept until a publish is accepted: a connection that gives no stream key in this time
  // is closed (OBS and FFmpeg publish within a second), so keyless clients cannot hold the
  // connection slots.
  std::chrono::milliseconds publish_timeout{10000};
  // No byte received for this long: closed. A stalled publisher (a half-open connection after OBS
  // switched networks) holds its stream key until then, refusing OBS's reconnect: 10 s (as
  // MediaMTX's readTimeout; it was 30 s), time for a relay's input or a roaming TCP connection to
  // recover, and the reconnect still lands within the 10 s grace window that starts at the close.
  std::chrono::milliseconds idle_timeout{10000};
  uint32_t chunk_size = 4096;                          // the chunk size we send with
  size_t max_message_size = 8 << 20;                   // larger inbound messages close
  std::shared_ptr<spdlog::logger> logger;              // null: spdlog's default logger
};

class Server {
 public:
  // Binds and listens, then accepts on `io`. Errors: bad listen address, bind/listen failure.
  static Result<std::unique_ptr<Server>> Start(boost::asio::io_context& io,
                                               ServerOptions opts,
                                               PublishHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  // Closes the listener and all connections (asynchronously, see above). Idempotent.
  void Stop();
  size_t connection_count() const;

  struct State;  // shared with the connections; defined in server.cc

 private:
  Server(std::shared_ptr<State> state, uint16_t port) : state_(std::move(state)), port_(port) {}

  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace strait::transport::rtmp
