// App: the running server. Owns the IO threads, the RTMP, SRT and HTTP servers, the stream registry
// and the HLS catalog, and wires them: RTMP or SRT publish → StreamRegistry (key check) →
// per-stream HLS packager → segment store → HTTP origin.
//
// Threads: Start() spawns `io_threads` threads that run one io_context shared by the RTMP and HTTP
// servers; the SRT server runs its own threads (libsrt has its own sockets and epoll).
// Stop() (idempotent, any thread but an IO thread) closes listeners and connections, ends live
// publishes, joins the threads. Destruction stops.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "codecs/clock.h"
#include "codecs/result.h"
#include "pipeline/config.h"

namespace spdlog {
class logger;
}

namespace strait::pipeline {

class App {
 public:
  static Result<std::unique_ptr<App>> Start(Config config,
                                            std::shared_ptr<spdlog::logger> logger,
                                            const Clock& clock);
  virtual ~App() = default;

  virtual uint16_t rtmp_port() const = 0;
  virtual uint16_t http_port() const = 0;
  virtual uint16_t srt_port() const = 0;
  // The bearer token of the control API (api.token, or the one kept in DATA_DIR/api.token).
  virtual std::string api_token() const = 0;
  // Prometheus text exposition of every metric (also served at /metrics).
  virtual std::string MetricsText() const = 0;
  virtual void Stop() = 0;
};

// The first media sequence number at `now` (before the data directory's floor): half seconds
// since 2025-01-01T00:00Z, so that no restart reuses a number however short the segments
// (hls.segment_duration >= 0.5 s), and below 2^31 until 2059 for 32-bit player parsers.
uint64_t SequenceFromWallClock(std::chrono::system_clock::time_point now);

// `strait serve`: starts the App, prints the start-up banner (OBS settings, playback URLs),
// runs until a signal. Returns the process exit code.
int RunServer(Config config, std::shared_ptr<spdlog::logger> logger);

}  // namespace strait::pipeline
