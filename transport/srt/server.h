// Server: strait's SRT listener (libsrt 1.5, live mode). A thread of its own waits on the
// listener with SRT epoll and accepts callers; each accepted publisher gets a Connection (its own
// reader thread demuxing MPEG-TS into the MediaSink the PublishHandler returned), each accepted
// reader (streamid m=request / "read:") a Player (its own thread muxing the MediaSource that
// PublishHandler::Play returned into MPEG-TS and sending it).
//
// Callers are vetted in libsrt's listen callback, before the handshake completes, so a refused
// caller never gets a socket and sees a standard SRT reject code (reject.h): the streamid is
// parsed (streamid.h), caller limits are enforced (total and per source IP), and
// PublishHandler::Check (CheckPlay for readers; unknown or not-live streams get 1404) decides;
// a stream's own passphrase (PublishCheck::passphrase) is set on
// the new socket there, so libsrt itself refuses a caller with the wrong one (strait learns of it
// from libsrt's log line naming the socket, and logs and counts it). After the accept,
// PublishHandler::Publish (Play) must still agree (it can lose a race), else the socket is closed.
// Publishers and readers count alike against the caller limits.
//
// Threads: the listen callback runs on libsrt's receive thread, the accept loop on the server's
// thread, each publisher and each reader on its own thread; PublishHandler::Check, CheckPlay,
// Publish and Play may therefore be called concurrently. A reader's thread blocks at most
// SRTO_SNDTIMEO in a send (a stalled reader is closed), never the publisher. Check runs on the
// thread that also moves every packet of every connection on this port, so it must be quick and
// never block. Start, port, Stop, connection_count and Stats may be called from any thread.
//
// Lifetime: the PublishHandler must outlive the Server. Stop() (also run by the destructor) closes
// the listener and every connection and reader and joins all threads before returning; each open
// publish gets exactly one MediaSink::OnEnd (an error: "server stopping") before Stop returns, and
// each reader's MediaSource is destroyed (unsubscribed).
//
// Every closed or refused connection logs one line saying why. Stream keys are never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codecs/result.h"
#include "transport/ingest.h"
#include "transport/srt/connection.h"

namespace spdlog {
class logger;
}

namespace strait::transport::srt {

struct ServerOptions {
  std::string listen = "0.0.0.0:9000";  // "host:port", "[v6]:port"; port 0 = ephemeral
  int latency_ms = 120;                 // SRTO_LATENCY (receiver latency, TSBPD)
  std::string passphrase;               // server-wide; empty = unencrypted unless per stream
  int pbkeylen = 16;                    // 16, 24 or 32 (AES-128/192/256)
  int payload_size = 1316;              // SRTO_PAYLOADSIZE: 7 TS packets
  int overhead_percent = 25;            // SRTO_OHEADBW: bandwidth for retransmissions
  std::chrono::milliseconds connect_timeout{3000};  // SRTO_CONNTIMEO
  std::chrono::milliseconds idle_timeout{10000};    // nothing received for this long: close
  size_t max_callers = 256;                         // publishers and readers in all
  size_t max_callers_per_ip = 16;                   // from one source address
  // Readers (m=request) of them: the rest stay for publishers, whom keyless readers (no read_key
  // configured) could otherwise lock out.
  size_t max_readers = 128;
  size_t max_streamid = 512;                        // longer streamids are refused (1400)
  std::shared_ptr<spdlog::logger> logger;           // null: spdlog's default logger
};

class Server {
 public:
  // Binds and listens, and starts the accept thread. Errors: bad listen address or options,
  // bind/listen failure.
  static Result<std::unique_ptr<Server>> Start(ServerOptions opts, PublishHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const { return port_; }
  // Closes the listener and all connections and joins every thread (see above). Idempotent.
  void Stop();
  // Publishing connections now open.
  size_t connection_count() const;
  // Callers libsrt refused for their passphrase (wrong, missing or unexpected) after the listen
  // callback accepted their streamid; each is also logged with the caller and the stream.
  uint64_t passphrase_refusals() const;
  // Readers (m=request) now open.
  size_t player_count() const;

  using ConnStats = srt::ConnStats;
  // One entry per publishing connection (libsrt's srt_bstats); no keys.
  std::vector<ConnStats> Stats() const;

  struct State;  // defined in server.cc

 private:
  Server(std::unique_ptr<State> state, uint16_t port);

  std::unique_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace strait::transport::srt
