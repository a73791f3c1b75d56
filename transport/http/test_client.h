// Test-only helpers for the HTTP server tests: a server fixture running the io_context on two
// threads, a raw blocking TCP client (to send exactly the bytes a test needs, pipelined or
// malformed) and a curl runner. Used from the test thread only.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "transport/http/server.h"

namespace strait::transport::http::testing {

class RawClient {
 public:
  // receive_buffer > 0 fixes SO_RCVBUF (no autotuning), to make a slow reader really slow.
  // `source`: another loopback address to connect from (127.0.0.2: a second client address).
  explicit RawClient(uint16_t port, int receive_buffer = 0, const char* source = nullptr)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer > 0)
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    if (source) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &from.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  void Close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  // Reads until the peer closes (true) or `timeout` passes (false); appends to `out`.
  bool ReadUntilClosed(std::string& out, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      char buf[16384];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0)
        return true;  // EOF or reset
      out.append(buf, static_cast<size_t>(n));
    }
  }

  // One recv of at most `max` bytes, waiting up to `timeout`; false on EOF, error or timeout.
  bool ReadSome(std::string& out, size_t max, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    std::string buf(max, '\0');
    const ssize_t n = ::recv(fd_, buf.data(), max, 0);
    if (n <= 0)
      return false;
    out.append(buf.data(), static_cast<size_t>(n));
    return true;
  }

  // Reads one response: headers, then Content-Length body bytes unless `head`. Empty on
  // timeout or close before a full response.
  std::string ReadResponse(bool head = false,
                           std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const size_t end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t length = 0;
        const size_t cl = pending_.find("Content-Length: ");
        if (!head && cl != std::string::npos && cl < end)
          length = std::stoul(pending_.substr(cl + 16));
        if (pending_.size() >= end + 4 + length) {
          std::string response = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return response;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) < 0)
        break;
      if (p.revents & (POLLIN | POLLHUP)) {
        char buf[65536];
        const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n <= 0)
          break;
        pending_.append(buf, static_cast<size_t>(n));
      }
    }
    return {};
  }
  const std::string& pending() const { return pending_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string pending_;
};

// Runs `curl -s <args>` and returns its stdout.
inline std::string Curl(const std::string& args) {
  const std::string cmd = "curl -s --max-time 5 " + args;
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe)
    return {};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0)
    out.append(buf, n);
  ::pclose(pipe);
  return out;
}

inline int CountOf(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++count;
  return count;
}

// Polls `done` until it holds or 3 s pass.
template <typename F>
bool Eventually(F&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

class ServerFixture : public ::testing::Test {
 protected:
  ~ServerFixture() override {
    {
      std::lock_guard lock(later_mu_);
      for (auto& t : later_)
        t.join();
    }
    server_.reset();
    guard_.reset();
    for (auto& t : threads_)
      t.join();
  }

  void StartServer(Handler handler, ServerOptions opts = {}) {
    opts.listen = "127.0.0.1:0";
    auto server = Server::Start(io_, opts, std::move(handler));
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(server.value());
    for (int i = 0; i < 2; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }
  // Runs `f` on its own thread, joined before the server goes away (for late replies).
  void Later(std::function<void()> f) {
    std::lock_guard lock(later_mu_);
    later_.emplace_back(std::move(f));
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{
      io_.get_executor()};
  std::unique_ptr<Server> server_;
  std::vector<std::thread> threads_;
  std::mutex later_mu_;
  std::vector<std::thread> later_;
};

}  // namespace strait::transport::http::testing
