// Connection: one accepted SRT publisher. Owns the SRT socket and the MediaSink, and runs a thread
// that reads the socket (blocking srt_recvmsg with an idle timeout), demuxes MPEG-TS (PumpTs,
// ts_ingest.h) and feeds the sink: OnTrack / OnPacket / OnBytes, then OnEnd exactly once
// (OK when the caller closed the connection, an error otherwise). When the thread ends it logs one
// line with the reason and the stream name (never the key).
//
// Threads: Start runs the reader thread; Close (any thread) closes the socket, which unblocks the
// reader; Join (any thread but the reader) waits for it. Stats may be called from any thread. The
// sink is called only by the reader thread and destroyed by it after OnEnd.
// Ownership: the Server owns every Connection; the logger must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "transport/ingest.h"

namespace spdlog {
class logger;
}

namespace strait::transport::srt {

struct ConnStats {
  std::string stream_name;  // public name from PublishDecision (never the key)
  std::string peer;         // "ip:port"
  double rtt_ms = 0;
  double recv_rate_mbps = 0;
  int64_t packets_received = 0;
  int64_t packets_lost = 0;           // detected missing at the receiver
  int64_t packets_retransmitted = 0;  // retransmitted packets received
  int64_t packets_dropped = 0;        // too late to play, dropped
  int recv_buffer_ms = 0;             // undelivered time span in the receive buffer
  uint64_t bytes_received = 0;
  double seconds = 0;  // since accept
};

class Connection {
 public:
  struct Options {
    std::chrono::milliseconds idle_timeout{10000};
    std::shared_ptr<spdlog::logger> logger;
  };

  // Takes ownership of the connected socket `sock` (an SRTSOCKET) and of `sink`.
  Connection(int sock,
             std::string peer,
             std::string stream_name,
             std::unique_ptr<MediaSink> sink,
             Options opts);
  ~Connection();  // joins the thread (Close first to make that prompt)
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  // Closes the socket with `why` as the end reason (if nothing ended the connection before).
  void Close(const std::string& why);
  void Join();
  bool done() const { return done_; }
  ConnStats Stats() const;
  const std::string& peer() const { return peer_; }

 private:
  void Run();
  // The TsDemuxer's read function: bytes (>0), 0 at a clean end, <0 on error (reason in why_).
  int Read(uint8_t* buf, int size);
  void CloseSocket();

  const int sock_;
  const std::string peer_;
  const std::string stream_name_;
  std::unique_ptr<MediaSink> sink_;
  const Options opts_;
  const std::chrono::steady_clock::time_point started_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<uint64_t> bytes_in_{0};

  mutable std::mutex mu_;
  bool socket_closed_ = false;  // guarded by mu_
  std::string why_;             // guarded by mu_: the first reason the connection ended

  // Reader thread only: one SRT message (live mode: up to 1456 bytes) being handed out.
  uint8_t msg_[1500];
  int msg_size_ = 0;
  int msg_pos_ = 0;
};

}  // namespace strait::transport::srt
