#include "transport/srt/connection.h"

#include <spdlog/spdlog.h>
#include <srt/srt.h>

#include <algorithm>
#include <cstring>

#include "transport/srt/ts_ingest.h"

namespace strait::transport::srt {

Connection::Connection(int sock,
                       std::string peer,
                       std::string stream_name,
                       std::unique_ptr<MediaSink> sink,
                       Options opts)
    : sock_(sock),
      peer_(std::move(peer)),
      stream_name_(std::move(stream_name)),
      sink_(std::move(sink)),
      opts_(std::move(opts)),
      started_(std::chrono::steady_clock::now()) {}

Connection::~Connection() {
  Join();
  CloseSocket();
}

void Connection::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Connection::Close(const std::string& why) {
  {
    std::lock_guard lock(mu_);
    if (why_.empty())
      why_ = why;
  }
  CloseSocket();
}

void Connection::CloseSocket() {
  std::lock_guard lock(mu_);
  if (!socket_closed_) {
    socket_closed_ = true;
    srt_close(sock_);
  }
}

void Connection::Join() {
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id())
    thread_.join();
}

int Connection::Read(uint8_t* buf, int size) {
  if (msg_pos_ == msg_size_) {
    const int n = srt_recvmsg(sock_, reinterpret_cast<char*>(msg_), sizeof(msg_));
    if (n <= 0) {
      const int err = srt_getlasterror(nullptr);
      std::lock_guard lock(mu_);
      if (!why_.empty())
        return -1;                                        // closed by Close(): its reason stands
      if (err == SRT_ETIMEOUT || err == SRT_EASYNCRCV) {  // SRTO_RCVTIMEO expired
        why_ = "idle timeout: nothing received for " + std::to_string(opts_.idle_timeout.count()) +
               " ms";
        return -1;
      }
      if (n == 0 || err == SRT_ECONNLOST)
        return 0;  // the caller closed the connection
      why_ = std::string("receive failed: ") + srt_getlasterror_str();
      return -1;
    }
    msg_size_ = n;
    msg_pos_ = 0;
    bytes_in_ += n;
    sink_->OnBytes(static_cast<size_t>(n));
  }
  const int take = std::min(size, msg_size_ - msg_pos_);
  std::memcpy(buf, msg_ + msg_pos_, take);
  msg_pos_ += take;
  return take;
}

void Connection::Run() {
  Status status = PumpTs([this](uint8_t* buf, int size) { return Read(buf, size); }, *sink_);
  std::string why;
  {
    std::lock_guard lock(mu_);
    why = why_;
  }
  // A reason recorded by Read or Close explains a demuxer error better than the demuxer does.
  if (!why.empty())
    status = Error(why);
  else if (!status.ok())
    why = status.error().message();
  else
    why = "caller closed the connection";
  sink_->OnEnd(status);
  sink_.reset();
  CloseSocket();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  opts_.logger->log(status.ok() ? spdlog::level::info : spdlog::level::warn,
                    "srt: {} closed: {} (stream {}, {} bytes in, {:.1f} s)", peer_, why,
                    stream_name_.empty() ? "-" : stream_name_, bytes_in_.load(), seconds);
  done_ = true;
}

ConnStats Connection::Stats() const {
  ConnStats s;
  s.stream_name = stream_name_;
  s.peer = peer_;
  s.bytes_received = bytes_in_;
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  SRT_TRACEBSTATS perf{};
  std::lock_guard lock(mu_);
  if (socket_closed_ || srt_bstats(sock_, &perf, 0) != 0)
    return s;
  s.rtt_ms = perf.msRTT;
  s.recv_rate_mbps = perf.mbpsRecvRate;
  s.packets_received = perf.pktRecvTotal;
  s.packets_lost = perf.pktRcvLossTotal;
  s.packets_retransmitted = perf.pktRcvRetrans;
  s.packets_dropped = perf.pktRcvDropTotal;
  s.recv_buffer_ms = perf.msRcvBuf;
  return s;
}

}  // namespace strait::transport::srt
