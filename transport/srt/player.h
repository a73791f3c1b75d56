// Player: one accepted SRT reader (streamid m=request). Owns the SRT socket and the MediaSource
// the PublishHandler returned, and runs a thread that pulls packets from the source, muxes them
// into MPEG-TS (codecs/ts/ts_muxer.h) and sends the bytes with blocking srt_sendmsg, payload_size
// bytes (7 TS packets) per message. A send that fails or stays blocked past send_timeout (a dead
// or stalled reader) closes this reader only; the source's own bounded queue keeps the publisher
// from ever waiting for it. When the thread ends it logs one line with the reason and the stream
// name.
//
// Threads: Start runs the thread; Close (any thread) marks it to stop and closes the socket, which
// unblocks a pending send; the destructor joins. The source is used only by the thread.
// Ownership: the Server owns every Player; the logger must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>

#include "codecs/result.h"
#include "transport/ingest.h"

namespace spdlog {
class logger;
}

namespace strait::transport::srt {

class Player {
 public:
  struct Options {
    int payload_size = 1316;
    std::chrono::milliseconds send_timeout{3000};  // SRTO_SNDTIMEO
    std::chrono::milliseconds first_packet_timeout{10000};
    std::shared_ptr<spdlog::logger> logger;
  };

  // Takes ownership of the connected socket `sock` (an SRTSOCKET) and of `source`.
  Player(int sock,
         std::string peer,
         std::string stream_name,
         std::unique_ptr<MediaSource> source,
         Options opts);
  ~Player();  // Close("server stopping") if still running, then joins
  Player(const Player&) = delete;
  Player& operator=(const Player&) = delete;

  void Start();
  void Close(const std::string& why);
  bool done() const { return done_; }
  uint64_t bytes_sent() const { return bytes_out_; }

 private:
  void Run();
  Status Stream();
  Status Send(std::span<const uint8_t> bytes);
  void CloseSocket();

  const int sock_;
  const std::string peer_;
  const std::string stream_name_;
  std::unique_ptr<MediaSource> source_;
  const Options opts_;
  const std::chrono::steady_clock::time_point started_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> bytes_out_{0};

  std::mutex mu_;
  bool socket_closed_ = false;  // guarded by mu_
  std::string why_;             // guarded by mu_: the reason given to Close
};

}  // namespace strait::transport::srt
