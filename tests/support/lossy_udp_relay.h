// Test support: a userspace "netem" for UDP. Relays datagrams between one client and a server on
// loopback, dropping a fraction of them in each direction and delaying the rest, so SRT's
// retransmission is exercised on any machine (no root, no sch_netem). A thread of its own runs
// the relay until the destructor stops and joins it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

namespace strait::test {

class LossyUdpRelay {
 public:
  // Forwards to 127.0.0.1:server_port; listens on an ephemeral loopback port (port()).
  LossyUdpRelay(uint16_t server_port, double loss, std::chrono::milliseconds one_way_delay);
  ~LossyUdpRelay();
  LossyUdpRelay(const LossyUdpRelay&) = delete;
  LossyUdpRelay& operator=(const LossyUdpRelay&) = delete;

  uint16_t port() const { return port_; }
  uint64_t forwarded() const { return forwarded_; }
  uint64_t dropped() const { return dropped_; }

 private:
  void Run();

  int front_ = -1;  // client side
  int back_ = -1;   // connected to the server
  uint16_t port_ = 0;
  const double loss_;
  const std::chrono::milliseconds delay_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace strait::test
