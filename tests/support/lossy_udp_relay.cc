#include "tests/support/lossy_udp_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <random>
#include <vector>

namespace strait::test {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

struct Pending {
  std::chrono::steady_clock::time_point due;
  bool to_server;
  std::vector<uint8_t> bytes;
};

}  // namespace

LossyUdpRelay::LossyUdpRelay(uint16_t server_port,
                             double loss,
                             std::chrono::milliseconds one_way_delay)
    : loss_(loss), delay_(one_way_delay) {
  front_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  back_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in any = Loopback(0);
  ::bind(front_, reinterpret_cast<sockaddr*>(&any), sizeof(any));
  socklen_t len = sizeof(any);
  ::getsockname(front_, reinterpret_cast<sockaddr*>(&any), &len);
  port_ = ntohs(any.sin_port);
  sockaddr_in server = Loopback(server_port);
  ::connect(back_, reinterpret_cast<sockaddr*>(&server), sizeof(server));
  thread_ = std::thread([this] { Run(); });
}

LossyUdpRelay::~LossyUdpRelay() {
  stop_ = true;
  thread_.join();
  ::close(front_);
  ::close(back_);
}

void LossyUdpRelay::Run() {
  std::mt19937 rng(20261128);  // deterministic loss pattern
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::deque<Pending> queue;  // constant delay: FIFO order is due order
  sockaddr_in client{};
  bool have_client = false;
  std::vector<uint8_t> buf(65536);
  while (!stop_) {
    pollfd fds[2] = {{front_, POLLIN, 0}, {back_, POLLIN, 0}};
    ::poll(fds, 2, 2);
    const auto now = std::chrono::steady_clock::now();
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & POLLIN))
        continue;
      sockaddr_in from{};
      socklen_t len = sizeof(from);
      const ssize_t n = ::recvfrom(fds[i].fd, buf.data(), buf.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0)
        continue;
      if (i == 0) {
        client = from;
        have_client = true;
      }
      if (coin(rng) < loss_) {
        dropped_++;
        continue;
      }
      queue.push_back({now + delay_, i == 0, std::vector<uint8_t>(buf.begin(), buf.begin() + n)});
    }
    while (!queue.empty() && queue.front().due <= now) {
      const Pending& p = queue.front();
      if (p.to_server) {
        ::send(back_, p.bytes.data(), p.bytes.size(), MSG_DONTWAIT);
      } else if (have_client) {
        ::sendto(front_, p.bytes.data(), p.bytes.size(), MSG_DONTWAIT,
                 reinterpret_cast<const sockaddr*>(&client), sizeof(client));
      }
      forwarded_++;
      queue.pop_front();
    }
  }
}

}  // namespace strait::test
